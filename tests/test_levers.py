"""Policy levers (issue 5): each moves its target outcomes in the expected direction, by an amount
inside the range of its evidence where there is evidence; costs are reported.

Each lever is run from 2008 to 2016 on the baseline (large cohorts), paired with the same run in
which the lever reaches the same people but does nothing (a shadow): common random numbers make
the difference the lever's effect, and the cohort follow-ups compare the very people reached.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

import sim
from sim import policy
from sim.scenario import load, validate
from sim.validation import series

WINDOW = {"start": "2008-01", "end": "2016-12"}
YEARS = slice(2009, 2020)


def scenario_with(lever: dict):
    data = load("baseline").model_dump()
    data.update(name="lever-test", horizon={"start": 1995, "end": 2020}, scale=2, levers=[lever])
    return validate(data, "<test>")


@lru_cache(maxsize=None)
def pair(key: str):
    """(policy, counterfactual) runs for one of the LEVERS below."""
    scenario = scenario_with({**WINDOW, **LEVERS[key]})
    return sim.run(scenario), sim.run(scenario, shadow_levers=True)


def effect(key: str, indicator: str, years=YEARS) -> float:
    p, b = pair(key)
    return float((series(p.indicators, indicator) - series(b.indicators, indicator))
                 .loc[years].mean())


def cohort(key: str, months: int) -> dict:
    p, b = pair(key)
    table = policy.cohort_table(p, b)
    return table[table.months_after == months].iloc[0].to_dict()


LEVERS = {
    "mentorship": {"type": "mentorship", "eligibility": {"arrived_within_years": 2,
                                                         "work": "not_employed", "age": [18, 60]}},
    "peer_role_models": {"type": "peer_role_models", "eligibility": {"arrived_within_years": 2}},
    "vocational_training": {"type": "vocational_training", "eligibility": {
        "arrived_within_years": 3, "work": "unemployed", "age": [20, 55]}},
    "wage_subsidy": {"type": "wage_subsidy", "duration_months": 48,
                     "eligibility": {"arrived_within_years": 5, "work": "unemployed"}},
    "microloans": {"type": "microloans", "coverage": 0.2, "eligibility": {
        "arrived_within_years": 10, "work": "not_employed", "age": [25, 60]}},
    "training_stipend": {"type": "training_stipend",
                         "eligibility": {"arrived_within_years": 5, "work": "not_employed"}},
    "settlement_support": {"type": "settlement_support", "duration_months": 1,
                           "eligibility": {"arrived_within_years": 1}, "unit_cost_krw": 1e7},
    "counselling": {"type": "counselling", "eligibility": {"arrived_within_years": 5}},
    "helpline": {"type": "helpline", "unit_cost_krw": 5e8},
    "communication_workshops": {"type": "communication_workshops",
                                "eligibility": {"arrived_within_years": 3}},
    "community_exchange": {"type": "community_exchange", "coverage": 0.3},
    "media_campaign": {"type": "media_campaign"},
    "case_management": {"type": "case_management", "duration_months": 24,
                         "eligibility": {"arrived_within_years": 1}},
    "transit_protection": {"type": "transit_protection"},
}


def test_every_lever_type_is_tested():
    assert set(LEVERS) == set(sim.levers.LEVERS)


def test_mentorship_at_full_coverage_adds_10_to_20_points_of_employment_at_18_months():
    """FORWORK RCT: +20 pp at 18 months with job placement, +10 without."""
    row = cohort("mentorship", 18)
    print(f"\nmentored cohort at 18 months: employed {row['employed_pct']:.1f}% against "
          f"{row['employed_pct_without']:.1f}% ({row['employed_difference_pp']:+.1f} pp; "
          f"{row['people']:.0f} people)")
    assert 10 <= row["employed_difference_pp"] <= 20


def test_peer_role_models_raise_work_and_lower_depression():
    assert cohort("peer_role_models", 18)["employed_difference_pp"] > 0
    assert effect("peer_role_models", "depression_prevalence") < 0


def test_vocational_training_pays_off_after_two_to_three_years():
    """Card, Kluve & Weber: about zero in the short run, positive after 2-3 years."""
    short, later = cohort("vocational_training", 12), cohort("vocational_training", 36)
    print(f"\ntrained cohort, employment difference: 12 months "
          f"{short['employed_difference_pp']:+.1f} pp, 36 months "
          f"{later['employed_difference_pp']:+.1f} pp")
    assert later["employed_difference_pp"] > 0
    assert short["employed_difference_pp"] < 10


def test_wage_subsidy_raises_employment_of_those_covered():
    assert cohort("wage_subsidy", 18)["employed_difference_pp"] > 0


def test_microloans_create_businesses_modestly():
    """Banerjee, Karlan & Zinman 2015: modestly positive, not transformative."""
    assert effect("microloans", "self_employed_share") > 0
    assert 0 < cohort("microloans", 36)["employed_difference_pp"] < 10


def test_training_stipend_raises_training_uptake():
    p, b = pair("training_stipend")
    trained = [r.model.population.trained[: r.model.population.n].sum() for r in (p, b)]
    print(f"\npeople who ever trained: with stipend {trained[0]}, without {trained[1]}")
    assert trained[0] > trained[1]


def test_settlement_support_adds_savings_and_pays_off_debts():
    p, b = pair("settlement_support")
    totals = [(r.model.population.savings_mkrw.sum(), r.model.population.debt_mkrw.sum())
              for r in (p, b)]
    assert totals[0][0] > totals[1][0] and totals[0][1] <= totals[1][1]


def test_counselling_lowers_depression_and_raises_service_use():
    assert effect("counselling", "depression_prevalence") < 0
    assert effect("counselling", "mental_health_service_use_share") > 0


def test_helpline_lowers_suicides_while_it_runs():
    p, b = pair("helpline")
    window = slice(2008, 2016)
    saved = (series(b.indicators, "suicides") - series(p.indicators, "suicides")).loc[window].sum()
    print(f"\nsuicides prevented 2008-2016: {saved:.0f}")
    assert saved > 0


def test_communication_workshops_lower_discrimination():
    assert effect("communication_workshops", "discrimination_share") < 0


def test_community_exchange_lowers_discrimination_and_adds_ties_to_south_koreans():
    assert effect("community_exchange", "discrimination_share") < 0
    assert effect("community_exchange", "mean_ties_to_south_koreans") > 0


def test_media_campaign_lowers_discrimination_while_it_runs():
    assert effect("media_campaign", "discrimination_share", slice(2009, 2016)) < 0


def test_case_management_adds_ties():
    assert effect("case_management", "mean_ties") > 0


def test_transit_protection_means_fewer_repatriations_and_more_arrivals():
    assert effect("transit_protection", "repatriated", slice(2008, 2016)) < 0
    assert effect("transit_protection", "arrivals", slice(2008, 2016)) > 0


def test_costs_are_people_reached_times_unit_cost_and_yearly_for_population_wide_levers():
    p, _ = pair("settlement_support")
    costs = policy.costs_table(p.model)
    assert np.allclose(costs.cost_mkrw, costs.people_reached * 1e7 / 1e6)
    h, _ = pair("helpline")
    assert policy.costs_table(h.model).cost_mkrw.sum() == pytest.approx(9 * 5e8 / 1e6)


def test_cost_effectiveness_against_the_counterfactual():
    p, b = pair("counselling")
    table = policy.cost_effectiveness(p, b).set_index("lever")
    total = table.loc["all levers"]
    print("\n" + table.T.to_string())
    assert total.depression_person_years_averted > 0


def test_shadow_levers_change_nothing():
    """The counterfactual (levers as shadows) is the world without the levers, byte for byte."""
    _, shadow = pair("mentorship")
    plain = sim.run(scenario_with({**WINDOW, **LEVERS["mentorship"]}).without_levers())
    assert shadow.indicators.equals(plain.indicators)


def test_people_reached_are_residents_meeting_the_eligibility():
    p, _ = pair("mentorship")
    lever = p.model.levers.levers[0]
    pop = p.model.population
    reached = np.flatnonzero(lever.enrolled[: pop.n] >= 0)
    assert reached.size > 0
    months = lever.enrolled[reached].astype(np.int64)
    assert (months - pop.arrival_month[reached] <= 24).all()
    assert ((months - pop.birth_month[reached]) / 12 >= 18).all()
    assert (pop.left_hanawon_month[reached] <= months).all()  # reached only after Hanawon
