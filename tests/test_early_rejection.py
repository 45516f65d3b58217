"""Early rejection of calibration runs: a run is stopped only when the targets it has produced
already put it beyond the threshold, which needs the targets known at a checkpoint to have the
values the finished run gives them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.experiments import calibrate, early_rejection
from sim.measure import targets
from sim.scenario import resolve

ROOT = Path(__file__).resolve().parent.parent
TARGETS = targets.load(ROOT / "calibration" / "targets.yaml")
PRIORS = calibrate.load_priors(ROOT / "calibration" / "priors.yaml")


def simulator(block: str, runs: int = 1) -> calibrate.Simulator:
    """A block's simulator at scale 10, built as ``resettle calibrate`` builds it."""
    priors, kept = calibrate.select_block(block, PRIORS, TARGETS, "priors", "targets")
    kept = [t for t in kept if targets.unproduced_reason(t) is None]
    scenario = calibrate.calibration_scenario(resolve("baseline"), 10, targets.last_year(kept),
                                              block)
    return calibrate.Simulator(scenario, kept, 1, priors, pathway_only=block == "pathway",
                               runs=runs)


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_checkpoints_are_the_years_by_which_a_quarter_half_and_three_quarters_are_known():
    checks = early_rejection.checkpoints(TARGETS, 2025)
    ends = sorted(t.years[-1] for t in TARGETS)
    assert sorted(checks) == sorted({ends[int(q * len(ends))] for q in (0.25, 0.5, 0.75)})
    for year, known in checks.items():
        assert year < 2025
        assert {t.id for t in known} == {t.id for t in TARGETS if t.years[-1] <= year}
    assert early_rejection.checkpoints(TARGETS, min(checks)) == {}  # none at or after the end
    assert early_rejection.checkpoints([], 2025) == {}


@pytest.mark.parametrize("block", ["pathway", "all"])
def test_the_targets_known_at_a_checkpoint_have_the_values_of_the_finished_run(block):
    """Every target whose years are over at a checkpoint (trends, counts over several years,
    survey figures, shares by year of arrival or of leaving Hanawon) is read from the run so far
    exactly as from the finished run; otherwise a stopped run could have been accepted."""
    sim = simulator(block)
    model = sim.model({name: 0.0 for name in sim.priors})
    checks = early_rejection.checkpoints(sim.targets, model.calendar.end_year)
    assert len(checks) == 3
    so_far = {}
    for year, known in sorted(checks.items()):
        while model.month < 12 * (year - model.calendar.start_year) + 11:
            model.step()
        so_far.update(targets.simulate_run(known, model))
    model.run_model()
    final = targets.simulate_run(sim.targets, model)
    assert len(so_far) >= len(sim.targets) // 2
    assert all(same(value, final[key]) for key, value in so_far.items())
    table = targets.simulate(sim.targets, model.indicators())  # as validation reads them
    assert final.keys() == table.keys()
    assert all(same(value, table[key]) for key, value in final.items())


def test_a_run_is_stopped_early_only_when_it_cannot_come_within_the_threshold():
    sim = simulator("life")
    particle = {name: 0.0 for name in sim.priors}
    d = sim.distance(particle)
    assert np.isfinite(d) and d == calibrate.distance(
        sim(particle), {t.id: t.observed for t in sim.targets},
        {t.id: t.tolerance for t in sim.targets})
    assert sim.distance(particle, d * 1.001) == d  # within: the whole run, the same distance
    assert sim.distance(particle, d * 0.999) > d * 0.999  # just out: stopped or finished, out
    assert sim.distance(particle, d / 10) == early_rejection.REJECTED
    model = sim.model(particle)
    checks = early_rejection.checkpoints(sim.targets, model.calendar.end_year)
    assert not early_rejection.run_unless_beyond(model, checks, len(sim.targets), d / 10,
                                                 calibrate.squared_errors)
    assert model.month == 12 * (min(checks) - model.calendar.start_year) + 11  # at the first
    assert np.isfinite(simulator("life", runs=2).distance(particle, d / 10))  # a median of
    # runs is not bounded by each run's targets so far: those run to the end
