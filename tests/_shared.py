"""Runs shared by several test modules (computed once per test session)."""

from __future__ import annotations

from functools import cache

import sim
from sim.measure import validation


@cache
def baseline() -> sim.RunResult:
    """The full baseline run, 1995-2035 at scale 1, with the scenario's own seed."""
    return sim.run("baseline")


@cache
def small(seed: int = 1, **overrides) -> sim.RunResult:
    """A fast run: 1995-2012 at scale 10."""
    return sim.run("baseline", seed=seed, scale=10, horizon={"start": 1995, "end": 2012},
                   **overrides)


series = validation.series  # re-exported for the test modules
