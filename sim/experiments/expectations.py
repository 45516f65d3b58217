"""Scenarios that mean what they say: check each scenario's ``expect`` on a paired ensemble.

Every replicate runs the baseline, the scenario and, where a ``policy`` or ``world`` contrast is
asked for, the scenario's world without its levers (its levers as shadows), all with the same
seed and parameter draw. For each expectation the per-replicate difference of the named contrast
is the indicator summed over the years (counts) or averaged (rates); the expectation holds when
the mean difference moves in the stated direction (and in at least ``in_pairs`` of the pairs).
Each run goes through :func:`sim.experiments.api.run` with the replicate seeds and draws of
:func:`sim.experiments.ensemble.run_ensemble` (parameters and lever effects drawn when there is
more than one replicate), but runs only the sides an expectation needs and keeps only the
indicators it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..measure.indicators import COUNT_INDICATORS
from ..scenario import Expectation, Scenario, validate
from .ensemble import Executor

COLUMNS = ["scenario", "indicator", "years", "contrast", "direction", "in_pairs", "mean", "p05",
           "p95", "share_of_pairs", "pairs", "holds"]
SIDES = {"total": ("scenario", "baseline"), "policy": ("scenario", "shadow"),
         "world": ("shadow", "baseline")}


@dataclass(frozen=True)
class Run:
    """One run of an expectation check: picklable for any executor."""

    scenario: dict
    origin: str
    seed: int
    replicate: int
    role: str  # baseline, scenario or shadow
    indicators: tuple[str, ...]
    scale: int | None = None
    draw: bool = True  # parameters from the posterior (as an ensemble of more than one)
    draw_effects: bool = True


def run_one(run: Run) -> pd.DataFrame:
    """The indicators an expectation needs from one run (parameters and effects drawn)."""
    from . import api

    scenario = validate(run.scenario, run.origin)
    if run.scale is not None:
        scenario = scenario.with_overrides(scale=run.scale)
    result = api.run(scenario, seed=api.replicate_seed(run.seed, run.replicate),
                     replicate=run.replicate, shadow_levers=run.role == "shadow",
                     posterior_draw=run.draw, draw_effects=run.draw_effects, watched=False)
    ind = result.indicators
    return ind[ind.indicator.isin(run.indicators) & (ind.years_since_arrival == "all")]


def aggregate(indicators: pd.DataFrame, e: Expectation) -> pd.Series:
    """Per replicate: the indicator over the expectation's years (sum of counts, else mean)."""
    first, last = e.span
    rows = indicators[(indicators.indicator == e.indicator) & (indicators.sex == e.sex)
                      & indicators.year.between(first, last)]
    grouped = rows.groupby("replicate").value
    return grouped.sum() if e.indicator in COUNT_INDICATORS else grouped.mean()


def verdict(diff: np.ndarray, e: Expectation) -> tuple[float, bool]:
    """The share of pairs moving as expected, and whether the expectation holds."""
    mean = float(np.mean(diff))
    moves = {"up": diff > 0, "down": diff < 0, "not_up": diff <= 0, "not_down": diff >= 0}
    mean_ok = {"up": mean > 0, "down": mean < 0, "not_up": mean <= 0,
               "not_down": mean >= 0}[e.direction]
    share = float(np.mean(moves[e.direction]))
    return share, bool(mean_ok and (e.in_pairs is None or share >= e.in_pairs))


def check(scenarios: list[Scenario], baseline: Scenario, seed: int, replicates: int,
          executor: Executor, scale: int | None = None,
          fixed_effects: bool = False) -> pd.DataFrame:
    """Every expectation of ``scenarios`` against ``baseline``: one row each (see COLUMNS)."""
    needed = {e.indicator for s in scenarios for e in s.expect}
    draw = replicates > 1  # as in an ensemble: one replicate runs the point estimates
    options = dict(scale=scale, draw=draw, draw_effects=draw and not fixed_effects)
    runs = [Run(baseline.model_dump(mode="json"), baseline.origin, seed, r, "baseline",
                tuple(sorted(needed)), **options) for r in range(replicates)]
    for s in scenarios:
        roles = ["scenario"] + (["shadow"] if s.levers and any(
            e.contrast != "total" for e in s.expect) else [])
        runs += [Run(s.model_dump(mode="json"), s.origin, seed, r, role,
                     tuple(sorted({e.indicator for e in s.expect})), **options)
                 for role in roles for r in range(replicates)]
    results: dict[tuple[str, str], list[pd.DataFrame]] = {}
    for run, table in executor.map(runs, run_one):
        key = (run.scenario["name"] if run.role != "baseline" else "", run.role)
        results.setdefault(key, []).append(table)
    base = pd.concat(results[("", "baseline")])
    rows = []
    for s in scenarios:
        sides = {"baseline": base, "scenario": pd.concat(results[(s.name, "scenario")])}
        sides["shadow"] = (pd.concat(results[(s.name, "shadow")]) if (s.name, "shadow") in results
                           else sides["scenario"])  # no levers: the scenario is its own world
        for e in s.expect:
            a, b = (sides[k] for k in SIDES[e.contrast])
            diff = (aggregate(a, e) - aggregate(b, e)).to_numpy()
            share, holds = verdict(diff, e)
            rows.append(dict(scenario=s.name, indicator=e.indicator, years=str(e.years),
                             contrast=e.contrast, direction=e.direction,
                             in_pairs="mean only" if e.in_pairs is None else f"{e.in_pairs:g}",
                             mean=float(diff.mean()),
                             p05=float(np.percentile(diff, 5)),
                             p95=float(np.percentile(diff, 95)), share_of_pairs=share,
                             pairs=len(diff), holds=holds))
    return pd.DataFrame(rows, columns=COLUMNS)
