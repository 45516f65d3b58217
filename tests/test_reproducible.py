"""Same scenario and seed give identical outputs; different seeds differ."""

from __future__ import annotations

from _shared import small

import sim


def _csv(result: sim.RunResult) -> str:
    return result.indicators.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def test_same_seed_gives_byte_identical_indicators():
    first = _csv(small(seed=5))
    again = _csv(sim.run("baseline", seed=5, scale=10, horizon={"start": 1995, "end": 2012}))
    assert first == again


def test_different_seeds_differ():
    assert _csv(small(seed=5)) != _csv(small(seed=6))


def test_scenario_seed_is_the_default():
    assert sim.run("baseline", scale=10, horizon={"start": 1995, "end": 1997}).seed == 1
