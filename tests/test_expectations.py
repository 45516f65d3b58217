"""Scenarios that mean what they say: every file in scenarios/ states the direction of its
expected effects, and they hold on a paired ensemble (eight replicate pairs: with three, the wage
subsidy's small effect on employment took its sign from the noise of the pairs; at scale 2: at
scale 10 a lever for the few arrivals since 2020 reaches about ten agents a year, and the fall in
depression from peer role models, -27 people at scale 2 with every pair down, was lost in the
noise of the pairs, +1 with 2 of 8 pairs down)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.experiments import ensemble, expectations
from sim.scenario import Expectation

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
REPLICATES = 8
SCALE = 2


@pytest.fixture(scope="module")
def table():
    files = [scenario.load(p) for p in SCENARIOS if p.stem != "baseline"]
    return expectations.check(files, scenario.load("baseline"), seed=1, replicates=REPLICATES,
                              executor=ensemble.Executor("processes"), scale=SCALE)


def test_every_scenario_but_the_baseline_states_its_expected_effects():
    for path in SCENARIOS:
        s = scenario.load(path)
        assert bool(s.expect) == (path.stem != "baseline"), path.name


@pytest.mark.slow  # about 150 runs to 2035 at scale 2 (.ci/run runs the slow tests)
def test_every_scenarios_expectations_hold_on_a_paired_ensemble(table):
    print("\n" + table.to_string(index=False))
    failed = table[~table.holds]
    assert failed.empty, failed.to_string(index=False)
    assert set(table.scenario) == {p.stem for p in SCENARIOS} - {"baseline"}
    rule = ["scenario", "indicator", "years", "contrast", "direction", "in_pairs"]
    assert not table.duplicated(rule).any()  # two rules on one outcome are told apart


@pytest.mark.parametrize("diff, direction, in_pairs, holds", [
    ([1, 2, -1], "up", None, True), ([1, 2, -1], "up", 0.9, False),
    ([-1, -2, 0], "down", None, True),
    ([0, 0, 0], "down", None, False), ([0, 0, 0], "not_up", None, True),
    ([0, -1, 1], "not_up", None, True), ([0, 1, 1], "not_up", None, False),
])
def test_verdict(diff, direction, in_pairs, holds):
    e = Expectation(indicator="arrivals", years="2027-2035", direction=direction,
                    in_pairs=in_pairs)
    assert expectations.verdict(np.array(diff, dtype=float), e)[1] is holds
