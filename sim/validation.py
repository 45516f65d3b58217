"""Fit tables: a run's indicators against the published series in ``sim/data/``.

Tolerances are those issue 2 sets: arrivals within 15% for 2002-2019 and within 40% or 30 people
for 2020-2025; the female share within 5 points for 2003-2019; the stock in China within the
published ranges; time abroad within the published picture. Issue 3 sets those of the survey
series (:data:`SURVEY_TOLERANCES`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import published
from .population import NO_MONTH
from .stages import Stage


def series(indicators: pd.DataFrame, indicator: str, sex: str = "all", band: str = "all"):
    """Year-indexed values of one indicator."""
    rows = indicators[(indicators.indicator == indicator) & (indicators.sex == sex)
                      & (indicators.years_since_arrival == band)]
    return rows.set_index("year")["value"]


def arrivals_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Simulated against MOU arrivals and female share by year, from 2002."""
    total, share = series(indicators, "arrivals"), series(indicators, "female_share_of_arrivals")
    rows = []
    for _, pub in published.arrivals().iterrows():
        year = int(pub.year)
        if year < 2002 or year not in total.index:
            continue
        tol = 0.15 * pub.total if year <= 2019 else max(0.40 * pub.total, 30)
        female_ok = (abs(share[year] - pub.female_pct) <= 5) if 2003 <= year <= 2019 else None
        rows.append(dict(year=year, mou=int(pub.total), model=total[year], tolerance=tol,
                         within=abs(total[year] - pub.total) <= tol,
                         mou_female_pct=pub.female_pct, model_female_pct=share[year],
                         female_within=female_ok))
    return pd.DataFrame(rows)


def time_abroad_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Simulated against published time abroad (arrival-weighted over multi-year targets)."""
    arrivals = series(indicators, "arrivals")
    rows = []
    for _, target in published.time_abroad().iterrows():
        first, _, last = str(target.arrival_years).partition("-")
        years = range(int(first), int(last or first) + 1)
        values = series(indicators, f"{target.statistic}_years_abroad_of_arrivals")
        model = np.average([values[y] for y in years], weights=[arrivals[y] for y in years])
        high = target.high if not math.isnan(target.high) else math.inf
        rows.append(dict(arrival_years=target.arrival_years, statistic=target.statistic,
                         published=target.value, low=target.low, high=high, model=model,
                         within=target.low <= model <= high, source=target.source))
    return pd.DataFrame(rows)


def china_stock_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Simulated stock in China (end of year) against the published ranges."""
    stock = series(indicators, "in_china")
    table = published.china_stock()
    table["model"] = [stock[y] for y in table.year]
    table["within"] = (table.model >= table.low) & (table.model <= table.high)
    return table[["year", "low", "high", "model", "within", "source"]]


# indicator -> (tolerance, relative?): the tolerances issues 3 and 4 set for the survey series
SURVEY_TOLERANCES = {
    "labour_force_participation": (10.0, False), "employment_rate": (10.0, False),
    "unemployment_rate": (5.0, False), "mean_monthly_wage_mkrw": (0.30, True),
    "livelihood_benefit_share": (12.0, False), "discrimination_share": (12.0, False),
    # issue 4
    "life_satisfaction_share": (10.0, False), "suicidal_ideation_share": (5.0, False),
}


TARGET_INSTRUMENTS = ("KHF", "official")  # other surveys are reported, never targets


def survey_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Simulated against every published survey figure; ``within`` is empty where issue 3 sets no
    tolerance for the indicator or the figure comes from another instrument."""
    rows = []
    for _, pub in published.survey_series().iterrows():
        values = series(indicators, pub.indicator)
        model = values.get(pub.year, math.nan)
        tol, relative = SURVEY_TOLERANCES.get(pub.indicator, (math.nan, False))
        if pub.instrument not in TARGET_INSTRUMENTS:
            tol = math.nan
        tolerance = tol * pub.value if relative else tol
        within = abs(model - pub.value) <= tolerance if not math.isnan(tolerance) else None
        rows.append(dict(indicator=pub.indicator, year=int(pub.year), published=pub.value,
                         model=model, tolerance=tolerance, within=within,
                         instrument=pub.instrument, source=pub.source))
    return pd.DataFrame(rows)


def ptsd_cohort(model, arrival_year: int, months_after_hanawon: int) -> tuple[float, float]:
    """Full PTSD (percent) in one year's arrivals on leaving Hanawon and ``months_after_hanawon``
    later (among those still in the South then), as Hong et al. (2006) followed 2001 arrivals.

    PTSD starts only on leaving Hanawon and then can only recover, so a person's history is their
    PTSD flag and recovery month.
    """
    pop, cal = model.population, model.calendar
    n = pop.n
    first = cal.month_of(arrival_year)
    arrived = pop.arrival_month[:n]
    cohort = np.flatnonzero((arrived >= first) & (arrived < first + 12)
                            & (pop.left_hanawon_month[:n] != NO_MONTH))
    left = pop.left_hanawon_month[cohort].astype(np.int64)
    recovered = pop.ptsd_recovery_month[cohort].astype(np.int64)
    had = pop.ptsd[cohort] | (recovered != NO_MONTH)
    later = left + months_after_hanawon
    still = had & ((recovered == NO_MONTH) | (recovered > later))
    died = pop.death_month[cohort].astype(np.int64)
    gone = np.isin(pop.stage[cohort], (Stage.MOVED_ON, Stage.RETURNED_NORTH))
    stayed = ((died == NO_MONTH) | (died > later)) & ~(gone & (pop.stage_month[cohort] <= later))
    return 100 * had.mean(), 100 * still[stayed].mean()
