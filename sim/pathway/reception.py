"""Arrival in South Korea: NIS screening, the 12-week Hanawon programme, residence protection.

- Joint NIS screening: usually a week to a month (average inquiry ~5 days in 2014); legal maximum
  180 days, cut to 90 in Feb 2018 (the world table's ``nis_max_days``).
- Hanawon: mandatory 12 weeks (``hanawon_months``).
- Residence protection: 5 years after Hanawon (``protection_months``); later issues use the state.
An arrival is counted on entry to screening, as MOU counts entries.
"""

from __future__ import annotations

import numpy as np

from ..engine.hazards import competing_exits, drawn_exits, rate_for_mean_months
from ..engine.module import Field, Module
from ..engine.population import NO_MONTH
from ..engine.stages import Stage
from .demographics import mortality_rate


class Reception(Module):
    """Module for SCREENING, HANAWON, PROTECTED and RESETTLED (emits ``left_hanawon``)."""

    fields = {
        "arrival_month": Field(np.int32, NO_MONTH, "month of arrival in South Korea"),
        "left_hanawon_month": Field(np.int32, NO_MONTH, "month of leaving Hanawon"),
    }
    parameter_files = ("pathway",)
    streams = ("south.death", "south.exit")
    handles = {"arrived": "admit"}

    def admit(self, rows: np.ndarray, month: int) -> None:
        """People reach South Korea: count the arrival and start screening."""
        if rows.size == 0:
            return
        pop = self.model.population
        pop.arrival_month[rows] = month
        pop.move(rows, Stage.SCREENING, month)

    def step(self, month: int) -> None:
        """One month of screening, Hanawon and residence in the South."""
        m = self.model
        groups = m.groups
        p, y = m.params, m.world.index(month)
        self._timed(month, groups[Stage.SCREENING], Stage.HANAWON,
                    max_months=m.world.nis_max_months[y],
                    rate=rate_for_mean_months(p["screening_mean_months"]))
        left = self._timed(month, groups[Stage.HANAWON], Stage.PROTECTED,
                           max_months=p["hanawon_months"])
        m.population.left_hanawon_month[left] = month
        m.emit("left_hanawon", left, month)
        self._timed(month, groups[Stage.PROTECTED], Stage.RESETTLED,
                    max_months=p["protection_months"])
        self._timed(month, groups[Stage.RESETTLED], None)

    def _timed(self, month: int, rows: np.ndarray, next_stage: Stage | None,
               max_months: float = np.inf, rate: float = 0.0) -> np.ndarray:
        """Death first; then exit after ``max_months`` in the stage, or earlier at ``rate``.

        Returns the rows that moved on."""
        m = self.model
        pop = m.population
        if rows.size == 0:
            return rows
        oldest = (month - pop.birth_month[rows].min()) / 12.0
        dies = drawn_exits(m.streams, "south.death", month, pop.uid, rows,
                           mortality_rate(m.params, oldest),
                           lambda i: mortality_rate(m.params,
                                                    pop.age_years(rows[i], month))[:, None]) == 0
        m.die(rows[dies], month)
        if next_stage is None:
            return rows[:0]
        alive = rows[~dies]
        done = (month + 1 - pop.stage_month[alive]) >= max_months
        if rate > 0:
            early = competing_exits(np.full((alive.size, 1), rate),
                                    m.streams.uniforms("south.exit", month, pop.uid[alive]))
            done |= early == 0
        pop.move(alive[done], next_stage, month)
        return alive[done]
