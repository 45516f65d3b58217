"""Policy levers: each moves its own outcomes in the direction its evidence implies, acts only on
the people its mechanism concerns, and is compared with an exact shadow.

Each lever is run from 2008 to 2016 on the baseline (large cohorts), paired with the same run in
which the lever reaches the same people but does nothing (a shadow): common random numbers make
the difference the lever's effect, and the cohort follow-ups compare the very people reached.
Single runs use each effect prior's median.
"""

from __future__ import annotations

import types
from functools import cache

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.errors import InputError
from sim.experiments import policy
from sim.levers import CHANNELS, LEVERS, register
from sim.levers.base import LeverSettings
from sim.levers.effects import Distribution, effect, lognormal_90
from sim.measure.validation import series
from sim.scenario import load, validate

WINDOW = {"start": "2008-01", "end": "2016-12"}
YEARS = slice(2009, 2020)


def scenario_with(lever: dict, scale: int = 4):
    data = load("baseline").model_dump()
    data.update(name="lever-test", horizon={"start": 1995, "end": 2020}, scale=scale,
                levers=[lever])
    return validate(data, "<test>")


@cache
def pair(key: str, seed: int | None = None):
    """(policy, shadow) runs for one of the LEVERS below (the scenario's seed by default)."""
    scenario = scenario_with({**WINDOW, **LEVERS_UNDER_TEST[key]})
    return (sim.run(scenario, seed=seed, watched=False),  # Mesa's views are not read here
            sim.run(scenario, seed=seed, shadow_levers=True, watched=False))


def effect_on(key: str, indicator: str, years=YEARS) -> float:
    p, b = pair(key)
    return float((series(p.indicators, indicator) - series(b.indicators, indicator))
                 .loc[years].mean())


def cohort(key: str, months: int, outcome: str = "employed", seed: int | None = None) -> dict:
    p, b = pair(key, seed)
    table = policy.cohort_table(p.model, b.model)
    return table[(table.months_after == months) & (table.outcome == outcome)].iloc[0].to_dict()


LEVERS_UNDER_TEST = {
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
    "settlement_support": {"type": "settlement_support",
                           "eligibility": {"arrived_within_years": 1}, "unit_cost_krw": 1e6},
    "counselling": {"type": "counselling", "eligibility": {"arrived_within_years": 5}},
    "helpline": {"type": "helpline", "cost_per_year_krw": 5e8},
    "communication_workshops": {"type": "communication_workshops",
                                "eligibility": {"arrived_within_years": 3}},
    "community_exchange": {"type": "community_exchange", "coverage": 0.3},
    "media_campaign": {"type": "media_campaign"},
    "case_management": {"type": "case_management", "duration_months": 24,
                         "eligibility": {"arrived_within_years": 1}},
    "transit_protection": {"type": "transit_protection"},
}


def test_every_lever_type_is_tested():
    assert set(LEVERS_UNDER_TEST) == set(LEVERS)


def test_mentorship_at_its_prior_median_gives_the_forwork_range_at_18_months():
    """FORWORK RCT: +10 points at 18 months without internships (prior 90%: +3 to +18)."""
    row = cohort("mentorship", 18)
    print(f"\nmentored cohort at 18 months: employed {row['pct']:.1f}% against "
          f"{row['pct_without']:.1f}% ({row['difference_pp']:+.1f} pp; "
          f"{row['people']:.0f} people)")
    assert 3 <= row["difference_pp"] <= 18


def test_mentorship_effect_fades_as_others_catch_up():
    """Dahlberg et al. 2024: the gain lasts about three years, then fades."""
    assert cohort("mentorship", 36)["difference_pp"] < cohort("mentorship", 12)["difference_pp"]


def test_peer_role_models_raise_work_and_lower_depression():
    assert cohort("peer_role_models", 18)["difference_pp"] > 0
    assert effect_on("peer_role_models", "depression_prevalence") < 0


def test_vocational_training_raises_employment_three_years_on():
    """Card, Kluve & Weber: positive after 2-3 years."""
    assert cohort("vocational_training", 36)["difference_pp"] > 0


@pytest.mark.slow
@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "a known miss of the model's mechanism, stated (with its figures) where the lever is "
    "defined and in every report that uses it: " + LEVERS["vocational_training"][0].known_miss
    + ". With an earlier block, 81% of the unemployed enrolled were in work two months later "
    "without the course (seed 1, enrolled in 2010), so the 5-month course is a deep, short "
    "lock-in; one seed alone can order the two either way"))
def test_vocational_training_pays_off_after_two_to_three_years():
    """Card, Kluve & Weber: about zero in the short run, positive after 2-3 years (six seeds,
    since one seed's cohort is small: the growth from 12 to 36 months must stand out from the
    seeds' spread, twice the standard error of its mean, not merely be above zero)."""
    pp = np.array([[cohort("vocational_training", months, seed=seed)["difference_pp"]
                    for months in (12, 36)] for seed in range(1, 7)])
    short, later = pp.mean(axis=0)
    growth = pp[:, 1] - pp[:, 0]
    error = growth.std(ddof=1) / np.sqrt(growth.size)
    print(f"\ntrained cohort, employment difference (mean of seeds 1-6): 12 months "
          f"{short:+.1f} pp, 36 months {later:+.1f} pp; growth {growth.mean():+.2f} pp "
          f"(standard error {error:.2f})")
    assert 0 < later and growth.mean() > 2 * error


def test_wage_subsidy_raises_employment_of_those_covered():
    assert cohort("wage_subsidy", 18)["difference_pp"] > 0


def test_microloans_create_businesses_modestly():
    """Banerjee, Karlan & Zinman 2015: modestly positive, not transformative."""
    assert effect_on("microloans", "self_employed_share") > 0
    assert 0 < cohort("microloans", 36)["difference_pp"] < 10


def test_microloan_failure_acts_only_on_businesses_the_loan_started():
    p, _ = pair("microloans")
    lever, pop, month = p.model.levers.levers[0], p.model.population, p.model.calendar.n_months - 1
    reached = np.flatnonzero(lever.enrolled[: pop.n] >= 0)
    owners = reached[lever.business_month[reached] >= 0]
    assert 0 < owners.size < 0.5 * reached.size  # most people reached start no business
    concerned = lever.acts_on("separation", reached, month)
    assert not concerned[lever.business_month[reached] < 0].any()


def test_training_stipend_raises_training_uptake():
    assert cohort("training_stipend", 12, "trained")["difference_pp"] > 0


def test_settlement_support_adds_savings_and_pays_off_debts():
    """The money pays off each person's debt first and the rest is saved. (The population's mean
    debt may still rise: brokers front more journeys on credit while the lever pays.)"""
    assert effect_on("settlement_support", "mean_savings_mkrw") > 0
    from sim.model import ResettleModel

    model = ResettleModel(scenario_with({**WINDOW, **LEVERS_UNDER_TEST["settlement_support"]}))
    lever, pop = model.levers.levers[0], model.population
    money = lever.settings.extra_cash_mkrw + lever.settings.extra_housing_mkrw
    rows = np.arange(3)  # three of the residents the model starts with
    pop.debt_mkrw[rows] = [0.0, money / 2, money * 3]
    pop.savings_mkrw[rows] = 1.0
    lever.on_enrol(rows, 0)
    np.testing.assert_allclose(pop.debt_mkrw[rows], [0.0, 0.0, money * 2])
    np.testing.assert_allclose(pop.savings_mkrw[rows], [1.0 + money, 1.0 + money / 2, 1.0])


def test_settlement_support_lets_brokers_front_more_journeys_while_it_pays():
    """Brokers are paid out of the settlement money (WaPo 2016): in the lever's years the credit
    share is taken at the table's cash plus the extra cash times the coverage; before and after,
    and in the shadow run, it is the table's."""
    from sim.engine.world import credit_share

    policy_run, shadow = pair("settlement_support")
    world, plain, p = policy_run.model.world, shadow.model.world, policy_run.model.params
    years = np.array(policy_run.model.calendar.years)
    paid = (years >= 2008) & (years <= 2016)
    extra = policy_run.model.levers.levers[0].settings.extra_cash_mkrw
    assert np.array_equal(world.broker_credit_share[~paid], plain.broker_credit_share[~paid])
    expected = credit_share(plain.settlement_cash_mkrw[paid] + extra, p["broker_credit_share"],
                            p["broker_credit_cash_elasticity"])
    assert np.allclose(world.broker_credit_share[paid], expected)
    assert (world.broker_credit_share[paid] > plain.broker_credit_share[paid]).any()
    assert effect_on("settlement_support", "arrivals") > 0


def test_the_extra_cash_a_broker_counts_on_is_shared_by_the_months_paid_and_the_coverage():
    scenario = scenario_with({"type": "settlement_support", "start": "2010-07", "end": "2011-12",
                              "coverage": 0.5, "extra_cash_mkrw": 4.0}, scale=100)
    from sim.model import ResettleModel

    extra = ResettleModel(scenario).levers.levers[0].expected_extra_cash()
    assert extra[2010 - 1995] == pytest.approx(1.0)  # half of 2010, half the arrivals: 4 / 4
    assert extra[2011 - 1995] == pytest.approx(2.0)
    assert extra.sum() == pytest.approx(3.0)
    second = {"type": "settlement_support", "name": "more", "start": "2011-01", "end": "2011-12",
              "extra_cash_mkrw": 1.0}
    both = scenario.model_dump()
    both["levers"].append(second)
    world = ResettleModel(validate(both, "<test>")).world
    assert world.lever_cash_mkrw[2011 - 1995] == pytest.approx(3.0)  # the two levers' cash


def test_counselling_lowers_depression_and_raises_service_use():
    assert effect_on("counselling", "depression_prevalence") < 0
    assert effect_on("counselling", "mental_health_service_use_share") > 0


def test_counselling_speeds_recovery_only_for_people_using_services():
    p, _ = pair("counselling")
    lever, pop, month = p.model.levers.levers[0], p.model.population, 12 * (2012 - 1995) + 5
    rows = np.flatnonzero(lever.active(np.arange(pop.n), month))
    using = pop.service_until[rows] > month
    assert using.any() and (~using).any()
    factor = lever.factor("ptsd_recovery", rows, month)
    assert (factor[~using] == 1.0).all() and (factor[using] > 1.0).all()
    assert (lever.factor("service_start", rows, month) > 1.0).all()


def test_vocational_training_reaches_no_one_already_training_or_studying():
    p, _ = pair("vocational_training")
    lever, pop, month = p.model.levers.levers[0], p.model.population, 12 * (2012 - 1995) + 5
    rows = p.model.residents()
    pop.training_until[rows[::2]] = month + 3
    assert not lever.eligible(rows[::2], month).any()


def test_a_service_ends_with_its_months_even_when_its_effect_fades():
    """Case management with a fading effect: people are managed (and meet others at the centre)
    for duration_months only; afterwards only the multiplier fades."""
    p, _ = pair("case_management")
    lever, pop = p.model.levers.levers[0], p.model.population
    fading = type(lever)(p.model, lever.settings.model_copy(
        update={"effect_half_life_months": 6.0}))
    fading.enrolled = lever.enrolled.copy()
    rows = np.flatnonzero(lever.enrolled[: pop.n] >= 0)
    month = int(lever.enrolled[rows].min()) + 30  # 6 months after the first ended
    ended = rows[month - lever.enrolled[rows].astype(np.int64) >= 24]
    assert ended.size and not fading.serving("hana_tie", ended, month).any()
    assert (fading.factor("hana_tie", ended, month) > 1.0).any()  # the effect still fades


@pytest.mark.parametrize("lever, message", [
    ({"type": "mentorship", "employment_multiplier": float("inf")},
     r"employment_multiplier.value: Input should be a finite number"),
    ({"type": "helpline", "suicide_multiplier": {"dist": "normal", "mean": -5, "sd": 1}},
     r"suicide_multiplier: expected a distribution whose median lies in \[0, inf\], got "
     r"normal\(mean -5, sd 1\)"),
    ({"type": "settlement_support", "extra_cash_mkrw": 0, "extra_housing_mkrw": 0},
     "both 0, so the lever pays nothing"),
])
def test_a_lever_that_could_not_act_as_written_is_refused(lever, message):
    """An infinite effect, a prior every draw of which would be clipped to a bound, money of
    nothing: refused rather than run."""
    with pytest.raises(InputError, match=message):
        scenario_with({**WINDOW, **lever})


def test_a_capacity_under_one_agent_is_refused_when_the_model_is_built():
    """At scale 50 a capacity of 40 people a year rounds to no agent: the lever would reach no
    one, so the run is refused rather than reporting no effect."""
    from sim.model import ResettleModel

    scenario = scenario_with({**WINDOW, **LEVERS_UNDER_TEST["mentorship"], "capacity": 40},
                             scale=50)
    with pytest.raises(InputError, match=r"mentorship.capacity: 40 people a year is less than "
                                         r"one agent at scale 50"):
        ResettleModel(scenario)
    assert ResettleModel(scenario.with_overrides(scale=40)).levers.levers  # one agent: runs


def test_a_lever_that_acts_once_refuses_settings_of_a_service_length():
    for key in ("effect_half_life_months", "duration_months"):
        with pytest.raises(InputError, match=f"{key}: does not apply: this lever acts once"):
            scenario_with({**WINDOW, "type": "communication_workshops", key: 6})


def test_the_helpline_acts_on_callers_in_a_crisis_while_in_contact_only():
    """Gould et al. 2007: benefits during contact; the population effect is small."""
    p, _ = pair("helpline")
    lever, pop = p.model.levers.levers[0], p.model.population
    rows = np.arange(pop.n)
    reached = lever.enrolled[rows][lever.enrolled[rows] >= 0].astype(np.int64)
    month = int(np.bincount(reached).argmax())  # the month in which most callers were reached
    factor = lever.factor("suicide", rows, month)
    in_contact = lever.enrolled[rows] == month  # reached this month (or later: not in contact)
    assert in_contact.any() and (factor[~in_contact] == 1.0).all()
    assert (factor[in_contact] == lever.values["suicide_multiplier"]).all()


def test_communication_workshops_lower_discrimination():
    assert effect_on("communication_workshops", "discrimination_share") < 0


def test_community_exchange_lowers_discrimination_and_adds_ties_to_south_koreans():
    assert effect_on("community_exchange", "discrimination_share") < 0
    assert effect_on("community_exchange", "mean_ties_to_south_koreans") > 0


def test_media_campaign_lowers_discrimination_while_it_runs_and_the_effect_fades_after():
    assert effect_on("media_campaign", "discrimination_share", slice(2009, 2016)) < 0
    p, _ = pair("media_campaign")
    lever = p.model.levers.levers[0]
    rows = np.arange(3)
    end = lever.last
    assert (lever.weight(rows, end) == 1).all()
    assert 0 < lever.weight(rows, end + 1)[0] < 1 and lever.weight(rows, end + 24)[0] < 0.01


def test_case_management_adds_ties():
    assert effect_on("case_management", "mean_ties") > 0


def test_transit_protection_means_fewer_repatriations_and_more_arrivals():
    assert effect_on("transit_protection", "repatriated", slice(2008, 2016)) < 0
    assert effect_on("transit_protection", "arrivals", slice(2008, 2016)) > 0


def test_costs_are_people_reached_times_unit_cost_plus_a_sum_per_year():
    p, _ = pair("settlement_support")  # 10M KRW paid to each person, and 1M to administer it
    costs = policy.costs_table(p.model)
    assert costs.people_reached.sum() > 0
    assert np.allclose(costs.cost_mkrw, costs.people_reached * (10 + 1))
    h, _ = pair("helpline")
    assert policy.costs_table(h.model).cost_mkrw.sum() == pytest.approx(9 * 5e8 / 1e6)


def test_shadow_levers_change_nothing():
    """The shadow run is the world without the levers, byte for byte."""
    _, shadow = pair("mentorship")
    plain = sim.run(scenario_with({**WINDOW, **LEVERS_UNDER_TEST["mentorship"]}).without_levers())
    assert shadow.indicators.equals(plain.indicators)


def _enrolments(result) -> set[tuple[int, int]]:
    lever, pop = result.model.levers.levers[0], result.model.population
    rows = np.flatnonzero(lever.enrolled[: pop.n] >= 0)
    return set(zip(pop.uid[rows].tolist(), lever.enrolled[rows].tolist(), strict=True))


def test_a_shadow_enrols_the_same_people_in_the_same_months_when_the_lever_cannot_change_who_is_eligible():  # noqa: E501 (the name says it)
    """Settlement support with no effect on work, paid as housing subsidy only (brokers front
    journeys against the cash), changes money only: nobody else's eligibility."""
    s = scenario_with({**WINDOW, **LEVERS_UNDER_TEST["settlement_support"],
                       "lf_entry_multiplier": 1.0, "capacity": 300, "extra_cash_mkrw": 0.0},
                      scale=5)
    lever_run, shadow_run = sim.run(s), sim.run(s, shadow_levers=True)
    assert _enrolments(lever_run) == _enrolments(shadow_run)
    assert (lever_run.model.levers.levers[0].reached
            == shadow_run.model.levers.levers[0].reached).all()


def test_capacity_binds_in_the_shadow_and_spillovers_change_few_enrolments():
    """Mentorship in 2015 at 1,500 a year: the shadow enrols the same number each year, and the
    people enrolled differ only through spillovers (job referrals to people not enrolled); the
    measured share is in the README (levers section)."""
    s = scenario_with({**WINDOW, **LEVERS_UNDER_TEST["mentorship"], "coverage": 0.8,
                       "capacity": 1500})
    lever_run, shadow_run = sim.run(s), sim.run(s, shadow_levers=True)
    a, b = (r.model.levers.levers[0] for r in (lever_run, shadow_run))
    full = a.reached == 1500
    assert full.sum() >= 5 and (b.reached[full] == 1500).all()  # binds in the shadow too
    assert np.abs(a.reached - b.reached).sum() < 0.01 * a.reached.sum()
    ea, eb = _enrolments(lever_run), _enrolments(shadow_run)
    differ = len(ea ^ eb) / (len(ea) + len(eb))
    print(f"\nenrolments that differ between the lever and its shadow: {differ:.2%}")
    assert differ < 0.02


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


def test_every_declared_channel_is_read_by_a_rule():
    p, _ = pair("mentorship")
    assert p.model.levers.queried == set(CHANNELS)


def _module(channel: str, setting: str = "strength") -> types.ModuleType:
    class Settings(LeverSettings):
        type: str = "new_lever"
        strength: Distribution = effect(lognormal_90(1.0, 2.0), kind="assumption",
                                        what="a test", source="none")
        channel_settings = {channel: setting}

    return types.SimpleNamespace(Settings=Settings, __name__="sim.levers.new_lever")


def test_a_lever_naming_an_unknown_channel_fails_to_load_with_a_did_you_mean():
    with pytest.raises(InputError, match=r"sim.levers.new_lever: channel_settings: unknown "
                                         r"channel 'job_findng' \(did you mean 'job_finding'\?\)"):
        register(_module("job_findng"))
    with pytest.raises(InputError, match=r"maps to 'strenght', which is not an effect setting "
                                         r"\(did you mean 'strength'\?\)"):
        register(_module("job_finding", "strenght"))
    assert register(_module("job_finding"))[0].channel_settings == {"job_finding": "strength"}


def test_the_channels_read_from_the_rules_source_are_those_their_classes_declare():
    from sim.engine.module import Module
    from sim.levers import rule_modules

    declared = {}
    for module in rule_modules():
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, Module) and \
                    cls.__module__ == module.__name__:
                declared.update(cls.channels)
    assert declared == CHANNELS and "job_finding" in CHANNELS


def test_the_normal_quantiles_without_scipy_agree_with_scipys():
    from scipy import special

    from sim.levers import effects

    assert effects.Z90 == pytest.approx(float(special.ndtri(0.95)), rel=1e-14)
    for share, smd in [(0.202, -0.3), (0.5, -1.0), (0.05, 0.7)]:
        assert effects.probit_shift(share, smd) == pytest.approx(
            float(special.ndtr(special.ndtri(share) + smd)), rel=1e-13)


def test_cohort_table_is_long_with_every_outcome():
    p, b = pair("counselling")
    table = policy.cohort_table(p.model, b.model)
    assert set(table.outcome) == {"employed", "depressed", "ideation", "discriminated",
                                  "trained", "suicide"}
    depressed = table[(table.outcome == "depressed") & (table.months_after == 12)].iloc[0]
    assert depressed.difference_pp < 0
    assert isinstance(table, pd.DataFrame) and (table.people > 0).all()


def test_levers_at_zero_coverage_give_the_world_without_them_byte_for_byte():
    """Every lever that reaches people, at coverage 0, changes nothing (the compiled passes
    read its factors of exactly 1)."""
    reaching = [{**WINDOW, **spec, "coverage": 0.0} for spec in LEVERS_UNDER_TEST.values()
                if not LEVERS[spec["type"]][0].population_wide]
    assert len(reaching) >= 8
    data = load("baseline").model_dump()
    data.update(name="zero", horizon={"start": 1995, "end": 2020}, scale=4)
    plain = sim.run(validate(data, "<test>"))
    data.update(levers=reaching)
    assert sim.run(validate(data, "<test>")).indicators.equals(plain.indicators)
