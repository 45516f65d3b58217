"""The changing world: year-by-year conditions from ``sim/data/world.csv``, with scenario overrides.

Named regimes in the table (exit regime in North Korea, standing enforcement in China, and a
temporary enforcement campaign on top of it) map to parameters (``departures_<regime>``,
``arrest_multiplier_<level>``, ``campaign_arrest_multiplier_<campaign>`` ...), so a scenario can
change either the calendar of regimes or the strength of a regime. A campaign multiplies the
standing regime's arrests by at least 1 (the parameters' bounds), so a crackdown is harsher than
the conditions it is added to in any year; its effect on onward movement may go either way (it
blocks brokers and routes but makes hiding riskier, which pushes people on), and is estimated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from .calendar import MONTHS_PER_YEAR, Calendar, year_range
from .errors import InputError, nearest, shown, text_for_number
from .parameters import Parameters

ROUTE_COLUMNS = ["route_laos_thailand", "route_vietnam_cambodia", "route_mongolia", "route_other"]
# South Korea by year: comparators (KHF survey years), the support package, and attitudes
SOUTH_COLUMNS = ["sk_participation", "sk_employment_rate", "sk_unemployment_rate",
                 "sk_mean_wage_mkrw", "settlement_cash_mkrw", "housing_subsidy_mkrw", "prejudice",
                 "asylum_uk", "asylum_canada", "asylum_other"]  # and third countries' doors
FLAG_COLUMNS = ("north_takes_returns", "distancing")  # 1 or 0 by year
SHARE_COLUMNS = ("fee_surveillance",)  # between 0 and 1 by year
REGIME_COLUMNS = {"exit_regime": "departures_", "china_enforcement": "arrest_multiplier_",
                  "china_campaign": "campaign_arrest_multiplier_"}
DAYS_PER_MONTH = 365.25 / 12
ROUTE_SUM_TOLERANCE = 1e-6


def load_table() -> pd.DataFrame:
    """The world table shipped with the package, indexed by year (a fresh copy)."""
    return _table().copy()


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    with resources.files("sim.data").joinpath("world.csv").open() as handle:
        return pd.read_csv(handle, comment="#").set_index("year")


def _years(spec: Any, where: str) -> list[int]:
    try:
        first, last = year_range(spec)
    except ValueError as err:
        raise InputError(f"{where}.years: {err}") from None
    return list(range(first, last + 1))


def apply_overrides(table: pd.DataFrame, overrides: Sequence[Mapping[str, Any]],
                    params: Parameters, where: str) -> pd.DataFrame:
    """Copy of ``table`` with each override row ``{years: ..., column: value}`` applied."""
    table = table.copy()
    columns = [c for c in table.columns if c != "source"]
    for i, row in enumerate(overrides):
        here = f"{where}[{i}]"
        if "years" not in row:
            raise InputError(f"{here}: missing key 'years' (a year or a range like 2027-2035)")
        years = _years(row["years"], here)
        first, last = int(table.index.min()), int(table.index.max())
        if years[0] < first or years[-1] > last:
            raise InputError(f"{here}.years: {row['years']!r} reaches outside the world table "
                             f"({first}-{last}); the model runs within those years")
        for key, value in row.items():
            if key in ("years", "source"):
                continue
            if key not in columns:
                raise InputError(f"{here}.{key}: unknown world column {key!r}"
                                 f"{nearest(key, columns)}; "
                                 f"expected one of {columns}")
            _check_cell(key, value, params, f"{here}.{key}")
            for year in years:
                table.loc[year, key] = value
        _check_routes(table, years, row, here)
        for year in years:
            table.loc[year, "source"] = f"scenario override ({row.get('source', where)})"
    return table


def _check_routes(table: pd.DataFrame, years: list[int], row: Mapping[str, Any],
                  where: str) -> None:
    """Route shares divide the onward journeys of a year: those a row sets must leave each of
    its years with shares that sum to 1."""
    given = [c for c in ROUTE_COLUMNS if c in row]
    if not given:
        return
    sums = table.loc[years, ROUTE_COLUMNS].astype(float).sum(axis=1)
    bad = sums[(sums - 1).abs() > ROUTE_SUM_TOLERANCE]
    if len(bad):
        raise InputError(f"{where}.{given[0]}: the route shares of {int(bad.index[0])} sum to "
                         f"{bad.iloc[0]:.6g}; they divide the year's onward journeys and must "
                         f"sum to 1 (give all of {', '.join(ROUTE_COLUMNS)} in this row)")


def _regimes(column: str, params: Parameters) -> list[str]:
    """The named regimes a regime column accepts (from its parameters' names)."""
    prefix = REGIME_COLUMNS[column]
    return sorted(k[len(prefix):] for k in params if k.startswith(prefix))


def _check_cell(column: str, value: Any, params: Parameters, where: str) -> None:
    if column in REGIME_COLUMNS:
        known = _regimes(column, params)
        if value not in known:
            other = next((c for c in REGIME_COLUMNS if c != column
                          and value in _regimes(c, params)), None)
            hint = (f" ({value!r} is a {other} value: set {other}: {value})" if other
                    else nearest(value, known))
            raise InputError(f"{where}: unknown regime {value!r}{hint}; expected one of {known}")
    elif isinstance(value, str):
        raise InputError(f"{where}: {text_for_number(value)} (got {shown(value)})")
    elif column in FLAG_COLUMNS and (isinstance(value, bool) or value not in (0, 1)):
        raise InputError(f"{where}: expected 1 (yes) or 0 (no), got {shown(value)}")
    elif column in SHARE_COLUMNS and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not 0 <= value <= 1):
        raise InputError(f"{where}: expected a share between 0 and 1, got {shown(value)}")
    elif isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, int) and value > 1e300) or not 0 <= value < math.inf:
        raise InputError(f"{where}: expected a finite non-negative number, got {shown(value)}")


def enforcement(params: Parameters, kind: str, level: np.ndarray,
                campaign: np.ndarray) -> np.ndarray:
    """Per-year ``kind`` (arrest or onward) multiplier: the standing regime times the campaign."""
    return np.array([params[f"{kind}_multiplier_{v}"] * params[f"campaign_{kind}_multiplier_{c}"]
                     for v, c in zip(level, campaign, strict=True)])


def broker_fee(fee_usd: np.ndarray, surveillance: np.ndarray, multiplier: float) -> np.ndarray:
    """The fee paid in each year: the table's fee times the share ``surveillance`` (0-1, in log
    terms) of the premium that China's surveillance added from 2020 (``multiplier``; fees of up
    to ~$85k were reported in 2024 against ~$17k before COVID-19, TV Chosun 2024)."""
    return fee_usd * multiplier ** surveillance


CABLE_YEARS = (2002, 2003, 2004, 2005)  # the years the missions' two-year window may fall in
CABLE_WINDOW_YEARS = 2  # "for 2 years" (US Embassy Manila, 2005 cable released by WikiLeaks)
SETTLEMENT_CASH_1998_MKRW = 37.0  # settlement cash a person, 1998-2004 (Ministry of Unification)


def credit_share(cash_mkrw: np.ndarray, share: float, elasticity: float) -> np.ndarray:
    """Share of the journeys from China run on credit in each year. Brokers paid after arrival
    are paid out of the settlement money (WaPo 2016), so they front fewer journeys when it is
    cut (37M KRW a person in 1998-2004, 10M from 2005, 6M from 2007; Ministry of Unification):
    ``share`` at the 1998-2004 sum, times (cash / 37M KRW) ** ``elasticity``, at most 1."""
    return np.minimum(1.0, share * (cash_mkrw / SETTLEMENT_CASH_1998_MKRW) ** elasticity)


def mission_transit(per_year: np.ndarray, calendar: Calendar, start_year: float) -> np.ndarray:
    """People a month who reach South Korea's diplomatic missions in China and are flown on
    through a third country: the table's people a year spread over its months, except that in
    the years the cable's window may fall in (:data:`CABLE_YEARS`: from the mission entries of
    2002, when China let people inside foreign missions leave through a third country, to the
    2005 cable) only the two years from ``start_year`` count (nearly 500 a year for two years
    through Manila, US Embassy Manila 2005; which two years the cable does not say)."""
    months = np.arange(calendar.n_months)
    year = calendar.decimal_year(months)  # each month's start
    window = (year >= start_year) & (year < start_year + CABLE_WINDOW_YEARS)
    cable = np.isin(calendar.year_of(months), CABLE_YEARS)
    per_month = np.repeat(per_year, MONTHS_PER_YEAR) / MONTHS_PER_YEAR
    return np.where(cable & ~window, 0.0, per_month)


def broker_access(years: np.ndarray, midyear: float, spread: float) -> np.ndarray:
    """Share of the mature broker network available in each year (logistic growth).

    The network of brokers and Southeast Asian routes grew from almost nothing in the late 1990s
    (North Koreans entering Thailand: 46 in 2004, 2,482 in 2010; Bangkok Post).
    """
    return 1.0 / (1.0 + np.exp(-(years + 0.5 - midyear) / spread))


class World:
    """Per-year arrays of the conditions the rules use, for the years of a calendar.

    Args:
        table: World table indexed by year (after overrides).
        params: Parameter values.
        calendar: The run's calendar; every year of it must be in the table.
    """

    def __init__(self, table: pd.DataFrame, params: Parameters, calendar: Calendar) -> None:
        missing = [y for y in calendar.years if y not in table.index]
        if missing:
            raise InputError(f"world table: no row for years {missing[0]}-{missing[-1]}; the "
                             "horizon must lie within the table (add rows with `world:` overrides)")
        rows = table.loc[list(calendar.years)]
        self.table = rows
        self.calendar = calendar
        p = params
        exit_regime = rows["exit_regime"].to_numpy()
        level = rows["china_enforcement"].to_numpy()
        campaign = rows["china_campaign"].to_numpy()
        self.push_departures = np.array([p[f"departures_{r}"] for r in exit_regime])
        self.female_share = np.array([p[f"female_share_{r}"] for r in exit_regime])
        self.chain_rate = np.array([p[f"chain_rate_{r}"] for r in exit_regime])
        self.planned_share = np.array([p[f"planned_share_{r}"] for r in exit_regime])
        self.relative_exit = self.push_departures / p["departures_famine"]
        self.arrest_multiplier = enforcement(p, "arrest", level, campaign)
        self.onward_multiplier = enforcement(p, "onward", level, campaign)
        self.broker_fee_usd = broker_fee(rows["broker_fee_usd"].to_numpy(dtype=np.float64),
                                         rows["fee_surveillance"].to_numpy(dtype=np.float64),
                                         p["broker_fee_surveillance_multiplier"])
        self.broker_access = broker_access(np.array(calendar.years), p["broker_network_midyear"],
                                           p["broker_network_spread_years"])
        shares = rows[ROUTE_COLUMNS].to_numpy(dtype=np.float64)
        self.route_shares = shares / shares.sum(axis=1, keepdims=True)
        self.airlift_people = rows["airlift_people"].to_numpy(dtype=np.float64)
        self.mission_transit_per_month = mission_transit(
            rows["mission_transit_people"].to_numpy(dtype=np.float64), calendar,
            p["mission_transit_start_year"])
        self.north_takes_returns = rows["north_takes_returns"].to_numpy() == 1
        self.distancing = rows["distancing"].to_numpy() == 1
        for column in SOUTH_COLUMNS:
            setattr(self, column, rows[column].to_numpy(dtype=np.float64))
        self._credit = p["broker_credit_share"], p["broker_credit_cash_elasticity"]
        self.lever_cash_mkrw = np.zeros(len(rows))  # cash levers add (expected, a person)
        self.broker_credit_share = credit_share(self.settlement_cash_mkrw, *self._credit)
        self.nis_max_months = np.maximum(
            1, np.round(rows["nis_max_days"].to_numpy(dtype=np.float64) / DAYS_PER_MONTH)
        ).astype(np.int64)

    def add_settlement_cash(self, extra_mkrw: np.ndarray) -> None:
        """Cash a lever adds to the settlement money of each year (expected, a person): brokers
        front journeys against it, so the credit share is taken at the table's cash plus every
        lever's (:func:`credit_share`)."""
        self.lever_cash_mkrw = self.lever_cash_mkrw + extra_mkrw
        self.broker_credit_share = credit_share(self.settlement_cash_mkrw + self.lever_cash_mkrw,
                                                *self._credit)

    def index(self, month: int) -> int:
        """Row of the per-year arrays for a month index."""
        return month // 12
