"""Runs shared by several test modules (computed once per test session)."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

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


SMALL = """name: small
extends: baseline
horizon: {start: 1995, end: 2014}
scale: 40
seed: 3
"""  # a small scenario file for comparisons in a subprocess (as small.yaml)
SMALL_MENTORSHIP = """  - {type: mentorship, start: 2008-01, eligibility: {arrived_within_years: 2},
     capacity: 1500, unit_cost_krw: 3000000}
"""  # the mentorship lever of the small comparisons, as an item of ``levers:``

series = validation.series  # re-exported for the test modules


RESETTLE = [sys.executable, "-m", "sim"]  # the command line, in a subprocess
SMALL_TEMPLATE = """name: small{suffix}
extends: baseline
horizon: {{start: 1995, end: {end}}}
scale: 20
seed: 3
"""


def small_file(tmp_path: Path, suffix: str = "", end: int = 2003, levers: str = "") -> Path:
    """A fast scenario file (scale 20, from 1995 to ``end``) written in ``tmp_path``."""
    path = tmp_path / f"small{suffix}.yaml"
    path.write_text(SMALL_TEMPLATE.format(suffix=suffix, end=end) + levers)
    return path
