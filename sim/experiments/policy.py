"""What levers cost and what they achieve against their counterfactual, for one replicate.

A scenario with levers is compared with the same scenario run with its levers as *shadows*: they
reach the same people (same draws, capacity included) but change nothing, so the shadow run is
the scenario's world without the levers (byte-identical to a run without them) and its
follow-ups are the counterfactual outcomes of the very people the levers reached. The difference
is the *policy effect*. In a package, each lever is also switched on alone (the others as
shadows), which gives each lever's own effect and its cohort effects without the others mixed in.

Costs are in million KRW. Effect measures are person-years from the July surveys (people aged
15+) or counts of events, oriented so that more is better (:data:`MEASURES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine.calendar import parse_year_month
from ..measure.validation import series

ALL = "all levers"  # the label of a scenario's levers together
UNCALIBRATED = "parameters drawn from their priors"  # inputs.csv group: not calibrated


@dataclass(frozen=True)
class Measure:
    """An effect measure for cost-effectiveness: an indicator summed over the lever years."""

    indicator: str
    sign: int  # +1: more of the indicator is better; -1: less is better (effects "averted")
    unit: str  # the effect, in plural
    one: str  # one unit of it (cost per ...)


MEASURES = {
    "employed_person_years": Measure("employed_count", 1, "employed person-years",
                                     "employed person-year"),
    "depression_person_years_averted": Measure(
        "depressed_count", -1, "person-years of depression averted",
        "person-year of depression averted"),
    "suicides_averted": Measure("suicides", -1, "suicides averted", "suicide averted"),
    "ideation_person_years_averted": Measure(
        "ideation_count", -1, "person-years with suicidal ideation averted",
        "person-year with suicidal ideation averted"),
    "discrimination_person_years_averted": Measure(
        "discriminated_count", -1, "person-years of discrimination averted",
        "person-year of discrimination averted"),
    "repatriations_averted": Measure("repatriated", -1, "forced repatriations averted",
                                     "forced repatriation averted"),
    "arrivals_gained": Measure("arrivals", 1, "more people reaching the South",
                               "more person reaching the South"),
}
MEASURE_OF = {  # a lever's target indicator -> the measure that counts it
    "employed_count": "employed_person_years", "employment_rate": "employed_person_years",
    "self_employed_share": "employed_person_years",
    "vocational_training_share": "employed_person_years",
    "depressed_count": "depression_person_years_averted",
    "depression_prevalence": "depression_person_years_averted",
    "suicides": "suicides_averted", "suicidal_ideation_share": "ideation_person_years_averted",
    "discrimination_share": "discrimination_person_years_averted",
    "repatriated": "repatriations_averted", "arrivals": "arrivals_gained",
}


def target_outcomes(levers) -> list[str]:
    """The levers' own target indicators, in order of first mention."""
    return list(dict.fromkeys(o for lv in levers for o in lv.outcomes))


def measures_of(levers) -> list[str]:
    """The effect measures of a set of levers (from their target outcomes)."""
    return list(dict.fromkeys(MEASURE_OF[o] for o in target_outcomes(levers) if o in MEASURE_OF))


def first_year(scenario) -> int:
    """Calendar year in which the earliest lever starts (the end year + 1 without levers)."""
    starts = [parse_year_month(lv.start)[0] for lv in scenario.levers]
    return min(starts) if starts else scenario.end_year + 1


def costs_table(model, run: str = "package", only: str | None = None) -> pd.DataFrame:
    """People reached and cost by lever and year; ``run`` says whether the levers ran together
    (``package``) or one was switched on alone (``alone``, keeping that lever, ``only``)."""
    rows = [r for r in model.levers.costs(model.calendar.years)
            if only is None or r["lever"] == only]
    table = pd.DataFrame(rows, columns=["lever", "type", "year", "people_reached", "cost_mkrw"])
    return table.assign(run=run)


def cohort_table(policy_model, shadow_model, run: str = "package",
                 only: str | None = None) -> pd.DataFrame:
    """Outcomes of the people each lever reached, 12, 18 and 36 months later, against the same
    people in the shadow run (long: one row per lever, months and outcome; percentages).

    ``only`` keeps one lever (its own run when it is switched on alone)."""
    rows = []
    for a, b in zip(policy_model.levers.followups(), shadow_model.levers.followups(),
                    strict=True):
        if only is not None and a["lever"] != only:
            continue
        pa = 100 * a["count"] / a["people"] if a["people"] else np.nan
        pb = 100 * b["count"] / b["people"] if b["people"] else np.nan
        rows.append(dict(lever=a["lever"], type=a["type"], run=run,
                         months_after=a["months_after"], outcome=a["outcome"],
                         people=a["people"], pct=pa, pct_without=pb, difference_pp=pa - pb))
    return pd.DataFrame(rows, columns=["lever", "type", "run", "months_after", "outcome", "people",
                                       "pct", "pct_without", "difference_pp"])


def effects_table(policy, shadow, label: str, indicators: list[str]) -> pd.DataFrame:
    """Per-year policy effect (run minus shadow, all sexes and bands) on ``indicators`` from the
    first lever year on."""
    start = first_year(policy.scenario)
    frames = []
    for indicator in indicators:
        diff = (series(policy.indicators, indicator)
                - series(shadow.indicators, indicator)).loc[start:]
        frames.append(pd.DataFrame({"lever": label, "indicator": indicator, "year": diff.index,
                                    "effect": diff.to_numpy()}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["lever", "indicator", "year", "effect"])


def effect_indicators(levers) -> list[str]:
    """The indicators whose policy effect a replicate records: the targets and the measures'."""
    return list(dict.fromkeys([*target_outcomes(levers),
                               *(MEASURES[m].indicator for m in measures_of(levers))]))


def inputs_table(result) -> pd.DataFrame:
    """The uncertain inputs of one run: calibrated parameters, the other parameters drawn from
    their priors, and lever effect sizes in force."""
    from ..engine import posterior

    rows = []
    s = result.scenario
    if s.parameter_set is not None:
        names = posterior.load(s.parameter_set, s.origin).names
        rows += [dict(group="calibrated parameters", name=n, value=result.model.params[n])
                 for n in names]
    rows += [dict(group=UNCALIBRATED, name=n, value=result.model.params[n])
             for n in s.drawn_from_priors]
    rows += [dict(group=f"effect of {r['lever']}", name=f"{r['lever']}.{r['setting']}",
                  value=r["value"]) for r in result.model.levers.inputs()]
    return pd.DataFrame(rows, columns=["group", "name", "value"])
