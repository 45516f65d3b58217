"""Ensembles and comparisons from Python: the tables ``resettle run --replicates`` and
``resettle compare`` write, by file name, from the same code. Writes no files (the replicates run
in a temporary folder, removed after)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..engine import files
from ..engine.errors import InputError
from ..scenario import Scenario, resolve
from . import comparison
from . import ensemble as ens
from .api import seed_of
from .inputs import apply_to_each


def _scenarios(names: list, inputs: Mapping[str, Any] | None, scale: float | None
               ) -> list[Scenario]:
    """Scenarios by name, path or object with ``inputs`` and ``scale`` in force (as ``--set``
    and ``--scale``)."""
    named = {**(inputs or {}), **({} if scale is None else {"scale": scale})}
    return apply_to_each([resolve(n) for n in names], named)


def _replicates(replicates: int | None, scenario: Scenario, default: int | None = None) -> int:
    if replicates is None:
        return default if default and scenario.replicates == 1 else scenario.replicates
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise InputError(f"replicates: expected a positive integer, got {replicates!r}")
    return replicates


def ensemble(scenario: str | Path | Scenario | None = None, replicates: int | None = None,
             seed: int | None = None, *, inputs: Mapping[str, Any] | None = None,
             scale: float | None = None, fixed_effects: bool = False,
             executor: str = "processes", workers: int | None = None) -> dict[str, pd.DataFrame]:
    """The tables ``resettle run SCENARIO --replicates N`` writes, by file name
    (``indicators.csv``, ``summary.csv`` and, with levers, the policy files).

    Args:
        replicates: Default: the scenario's ``replicates``.
        inputs: Named inputs, as ``--set`` takes them (:mod:`sim.experiments.inputs`).
        executor: ``serial``, local ``processes`` or ``dask`` (a local cluster of ``workers``).

    Example:
        >>> tables = sim.ensemble("mentorship", replicates=5, scale=10)
        >>> tables["summary.csv"].query("indicator == 'employment_rate' and sex == 'all'")
    """
    (s,) = _scenarios([scenario], inputs, scale)
    with tempfile.TemporaryDirectory(prefix="resettle-ensemble-") as tmp:
        folder = Path(tmp)
        ens.run_ensemble(s, seed_of(seed, s), _replicates(replicates, s), folder,
                         ens.Executor(executor, workers), progress=False,
                         fixed_effects=fixed_effects)
        return ens.tables(folder, s, _replicates(replicates, s))


def compare(baseline: str | Path | Scenario, *scenarios: str | Path | Scenario,
            replicates: int | None = None, seed: int | None = None,
            inputs: Mapping[str, Any] | None = None, scale: float | None = None,
            fixed_effects: bool = False, attribution: bool = True,
            wtp: Mapping[str, tuple[float, float]] | None = None, discount_rate: float = 0.0,
            executor: str = "processes", workers: int | None = None) -> dict[str, pd.DataFrame]:
    """The tables ``resettle compare BASELINE SCENARIO...`` writes at the top of its folder, by
    file name (``contrasts.csv``, ``differences.csv``, ``cost_effectiveness.csv`` ...).

    Args:
        replicates: Default: the baseline's ``replicates``, or 10 if it has one (bands).
        wtp: Willingness-to-pay ranges by measure (million KRW per unit), as ``--wtp``.

    Example:
        >>> tables = sim.compare("baseline", "mentorship", replicates=5, scale=10)
        >>> tables["contrasts.csv"].query("contrast == 'policy'")
    """
    base, *others = _scenarios([baseline, *scenarios], inputs, scale)
    comparison.check_scenarios(base, others)
    seed = seed_of(seed, base)
    reps = _replicates(replicates, base, comparison.DEFAULT_REPLICATES)
    settings = comparison.wtp_settings({k: tuple(v) for k, v in (wtp or {}).items()})
    comparison.check_discount_rate(discount_rate)
    with tempfile.TemporaryDirectory(prefix="resettle-compare-") as tmp:
        folder, inds = Path(tmp), {}
        for s in (base, *others):
            ens.run_ensemble(s, seed, reps, folder / s.name, ens.Executor(executor, workers),
                             progress=False, fixed_effects=fixed_effects,
                             attribution=attribution)
            tables = ens.tables(folder / s.name, s, reps)
            files.write_table(folder / s.name / "summary.csv", tables["summary.csv"])
            inds[s.name] = tables["indicators.csv"]
        return comparison.tables(folder, base, others, inds, reps, settings, discount_rate)
