"""Arrival in South Korea: NIS screening, the 12-week Hanawon programme, residence protection.

- Joint NIS screening: usually a week to a month (average inquiry ~5 days in 2014); legal maximum
  180 days, cut to 90 in Feb 2018 (the world table's ``nis_max_days``).
- Hanawon: mandatory 12 weeks (``hanawon_months``).
- Residence protection: 5 years after Hanawon (``protection_months``); later issues use the state.
An arrival is counted on entry to screening, as MOU counts entries. Deaths in the South are rare,
so they are scheduled rather than drawn every month (:class:`sim.engine.schedule.ScheduledExits`):
the same monthly probabilities, with work only in the months a death may happen.
"""

from __future__ import annotations

import numba
import numpy as np

from ..engine.hazards import competing_exits, happens, rate_for_mean_months
from ..engine.module import Field, Module
from ..engine.population import NO_MONTH
from ..engine.randomness import draw
from ..engine.schedule import Bound, ScheduledExits
from ..engine.stages import IS_IN_SOUTH, Stage
from .demographics import sex_factors


class Reception(Module):
    """Module for SCREENING, HANAWON, PROTECTED and RESETTLED (emits ``left_hanawon``)."""

    fields = {
        "arrival_month": Field(np.int32, NO_MONTH, "month of arrival in South Korea"),
        "left_hanawon_month": Field(np.int32, NO_MONTH, "month of leaving Hanawon"),
    }
    parameter_files = ("pathway",)
    streams = ("south.death.*", "south.exit")
    handles = {"arrived": "admit", "settled_before_start": "settle"}

    def __init__(self, model) -> None:
        super().__init__(model)
        p = model.params
        no_other_exit = np.zeros(len(model.calendar.years))
        multipliers = sex_factors(p)
        self.in_south = ScheduledExits(model, "south.death", Bound(
            no_other_exit, p["mortality_at_30"], p["mortality_slope"], max(multipliers)),
            multipliers)

    def admit(self, rows: np.ndarray, month: int) -> None:
        """People reach South Korea: count the arrival and start screening."""
        if rows.size == 0:
            return
        pop = self.model.population
        pop.arrival_month[rows] = month
        pop.move(rows, Stage.SCREENING, month)
        self.in_south.enter(rows, month)

    def settle(self, rows: np.ndarray, month: int) -> None:
        """People living in the South when the model starts: mortality from then on."""
        self.in_south.enter(rows, month)

    def renumber(self, order, new) -> None:
        """The rows queued in the scheduled exits follow the population's new order."""
        self.in_south.renumber(new)

    def step(self, month: int) -> None:
        """One month of deaths, screening, Hanawon and residence in the South: the rules of
        :meth:`reference_step`, each stage's leavers found in one compiled pass."""
        self._month(month, self._timed_compiled)

    def reference_step(self, month: int) -> None:
        """One month of deaths, screening, Hanawon and residence in the South (NumPy)."""
        self._month(month, self._timed)

    def _month(self, month: int, timed) -> None:
        m = self.model
        p, y = m.params, m.world.index(month)
        self._deaths(month)
        timed(month, Stage.SCREENING, Stage.HANAWON, max_months=m.world.nis_max_months[y],
              rate=rate_for_mean_months(p["screening_mean_months"]))
        left = timed(month, Stage.HANAWON, Stage.PROTECTED, max_months=p["hanawon_months"])
        m.population.left_hanawon_month[left] = month
        m.emit("left_hanawon", left, month)
        timed(month, Stage.PROTECTED, Stage.RESETTLED, max_months=p["protection_months"])

    def _deaths(self, month: int) -> None:
        """Deaths of this month's candidates in the South (all-cause mortality by age and sex)."""
        m = self.model
        rows = self.in_south.candidates(month, IS_IN_SOUTH)
        if rows.size:
            m.die(rows[self.in_south.mortality_exits(rows, month) == 0], month)

    def _timed(self, month: int, stage: Stage, next_stage: Stage, max_months: float,
               rate: float = 0.0) -> np.ndarray:
        """Exit after ``max_months`` in ``stage``, or earlier at ``rate``, for the people of the
        month's snapshot still in it. Returns the rows that moved on."""
        m = self.model
        pop, rows = m.population, m.groups[stage]
        alive = rows[pop.stage[rows] == stage]
        done = (month + 1 - pop.stage_month[alive]) >= max_months
        if rate > 0:
            early = competing_exits(np.full((alive.size, 1), rate),
                                    m.streams.uniforms("south.exit", month, pop.uid[alive]))
            done |= early == 0
        pop.move(alive[done], next_stage, month)
        return alive[done]

    def _timed_compiled(self, month: int, stage: Stage, next_stage: Stage, max_months: float,
                        rate: float = 0.0) -> np.ndarray:
        """:meth:`_timed` in one compiled pass."""
        m = self.model
        pop = m.population
        leaving = _time_up(m.groups[stage], int(stage), pop.stage, pop.stage_month, month,
                           float(max_months), float(rate), m.streams.key("south.exit", month),
                           pop.uid)
        pop.move(leaving, next_stage, month)
        return leaving


@numba.njit(cache=True, nogil=True)
def _time_up(rows, stage, stage_of, stage_month, month, max_months, rate, key,
             uid):  # pragma: no cover - compiled; tested against Reception._timed
    """The ``rows`` still in ``stage`` who leave it this month: after ``max_months`` in it, or
    earlier at the annual ``rate`` (one draw each, as ``competing_exits`` of that one rate)."""
    out = np.empty(rows.size, dtype=np.int64)
    k = 0
    for r in rows:
        if stage_of[r] != stage:
            continue
        done = month + 1 - stage_month[r] >= max_months
        if rate > 0 and not done:
            done = happens(draw(key, uid[r]), rate)
        if done:
            out[k] = r
            k += 1
    return out[:k].copy()
