"""Health that limits work: its onset with age (a Gompertz law, drawn once) and what it does."""

from __future__ import annotations

import numpy as np
from _shared import baseline, series, small
from scipy import stats

from sim.life.health import NEVER, onset_age, onset_month

RATE, SLOPE = 0.015, 0.07  # the priors' centres (sim/data/parameters/health.yaml)


def test_onset_ages_follow_the_gompertz_law_they_invert():
    """Ages at onset of people healthy at 50 are Gompertz-distributed (scipy's parametrisation:
    shape rate/slope, scale 1/slope, from 50)."""
    u = np.random.default_rng(7).random(20_000)
    ages = onset_age(u, np.full(u.size, 50.0), RATE, SLOPE)
    law = stats.gompertz(RATE / SLOPE, loc=50.0, scale=1.0 / SLOPE)
    assert stats.kstest(ages, law.cdf).pvalue > 0.01


def test_onset_is_conditional_on_being_healthy_at_the_present_age():
    """From 30, the chance of onset by 60 is 1 - exp(-cumulative rate from 30 to 60); no onset
    falls before the present age."""
    u = np.random.default_rng(8).random(40_000)
    ages = onset_age(u, np.full(u.size, 30.0), RATE, SLOPE)
    cumulative = RATE / SLOPE * (np.exp(SLOPE * 10) - np.exp(-SLOPE * 20))
    assert abs((ages <= 60).mean() - (1 - np.exp(-cumulative))) < 0.01
    assert (ages >= 30).all()


def test_no_onset_at_a_zero_rate():
    ages = onset_age(np.array([0.0, 0.5, 0.999]), np.array([20.0, 50.0, 80.0]), 0.0, SLOPE)
    assert np.isinf(ages).all()
    assert (onset_month(np.array([100, 200, 300]), ages) == NEVER).all()


def test_onset_month_is_the_first_month_at_that_age():
    months = onset_month(np.array([0, 5]), np.array([50.0, 50.01]))
    assert months.tolist() == [600, 606]


def test_health_fails_with_age_and_only_once_its_month_has_come():
    """In the baseline run, everyone whose onset month has passed is in poor health, and poor
    health is commoner among residents over 60 than among those aged 20-39."""
    model = baseline().model
    pop, end = model.population, model.calendar.n_months - 1
    rows = model.residents()
    assert pop.poor_health[rows[pop.health_onset_month[rows] <= end]].all()
    age = pop.age_years(rows, end)
    young = pop.poor_health[rows[(age >= 20) & (age < 40)]].mean()
    old = pop.poor_health[rows[age >= 60]].mean()
    assert old > young + 0.1, (young, old)


def test_health_failing_with_age_lowers_employment():
    """Common random numbers: the same run with health failing three times as often has fewer
    people in work in 2012, and none more without any onset."""
    rates = {}
    for rate in (0.0, RATE, 3 * RATE):
        df = small(health_onset_rate_at_50=rate).indicators
        rates[rate] = series(df, "employment_rate").loc[2012]
    assert rates[0.0] > rates[RATE] > rates[3 * RATE], rates


def test_inspect_shows_a_health_that_never_fails_as_no_month():
    """People in poor health on leaving Hanawon have no onset month to come: ``inspect`` gives
    None, as for other months that never came, and a calendar month for the others."""
    model = baseline().model
    pop, rows = model.population, model.residents()
    never = rows[pop.health_onset_month[rows] == NEVER][0]
    later = rows[(pop.health_onset_month[rows] != NEVER)
                 & (pop.health_onset_month[rows] > model.calendar.n_months)][0]
    assert model.inspect(row=int(never))["health_onset_month"] is None
    assert model.inspect(row=int(later))["health_onset_month"][:2] in ("20", "21")
