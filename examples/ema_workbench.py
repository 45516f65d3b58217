"""resettle as an EMA Workbench model: uncertainties from the priors (``sim.problem``), one
lever, outcomes by selector (``sim.evaluate``), a small Latin-hypercube experiment.

Run: .venv/bin/python examples/ema_workbench.py [--scenarios 8] [--scale 10]
Outcomes are population-level scenario estimates with uncertainty, never predictions about any
person.
"""

from __future__ import annotations

import argparse

from ema_workbench import (
    Model,
    RealParameter,
    ScalarOutcome,
    SequentialEvaluator,
    perform_experiments,
)

import sim
from sim.scenario import resolve

UNCERTAIN = ["mentorship.employment_multiplier", "job_finding_rate", "discrimination_rate"]
LEVER = "mentorship.coverage"
OUTCOMES = {"employment_2018": "employment_rate@2018",
            "extra_in_work": "policy_effect:employed_count@2016:2018"}


def ema_name(name: str) -> str:
    """An input's name as EMA Workbench needs it, a Python identifier ("a.b" becomes "a__b")."""
    return name.replace(".", "__")


def model(scale: float, end: int) -> Model:
    base = resolve("mentorship", scale=scale, horizon={"start": 1995, "end": end})

    def run(**inputs) -> dict:
        named = {name.replace("__", "."): value for name, value in inputs.items()}
        got = sim.evaluate(named, list(OUTCOMES.values()), scenario=base, seed=1)
        return {name: got[selector] for name, selector in OUTCOMES.items()}

    m = Model("resettle", function=run)
    bounds = sim.problem(UNCERTAIN, base)["bounds"]
    m.uncertainties = [RealParameter(ema_name(n), lo, hi)
                       for n, (lo, hi) in zip(UNCERTAIN, bounds, strict=True)]
    m.levers = [RealParameter(ema_name(LEVER), 0.0, 1.0)]
    m.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    return m


def main(scenarios: int = 8, scale: float = 10, end: int = 2018, seed: int = 1):
    """Run the experiments; ``seed`` fixes EMA's Latin hypercube designs (the same table on
    every run)."""
    resettle = model(scale, end)
    with SequentialEvaluator(resettle) as evaluator:
        experiments, outcomes = perform_experiments(
            resettle, scenarios=scenarios, policies=1, evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": seed}, lever_sampling_kwargs={"rng": seed})
    experiments = experiments.assign(**outcomes).rename(
        columns={ema_name(n): n for n in [*UNCERTAIN, LEVER]})
    print(experiments[[*UNCERTAIN, LEVER, *OUTCOMES]].round(2).to_string(index=False))
    return experiments


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=8)
    ap.add_argument("--scale", type=float, default=10)
    a = ap.parse_args()
    main(a.scenarios, a.scale)
