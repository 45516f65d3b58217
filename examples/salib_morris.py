"""Morris screening of three inputs of the mentorship scenario with SALib, through
``sim.problem`` (bounds from the priors) and ``sim.evaluate`` (inputs in, outcomes out).

Run: .venv/bin/python examples/salib_morris.py [--trajectories 4] [--scale 10]
The outcome is the policy effect of mentoring on people in work, 2016-2018 (person-years), as a
population-level scenario estimate, never a prediction about any person.
"""

from __future__ import annotations

import argparse

import numpy as np
from SALib.analyze import morris as analyze
from SALib.sample import morris as sample

import sim
from sim.scenario import resolve

INPUTS = ["mentorship.employment_multiplier", "mentorship.coverage", "job_finding_rate"]
OUTCOME = "policy_effect:employed_count@2016:2018"


def main(trajectories: int = 4, scale: float = 10, end: int = 2018) -> dict:
    base = resolve("mentorship", scale=scale, horizon={"start": 1995, "end": end})
    problem = sim.problem(INPUTS, base)
    x = sample.sample(problem, trajectories, num_levels=4, seed=1)
    y = np.array([sim.evaluate(dict(zip(INPUTS, row, strict=True)), [OUTCOME], scenario=base,
                               seed=1)[OUTCOME] for row in x])  # one seed: common numbers
    result = analyze.analyze(problem, x, y, num_levels=4, seed=1)
    ranking = dict(sorted(zip(INPUTS, result["mu_star"], strict=True), key=lambda kv: -kv[1]))
    for name, mu in ranking.items():
        print(f"{name:40s} mu* {mu:10.1f} person-years")
    return ranking


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trajectories", type=int, default=4)
    ap.add_argument("--scale", type=float, default=10)
    a = ap.parse_args()
    main(a.trajectories, a.scale)
