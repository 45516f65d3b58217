"""The rules of life in the South, one by one (pure functions), and the state invariants of a run.

Each rule is checked against the number its source gives or a property that could fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from _shared import baseline

from sim import discrimination, labour, training, welfare
from sim.parameters import Parameters
from sim.population import NO_MONTH
from sim.stages import RESIDENTS, Job, Stage, Work

P = Parameters()


def test_credential_has_no_effect_in_the_first_year_and_full_effect_after_three():
    """Card, Kluve & Weber: about zero in the short run, positive after 2-3 years."""
    certified = np.array([100, 100, 100, 100, NO_MONTH], dtype=np.int32)
    months = [100 + int(P["credential_delay_months"]),
              100 + int(P["credential_delay_months"] + P["credential_ramp_months"] / 2),
              100 + int(P["credential_delay_months"] + P["credential_ramp_months"]), 100 + 120, 300]
    strength = [training.credential_strength(certified[i:i + 1], m, P)[0]
                for i, m in enumerate(months)]
    assert strength == pytest.approx([0.0, 0.5, 1.0, 1.0, 0.0])


def test_university_is_free_only_up_to_age_35():
    share = training.university_share(np.array([20.0, 30.0, 34.9, 35.0]), P)
    assert share[0] == P["university_entry_share_young"]
    assert share[1] == share[2] == P["university_entry_share_adult"]
    assert share[3] == 0.0


def test_accent_halves_above_its_floor_every_half_life():
    floor, half = 0.3, 4.0
    values = discrimination.accent(np.array([0.0, half, 2 * half, np.inf]), floor, half)
    assert values == pytest.approx([1.0, floor + 0.35, floor + 0.175, floor])


def test_discrimination_scales_with_prejudice_visibility_and_contact():
    vis = np.array([1.0, 0.5, 1.0])
    employed = np.array([False, False, True])
    rate = discrimination.experience_rate(vis, employed, 2.0, P)
    assert rate[0] == pytest.approx(2 * P["discrimination_rate"])
    assert rate[1] == pytest.approx(rate[0] / 2)
    assert rate[2] == pytest.approx(rate[0] * P["work_contact_multiplier"])
    assert discrimination.experience_rate(vis, employed, 0.0, P).sum() == 0.0


def test_employment_incentive_lowers_separations_only_in_the_first_three_years():
    job = np.full(4, Job.REGULAR, dtype=np.int8)
    tenure = np.array([6, 35, 36, 6])
    incentive = np.array([True, True, True, False])
    rate = labour.separation_rate(job, tenure, incentive, np.zeros(4, bool), P)
    kept = P["separation_rate_regular"] * (1 - P["incentive_retention_effect"])
    assert rate == pytest.approx([kept, kept, P["separation_rate_regular"],
                                  P["separation_rate_regular"]])


def test_daily_work_ends_more_often_than_regular_work():
    jobs = np.array([Job.REGULAR, Job.TEMPORARY, Job.DAILY], dtype=np.int8)
    rate = labour.separation_rate(jobs, np.zeros(3), np.zeros(3, bool), np.zeros(3, bool), P)
    assert rate[0] < rate[1] < rate[2]
    sick = labour.separation_rate(jobs, np.zeros(3), np.zeros(3, bool), np.ones(3, bool), P)
    assert (sick > rate).all()


def test_employer_penalty_is_zero_without_prejudice_or_visibility():
    vis = np.array([0.0, 1.0])
    assert labour.employer_penalty(vis, 0.0, 0.3) == pytest.approx([0.0, 0.0])
    assert labour.employer_penalty(vis, 1.0, 0.3) == pytest.approx([0.0, -0.3])


def test_household_schedule_matches_the_mou_2021_range():
    """$6,000 for one person to $32,400 for the largest household (MOU 2021)."""
    ratio = welfare.household_ratio(np.array([1, P["household_schedule_max_size"], 9]), P)
    assert ratio == pytest.approx([1.0, 32400 / 6000, 32400 / 6000])


def test_household_size_has_the_requested_mean():
    u = (np.arange(10_000) + 0.5) / 10_000
    size = welfare.household_size(np.ones(u.size, bool), u, 3.0)
    assert size.min() == 2 and size.mean() == pytest.approx(3.0)
    assert (welfare.household_size(np.zeros(3, bool), u[:3], 3.0) == 1).all()


def test_livelihood_eligibility_is_an_earnings_test():
    earnings = np.array([0.0, 0.5, 1.0])
    eligible = welfare.livelihood_eligible(earnings, 2.0, P)
    threshold = P["livelihood_income_threshold"] * 2.0
    assert eligible.tolist() == [True, 0.5 < threshold, 1.0 < threshold]


def _residents(model):
    pop = model.population
    return np.flatnonzero(np.isin(pop.stage[: pop.n], RESIDENTS)), pop


def test_work_states_are_consistent_at_the_end_of_the_run():
    """Everyone employed has a job and a start month; nobody else has a job; children, students
    and trainees are out of the labour force."""
    model = baseline().model
    rows, pop = _residents(model)
    end = model.calendar.n_months - 1
    employed = pop.work[rows] == Work.EMPLOYED
    assert (pop.job[rows][employed] != Job.NONE).all()
    assert (pop.job[rows][~employed] == Job.NONE).all()
    assert (pop.job_start_month[rows][employed] <= end).all()
    busy = (pop.study_until[rows] > end) | (pop.training_until[rows] > end)
    young = pop.age_years(rows, end) < 15
    assert (pop.work[rows][busy | young] == Work.INACTIVE).all()


def test_money_is_never_negative_and_debts_are_paid_down():
    model = baseline().model
    rows, pop = _residents(model)
    assert (pop.savings_mkrw[rows] >= 0).all() and (pop.debt_mkrw[rows] >= 0).all()
    long_settled = rows[pop.stage[rows] == Stage.RESETTLED]
    owed = pop.debt_mkrw[long_settled] > 0
    assert owed.mean() < 0.05, f"{owed.mean():.1%} of long-settled residents still owe a broker"
