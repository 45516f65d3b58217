"""Python API for notebooks and other tools: run a scenario, get a DataFrame. Writes no files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import posterior
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


def replicate_seed(seed: int, replicate: int) -> int:
    """Seed of a replicate: the scenario seed itself for replicate 0, then the children of
    ``numpy.random.SeedSequence(seed)`` (the same child whatever the number of replicates)."""
    if replicate == 0:
        return seed
    child = np.random.SeedSequence(seed, spawn_key=(replicate,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass
class PairedRun:
    """A replicate of a scenario and, if it has levers, its counterfactual (levers as shadows)."""

    policy: RunResult
    counterfactual: RunResult | None


def run_replicates(scenario: Scenario, seed: int) -> list[PairedRun]:
    """Every replicate of a scenario, each paired with its counterfactual when it has levers.

    With more than one replicate, each draws its parameters from the scenario's parameter set
    and its lever effects from their priors.
    """
    out = []
    draw = scenario.replicates > 1
    for r in range(scenario.replicates):
        s = replicate_seed(seed, r)
        policy = run(scenario, seed=s, replicate=r, posterior_draw=draw, draw_effects=draw)
        shadow = (run(scenario, seed=s, replicate=r, shadow_levers=True, posterior_draw=draw)
                  if scenario.levers else None)
        out.append(PairedRun(policy, shadow))
    return out


def run(scenario: str | Path | Scenario | None = None, seed: int | None = None,
        replicate: int = 0, shadow_levers: bool | frozenset[int] = False,
        posterior_draw: bool = False, draw_effects: bool = False,
        **overrides: Any) -> RunResult:
    """Run one scenario and return its indicators (and the model).

    Args:
        scenario: Scenario name in ``scenarios/``, a path to a YAML file, or a Scenario.
            Defaults to the baseline.
        seed: Non-negative seed; defaults to the scenario's own seed.
        replicate: Replicate number written in the ``replicate`` column.
        shadow_levers: Levers reach the same people but do nothing (counterfactual cohorts):
            True for all, or the set of lever indices to shadow.
        posterior_draw: Draw the parameters from the scenario's parameter set with ``seed``
            (an ensemble replicate) instead of using its point estimate.
        draw_effects: Draw the levers' effect sizes from their priors with ``seed`` (an
            ensemble replicate) instead of using their medians.
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
    if resolved.parameter_set is not None:
        values = posterior.load(resolved.parameter_set, resolved.origin).values(seed,
                                                                                posterior_draw)
        merged = resolved.model_copy(update={"parameters": {**values, **resolved.parameters}})
        merged._origin = resolved.origin
        resolved = merged
    model = ResettleModel(resolved, seed=seed, shadow_levers=shadow_levers,
                          draw_effects=draw_effects).run()
    return RunResult(model.indicators(replicate), model, resolved, seed)
