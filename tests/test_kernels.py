"""The compiled kernels give exactly what their NumPy references give, on random inputs
(hypothesis), and the local Dask workers run without the allocator setting that slows them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.engine.hazards import competing_exits, reference_exits, screened_exits
from sim.engine.population import _counting_sort
from sim.engine.randomness import Streams, reference_uniforms, stream_key
from sim.experiments.ensemble import worker_environment

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
@given(st.integers(0, 2000).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int8, n, elements=st.integers(0, 12)), hnp.arrays(np.bool_, n))))
def test_counting_sort_equals_a_stable_argsort(columns):
    stage, female = columns
    order, bounds = _counting_sort(stage, female, 26)
    key = stage.astype(np.int64) * 2 + female
    expected = np.argsort(key, kind="stable")
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_array_equal(bounds, np.searchsorted(key[expected], np.arange(27)))


def test_local_dask_workers_keep_glibc_s_sliding_mmap_threshold():
    environ = worker_environment()
    assert "MALLOC_TRIM_THRESHOLD_" not in environ
    assert environ.get("OMP_NUM_THREADS") == 1  # Dask's thread limits stay
