"""Rare exits scheduled by thinning (sim.engine.schedule) give the monthly rule's distribution."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine.hazards import competing_exits, gompertz_rate
from sim.engine.randomness import Streams
from sim.engine.schedule import (
    Bound,
    Schedule,
    YearTable,
    bound_of,
    bound_rate_exits,
    next_candidates,
    next_candidates_tabled,
    thinned_uniform,
    year_table,
)
from sim.pathway.reception import _time_up

N_MONTHS, N_PEOPLE = 72, 200_000
LEAVING = np.array([0.05, 0.05, 0.10, 0.10, 0.02, 0.02])  # a yearly rate that changes
BOUND = Bound(LEAVING, 0.002, 0.08, 1.5)


def _rates(month: int, birth_month: np.ndarray) -> np.ndarray:
    """The two competing annual rates of the bound's kind in one month (leaving, dying)."""
    age = (month - birth_month) / 12.0
    return np.column_stack([np.full(age.size, LEAVING[month // 12]),
                            1.5 * gompertz_rate(age, 0.002, 0.08)])


def _monthly(birth_month: np.ndarray, streams: Streams) -> np.ndarray:
    """Exit month * 2 + cause for everyone by the monthly rule (-1: no exit in the horizon)."""
    out = np.full(birth_month.size, -1)
    alive = np.arange(birth_month.size)
    for month in range(1, N_MONTHS):
        exit_ = competing_exits(_rates(month, birth_month[alive]),
                                streams.uniforms("monthly", month, alive))
        out[alive[exit_ >= 0]] = month * 2 + exit_[exit_ >= 0]
        alive = alive[exit_ < 0]
    return out


def _thinned(birth_month: np.ndarray, streams: Streams, n_months: int = N_MONTHS) -> np.ndarray:
    """The same by candidate months of the yearly bounds, all entering the stay in month 0."""
    out, schedule = np.full(birth_month.size, -1), Schedule(n_months)
    renew = np.array([streams.key("x.renew", m) for m in range(n_months)], dtype=np.uint64)
    uid = np.arange(birth_month.size)

    def queue(rows, month):
        schedule.add(rows, next_candidates(rows, month, n_months, uid, birth_month, BOUND,
                                           streams.key("x.wait", month), renew))

    queue(np.arange(birth_month.size), 0)
    for month in range(1, n_months):
        rows = schedule.pop(month)
        bound = bound_of(BOUND, month // 12, birth_month[rows])
        exit_ = competing_exits(_rates(month, birth_month[rows]),
                                thinned_uniform(streams.uniforms("x.exit", month, rows), bound))
        out[rows[exit_ >= 0]] = month * 2 + exit_[exit_ >= 0]
        queue(rows[exit_ < 0], month)
    return out


def _births() -> np.ndarray:
    return -np.random.default_rng(7).integers(20 * 12, 80 * 12, N_PEOPLE)


def test_thinned_schedules_give_the_monthly_rule_s_exits_by_month_and_cause():
    births, streams = _births(), Streams(11)
    monthly, thinned = _monthly(births, streams), _thinned(births, streams)
    bins = np.arange(-1, 2 * N_MONTHS + 1, 12)  # the censored, then 6-month bins by cause
    table = np.array([np.histogram(x, bins)[0] for x in (monthly, thinned)])
    assert (thinned >= 0).sum() > 0.1 * N_PEOPLE  # enough exits for the test to have power
    assert stats.chi2_contingency(table).pvalue > 1e-3


def test_a_longer_horizon_keeps_the_shorter_run_s_exits():
    births, streams = _births()[:20_000], Streams(5)
    short, long = _thinned(births, streams, 36), _thinned(births, streams, N_MONTHS)
    inside = (short >= 0) | (long < 2 * 36) & (long >= 0)
    np.testing.assert_array_equal(short[inside], long[inside])


def test_yearly_bounds_are_powers_of_two_above_every_month_s_rates():
    births = _births()[:5000]
    for month in range(N_MONTHS):
        bound = bound_of(BOUND, month // 12, births)
        assert (bound >= _rates(month, births).sum(axis=1)).all()
        np.testing.assert_array_equal(bound, np.exp2(np.round(np.log2(bound))))


def test_no_candidate_is_due_inside_the_month_of_entry_or_after_the_horizon():
    rows = np.arange(1000)
    due = next_candidates(rows, 30, 40, rows, np.zeros(1000, dtype=np.int32),
                          Bound(np.full(4, 2.0), 0.0, 0.0, 0.0), np.uint64(7),
                          np.arange(40, dtype=np.uint64))
    assert due.min() == 31 and due.max() == 40 and (due < 40).any()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 70), st.integers(1, 6),
       st.floats(0.0, 3.0), st.floats(1e-4, 0.05), st.floats(0.0, 0.12), st.floats(0.1, 5.0))
def test_the_tabled_schedule_gives_the_reference_s_months(seed, month, years, extra, level,
                                                          slope, multiplier):
    """The compiled kernel that reads the year's bound from a table and skips whole years by
    their uniform gives the very months of :func:`next_candidates`, for any bound, entry month
    and ages (including ages beyond the table, computed as the reference does)."""
    rng = np.random.default_rng(seed)
    n_months = 12 * years + month % 12 + 1
    bound = Bound(rng.uniform(0.0, extra, years + 1), level, slope, multiplier)
    n = 500
    births = rng.integers(-140 * 12, n_months, n).astype(np.int32)
    uid = rng.integers(0, 2**40, n)
    rows = np.arange(n)
    start = min(month, n_months - 1)
    renew = rng.integers(0, 2**63, n_months).astype(np.uint64)
    key = np.uint64(rng.integers(0, 2**63))
    table = YearTable(*year_table(bound, years + 1))
    np.testing.assert_array_equal(
        next_candidates_tabled(rows, start, n_months, uid, births, bound, *table, key, renew),
        next_candidates(rows, start, n_months, uid, births, bound, key, renew))


def test_bounds_round_up_to_powers_of_two():
    years = Bound(np.array([0.3, 0.25, 1.0, 3.0]), 0.0, 0.0, 0.0)  # no mortality
    got = [bound_of(years, y, np.zeros(1, dtype=np.int32))[0] for y in range(4)]
    assert got == [0.5, 0.25, 1.0, 4.0]


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


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 71), st.floats(0.0, 3.0), st.floats(1e-4, 0.05),
       st.floats(0.0, 0.12), st.floats(0.1, 5.0), st.floats(0.0, 1.0), st.booleans())
def test_the_compiled_candidate_month_is_the_numpy_rule(seed, month, extra, level, slope,
                                                        multiplier, women_share, with_extra):
    """One compiled pass over a candidate month gives the exits of ``competing_exits`` on the
    bound's own rates (the year's extra rate, if any, and mortality at this month's age times
    the multiplier of each person's sex) with the uniform thinned to the bound."""
    rng = np.random.default_rng(seed)
    multipliers = np.array([multiplier, multiplier * women_share])  # men, women
    bound = Bound(rng.uniform(0.0, extra, 6), level, slope, multiplier)
    n = 2000
    births = rng.integers(-110 * 12, month + 1, n).astype(np.int32)
    female = rng.random(n) < 0.7
    uid = rng.integers(0, 2**40, n)
    rows = np.sort(rng.choice(n, n // 2, replace=False))
    streams = Streams(seed)
    age = (month - births[rows]) / 12.0
    death = np.where(female[rows], multipliers[1], multipliers[0]) * gompertz_rate(age, level,
                                                                                   slope)
    rates = (np.column_stack([np.full(rows.size, bound.extra[month // 12]), death])
             if with_extra else death[:, None])
    expected = competing_exits(rates, thinned_uniform(streams.uniforms("x.exit", month, uid[rows]),
                                                      bound_of(bound, month // 12, births[rows])))
    got = bound_rate_exits(rows, month, uid, births, female, bound, multipliers,
                           streams.key("x.exit", month), float(bound.extra[month // 12]),
                           with_extra)
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 400), st.floats(0.0, 8.0),
       st.sampled_from([0.0, 1.5, 12.0]))
def test_the_compiled_stays_in_the_south_end_as_the_numpy_rule(seed, month, max_months, rate):
    """Screening, Hanawon and protection end after their months or earlier at a rate: the
    compiled pass gives the rows of the NumPy rule of ``Reception._timed``, in their order."""
    rng = np.random.default_rng(seed)
    n = 3000
    stage_of = rng.integers(0, 4, n).astype(np.int8)
    stage_month = (month - rng.integers(0, 12, n)).astype(np.int32)
    uid = rng.integers(0, 2**40, n)
    rows = rng.permutation(n)[: n // 2]
    streams = Streams(seed)
    alive = rows[stage_of[rows] == 2]
    done = (month + 1 - stage_month[alive]) >= max_months
    if rate > 0:
        done |= competing_exits(np.full((alive.size, 1), rate),
                                streams.uniforms("south.exit", month, uid[alive])) == 0
    got = _time_up(rows, 2, stage_of, stage_month, month, max_months, rate,
                   streams.key("south.exit", month), uid)
    np.testing.assert_array_equal(got, alive[done])
