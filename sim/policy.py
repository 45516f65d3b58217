"""What levers cost and what they achieve against their counterfactual.

A scenario with levers is compared with the same scenario run with its levers as *shadows*: they
reach the same people (same draws) but change nothing, so the shadow run is the world without the
levers (its indicators are byte-identical to a run without levers) and its follow-ups are the
counterfactual outcomes of the very people the levers reached. Costs are in million KRW;
employment and depression are counted as person-years from the July surveys (people aged 15+).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .validation import series


def _first_year(model) -> int:
    """Calendar year in which the earliest lever starts."""
    firsts = [lv.first for lv in model.levers.levers]
    return model.calendar.year_of(min(firsts)) if firsts else model.calendar.end_year + 1


def costs_table(model) -> pd.DataFrame:
    """People reached and cost by lever and year."""
    rows = model.levers.costs(model.calendar.years)
    return pd.DataFrame(rows, columns=["lever", "type", "year", "people_reached", "cost_mkrw"])


def cost_effectiveness(policy, counterfactual) -> pd.DataFrame:
    """Totals against the counterfactual, by lever and for all levers together.

    Effects cannot be split between levers run together, so per-lever rows carry costs only and
    the ``all levers`` row carries the costs per additional person-year employed and per
    person-year of depression averted.
    """
    years = slice(_first_year(policy.model), policy.model.calendar.end_year)
    gain = {k: (series(policy.indicators, k) - series(counterfactual.indicators, k)).loc[years]
            .sum() for k in ("employed_count", "depressed_count")}
    costs = costs_table(policy.model)
    out = [dict(lever=lever, total_cost_mkrw=g.cost_mkrw.sum(), people_reached=g.people_reached
                .sum()) for lever, g in costs.groupby("lever", sort=False)]
    total = costs.cost_mkrw.sum()
    employed, averted = gain["employed_count"], -gain["depressed_count"]
    out.append(dict(lever="all levers", total_cost_mkrw=total,
                    people_reached=costs.people_reached.sum(),
                    additional_employed_person_years=employed,
                    depression_person_years_averted=averted,
                    cost_per_additional_employed_person_year_mkrw=_per(total, employed),
                    cost_per_depression_person_year_averted_mkrw=_per(total, averted)))
    return pd.DataFrame(out)


def _per(cost: float, effect: float) -> float:
    return cost / effect if effect > 0 else np.nan


def cohort_table(policy, counterfactual) -> pd.DataFrame:
    """Employment and depression of the people each lever reached, k months after, against the
    same people in the counterfactual (percentage-point differences)."""
    rows = []
    for a, b in zip(policy.model.levers.followups(), counterfactual.model.levers.followups(),
                    strict=True):
        row = {"lever": a["lever"], "type": a["type"], "months_after": a["months_after"],
               "people": a["people"]}
        for k in ("employed", "depressed"):
            pa = 100 * a[k] / a["people"] if a["people"] else np.nan
            pb = 100 * b[k] / b["people"] if b["people"] else np.nan
            row.update({f"{k}_pct": pa, f"{k}_pct_without": pb, f"{k}_difference_pp": pa - pb})
        rows.append(row)
    return pd.DataFrame(rows)
