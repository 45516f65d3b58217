"""Physical health that limits work: present on leaving Hanawon, or starting later with age.

A share ``poor_health_share`` of people leave Hanawon with a health problem that limits work
(``sim/data/parameters/labour.yaml``). The others may develop one later, at an annual onset rate
that rises exponentially with age (a Gompertz law, as chronic illness and mortality do):
``health_onset_rate_at_50 * exp(health_onset_slope * (age - 50))``
(``sim/data/parameters/health.yaml``). Each person's age at onset is drawn once, on leaving
Hanawon, by inverting that law, so the monthly step only marks those whose age has come and the
distribution is exact. Poor health slows entry into work and job finding, shortens jobs
(:mod:`sim.life.labour`), makes the livelihood benefit likelier (:mod:`sim.life.welfare`) and adds
to the stress behind suicidal ideation (:mod:`sim.life.mental_health`): as the defectors who came in
the 2000s grow older, more of them are held back by their health.
"""

from __future__ import annotations

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.module import Field, Module
from ..engine.randomness import draw
from ..engine.stages import NEVER_MONTH as NEVER  # onset month of health that never fails

ONSET_ANCHOR_AGE = 50.0  # the age at which health_onset_rate_at_50 is given


def onset_age(u: np.ndarray, age: np.ndarray, rate_at_50: float, slope: float) -> np.ndarray:
    """Age at which a health problem that limits work starts, for people healthy at ``age``,
    under the onset rate ``rate_at_50 * exp(slope * (a - 50))``: the cumulative rate from ``age``
    reaches ``-log(1 - u)`` (inversion of the Gompertz survival function). ``inf`` if the rate is
    0; ``slope`` must be positive."""
    age = np.asarray(age, dtype=np.float64)
    if rate_at_50 <= 0:
        return np.full(age.shape, np.inf)
    needed = -np.log1p(-np.asarray(u, dtype=np.float64))
    with np.errstate(over="ignore"):
        start = np.exp(slope * (age - ONSET_ANCHOR_AGE))
        return ONSET_ANCHOR_AGE + np.log(start + slope * needed / rate_at_50) / slope


def onset_month(birth_month: np.ndarray, age: np.ndarray) -> np.ndarray:
    """The first month in which each person is ``age`` years old or older (:data:`NEVER` beyond
    the range of a month index)."""
    months = np.ceil(birth_month.astype(np.float64) + MONTHS_PER_YEAR * age)
    return np.where(months < NEVER, months, NEVER).astype(np.int32)


class Health(Module):
    """Module for work-limiting physical health: drawn on leaving Hanawon, failing with age."""

    fields = {
        "poor_health": Field(np.bool_, False, "a physical health problem that limits work"),
        "health_onset_month": Field(np.int32, NEVER, "month a health problem starts"),
    }
    parameter_files = ("health", "labour")
    streams = ("south.health", "south.health_onset")
    handles = {"left_hanawon": "start", "settled_before_start": "start"}

    def start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: a health problem now, or the month one will start (the rules of
        :meth:`reference_start` in one compiled pass)."""
        m = self.model
        pop, p = m.population, m.params
        keys = m.streams.keys(STREAMS, month)
        _start(rows, month, keys, float(p["poor_health_share"]),
               float(p["health_onset_rate_at_50"]), float(p["health_onset_slope"]), pop.uid,
               pop.birth_month, pop.poor_health, pop.health_onset_month)

    def reference_start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: a health problem now, or the month one will start (NumPy)."""
        m = self.model
        pop, p = m.population, m.params
        uid = pop.uid[rows]
        pop.poor_health[rows] = m.streams.uniforms("south.health", month, uid) < p[
            "poor_health_share"]
        age = onset_age(m.streams.uniforms("south.health_onset", month, uid),
                        pop.age_years(rows, month), p["health_onset_rate_at_50"],
                        p["health_onset_slope"])
        pop.health_onset_month[rows] = np.where(pop.poor_health[rows], NEVER,
                                                onset_month(pop.birth_month[rows], age))

    def step(self, month: int) -> None:
        """Residents whose age of onset has come are in poor health from this month: the rule of
        :meth:`reference_step`, compiled into one pass over the residents."""
        pop = self.model.population
        _fail(self.model.residents(), month, pop.health_onset_month, pop.poor_health)

    def reference_step(self, month: int) -> None:
        """Residents whose age of onset has come are in poor health from this month (NumPy)."""
        pop = self.model.population
        residents = self.model.residents()
        pop.poor_health[residents[pop.health_onset_month[residents] <= month]] = True


STREAMS = ("south.health", "south.health_onset")  # the streams of the compiled start, in order


@numba.njit(cache=True, nogil=True)
def _start(rows, month, keys, share, rate_at_50, slope, uid, birth_month, poor_health,
           health_onset_month):  # pragma: no cover - compiled; tested against reference_start
    """:meth:`Health.reference_start` in one pass: :func:`onset_age` and :func:`onset_month`
    for each person not in poor health on leaving Hanawon."""
    for r in rows:
        poor = draw(keys[0], uid[r]) < share
        u = draw(keys[1], uid[r])
        poor_health[r] = poor
        if poor or rate_at_50 <= 0:
            health_onset_month[r] = NEVER
            continue
        age = (month - birth_month[r]) / MONTHS_PER_YEAR
        onset = ONSET_ANCHOR_AGE + np.log(np.exp(slope * (age - ONSET_ANCHOR_AGE))
                                          + slope * -np.log1p(-u) / rate_at_50) / slope
        months = np.ceil(np.float64(birth_month[r]) + MONTHS_PER_YEAR * onset)
        health_onset_month[r] = np.int32(months) if months < NEVER else NEVER


@numba.njit(cache=True, nogil=True)
def _fail(rows, month, health_onset_month, poor_health):  # pragma: no cover - tested vs reference
    """:meth:`Health.reference_step` in one pass over the residents."""
    for r in rows:
        if health_onset_month[r] <= month:
            poor_health[r] = True
