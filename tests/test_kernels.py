"""The compiled kernels give what their NumPy references give: each primitive on generated inputs
(hypothesis), each module's compiled month on random states of the residents, and the whole
model run both ways; and local Dask workers start without the allocator setting that slowed
them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.engine import kernels
from sim.engine.hazards import (
    competing_exits,
    drawn_exits,
    exit_chosen,
    exit_of_two,
    reference_exits,
    screened_exits,
)
from sim.engine.parameters import Parameters
from sim.engine.population import NO_MONTH, UNLISTED, Population, _counting_sort
from sim.engine.randomness import (
    Streams,
    derived_id,
    derived_ids,
    pair_id,
    pair_ids,
    reference_uniforms,
    stream_key,
)
from sim.engine.stages import IN_CHINA, N_STAGES, ONWARD_ROUTES, Stage, Work
from sim.experiments.ensemble import Executor, worker_environment
from sim.life.labour import _forget_contacts, _not_studying
from sim.life.ties import TieTable, _count_rely_on
from sim.model import ResettleModel
from sim.pathway.china import CHANNELS as CHINA_CHANNELS
from sim.pathway.journey import smallest
from sim.pathway.demographics import (
    AttributeTables,
    draw_attributes,
    reference_attributes,
)

SETTINGS = settings(max_examples=200, deadline=None)
uids = hnp.arrays(np.int64, st.integers(0, 300),
                  elements=st.integers(0, np.iinfo(np.int64).max))
rates = st.integers(0, 200).flatmap(lambda n: st.integers(1, 7).flatmap(
    lambda k: hnp.arrays(np.float64, (n, k), elements=st.floats(0.0, 60.0))))


@SETTINGS
@given(uids, st.integers(0, 2**63 - 1), st.text(max_size=12), st.integers(-1, 600))
def test_compiled_uniforms_equal_the_numpy_splitmix(ids, seed, stream, month):
    got = Streams(seed).uniforms(stream, month, ids)
    assert np.array_equal(got, reference_uniforms(stream_key(seed, stream, month), ids))
    assert got.dtype == np.float64 and ((got >= 0) & (got < 1)).all()


@SETTINGS
@given(st.integers(0, 2**63 - 1), st.lists(st.text(max_size=8), min_size=1, max_size=4),
       st.lists(st.integers(-1, 2000), min_size=1, max_size=6))
def test_the_keys_made_for_a_block_of_months_are_the_hashed_keys(seed, streams, months):
    """Keys come from a table made for many months at once (grown when a later month is
    asked for): each is the key :func:`stream_key` hashes, in any order of months."""
    table = Streams(seed)
    for month in months:
        expected = [stream_key(seed, s, month) for s in streams]
        assert list(table.keys(tuple(streams), month)) == expected
        assert table.key(streams[0], month) == expected[0]
        assert table.keys(tuple(streams), month).dtype == np.uint64


@numba.njit
def _pair_ids(a, b):
    return np.array([pair_id(a[i], b[i]) for i in range(a.size)], dtype=np.int64)


@SETTINGS
@given(uids, st.data())
def test_compiled_pair_ids_equal_the_numpy_ones(a, data):
    b = data.draw(hnp.arrays(np.int64, a.size, elements=st.integers(0, np.iinfo(np.int64).max)))
    np.testing.assert_array_equal(_pair_ids(a, b), pair_ids(a, b))
    np.testing.assert_array_equal(_pair_ids(b, a), pair_ids(a, b))


@numba.njit
def _derived_ids(parents, month):
    return np.array([derived_id(parents[i], month) for i in range(parents.size)], dtype=np.int64)


@SETTINGS
@given(uids, st.integers(-1, 10_000))
def test_compiled_derived_ids_equal_the_numpy_ones(parents, month):
    np.testing.assert_array_equal(_derived_ids(parents, month), derived_ids(parents, month))


@SETTINGS
@given(rates, st.data(), st.booleans())
def test_compiled_competing_exits_equal_the_numpy_rule(table, data, column_major):
    u = data.draw(hnp.arrays(np.float64, table.shape[0], elements=st.floats(0.0, 1.0,
                                                                            exclude_max=True)))
    if column_major:
        table = np.asfortranarray(table)
    np.testing.assert_array_equal(competing_exits(table, u), reference_exits(table, u))


def test_screening_by_an_upper_rate_changes_no_exit():
    rng = np.random.default_rng(3)
    table, u = rng.uniform(0, 2, (5000, 4)), rng.random(5000)
    screened = screened_exits(u, float(table.sum(axis=1).max()), lambda index: table[index])
    np.testing.assert_array_equal(screened, reference_exits(table, u))
    assert (screened >= 0).sum() > 100  # the check compares real exits, not only "none"


@SETTINGS
@given(uids, st.integers(0, 2**32), st.floats(0.0, 1.0), st.data())
def test_screening_in_the_draw_pass_keeps_exactly_the_draws_below(ids, seed, p, data):
    rows = data.draw(hnp.arrays(np.int64, st.integers(0, 2 * ids.size),
                                elements=st.integers(0, max(ids.size - 1, 0)))) if ids.size else (
        np.zeros(0, dtype=np.int64))
    streams = Streams(seed)
    index, u = streams.below("s", 5, ids, rows, p)
    every = streams.uniforms("s", 5, ids[rows])
    np.testing.assert_array_equal(index, np.flatnonzero(every < p))
    np.testing.assert_array_equal(u, every[every < p])


def test_exits_screened_in_the_draw_pass_equal_exits_from_every_draw():
    rng = np.random.default_rng(5)
    ids, rows = rng.integers(0, 2**62, 3000), rng.permutation(3000)[:2000]
    table = rng.uniform(0, 3, (3000, 3))
    streams = Streams(11)
    upper = float(table.sum(axis=1).max())
    drawn = drawn_exits(streams, "x", 7, ids, rows, upper, lambda i: table[rows[i]])
    every = reference_exits(table[rows], streams.uniforms("x", 7, ids[rows]))
    np.testing.assert_array_equal(drawn, every)
    assert (drawn >= 0).sum() > 100


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(0, 60), elements=st.integers(0, 9).map(float)),
       st.integers(-1, 70))
def test_the_smallest_are_the_first_of_a_stable_sort(u, count):
    """Ties (many here) go to the first, as a stable argsort orders them."""
    expected = np.zeros(u.size, dtype=bool)
    expected[np.argsort(u, kind="stable")[: max(count, 0)]] = True
    np.testing.assert_array_equal(smallest(u, count), expected)


@SETTINGS
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(
    st.just(n), hnp.arrays(np.int64, st.tuples(st.integers(0, 400), st.just(2)),
                           elements=st.integers(0, n - 1)), hnp.arrays(np.bool_, n))))
def test_counts_of_tied_people_with_a_flag_equal_two_bincounts(case):
    n, pairs, flag = case
    ties = TieTable()
    ties.add(pairs, 0, 0)
    expected = (np.bincount(ties.u, weights=flag[ties.v], minlength=n)
                + np.bincount(ties.v, weights=flag[ties.u], minlength=n))
    np.testing.assert_array_equal(ties.neighbours_with(flag, n), expected)


@SETTINGS
@given(st.lists(st.tuples(hnp.arrays(np.int64, st.tuples(st.integers(0, 700), st.just(2)),
                                     elements=st.integers(0, 9)), st.integers(0, 3),
                          st.integers(0, 2**32 - 1)), max_size=6))
def test_the_tie_table_keeps_what_concatenated_columns_and_masks_keep(batches):
    ties, expected = TieTable(capacity=4), {c: [] for c in TIE_COLUMNS}
    for month, (pairs, kind, mask_seed) in enumerate(batches):
        ties.add(pairs, kind, month)
        kept = pairs[pairs[:, 0] != pairs[:, 1]]
        for c, values in zip(TIE_COLUMNS, (kept[:, 0], kept[:, 1], np.full(len(kept), kind),
                                           np.full(len(kept), month)), strict=True):
            expected[c] = np.concatenate([expected[c], values])
        mask = np.random.default_rng(mask_seed).random(ties.n) < 0.7
        ties.keep(mask)
        expected = {c: np.asarray(v)[mask] for c, v in expected.items()}
        for c in TIE_COLUMNS:
            np.testing.assert_array_equal(getattr(ties, c), expected[c], err_msg=c)


TIED = st.integers(1, 300).flatmap(lambda n: st.tuples(
    st.just(n), hnp.arrays(np.int64, st.tuples(st.integers(0, 400), st.just(2)),
                           elements=st.integers(0, n - 1)), st.data()))


@SETTINGS
@given(TIED)
def test_compiled_people_to_rely_on_equal_the_numpy_count(case):
    n, pairs, data = case
    ties = TieTable()
    ties.add(pairs, 0, 0)
    rows = np.unique(data.draw(hnp.arrays(np.int64, st.integers(0, n), elements=st.integers(
        0, n - 1))))
    sk = data.draw(hnp.arrays(np.int16, n, elements=st.integers(0, 50)))
    household = data.draw(hnp.arrays(np.int8, n, elements=st.integers(1, 9)))
    got = np.full(n, -7, dtype=np.int64)
    listed = np.zeros(n + 2, dtype=bool)  # a kept buffer may be longer than the population
    _count_rely_on(rows, listed, ties.u, ties.v, sk, household, got)
    assert not listed.any()  # all False again for the next month
    expected = np.full(n, -7, dtype=np.int64)
    expected[rows] = ties.degree(n)[rows] + sk[rows] + np.maximum(household[rows] - 1, 0)
    np.testing.assert_array_equal(got, expected)


@SETTINGS
@given(TIED, st.integers(0, 40))
def test_compiled_contacts_in_work_equal_the_numpy_rule(case, month):
    n, pairs, data = case
    ties = TieTable()
    ties.add(pairs, 0, 0)
    rows = np.unique(data.draw(hnp.arrays(np.int64, st.integers(0, n), elements=st.integers(
        0, n - 1))))
    study, training = (data.draw(hnp.arrays(np.int32, n, elements=st.integers(0, 60)))
                       for _ in range(2))
    work = data.draw(hnp.arrays(np.int8, n, elements=st.integers(0, 2)))
    job = data.draw(hnp.arrays(np.int8, n, elements=st.integers(0, 4)))
    left = data.draw(hnp.arrays(np.bool_, n))
    busy = (study[rows] > month) | (training[rows] > month)
    expected_work, expected_job, expected_left = work.copy(), job.copy(), left.copy()
    expected_work[rows[busy]], expected_job[rows[busy]], expected_left[rows[busy]] = 0, 0, False
    via_expected = ties.neighbours_with(expected_work == 2, n)
    via = np.zeros(n + 3)  # a kept buffer may be longer than the population
    able = _not_studying(rows, month, study, training, work, job, left, ties.u, ties.v, via)
    np.testing.assert_array_equal(able, rows[~busy])
    np.testing.assert_array_equal(via[:n], via_expected)
    assert not via[n:].any()
    _forget_contacts(ties.u, ties.v, via)
    assert not via.any()  # zeros again for the next month
    np.testing.assert_array_equal(work, expected_work)
    np.testing.assert_array_equal(job, expected_job)
    np.testing.assert_array_equal(left, expected_left)


@SETTINGS
@given(uids, st.integers(0, 2**40), st.integers(-1, 600), st.integers(1990, 2040), st.data())
def test_compiled_attributes_at_departure_equal_the_numpy_draws(ids, seed, month, year, data):
    female = data.draw(hnp.arrays(np.bool_, ids.size))
    args = (AttributeTables.load(), Parameters(), Streams(seed), month, year, ids, female)
    got, expected = draw_attributes(*args), reference_attributes(*args)
    assert got.keys() == expected.keys()
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)


@SETTINGS
@given(st.integers(0, 2000).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int8, n, elements=st.integers(0, N_STAGES - 1)), hnp.arrays(np.bool_, n),
    hnp.arrays(np.bool_, n), hnp.arrays(np.bool_, N_STAGES))))
def test_counting_sort_equals_a_stable_argsort_of_the_listed_rows(columns):
    stage, female, chosen, listed = columns
    rows = np.flatnonzero(chosen)
    order, bounds, kept = _counting_sort(rows, stage, female, listed)
    kept_expected = rows[listed[stage[rows]]]
    np.testing.assert_array_equal(kept, kept_expected)
    key = stage[kept_expected].astype(np.int64) * 2 + female[kept_expected]
    expected = np.argsort(key, kind="stable")
    np.testing.assert_array_equal(order, kept_expected[expected])
    np.testing.assert_array_equal(bounds,
                                  np.searchsorted(key[expected], np.arange(2 * N_STAGES + 1)))


@SETTINGS
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int8, n, elements=st.integers(0, N_STAGES - 1)),
    hnp.arrays(np.int64, st.integers(0, 50), elements=st.integers(0, n - 1)),
    hnp.arrays(np.int64, st.integers(0, 50), elements=st.integers(0, n - 1)))))
def test_residents_among_rows_are_those_in_a_resident_stage_in_order(columns):
    stage, rows, more = columns
    pop = Population(1)
    pop.add(0, stage, uid=np.arange(stage.size), female=np.zeros(stage.size, dtype=bool))
    both = np.concatenate([rows, more])
    expected = both[np.isin(stage[both], [Stage.PROTECTED, Stage.RESETTLED])]
    np.testing.assert_array_equal(pop.resident(rows, more), expected)
    np.testing.assert_array_equal(pop.resident(both), expected)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 30)), max_size=12), st.data())
def test_snapshots_after_any_moves_equal_a_full_sort(months, data):
    """Adds and moves between any stages, the rows regrouped after some snapshots: each snapshot
    lists every row of a listed stage (and no other) as a full stable sort would, and counts
    every stage; a regrouping moves no one to another stage or sex."""
    pop = Population(1)
    for n_new, n_moves in months:
        if pop.n and data.draw(st.booleans()):
            people = sorted(zip(pop.uid[: pop.n].tolist(), pop.stage[: pop.n].tolist(),
                                pop.female[: pop.n].tolist()))
            pop.reorder()
            assert sorted(zip(pop.uid[: pop.n].tolist(), pop.stage[: pop.n].tolist(),
                              pop.female[: pop.n].tolist())) == people
        pop.add(0, Stage.HIDING_IN_CHINA, uid=np.arange(pop.n, pop.n + n_new),
                female=data.draw(hnp.arrays(np.bool_, n_new)))
        for _ in range(n_moves if pop.n else 0):  # one at a time: a row may move twice
            row = np.array([data.draw(st.integers(0, pop.n - 1))])
            pop.move(row, data.draw(st.sampled_from(list(Stage))), 0)
        groups, counts = pop.snapshot()
        stage, female = pop.stage[: pop.n], pop.female[: pop.n]
        key = stage.astype(np.int64) * 2 + female
        np.testing.assert_array_equal(counts.ravel(), np.bincount(key, minlength=2 * N_STAGES))
        for s in Stage:
            expected = np.flatnonzero(stage == s) if s not in UNLISTED else []
            expected = np.asarray(expected, dtype=np.int64)
            expected = expected[np.argsort(female[expected], kind="stable")]
            np.testing.assert_array_equal(groups[s], expected)


def test_a_snapshot_after_more_moves_than_the_buffer_holds_equals_a_full_sort():
    """Months with thousands of moves, in calls of many rows each (rows repeated across calls),
    grow the buffer of moved rows; the snapshot still lists each listed stage's rows by sex in
    row order."""
    rng = np.random.default_rng(5)
    pop = Population(1)
    pop.add(0, Stage.HIDING_IN_CHINA, uid=np.arange(6000), female=rng.random(6000) < 0.5)
    pop.snapshot()
    for _ in range(3):
        for _ in range(6):
            rows = np.sort(rng.choice(pop.n, 900, replace=False))
            pop.move(rows, rng.choice(np.array(list(Stage), dtype=np.int8), rows.size), 0)
        groups, _ = pop.snapshot()
        stage, female = pop.stage[: pop.n], pop.female[: pop.n]
        for s in Stage:
            expected = (np.flatnonzero(stage == s) if s not in UNLISTED
                        else np.empty(0, dtype=np.int64))
            expected = expected[np.argsort(female[expected], kind="stable")]
            np.testing.assert_array_equal(groups[s], expected)


def test_local_dask_workers_keep_glibc_s_sliding_mmap_threshold():
    environ = worker_environment()
    assert "MALLOC_TRIM_THRESHOLD_" not in environ
    assert environ.get("OMP_NUM_THREADS") == 1  # Dask's thread limits stay


# --- compiled months of the domain modules against their NumPy rules ---------------------------

@pytest.fixture(scope="module")
def midway():
    """A scale-10 run of the white-paper package stopped in 2028, its levers two years in."""
    model = ResettleModel("white-paper-package", seed=3, scale=10,
                          horizon={"start": 1995, "end": 2028})
    model.run_model()
    return model


TIE_COLUMNS = ("u", "v", "kind", "since")


def _fields(pop) -> dict[str, np.ndarray]:
    """Every field of every person, and the tie table."""
    state = {name: getattr(pop, name)[: pop.n].copy() for name in pop.fields}
    return state | {f"ties.{c}": getattr(pop.ties, c).copy() for c in TIE_COLUMNS}


def _restore(pop, state: dict[str, np.ndarray]) -> None:
    pop.ties.replace(*(state[f"ties.{c}"] for c in TIE_COLUMNS))
    for name, values in state.items():
        if not name.startswith("ties."):
            getattr(pop, name)[: pop.n] = values


def _shuffle_inputs(model, rng: np.random.Generator) -> None:
    """Random states for the residents: booleans and months drawn afresh, counts over their
    whole range (matched-saving months past the 48-month cap), other fields permuted among the
    residents (so every value stays one the model can hold)."""
    pop, rows, month = model.population, model.residents(), model.month
    ranges = {"work": 3, "rely_on": 7, "sk_ties": 7, "fha_months": 52}
    for name, spec in pop.fields.items():
        if name in ("uid", "stage", "birth_month", "female"):
            continue
        column = getattr(pop, name)
        if spec.dtype is np.bool_:
            column[rows] = rng.random(rows.size) < 0.4
        elif name.endswith(("_month", "_until")):
            column[rows] = month + rng.integers(-40, 20, rows.size)
        elif name in ranges:
            column[rows] = rng.integers(0, ranges[name], rows.size)
        else:
            column[rows] = rng.permutation(column[rows])
    employed = rows[pop.work[rows] == Work.EMPLOYED]  # people in work are paid, in jobs started
    pop.wage_relative[employed] = rng.uniform(0.3, 1.5, employed.size)
    pop.job_start_month[employed] = month - rng.integers(0, 40, employed.size)  # by this month
    china = np.concatenate([model.groups[s] for s in IN_CHINA])  # stages, sexes and savings
    pop.stage[china] = rng.choice(np.array(IN_CHINA, dtype=np.int8), china.size)
    pop.female[china] = rng.random(china.size) < 0.5
    pop.savings_usd[china] = rng.uniform(0, 20_000, china.size)
    road = model.groups[Stage.JOURNEY]  # routes of the people on the road
    pop.route[road] = rng.choice(np.array(ONWARD_ROUTES, dtype=np.int8), road.size)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**32))
@pytest.mark.parametrize("parallel", [  # the parallel builds compile in about 20 s: slow tier
    False, pytest.param(True, marks=pytest.mark.slow)], ids=["serial", "parallel"])
@pytest.mark.parametrize("module", ["MentalHealth", "Welfare", "LabourMarket", "Belonging",
                                    "Discrimination", "SocialTies", "China", "Training",
                                    "Health", "Journey"])
def test_a_compiled_month_gives_what_the_numpy_rules_give(midway, module, parallel, state_seed):
    """Each build of each compiled month (serial, and on every core) against the NumPy rules."""
    with kernels.forced_builds(parallel):
        _compiled_month_against_numpy(midway, module, state_seed)


def _compiled_month_against_numpy(midway, module, state_seed):
    model, died = midway, []  # the model's own transitions and events, recorded instead of made
    model.die = lambda rows, month, cause=1: died.append((rows.tolist(), cause))
    model.leave_south = lambda rows, month, stage, destination=None: died.append(
        (rows.tolist(), stage, destination))
    model.repatriate = lambda rows, month: died.append(("repatriated", rows.tolist()))
    model.emit = lambda event, rows, month, **payload: died.append((event, rows.tolist(),
                                                                    sorted(payload.items())))
    try:
        model._residents = None
        _shuffle_inputs(model, np.random.default_rng(state_seed))
        start = _fields(model.population)
        model.modules[module].reference_step(model.month)
        expected, expected_died = _fields(model.population), list(died)
        _restore(model.population, start)
        died.clear()
        model.modules[module].step(model.month)
        got = _fields(model.population)
    finally:
        del model.die, model.leave_south, model.repatriate, model.emit
    assert died == expected_died
    for name, values in expected.items():
        if values.dtype.kind == "f":
            np.testing.assert_allclose(got[name], values, rtol=1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(got[name], values, err_msg=name)
    changed = sum(int((start[k] != v).sum()) if start[k].shape == v.shape else 1
                  for k, v in expected.items())
    assert changed > 0  # the month changed something, so the comparison is not empty


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32))
def test_china_s_bound_is_at_least_everyone_s_total_exit_rate(midway, state_seed):
    """Only the people whose draw falls under the bound have their rates computed, so it must
    bound the total rate of everyone in China, whatever their stage, sex, age and savings: it is
    at least the sum over exits of each exit's largest rate."""
    model = midway
    _shuffle_inputs(model, np.random.default_rng(state_seed))
    china, month = model.modules["China"], model.month
    rows = np.concatenate([model.groups[s] for s in IN_CHINA])
    rates = china.rates(rows, month)
    assert rows.size > 100 and (rates.max(axis=0) > 0).all()  # every exit open to someone
    assert rates.max(axis=0).sum() <= china.upper_rate(
        rows, month, model.levers.factors(CHINA_CHANNELS, rows, month))


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32))
@pytest.mark.parametrize("module", ["Health", "MentalHealth", "Welfare", "SocialTies",
                                    "Training"])
def test_a_compiled_start_gives_what_the_numpy_rules_give(midway, module, state_seed):
    """The compiled handlers of people leaving Hanawon set every field (and add every tie) as the
    NumPy rules do, for residents in random states (journeys, sponsors, savings and departures
    included)."""
    model = midway
    model._residents = None
    rng = np.random.default_rng(state_seed)
    _shuffle_inputs(model, rng)
    pop, month = model.population, model.month
    rows = np.sort(rng.choice(model.residents(), 400, replace=False))
    pop.repatriations[rows] = rng.integers(0, 3, rows.size)
    pop.savings_usd[rows] = rng.uniform(0, 20_000, rows.size)
    pop.last_departure_month[rows] = month - rng.integers(1, month + 30, rows.size)  # some < 0
    pop.journey_month[rows] = np.where(rng.random(rows.size) < 0.2, NO_MONTH,
                                       np.maximum(pop.last_departure_month[rows], 0)
                                       + rng.integers(0, 24, rows.size)).clip(max=month)
    start = _fields(pop)
    model.modules[module].reference_start(rows, month)
    expected = _fields(pop)
    _restore(pop, start)
    model.modules[module].start(rows, month)
    got = _fields(pop)
    for name, values in expected.items():
        if values.dtype.kind == "f":
            np.testing.assert_allclose(got[name], values, rtol=1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(got[name], values, err_msg=name)
    assert sum(int((start[k] != v).sum()) if start[k].shape == v.shape else 1
               for k, v in expected.items()) > 0  # ties added change the table's length


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32))
def test_the_compiled_route_choice_gives_what_the_numpy_rule_gives(midway, state_seed):
    """People setting off from China in any month of the horizon get the route and the month of
    setting off that the NumPy rule draws from that year's shares."""
    model = midway
    rng = np.random.default_rng(state_seed)
    pop, journey = model.population, model.modules["Journey"]
    in_china = np.concatenate([model.groups[s] for s in IN_CHINA])
    rows = np.sort(rng.choice(in_china, min(in_china.size, 300), replace=False))
    month = int(rng.integers(0, model.calendar.n_months))
    start, counts, flows = _fields(pop), pop.counts.copy(), pop.flows.copy()
    journey.reference_choose_route(rows, month)
    expected = _fields(pop)
    _restore(pop, start)
    journey.choose_route(rows, month)
    got = _fields(pop)
    _restore(pop, start)
    pop.counts[:], pop.flows[:] = counts, flows
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)
    assert np.unique(expected["route"][rows]).size > 1  # several routes drawn


def _same_chain(model, state_seed: int, month: int | None = None):
    """The compiled and the NumPy sponsoring of relatives in ``month`` (default: one of the
    busier years, drawn) give the same payers, relatives and wishes; returns what was paid."""
    rng = np.random.default_rng(state_seed)
    pop, departures = model.population, model.modules["Departures"]
    protected = model.residents()  # more than the protected of the month, for more payers
    world = model.world
    rate = np.array([world.chain_rate[world.index(m)] * world.broker_access[world.index(m)]
                     for m in range(model.calendar.n_months)])
    if month is None:
        month = int(rng.choice(np.flatnonzero(rate >= np.quantile(rate, 0.75))))
    start = _fields(pop)
    pop.family_left_behind[protected] = rng.random(protected.size) < 0.9
    chosen = _fields(pop)
    expected = departures.reference_chain(month, protected)
    expected_fields = _fields(pop)
    _restore(pop, chosen)
    got = departures._chain(month, protected)
    got_fields = _fields(pop)
    _restore(pop, start)
    assert (got is None) == (expected is None)  # no one paid (rare in these years)
    for mine, theirs in zip(got or (), expected or (), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for name, values in expected_fields.items():
        np.testing.assert_array_equal(got_fields[name], values, err_msg=name)
    return expected


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32))
def test_the_compiled_sponsoring_of_relatives_gives_what_the_numpy_rule_gives(midway,
                                                                              state_seed):
    """Residents who left family behind, in any month, pay for the same relatives (ids, sexes,
    sponsors) and keep or lose the wish to pay again as the NumPy rule has it."""
    _same_chain(midway, state_seed)


def test_the_sponsoring_compared_in_the_busiest_month_has_payers(midway):
    """The comparison above is not of two empty results: in the busiest month people pay."""
    world = midway.world
    busiest = max(range(midway.calendar.n_months),
                  key=lambda m: world.chain_rate[world.index(m)] * world.broker_access[
                      world.index(m)])
    assert _same_chain(midway, 0, busiest) is not None


@pytest.mark.parametrize("scenario", [  # with levers and a crackdown: slow tier (6-9 s each)
    "baseline", pytest.param("white-paper-package", marks=pytest.mark.slow),
    pytest.param("transit-crackdown", marks=pytest.mark.slow)])
def test_compiled_passes_and_numpy_rules_give_the_same_indicators(scenario):
    """The whole model, 1995-2035 at scale 10, with the compiled monthly passes and with the
    NumPy rules: every indicator agrees to rounding (the exponentials of NumPy and of the C
    library may differ in the last bit)."""
    tables = []
    for compiled in (True, False):
        model = ResettleModel(scenario, seed=7, scale=10, compiled=compiled)
        model.run_model()
        tables.append(model.indicators())
    assert len(tables[0]) > 1000
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=False, rtol=1e-9)


def _every_array(model) -> dict[str, np.ndarray]:
    arrays = _fields(model.population)
    arrays |= {f"events.{k}": v for k, v in model.recorder.events.items()}
    return arrays | {"stage_counts": model.recorder.stage_counts}


@pytest.mark.slow
def test_the_parallel_builds_give_the_serial_run_bit_for_bit():
    """The whole model with every pass over rows on every core and with every pass serial: the
    same arrays, bit for bit (each row's draws are its own, whatever thread makes them)."""
    runs = []
    for parallel in (False, True):
        with kernels.forced_builds(parallel):
            model = ResettleModel("white-paper-package", seed=5, scale=10,
                                  horizon={"start": 1995, "end": 2030}, watched=False)
            model.run_model()
        runs.append(_every_array(model))
    assert runs[0].keys() == runs[1].keys()
    for name, values in runs[0].items():
        assert values.tobytes() == runs[1][name].tobytes(), name
    assert runs[0]["stage_counts"][-1, Stage.RESETTLED].sum() > 1000  # a run with residents


@SETTINGS
@given(st.floats(0.0, 1.0, exclude_max=True), st.floats(0.0, 60.0), st.floats(0.0, 60.0))
def test_the_exit_between_two_rates_is_the_exit_among_them(u, first, second):
    assert _exit_of_two(u, first, second) == _exit_chosen(u, np.array([first, second]))


@numba.njit
def _exit_of_two(u, first, second):
    return exit_of_two(u, first, second)


@numba.njit
def _exit_chosen(u, rates):
    return exit_chosen(u, rates)


def _allowed_here(_job=None) -> bool:
    return kernels.threads_allowed()


def test_only_a_main_thread_outside_workers_runs_the_parallel_builds(monkeypatch):
    """Threads of a process (Dask's workers, the explorer) and local worker processes run the
    passes serially; the main thread of a command may use every core."""
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)  # the workers as a command starts them
    with kernels.forced_builds(True):
        assert _allowed_here()
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(_allowed_here).result() is False
        workers = Executor("processes", 2)
        assert [allowed for _, allowed in workers.map([0, 1], _allowed_here)] == [False, False]
        kernels.one_core()
        assert not _allowed_here()


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**32))
def test_the_compiled_survey_sums_what_the_numpy_survey_sums(midway, state_seed):
    model, july = midway, midway.month - 5  # the survey is taken in July
    model._residents = None
    _shuffle_inputs(model, np.random.default_rng(state_seed))
    survey, year = model.modules["Survey"], july // 12
    survey.reference_step(july)
    expected = survey.sums[year].copy()
    survey.sums[year] = -1.0
    survey.step(july)
    assert expected[0].sum() > 1000  # people surveyed
    np.testing.assert_allclose(survey.sums[year], expected, rtol=1e-12)


@pytest.mark.slow  # two runs of the white paper's package to 2035 at scale 100
def test_the_warm_up_compiles_both_builds_of_every_pass():
    """``scripts/bootstrap --test``'s warm-up reaches every compiled pass of the model, in its
    serial and its parallel build, so no test worker compiles one again."""
    import importlib
    import pkgutil

    import sim
    from sim.experiments.warm import warm

    warm()
    names = [m.name for m in pkgutil.walk_packages(sim.__path__, "sim.")
             if not m.name.startswith("sim.app") and m.name != "sim.__main__"]
    passes = {f"{name}.{key}": value for name in names
              for key, value in vars(importlib.import_module(name)).items()
              if isinstance(value, kernels.Twin)}
    assert len(passes) >= 10
    cold = [name for name, build in passes.items()
            if not build.serial.signatures or not build.parallel.signatures]
    assert not cold, f"passes the warm-up never calls: {cold}"
