"""Where the lever priors' intervals come from: the model's cohort effect at given effect sizes.

Most published lever effects are in the outcome's units (points of employment of participants at
18 months, say), while the model's levers multiply rates. For each lever whose evidence is an
interval of a participant effect, this script runs the lever on a large cohort (2008-2016 on the
calibrated baseline, scale 2, paired with its shadow) at fixed effect sizes and prints the cohort
effect, so that the prior's 90% interval can be set to the effect sizes that reproduce the
evidence interval (``--solve``), and checked (default: the prior's 5th, 50th and 95th
percentiles against the evidence).

    .venv/bin/python calibration/lever_priors.py            # check every prior
    .venv/bin/python calibration/lever_priors.py --solve    # effect sizes for the evidence ends
"""

from __future__ import annotations

import argparse

from scipy import optimize

import sim
from sim.experiments import policy
from sim.levers import LEVERS
from sim.levers.effects import effect_fields
from sim.scenario import load, validate

WINDOW = {"start": "2008-01", "end": "2016-12"}
# lever -> (setting, extra settings, outcome, months after, evidence interval (low, centre, high))
EVIDENCE = {
    "mentorship": ("employment_multiplier", {"eligibility": {
        "arrived_within_years": 2, "work": "not_employed", "age": [18, 60]}},
        "employed", 18, (3.0, 10.0, 18.0)),
    "wage_subsidy": ("job_finding_multiplier", {"eligibility": {
        "arrived_within_years": 5, "work": "unemployed"}}, "employed", 18, (3.0, 10.0, 20.0)),
    "case_management": ("employment_multiplier", {"eligibility": {"arrived_within_years": 1}},
                        "employed", 18, (2.0, 8.0, 15.0)),
    "peer_role_models": ("lf_entry_multiplier", {"eligibility": {"arrived_within_years": 2}},
                         "employed", 18, (0.0, 1.5, 3.0)),
    "settlement_support": ("lf_entry_multiplier", {"eligibility": {"arrived_within_years": 1}},
                           "employed", 12, (-6.0, -2.0, 1.0)),
    "training_stipend": ("training_start_multiplier", {"eligibility": {
        "arrived_within_years": 5, "work": "not_employed"}}, "trained", 12, (2.0, 5.0, 10.0)),
    "communication_workshops": ("accent_multiplier", {"eligibility": {
        "arrived_within_years": 3}}, "employed", 36, (0.0, 2.0, 6.0)),
}


def cohort_effect(lever: str, value: float, scale: int = 2) -> float:
    """The participants' difference (points) at the evidence's follow-up, with a fixed effect."""
    setting, extra, outcome, months, _ = EVIDENCE[lever]
    data = load("baseline").model_dump()
    data.update(name="prior-check", horizon={"start": 1995, "end": 2020}, scale=scale,
                levers=[{"type": lever, **WINDOW, **extra, setting: value}])
    scenario = validate(data, "<lever_priors>")
    table = policy.cohort_table(sim.run(scenario).model,
                                sim.run(scenario, shadow_levers=True).model)
    row = table[(table.months_after == months) & (table.outcome == outcome)].iloc[0]
    return float(row.difference_pp)


def check() -> None:
    """The cohort effect at the prior's 5th, 50th and 95th percentiles against the evidence."""
    print(f"{'lever':<24} {'setting':<28} {'p05':>8} {'p50':>8} {'p95':>8}   evidence")
    for lever, (setting, _, outcome, months, ends) in EVIDENCE.items():
        info = effect_fields(LEVERS[lever][0])[setting]
        prior = LEVERS[lever][0].model_fields[setting].default
        values = [prior.ppf(q) for q in (0.05, 0.5, 0.95)]
        effects = [cohort_effect(lever, v) for v in values]
        low, centre, high = ends
        print(f"{lever:<24} {setting:<28} " + " ".join(f"{e:+8.1f}" for e in effects)
              + f"   {low:+.0f} / {centre:+.0f} / {high:+.0f} points ({outcome}, {months} months;"
              f" effect sizes {values[0]:.3g}, {values[1]:.3g}, {values[2]:.3g}; "
              f"bounds {info['bounds']})")


def solve() -> None:
    """The effect sizes at which the cohort effect equals each end of the evidence interval."""
    for lever, (setting, _, _, _, ends) in EVIDENCE.items():
        found = []
        for target in (ends[0], ends[2]):
            if target == 0:
                found.append(1.0)
                continue
            lo, hi = (0.3, 1.0) if (target < 0) ^ (setting == "accent_multiplier") else (1.0, 6.0)
            found.append(optimize.brentq(lambda v, t=target: cohort_effect(lever, v) - t, lo, hi,
                                         xtol=0.01))
        print(f"{lever:<24} {setting:<28} {found[0]:.3f} .. {found[1]:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solve", action="store_true", help="solve for the interval's ends")
    solve() if parser.parse_args().solve else check()
