"""Python API for notebooks and other tools: run a scenario, get a DataFrame. Writes no files.
Ensembles and comparisons: :mod:`sim.experiments.batch`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engine.errors import InputError
from ..model import ResettleModel
from ..scenario import Scenario, resolve


@dataclass
class RunResult:
    """What a run returns: the indicator table and the model, for inspection."""

    indicators: pd.DataFrame
    model: ResettleModel
    scenario: Scenario
    seed: int


def replicate_seed(seed: int, replicate: int) -> int:
    """Seed of a replicate: the scenario seed itself for replicate 0, then the children of
    ``numpy.random.SeedSequence(seed)`` (the same child whatever the number of replicates)."""
    if replicate == 0:
        return seed
    child = np.random.SeedSequence(seed, spawn_key=(replicate,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run(scenario: str | Path | Scenario | None = None, seed: int | None = None,
        replicate: int = 0, shadow_levers: bool | frozenset[int] = False,
        posterior_draw: bool = False, draw_effects: bool = False, pathway_only: bool = False,
        watched: bool = True, **overrides: Any) -> RunResult:
    """Run one scenario and return its indicators (and the model).

    Args:
        scenario: Scenario name in ``scenarios/``, a path to a YAML file, or a Scenario.
            Defaults to the baseline.
        seed: Non-negative seed; defaults to the scenario's own seed.
        replicate: Replicate number written in the ``replicate`` column.
        shadow_levers: Levers reach the same people but do nothing (counterfactual cohorts):
            True for all, or the set of lever indices to shadow.
        posterior_draw: Draw the parameters from the scenario's parameter set, and every other
            parameter with a prior from its prior, each with a uniform keyed by ``seed`` and
            its own name (an ensemble replicate), instead of using the point estimate.
        draw_effects: Draw the levers' effect sizes from their priors with ``seed`` (an
            ensemble replicate) instead of using their medians.
        pathway_only: Step only the pathway modules (see :class:`~sim.model.ResettleModel`):
            for calibrating the pathway; only the pathway's indicators are produced.
        watched: Mesa's views of the run (``Person`` agents and the DataCollector); False
            for runs nobody watches (the outputs are the same).
        **overrides: Scenario fields or parameter values, e.g. ``scale=10, arrest_rate=0.2``.

    Example:
        >>> import sim
        >>> result = sim.run("baseline", seed=3, scale=10)
        >>> result.indicators.query("indicator == 'arrivals' and sex == 'all'")
    """
    model = build(scenario, seed, shadow_levers, posterior_draw, draw_effects, pathway_only,
                  watched, **overrides)
    model.run_model()
    return RunResult(model.indicators(replicate), model, model.spec, model.seed)


def build(scenario: str | Path | Scenario | None = None, seed: int | None = None,
          shadow_levers: bool | frozenset[int] = False, posterior_draw: bool = False,
          draw_effects: bool = False, pathway_only: bool = False, watched: bool = True,
          **overrides: Any) -> ResettleModel:
    """The model :func:`run` runs, not yet stepped (the arguments are :func:`run`'s): for
    stepping it month by month, e.g. ``model.run_for(12)``."""
    resolved = resolve(scenario, **overrides)
    return ResettleModel(resolved, seed=seed_of(seed, resolved), shadow_levers=shadow_levers,
                         draw_effects=draw_effects, posterior_draw=posterior_draw,
                         pathway_only=pathway_only, watched=watched)


def seed_of(seed: int | None, scenario: Scenario) -> int:
    """``seed``, or the scenario's own; refused unless an integer in 0..2**63-1."""
    seed = scenario.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InputError(f"seed: expected an integer in 0..2**63-1, got {seed!r}")
    return seed
