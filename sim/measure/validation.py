"""Checks of a run against published figures that are not calibration targets: the helper that
reads one indicator's series, which survey instruments the targets come from, and the PTSD cohort
of Hong et al. (2006), which is not an indicator. The targets themselves, with their tolerances,
are in ``calibration/targets.yaml`` (:mod:`sim.measure.targets`): the one source of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.population import NO_MONTH
from ..engine.stages import Stage

TARGET_INSTRUMENTS = ("KHF", "official")  # other surveys are reported, never targets


def series(indicators: pd.DataFrame, indicator: str, sex: str = "all", band: str = "all"):
    """Year-indexed values of one indicator."""
    rows = indicators[(indicators.indicator == indicator) & (indicators.sex == sex)
                      & (indicators.years_since_arrival == band)]
    return rows.set_index("year")["value"]


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
