"""Monthly recording and the yearly indicator table (tidy: one row per value).

Columns: ``replicate,year,indicator,sex,years_since_arrival,value``. ``sex`` is all, female or male;
``years_since_arrival`` is all or a band 0, 1, ..., 5, 6+. Rates and shares are percentages; counts
are people (agents times ``scale``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..engine.stages import (ASYLUM_DESTINATIONS, DESTINATIONS, IN_CHINA, IN_SOUTH, IN_TRANSIT,
                             N_STAGES, NO_MONTH, Stage)

if TYPE_CHECKING:  # pandas loads when a table is made: the scenario schema reads the names only
    import pandas as pd

COLUMNS = ["replicate", "year", "indicator", "sex", "years_since_arrival", "value"]
SEXES = ("all", "female", "male")
BANDS = ("0", "1", "2", "3", "4", "5", "6+")
INDICATORS = (
    "departures", "arrivals", "cumulative_arrivals", "female_share_of_arrivals",
    "arrivals_aged_0_19_share", "arrivals_aged_20_39_share", "arrivals_aged_40_59_share",
    "arrivals_aged_60_plus_share", "in_china", "in_transit", "detained_in_china", "repatriated",
    "mean_years_abroad_of_arrivals", "median_years_abroad_of_arrivals", "residents_in_south",
    "deaths", "deaths_in_south", "in_north_korea", "ptsd_at_hanawon_exit_share",
    # survey-style, measured in July (sim/survey.py), by sex and years since arrival
    "labour_force_participation", "employment_rate", "unemployment_rate",
    "mean_monthly_wage_mkrw", "regular_job_share", "daily_job_share", "self_employed_share",
    "mean_job_tenure_months", "livelihood_benefit_share", "discrimination_share",
    "remittance_share", "ptsd_prevalence", "depression_prevalence", "suicidal_ideation_share",
    "suicidal_ideation_ever_share",
    "mental_health_service_use_share", "loneliness_share", "mean_ties",
    "mean_ties_to_south_koreans", "no_one_to_rely_on_share", "life_satisfaction_share",
    "considered_return_share", "mean_debt_mkrw", "mean_savings_mkrw", "vocational_training_share",
    "surveyed_count", "employed_count", "depressed_count", "discriminated_count", "ideation_count",
    # events in the South in the year
    "onward_migration_count", "onward_migration_uk_count", "onward_migration_canada_count",
    "onward_migration_other_count", "onward_migration_asylum_count",
    "onward_migration_unrecorded_count", "return_to_nk_count", "suicides",
    "suicide_share_of_deaths",
    # South Korean comparators (world table)
    "sk_labour_force_participation", "sk_employment_rate", "sk_unemployment_rate",
    "sk_mean_wage_mkrw",
)
COUNT_INDICATORS = frozenset(name for name in INDICATORS if name.endswith("_count") or name in (
    "departures", "arrivals", "cumulative_arrivals", "in_china", "in_transit",
    "detained_in_china", "repatriated", "residents_in_south", "deaths", "deaths_in_south",
    "in_north_korea", "suicides"))
"""Indicators that count people (summed over a range of years); the rest are rates and means."""
RUNNING_TOTALS = frozenset({"cumulative_arrivals"})
"""Indicators that count every year since the record began (a year's value is not that year's)."""
PATHWAY_INDICATORS = frozenset(INDICATORS[:INDICATORS.index("residents_in_south")])
"""Indicators the pathway alone produces (departures to arrival): a run that steps only the
pathway (``pathway_only``) gives them as a full run does, but for the few sponsors of chain
defection lost to suicide or departure from the South."""
AGE_MIX = {"arrivals_aged_0_19_share": (0, 20), "arrivals_aged_20_39_share": (20, 40),
           "arrivals_aged_40_59_share": (40, 60), "arrivals_aged_60_plus_share": (60, 200)}
"""Age bands (years at arrival, [low, high)) of the age mix of arrivals, as the MOU tables."""
SK_COMPARATORS = {"sk_labour_force_participation": "sk_participation",  # indicator: world column
                  "sk_employment_rate": "sk_employment_rate",
                  "sk_unemployment_rate": "sk_unemployment_rate",
                  "sk_mean_wage_mkrw": "sk_mean_wage_mkrw"}


class Recorder:
    """Counts what happens each month, cheaply, for the indicators at the end of a run."""

    EVENTS = ("departures", "repatriated", "deaths_in_south", "suicides", "moved_on",
              *(f"moved_on_{d}" for d in DESTINATIONS), "returned_north")
    handles = {"departed": "departed"}  # model events it counts

    def __init__(self, n_months: int, population) -> None:
        self._population = population
        self.events = {name: np.zeros((n_months, 2), dtype=np.int64) for name in self.EVENTS}
        self.stage_counts = np.zeros((n_months, N_STAGES, 2), dtype=np.int64)
        self.residents_by_band = np.zeros((n_months // 12, len(BANDS), 2), dtype=np.int64)

    def event(self, name: str, month: int, rows: np.ndarray) -> None:
        """Count people to whom event ``name`` happened this month, by sex."""
        if rows.size:
            women = np.count_nonzero(self._population.female[rows])
            counted = self.events[name]
            counted[month, 0] += rows.size - women
            counted[month, 1] += women

    def departed(self, rows: np.ndarray, month: int) -> None:
        """People who left North Korea this month."""
        self.event("departures", month, rows)

    def end_of_month(self, month: int, counts: np.ndarray, groups: list[np.ndarray]) -> None:
        """Record stocks by stage and sex; in December also residents by years since arrival."""
        self.stage_counts[month] = counts
        if month % 12 == 11:
            pop = self._population
            rows = np.concatenate([groups[s] for s in IN_SOUTH])
            band = years_since_arrival_band(pop.arrival_month[rows], month)
            self.residents_by_band[month // 12] = np.bincount(
                band * 2 + pop.female[rows], minlength=2 * len(BANDS)).reshape(len(BANDS), 2)


def years_since_arrival_band(arrival_month: np.ndarray, month: int) -> np.ndarray:
    """Band index (0..6, the last meaning 6+) of full calendar years since the arrival year.

    People who arrived before the model starts (``NO_MONTH``) are in 6+.
    """
    years = np.where(arrival_month == NO_MONTH, len(BANDS) - 1, month // 12 - arrival_month // 12)
    return np.clip(years, 0, len(BANDS) - 1).astype(np.int64)


def _by_sex(values: np.ndarray) -> dict[str, np.ndarray]:
    """(years, 2) counts by sex (0 male, 1 female) into the three sex rows."""
    return {"all": values.sum(axis=1), "female": values[:, 1], "male": values[:, 0]}


def _yearly(month_index: np.ndarray, female: np.ndarray, n_years: int) -> np.ndarray:
    """(years, 2) counts of events happening in the given months."""
    ok = (month_index != NO_MONTH) & (month_index >= 0)
    key = (month_index[ok] // 12) * 2 + female[ok]
    return np.bincount(key, minlength=2 * n_years)[: 2 * n_years].reshape(n_years, 2)


def indicator_table(model, replicate: int = 0) -> pd.DataFrame:
    """All indicators of a finished run as a tidy DataFrame."""
    return _table(*indicator_series(model), replicate)


def indicator_series(model) -> tuple[list[tuple[str, str, str, np.ndarray]], np.ndarray]:
    """All indicators of a run (finished, or so far) as ``(indicator, sex, band, values by
    year)`` series, NaN where there is no value, and the years: what the table holds, without
    building it (a calibration reads a few targets from them)."""
    pop, rec, cal, scale = model.population, model.recorder, model.calendar, model.scale
    n, years = pop.n, np.array(cal.years)
    n_years = years.size
    female = pop.female[:n].astype(np.int64)
    december = rec.stage_counts[11::12]
    rows: list[tuple] = []  # (name, sex, band, the year's values), in the table's order

    def add(name: str, values: dict[str, np.ndarray], band: str = "all") -> None:
        for sex, series in values.items():
            series = np.asarray(series, dtype=np.float64)
            if series.shape != years.shape:
                raise ValueError(f"{name}: {series.shape[0]} values for {years.size} years")
            rows.append((name, sex, band, series))

    arrivals = _yearly(pop.arrival_month[:n], female, n_years) * scale
    add("departures", _by_sex(rec.events["departures"].reshape(n_years, 12, 2).sum(1) * scale))
    add("arrivals", _by_sex(arrivals))
    offset = model.params["pre_1995_arrivals"] * np.array(
        [1 - model.params["pre_1995_female_share"], model.params["pre_1995_female_share"]])
    add("cumulative_arrivals", _by_sex(np.round(offset + np.cumsum(arrivals, axis=0))))
    with np.errstate(invalid="ignore", divide="ignore"):
        add("female_share_of_arrivals", {"all": 100 * arrivals[:, 1] / arrivals.sum(axis=1)})
    for name, share in _age_mix(pop, n_years).items():
        add(name, share)
    add("in_china", _by_sex(december[:, list(IN_CHINA)].sum(axis=1) * scale))
    add("in_transit", _by_sex(december[:, list(IN_TRANSIT)].sum(axis=1) * scale))
    add("detained_in_china", _by_sex(december[:, Stage.DETAINED_IN_CHINA] * scale))
    add("repatriated", _by_sex(rec.events["repatriated"].reshape(n_years, 12, 2).sum(1) * scale))
    for stat, values in _years_abroad(pop, n_years).items():
        add(f"{stat}_years_abroad_of_arrivals", values)
    add("residents_in_south", _by_sex(december[:, list(IN_SOUTH)].sum(axis=1) * scale))
    for b, band in enumerate(BANDS):
        add("residents_in_south", _by_sex(rec.residents_by_band[:, b] * scale), band)
    add("deaths", _by_sex(_yearly(pop.death_month[:n], female, n_years) * scale))
    yearly = {name: rec.events[name].reshape(n_years, 12, 2).sum(1) for name in rec.EVENTS}
    add("onward_migration_count", _by_sex(yearly["moved_on"] * scale))
    for destination in DESTINATIONS:
        add(f"onward_migration_{destination}_count",
            _by_sex(yearly[f"moved_on_{destination}"] * scale))
    add("onward_migration_asylum_count",
        _by_sex(sum(yearly[f"moved_on_{d}"] for d in ASYLUM_DESTINATIONS) * scale))
    add("return_to_nk_count", _by_sex(yearly["returned_north"] * scale))
    add("deaths_in_south", _by_sex(yearly["deaths_in_south"] * scale))
    add("in_north_korea", _by_sex(december[:, Stage.IN_NORTH_KOREA] * scale))
    add("ptsd_at_hanawon_exit_share", _ptsd_at_exit(pop, n_years))
    add("suicides", _by_sex(yearly["suicides"] * scale))
    with np.errstate(invalid="ignore", divide="ignore"):
        add("suicide_share_of_deaths", {sex: 100 * s / d for (sex, s), d in zip(
            _by_sex(yearly["suicides"]).items(), _by_sex(yearly["deaths_in_south"]).values(),
            strict=True)})
    if model.pathway_only:  # nothing of life in the South happened: only the pathway's
        rows = [row for row in rows if row[0] in PATHWAY_INDICATORS]
    else:
        for (name, sex, band), values in model.modules["Survey"].indicators(scale).items():
            add(name, {sex: values}, band)
        for name, column in SK_COMPARATORS.items():
            add(name, {"all": getattr(model.world, column)})
    return rows, years


def _table(rows: list[tuple], years: np.ndarray, replicate: int):
    """The tidy table of the series, the years with no finite value left out."""
    import pandas as pd

    values = np.concatenate([r[3] for r in rows]) if rows else np.empty(0)
    keep = np.isfinite(values)
    count = np.count_nonzero(keep.reshape(len(rows), years.size), axis=1)
    names, sexes, bands = (np.repeat(np.array([r[i] for r in rows], dtype=object), count).tolist()
                           for i in range(3))
    return pd.DataFrame({COLUMNS[0]: [replicate] * len(names),
                         COLUMNS[1]: np.tile(years.astype(np.int64), len(rows))[keep].tolist(),
                         COLUMNS[2]: names, COLUMNS[3]: sexes, COLUMNS[4]: bands,
                         COLUMNS[5]: values[keep].tolist()}, columns=list(COLUMNS))


def _arrived(pop) -> np.ndarray:
    """Rows of everyone who arrived in the South during the run (NO_MONTH, never, is negative,
    as is the month of people there before the start)."""
    return np.flatnonzero(pop.arrival_month[:pop.n] >= 0)


def _years_abroad(pop, n_years: int) -> dict[str, dict[str, np.ndarray]]:
    """Mean and median years between the last departure and arrival, by arrival year and sex
    (``{"mean": {sex: values by year}, "median": ...}``)."""
    arrived = _arrived(pop)
    months_abroad = (pop.arrival_month[arrived].astype(np.int64)
                     - pop.last_departure_month[arrived])
    years_abroad = months_abroad / 12.0
    arrival_year = pop.arrival_month[arrived] // 12
    fem = pop.female[arrived]
    mean = {sex: np.full(n_years, np.nan) for sex in SEXES}
    order = np.argsort(arrival_year, kind="stable")
    bounds = np.searchsorted(arrival_year[order], np.arange(n_years + 1))
    for y in range(n_years):
        idx = order[bounds[y]:bounds[y + 1]]
        for sex, mask in (("all", slice(None)), ("female", fem[idx]), ("male", ~fem[idx])):
            months = months_abroad[idx][mask]
            if months.size:  # a sum of whole months: the same whatever the rows' order
                mean[sex][y] = months.sum() / months.size / 12.0
    # the medians from one integer sort by (year, months abroad), for the three sexes
    low = months_abroad.min(initial=0)
    order = np.argsort(arrival_year * (months_abroad.max(initial=0) - low + 1)
                       + (months_abroad - low), kind="stable")
    year, value = arrival_year[order], years_abroad[order]
    median = {sex: _sorted_medians(year[mask], value[mask], n_years)
              for sex, mask in (("all", slice(None)), ("female", fem[order]),
                                ("male", ~fem[order]))}
    return {"mean": mean, "median": median}


def _sorted_medians(group: np.ndarray, ordered: np.ndarray, n_groups: int) -> np.ndarray:
    """The median of the values in each group 0 .. n_groups - 1 (NaN for an empty one), as
    ``np.median`` of each group gives it (the mean of the two middle values of an even count),
    from values ``ordered`` by (group, value)."""
    bounds = np.searchsorted(group, np.arange(n_groups + 1))
    count = np.diff(bounds)
    low = bounds[:-1] + np.maximum(count - 1, 0) // 2
    high = bounds[:-1] + count // 2
    out = np.full(n_groups, np.nan)
    some = count > 0
    out[some] = np.mean([ordered[low[some]], ordered[high[some]]], axis=0)
    return out


def _shares(part: np.ndarray, whole: np.ndarray) -> dict[str, np.ndarray]:
    """Percent shares by sex of (years, 2) counts ``part`` in ``whole`` (NaN where none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return {sex: 100 * p / w for (sex, p), w in zip(_by_sex(part).items(),
                                                        _by_sex(whole).values(), strict=True)}


def _age_mix(pop, n_years: int) -> dict[str, dict[str, np.ndarray]]:
    """Percent of each year's arrivals in each :data:`AGE_MIX` band of age at arrival, by sex."""
    arrived = _arrived(pop)  # all that _yearly counts
    month, female = pop.arrival_month[arrived], pop.female[arrived].astype(np.int64)
    age = (month.astype(np.int64) - pop.birth_month[arrived]) / 12.0
    whole = _yearly(month, female, n_years)
    return {name: _shares(_yearly(np.where((age >= low) & (age < high), month, NO_MONTH),
                                  female, n_years), whole)
            for name, (low, high) in AGE_MIX.items()}


def _ptsd_at_exit(pop, n_years: int) -> dict[str, np.ndarray]:
    """Percent of the people leaving Hanawon in each year who had full PTSD then (PTSD starts
    only on leaving Hanawon, so it is those with PTSD now or recovered since)."""
    n = pop.n
    month = pop.left_hanawon_month[:n]
    female = pop.female[:n].astype(np.int64)
    had = pop.ptsd[:n] | (pop.ptsd_recovery_month[:n] != NO_MONTH)
    return _shares(_yearly(np.where(had, month, NO_MONTH), female, n_years),
                   _yearly(month, female, n_years))
