"""Rare exits scheduled by thinning (sim.engine.schedule) give the monthly rule's distribution."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine.hazards import competing_exits, monthly_probability
from sim.engine.schedule import Schedule, rounded_bound, thinned_uniform, waiting_months

N_MONTHS, N_PEOPLE = 60, 200_000


def _rates(month: int, age: np.ndarray) -> np.ndarray:
    """Two competing annual rates that change with the month and the person (a leaving rate
    that doubles halfway, and a mortality rising with age)."""
    leave = np.full(age.size, 0.05 if month < N_MONTHS // 2 else 0.10)
    return np.column_stack([leave, 0.002 * np.exp(0.08 * (age + month / 12 - 30))])


def _monthly(age: np.ndarray, rng) -> np.ndarray:
    """Exit month * 2 + cause for everyone by the monthly rule (-1: no exit in the horizon)."""
    out = np.full(age.size, -1)
    alive = np.arange(age.size)
    for month in range(1, N_MONTHS):
        exit_ = competing_exits(_rates(month, age[alive]), rng.random(alive.size))
        out[alive[exit_ >= 0]] = month * 2 + exit_[exit_ >= 0]
        alive = alive[exit_ < 0]
    return out


def _thinned(age: np.ndarray, rng) -> np.ndarray:
    """The same by candidate months of a bound (the oldest's rates in the last month)."""
    bound = rounded_bound(_rates(N_MONTHS - 1, age).sum(axis=1))
    out, schedule = np.full(age.size, -1), Schedule(N_MONTHS)
    rows = np.arange(age.size)
    schedule.add(rows, waiting_months(rng.random(rows.size), bound, N_MONTHS))
    for month in range(1, N_MONTHS):
        rows = schedule.pop(month)
        exit_ = competing_exits(_rates(month, age[rows]),
                                thinned_uniform(rng.random(rows.size), bound[rows]))
        out[rows[exit_ >= 0]] = month * 2 + exit_[exit_ >= 0]
        wait = rows[exit_ < 0]
        schedule.add(wait, month + waiting_months(rng.random(wait.size), bound[wait], N_MONTHS))
    return out


def test_thinned_schedules_give_the_monthly_rule_s_exits_by_month_and_cause():
    rng = np.random.default_rng(7)
    age = rng.uniform(20, 80, N_PEOPLE)
    monthly, thinned = _monthly(age, rng), _thinned(age, rng)
    bins = np.arange(-1, 2 * N_MONTHS + 1, 10)  # the censored, then 5-month bins by cause
    table = np.array([np.histogram(x, bins)[0] for x in (monthly, thinned)])
    assert (thinned >= 0).sum() > 0.1 * N_PEOPLE  # enough exits for the test to have power
    assert stats.chi2_contingency(table).pvalue > 1e-3


def test_waiting_months_are_geometric_at_the_bound():
    u = np.random.default_rng(3).random(400_000)
    bound = np.full(u.size, 0.5)
    wait = waiting_months(u, bound, 10_000)
    stay = 1 - monthly_probability(0.5)
    for k in (1, 2, 6, 24):
        share, expected = (wait > k).mean(), stay**k
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / u.size)
    assert wait.min() == 1


def test_waits_beyond_the_horizon_stop_at_it_and_are_never_queued():
    wait = waiting_months(np.array([0.999999, 0.5]), np.array([1e-6, 1e-6]), 100)
    assert wait.tolist() == [100, 100]
    schedule = Schedule(100)
    schedule.add(np.array([4, 5]), np.array([100, 99]))
    assert len(schedule) == 1 and schedule.pop(99).tolist() == [5]


def test_bounds_round_up_to_powers_of_two():
    np.testing.assert_array_equal(rounded_bound(np.array([0.3, 0.25, 1.0, 3.0])),
                                  [0.5, 0.25, 1.0, 4.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 500), max_size=40),
                          st.lists(st.integers(0, 30), max_size=40)), max_size=25))
def test_the_queue_gives_each_month_what_was_queued_for_it(batches):
    """Whatever is queued, and however often the table is compacted or grown, each month pops
    exactly the rows queued for it, in row order."""
    schedule, expected = Schedule(30, capacity=2), {}
    for month, (rows, dues) in enumerate(batches):
        n = min(len(rows), len(dues))
        rows = np.array(rows[:n], dtype=np.int64)
        dues = np.array(dues[:n], dtype=np.int64) + month
        schedule.add(rows, dues)
        for row, due in zip(rows.tolist(), dues.tolist(), strict=True):
            if due < 30:
                expected.setdefault(due, []).append(row)
        if month < 30:
            assert schedule.pop(month).tolist() == sorted(expected.pop(month, []))
