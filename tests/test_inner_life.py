"""Mental health, social ties and belonging: the published patterns, the ties, and
mechanisms that are connected. Each test prints model against source (``pytest -rP``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from _shared import baseline

import sim
from sim.engine.stages import IN_SOUTH, RESIDENTS, Stage
from sim.measure import targets, validation
from sim.measure.validation import series

ROOT = Path(__file__).resolve().parent.parent
YEARS = range(2012, 2025)


@cache
def variant(**overrides) -> sim.RunResult:
    """The baseline to 2024 at scale 2 with some parameters changed (same seed: common random
    numbers)."""
    return sim.run("baseline", horizon={"start": 1995, "end": 2024}, scale=2, **overrides)


def _mean(df, indicator, years=YEARS):
    return series(df, indicator).loc[years[0]:years[-1]].mean()


@cache
def ptsd_cohort() -> tuple[float, float, dict]:
    """Full PTSD (%) of the 2001 arrivals on leaving Hanawon and three years later, and the two
    published figures (Hong et al. 2006) with the tolerances calibration/targets.yaml derives for
    them from the study's sample size."""
    at_exit, later = validation.ptsd_cohort(baseline().model, 2001, 36)
    published = {t.id: t for t in targets.load(ROOT / "calibration" / "targets.yaml")}
    print(f"\n2001 arrivals, full PTSD: on leaving Hanawon {at_exit:.1f}% (published "
          f"{published['hong2006_ptsd_2001_arrivals'].observed}), three years later "
          f"{later:.1f}% (published {published['hong2006_ptsd_3_years_on'].observed})")
    return at_exit, later, published


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
                   "since the life block was estimated under priors that did not see the "
                   "clinical series (2026-12-06) the seed-1 run gives 15.7% against 27.2 +- "
                   "9.4 (16.8-18.4% in the ensembles of seeds 1-3; the posterior median of the "
                   "base share of PTSD fell from 0.062 to 0.047)"))
def test_full_ptsd_of_the_2001_arrivals_on_leaving_hanawon_is_about_27_percent():
    """Hong et al. 2006 followed 2001 arrivals: full PTSD 27.2% on arrival."""
    at_exit, _, published = ptsd_cohort()
    first = published["hong2006_ptsd_2001_arrivals"]
    assert abs(at_exit - first.observed) <= first.tolerance


def test_full_ptsd_of_the_2001_arrivals_is_about_4_percent_three_years_on():
    """Hong et al. 2006: 4.0% three years on, and far below the level on leaving Hanawon."""
    at_exit, later, published = ptsd_cohort()
    third = published["hong2006_ptsd_3_years_on"]
    assert abs(later - third.observed) <= third.tolerance and later < at_exit / 3


def test_the_famine_weighs_on_the_ptsd_of_early_arrivals_and_hardly_on_recent_ones():
    """PTSD from the famine of 1995-2000 fades from its end: without it (same seed, common random
    numbers) the 2001-2003 arrivals leave Hanawon with full PTSD clearly less often, the 2017-2019
    arrivals about as often."""
    def exit_ptsd(df, years):
        return series(df, "ptsd_at_hanawon_exit_share").loc[years[0]:years[-1]].mean()

    with_famine = variant().indicators
    without = variant(famine_ptsd_share=0.0).indicators
    early = exit_ptsd(with_famine, (2001, 2003)) - exit_ptsd(without, (2001, 2003))
    recent = exit_ptsd(with_famine, (2017, 2019)) - exit_ptsd(without, (2017, 2019))
    print(f"\nfull PTSD on leaving Hanawon, with the famine less without: 2001-2003 "
          f"{early:+.1f} points, 2017-2019 {recent:+.1f}")
    assert early > 3.0 and 0.0 <= recent < early / 3


def test_men_in_the_south_die_more_often_than_women():
    """Men's death rate is about twice women's at the same age (Statistics Korea life tables).
    The women in the South are older: with one rate for both sexes men's crude rate came out at
    0.88 times women's (seed-1 run, measured), with the model's ratio at about 1.5 times."""
    rec = baseline().model.recorder
    deaths = rec.events["deaths_in_south"].sum(axis=0)  # men, women
    person_years = rec.stage_counts[:, list(IN_SOUTH), :].sum(axis=(0, 1)) / 12
    rate = deaths / person_years
    print(f"\ndeaths per 1,000 person-years in the South: men {1000 * rate[0]:.2f}, women "
          f"{1000 * rate[1]:.2f}")
    assert rate[0] > 1.2 * rate[1]


def test_suicides_are_8_to_15_percent_of_defector_deaths():
    """8.7%, 14.9%, 10.1% of defector deaths in 2017-2019; 100 suicides in 2013-2022 (11.4%)."""
    rec = baseline().model.recorder
    start = baseline().model.calendar.start_year
    yearly = {k: rec.events[k].reshape(-1, 12, 2).sum(axis=(1, 2)) for k in
              ("suicides", "deaths_in_south")}
    window = slice(2013 - start, 2023 - start)
    suicides, deaths = yearly["suicides"][window].sum(), yearly["deaths_in_south"][window].sum()
    share = 100 * suicides / deaths
    print(f"\n2013-2022: {suicides} suicides of {deaths} deaths in the South ({share:.1f}%; "
          "published 100 suicides, 11.4%)")
    assert 8 <= share <= 15


def test_about_31_returns_to_north_korea_most_within_three_years():
    """31 confirmed returns in 2012-2022; of 29 in 2010-2020, 65.5% within three years."""
    result = baseline()
    returns = series(result.indicators, "return_to_nk_count").loc[2012:2022].sum()
    pop = result.model.population
    rows = np.flatnonzero(pop.stage[: pop.n] == Stage.RETURNED_NORTH)
    early = np.mean((pop.stage_month[rows] - pop.arrival_month[rows]) < 36)
    print(f"\nreturns 2012-2022: {returns:.0f} (published 31); within three years of arrival: "
          f"{100 * early:.0f}% (published 65.5%)")
    assert 31 / 2 <= returns <= 31 * 1.5
    assert early > 0.5


def test_onward_migration_is_of_the_published_order_of_magnitude():
    """UNHCR: 917 granted asylum outside South Korea by 2011; UK 2003-2016: 544 grants; about 700
    registered defectors unaccounted for in 2015. Leaving unrecorded goes on after the last asylum
    door closes (2016), moving on with asylum does not."""
    df = baseline().indicators
    by_2011 = series(df, "onward_migration_asylum_count").loc[:2011].sum()
    uk = series(df, "onward_migration_uk_count").loc[2003:2016].sum()
    unrecorded = series(df, "onward_migration_unrecorded_count")
    print(f"\nmoved on with asylum by 2011: {by_2011:.0f} (UNHCR 917); to the UK 2003-2016: "
          f"{uk:.0f} (544); left unrecorded by 2015: {unrecorded.loc[:2015].sum():.0f} (700)")
    assert 917 / 3 <= by_2011 <= 917 * 3
    assert 544 / 3 <= uk <= 544 * 3
    assert 700 / 3 <= unrecorded.loc[:2015].sum() <= 700 * 3
    assert series(df, "onward_migration_asylum_count").loc[2017:].sum() == 0
    assert unrecorded.loc[2017:2025].sum() > 0
    np.testing.assert_array_equal(  # every move is with asylum or unrecorded
        series(df, "onward_migration_count"),
        series(df, "onward_migration_asylum_count") + unrecorded)


def test_ties_are_a_graph_with_a_reported_degree_distribution():
    """The networkx graph matches the vectorised ties; the share of ties to South Koreans and the
    degree distribution are reported; people have fewer than two or three to rely on on average
    (KHF 2019: fewer than two)."""
    model = baseline().model
    graph = model.ties_graph()
    pop = model.population
    rows = np.flatnonzero(np.isin(pop.stage[: pop.n], RESIDENTS))
    assert graph.number_of_nodes() == rows.size
    degrees = np.array([graph.degree(int(pop.uid[r])) for r in rows])  # nodes are uids
    ties = pop.ties
    both = np.isin(pop.stage[ties.u], RESIDENTS) & np.isin(pop.stage[ties.v], RESIDENTS)
    counted = (np.bincount(ties.u[both], minlength=pop.n) + np.bincount(ties.v[both],
                                                                         minlength=pop.n))
    np.testing.assert_array_equal(degrees, counted[rows])
    histogram = np.bincount(degrees)
    sk = pop.sk_ties[rows].sum()
    share_sk = sk / (sk + degrees.sum())
    relied = pop.rely_on[rows].mean()
    print(f"\ndefector-defector degree distribution (0, 1, 2, ...): {histogram.tolist()}"
          f"\nshare of ties (outside the household) to South Koreans: {100 * share_sk:.1f}%"
          f"\npeople to rely on, mean: {relied:.2f} (published: fewer than two, 2019)")
    assert 0 < share_sk < 1 and histogram[1:].sum() > 0
    assert 0.5 < relied < 3  # KHF 2019's mean (fewer than two) is a calibration target


def test_removing_job_referrals_lowers_employment():
    base, none = variant().indicators, variant(referral_effect=0.0).indicators
    before, after = _mean(base, "employment_rate"), _mean(none, "employment_rate")
    print(f"\nemployment 2012-2024: with referrals {before:.2f}%, without {after:.2f}%")
    assert after < before - 0.5


def test_removing_social_support_raises_depression():
    base, none = variant().indicators, variant(support_effect=0.0).indicators
    before, after = _mean(base, "depression_prevalence"), _mean(none, "depression_prevalence")
    print(f"\ndepression 2012-2024: with support {before:.2f}%, without {after:.2f}%")
    assert after > before + 0.5


def test_mental_health_feeds_back_into_work():
    base, none = variant().indicators, variant(mental_health_work_multiplier=1.0).indicators
    before, after = _mean(base, "employment_rate"), _mean(none, "employment_rate")
    print(f"\nemployment 2012-2024: {before:.2f}%; if PTSD and depression did not limit work "
          f"{after:.2f}%")
    assert after > before


def test_people_who_leave_the_south_leave_the_model():
    """Moving on and returning are final; those who left have no Mesa agent and no ties."""
    model = baseline().model
    pop = model.population
    left = np.flatnonzero(np.isin(pop.stage[: pop.n], (Stage.MOVED_ON, Stage.RETURNED_NORTH)))
    assert left.size > 0
    assert not set(left.tolist()) & set(model.people)
    flows = pop.flows
    for stage in (Stage.MOVED_ON, Stage.RETURNED_NORTH):
        assert flows[:, stage, :].sum() == 0  # nobody moves out of a final stage
        assert flows[:, :, stage].sum() == flows[:, list(RESIDENTS), stage].sum()
    earlier = left[pop.stage_month[left] < model.calendar.n_months - 1]  # ties fade next month
    assert not np.isin(pop.ties.u, earlier).any() and not np.isin(pop.ties.v, earlier).any()


@pytest.mark.parametrize("indicator", ["ptsd_prevalence", "depression_prevalence",
                                       "suicidal_ideation_share", "mental_health_service_use_share",
                                       "loneliness_share", "no_one_to_rely_on_share",
                                       "life_satisfaction_share", "considered_return_share"])
def test_shares_are_percentages_by_sex_and_band(indicator):
    df = baseline().indicators
    rows = df[df.indicator == indicator]
    assert set(rows.sex) == {"all", "female", "male"}
    assert {"1", "3", "6+"} <= set(rows.years_since_arrival)
    assert rows.value.between(0, 100).all()
