"""Print one baseline run's fit to the published figures as Markdown: every target of
calibration/targets.yaml (the one source of the targets and their tolerances), and the published
patterns on mental health, ties and belonging that are not indicators (e.g. the PTSD cohort).

Usage: .venv/bin/python calibration/fit_table.py [--seed N] [--targets FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import sim
from sim.measure import targets, validation

HERE = Path(__file__).resolve().parent


def inner_life(result) -> str:
    """Published patterns on mental health, ties and belonging (not survey series), as Markdown."""
    model, ind = result.model, result.indicators
    at_exit, later = validation.ptsd_cohort(model, 2001, 36)
    start = model.calendar.start_year
    survey = model.modules["Survey"]
    depression = [survey.ratio("depression_prevalence", y - start, ("1", "2", "3"))
                  for y in range(2015, 2019)]
    s = validation.series
    rows = [
        ("full PTSD on leaving Hanawon, 2001 arrivals (%)", "27.2 (Hong et al. 2006)", at_exit),
        ("full PTSD three years later (%)", "4.0 (Hong et al. 2006)", later),
        ("depression, 1-3 years in the South, 2015-2018 (%)", "22.3 (Lee et al. 2020)",
         sum(depression) / len(depression)),
        ("people to rely on, mean, 2019", "fewer than two (KHF 2019)", s(ind, "mean_ties")[2019]),
    ]
    lines = ["Mental health, ties and belonging: published patterns that are not indicators.\n",
             "| pattern | published | model |", "|---|---|---|"]
    lines += [f"| {name} | {pub} | {value:.3g} |" for name, pub, value in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--targets", type=Path, default=HERE / "targets.yaml")
    args = ap.parse_args()
    result = sim.run("baseline", seed=args.seed)
    target_list = targets.load(args.targets)
    table = targets.fit_table(target_list, [targets.simulate(target_list, result.indicators)])
    print(f"Baseline, seed {result.seed}, scale {result.scenario.scale}: one run.\n")
    print("| target | published | tolerance | model | within |\n|---|---|---|---|---|")
    for _, r in table.iterrows():
        within = {"yes": "yes", "no": "**no**"}.get(r.within_tolerance, r.within_tolerance)
        print(f"| {r.id} | {r.observed:,.4g} | {r.tolerance:,.3g} | {r.simulated_p50:,.4g} | "
              f"{within} |")
    print()
    print(inner_life(result))


if __name__ == "__main__":
    main()
