"""Python API for notebooks and other tools: run a scenario, get a DataFrame. Writes no files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import scenario as scenario_io
from .errors import InputError
from .model import ResettleModel
from .scenario import Scenario


@dataclass
class RunResult:
    """What a run returns: the indicator table and the model, for inspection."""

    indicators: pd.DataFrame
    model: ResettleModel
    scenario: Scenario
    seed: int


def resolve(scenario: str | Path | Scenario | None = None, **overrides: Any) -> Scenario:
    """A validated scenario from a name, a path or a Scenario, with overrides applied.

    Overrides name scenario fields (``scale``, ``horizon`` ...) or parameters.
    """
    if not isinstance(scenario, Scenario):
        scenario = scenario_io.load(scenario)
    return scenario.with_overrides(**overrides) if overrides else scenario


def run(scenario: str | Path | Scenario | None = None, seed: int | None = None,
        replicate: int = 0, **overrides: Any) -> RunResult:
    """Run one scenario and return its indicators (and the model).

    Args:
        scenario: Scenario name in ``scenarios/``, a path to a YAML file, or a Scenario.
            Defaults to the baseline.
        seed: Non-negative seed; defaults to the scenario's own seed.
        replicate: Replicate number written in the ``replicate`` column.
        **overrides: Scenario fields or parameter values, e.g. ``scale=10, arrest_rate=0.2``.

    Example:
        >>> import sim
        >>> result = sim.run("baseline", seed=3, scale=10)
        >>> result.indicators.query("indicator == 'arrivals' and sex == 'all'")
    """
    resolved = resolve(scenario, **overrides)
    seed = resolved.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed: expected a non-negative integer, got {seed!r}")
    model = ResettleModel(resolved, seed=seed).run()
    return RunResult(model.indicators(replicate), model, resolved, seed)
