"""People settled before the model starts, month arithmetic with "never", and the 2004 airlift.

Each test here failed before its fix: an arrival before 1995 (``NO_MONTH``) wrapped around in
32-bit month arithmetic and counted as a new arrival for ever; people settled before the start
went through Hanawon in January 1995; the airlift chose people who had already died or left
China that month.
"""

from __future__ import annotations

import numpy as np

from sim import ResettleModel
from sim.engine.population import LONG_AGO, NO_MONTH, months_since, years_since
from sim.engine.stages import Stage
from sim.life.belonging import leaving_rates
from sim.model import EVENTS


def test_never_counts_as_long_ago_without_wrapping_around():
    months = np.array([NO_MONTH, 0, 12, 30], dtype=np.int32)
    np.testing.assert_array_equal(years_since(months, 36), [np.inf, 3.0, 2.0, 0.5])
    np.testing.assert_array_equal(months_since(months, 36), [LONG_AGO, 36, 24, 6])


def test_people_settled_before_the_start_are_not_new_arrivals():
    p = {"return_early_years": 3.0, "return_early_multiplier": 15.0, "return_rate": 0.001,
         "emigration_rate_uk": 0.0, "emigration_rate_canada": 0.0, "emigration_rate_other": 0.0,
         "emigration_rate_unrecorded": 0.0}
    settled = years_since(np.array([NO_MONTH], dtype=np.int32), 120)
    new = years_since(np.array([108], dtype=np.int32), 120)
    openness = np.zeros(4)
    assert leaving_rates(settled, openness, p)[0, 0] == p["return_rate"]
    assert leaving_rates(new, openness, p)[0, 0] == p["return_rate"] * 15.0


def test_people_settled_before_the_start_skip_hanawon():
    assert "settled_before_start" in EVENTS
    model = ResettleModel(scenario="baseline", seed=1, scale=10)
    pop = model.population
    rows = np.flatnonzero(pop.stage[: pop.n] == Stage.RESETTLED)
    assert rows.size > 0 and np.all(pop.arrival_month[rows] == NO_MONTH)
    assert np.all(pop.left_hanawon_month[rows] == NO_MONTH)
    assert not pop.ptsd[rows].any()                      # mostly recovered within three years
    assert np.all(pop.savings_mkrw[rows] == 0) and np.all(pop.debt_mkrw[rows] == 0)
    assert pop.ties.u.size == 0                          # no Hanawon cohort, no sponsor
    assert pop.livelihood[rows].any() and pop.vulnerable[rows].any()


def test_the_airlift_chooses_only_people_still_in_china():
    model = ResettleModel(scenario="baseline", seed=1, scale=10)
    july_2004 = model.calendar.month_of(2004, 7)
    while model.month < july_2004 - 1:
        model.step()
    journey = model.modules["Journey"]
    groups = model.groups
    candidates = np.concatenate([groups[Stage.HIDING_IN_CHINA], groups[Stage.MARRIED_IN_CHINA]])
    gone = candidates[: candidates.size // 2]   # die this month, before the airlift
    model.die(gone, july_2004)
    journey._airlift(july_2004, candidates)
    pop = model.population
    airlifted = np.flatnonzero((pop.stage[: pop.n] == Stage.DETAINED_THIRD_COUNTRY)
                               & (pop.stage_month[: pop.n] == july_2004))
    assert airlifted.size == round(model.world.airlift_people[model.world.index(july_2004)] / 10)
    assert np.all(pop.stage[gone] == Stage.DEAD)
    assert not np.isin(airlifted, gone).any()
