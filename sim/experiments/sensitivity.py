"""Global sensitivity analysis of named inputs on named outcomes, with SALib.

The design is SALib's (Morris elementary effects to screen many inputs cheaply; Sobol indices
for the few that matter), over each input's bounds from :func:`sim.experiments.inputs.problem`
(prior quantiles for parameters and lever effect sizes, the setting's own bounds otherwise).
Every run uses the same seed, so the model's randomness is common to all samples: differences
between samples are the inputs' effects, not noise. Each run is one :func:`evaluate` call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..engine.errors import InputError

METHODS = ("morris", "sobol")
STAMP = "sensitivity.json"  # what a resumable analysis folder was made from
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Design:
    """The samples of one analysis: the SALib problem, the method and the input matrix."""

    problem: dict[str, Any]
    method: str
    samples: np.ndarray

    @classmethod
    def make(cls, problem: dict[str, Any], method: str, size: int, seed: int) -> Design:
        """Morris: ``size`` trajectories; Sobol: ``size`` base samples (Saltelli's scheme,
        ``size * (2 k + 2)`` runs)."""
        from SALib.sample import morris, sobol

        if method not in METHODS:
            raise InputError(f"--method: expected one of {', '.join(METHODS)}, got {method!r}")
        if size < 1:
            raise InputError(f"--size: expected a positive integer, got {size}")
        if method == "morris":
            x = morris.sample(problem, size, num_levels=MORRIS_LEVELS, seed=seed)
        else:
            x = sobol.sample(problem, size, calc_second_order=True, seed=seed)
        return cls(problem, method, x)

    def inputs(self, i: int) -> dict[str, float]:
        """Sample ``i`` as an inputs mapping for :func:`evaluate`."""
        return dict(zip(self.problem["names"], map(float, self.samples[i]), strict=True))

    def analyse(self, y: np.ndarray, seed: int) -> pd.DataFrame:
        """Indices of each input for one outcome's values ``y`` (one per sample)."""
        from SALib.analyze import morris, sobol

        names = self.problem["names"]
        if self.method == "morris":
            si = morris.analyze(self.problem, self.samples, y, num_levels=MORRIS_LEVELS,
                                seed=seed)
            return pd.DataFrame({"input": names, "mu_star": si["mu_star"],
                                 "mu_star_conf": si["mu_star_conf"], "mu": si["mu"],
                                 "sigma": si["sigma"]})
        si = sobol.analyze(self.problem, y, calc_second_order=True, seed=seed)
        return pd.DataFrame({"input": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                             "ST": si["ST"], "ST_conf": si["ST_conf"]})


def indices(design: Design, results: pd.DataFrame, outcomes: list[str],
            seed: int) -> pd.DataFrame:
    """The table of indices: one row per (outcome, input), ranked within each outcome by mu*
    (Morris) or the total index ST (Sobol)."""
    key = "mu_star" if design.method == "morris" else "ST"
    frames = []
    for outcome in outcomes:
        y = results.sort_values("sample")[outcome].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            raise InputError(f"outcome {outcome!r}: some runs gave no value (a year without "
                             "surveyed people?); choose other years")
        table = design.analyse(y, seed).sort_values(key, ascending=False)
        frames.append(table.assign(outcome=outcome, rank=range(1, len(table) + 1)))
    return pd.concat(frames, ignore_index=True)[["outcome", "rank", *frames[0].columns[:-2]]]
