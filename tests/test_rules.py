"""Each rule alone: hazards, random streams, sampling, calendars and bands."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engine.calendar import Calendar, parse_year_month
from sim.engine.hazards import (
    competing_exits,
    monthly_probability,
    rate_for_mean_months,
    row_sums,
)
from sim.engine.parameters import Parameters
from sim.engine.population import NO_MONTH
from sim.engine.randomness import Streams, categorical, poisson_quantile, slot_uniforms
from sim.engine.world import broker_access
from sim.measure.indicators import _sorted_medians, years_since_arrival_band
from sim.pathway.demographics import (
    AttributeTables,
    departure_age_weights,
    entry_band_matrix,
    mortality_rate,
)
from sim.pathway.departures import (
    NEW_PEOPLE,
    NEW_PEOPLE_FEMALE,
    NEW_PEOPLE_KIND,
    NEW_PEOPLE_STREAMS,
    _new_people,
    new_uids,
)


def test_monthly_probability_of_annual_rate():
    assert monthly_probability(12.0) == pytest.approx(1 - np.exp(-1))
    assert monthly_probability(0.0) == 0.0


def test_competing_exits_share_events_in_proportion_to_rates():
    n = 400_000
    rates = np.tile([6.0, 2.0, 0.0], (n, 1))
    exits = competing_exits(rates, np.random.default_rng(0).random(n))
    p_any = monthly_probability(8.0)
    counts = np.bincount(exits + 1, minlength=4) / n
    assert counts[0] == pytest.approx(1 - p_any, abs=0.003)
    assert counts[1] == pytest.approx(p_any * 0.75, abs=0.003)
    assert counts[2] == pytest.approx(p_any * 0.25, abs=0.003)
    assert counts[3] == 0.0


def test_exponential_duration_has_requested_mean():
    n, rate = 200_000, rate_for_mean_months(4.0)
    rng = np.random.default_rng(1)
    months = np.zeros(n)
    alive = np.arange(n)
    month = 0
    while alive.size:
        month += 1
        left = competing_exits(np.full((alive.size, 1), rate), rng.random(alive.size)) == 0
        months[alive[left]] = month
        alive = alive[~left]
    # a monthly discretisation of an exponential with mean 4 months has mean 1/(1-exp(-1/4))
    assert months.mean() == pytest.approx(1 / monthly_probability(rate), rel=0.01)


def test_streams_are_uniform_and_independent_of_who_else_is_drawn():
    streams = Streams(7)
    uids = np.arange(100_000)
    u = streams.uniforms("x", 3, uids)
    assert stats.kstest(u, "uniform").pvalue > 0.001
    # the draw of a person does not depend on the rest of the array (common random numbers)
    np.testing.assert_array_equal(streams.uniforms("x", 3, uids[::7]), u[::7])
    assert not np.array_equal(streams.uniforms("y", 3, uids), u)
    assert not np.array_equal(streams.uniforms("x", 4, uids), u)
    assert not np.array_equal(Streams(8).uniforms("x", 3, uids), u)


def test_streams_refuse_negative_seed():
    with pytest.raises(ValueError, match="non-negative"):
        Streams(-1)


def test_poisson_by_inversion_is_monotone_in_the_mean():
    streams = Streams(3)
    counts = [streams.poisson("d", m, 50.0) for m in range(2000)]
    assert np.mean(counts) == pytest.approx(50.0, rel=0.02)
    bigger = [streams.poisson("d", m, 55.0) for m in range(2000)]
    assert all(b >= c for b, c in zip(bigger, counts, strict=True))


def test_poisson_quantile_equals_scipy():
    """Summed in a compiled loop (means up to 700) or from the special functions (above, and q
    within 1e-11 of 1), the same quantile as scipy's, in the bulk and far in the tail."""
    rng = np.random.default_rng(7)
    qs = np.concatenate([rng.random(3000), 1 - 10.0 ** -rng.uniform(9, 16, 300)])
    means = rng.choice([0.3, 4.0, 45.0, 600.0, 700.0, 701.0, 2500.0], qs.size)
    fast = [poisson_quantile(q, m) for q, m in zip(qs, means, strict=True)]
    assert fast == [int(stats.poisson.ppf(q, m)) for q, m in zip(qs, means, strict=True)]
    assert poisson_quantile(0.0, 5.0) == 0  # never the -1 that ppf gives at q = 0


def test_row_sums_equal_numpy_sums():
    rates = np.random.default_rng(2).random((500, 6))
    np.testing.assert_array_equal(row_sums(rates), rates.sum(axis=1))


def test_categorical_inversion():
    u = np.array([0.0, 0.19, 0.2, 0.99])
    np.testing.assert_array_equal(categorical(u, np.array([1, 4])), [0, 0, 1, 1])
    rows = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(categorical(u, rows), [0, 1, 0, 1])


def test_new_uids_are_unique_across_months_kinds_and_sexes():
    ids = np.concatenate([new_uids(m, k, f, 1000) for m in range(-1, 500)
                          for k in (1, 2) for f in (False, True)])
    assert np.unique(ids).size == ids.size
    assert ids.min() >= 0


def test_a_month_s_new_people_have_the_ids_of_new_uids_group_by_group():
    rng = np.random.default_rng(4)
    for month in (-1, 0, 17, 479):
        counts = rng.integers(0, 40, len(NEW_PEOPLE))
        counts[rng.integers(len(NEW_PEOPLE))] = 0  # an empty group among the others
        uids, female, kind = _new_people(month, counts, NEW_PEOPLE_KIND, NEW_PEOPLE_FEMALE)
        groups = [(new_uids(month, k, f, n), np.full(n, f), np.full(n, k))
                  for (k, f), n in zip(NEW_PEOPLE, counts, strict=True)]
        for got, expected in zip((uids, female, kind), zip(*groups, strict=True), strict=True):
            np.testing.assert_array_equal(got, np.concatenate(expected))


def test_a_month_s_uniform_of_each_stream_is_the_one_streams_give():
    streams, names = Streams(9), NEW_PEOPLE_STREAMS
    for month in (0, 5, 300):
        np.testing.assert_array_equal(
            slot_uniforms(streams.keys(names, month)),
            [streams.uniform(name, month) for name in names])
        assert slot_uniforms(streams.keys(names, month), 3)[1] == streams.uniform(names[1],
                                                                                   month, 3)


def test_years_since_arrival_band():
    arrival = np.array([0, 11, 12, 0, NO_MONTH], dtype=np.int64)
    np.testing.assert_array_equal(years_since_arrival_band(arrival, 23), [1, 1, 0, 1, 6])
    np.testing.assert_array_equal(years_since_arrival_band(arrival[:1], 12 * 9), [6])


def test_calendar():
    cal = Calendar(1995, 2035)
    assert cal.n_months == 492
    assert cal.month_of(2018, 2) == 12 * 23 + 1
    assert cal.year_of(cal.month_of(2018, 12)) == 2018
    assert parse_year_month("2027-03") == (2027, 3)
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_year_month("2027-13")


def test_broker_access_grows_from_none_to_all():
    access = broker_access(np.array([1980, 2002, 2030]), 2002.5, 1.0)
    assert access[0] < 1e-6 and access[1] == pytest.approx(0.5) and access[2] > 0.999999


def test_journeys_on_credit_do_not_wait_for_savings():
    """Brokers paid after arrival: the credit share of the onward rate is open with no savings,
    the rest opens as the fee is saved, and nothing beyond the whole rate once it is saved."""
    from sim.pathway.china import payable

    saved = np.array([0.0, 0.25, 1.0, 3.0])
    assert payable(0.0, saved) == pytest.approx([0.0, 0.25, 1.0, 1.0])
    assert payable(1.0, saved) == pytest.approx([1.0, 1.0, 1.0, 1.0])
    assert payable(0.4, saved) == pytest.approx([0.4, 0.55, 1.0, 1.0])
    assert payable(0.4, 0.25) == pytest.approx(0.55)  # the compiled pass calls it on scalars


@pytest.mark.parametrize("mean_years", [1.5, 3.5])
def test_ages_at_departure_plus_the_time_abroad_give_the_mou_ages_at_entry(mean_years):
    """Departure ages from the derived table, plus a time abroad uniform on [0, 2 x mean], fall
    in the MOU entry bands in the table's shares (sampling error ~0.1 point); taking a drawn time
    abroad off each entry age instead spreads the ages twice and loses ~3 points of the 20-39."""
    tables, rng, n = AttributeTables.load(), np.random.default_rng(5), 400_000
    bands, entry = tables.age_bands, tables.age_weights.sum(axis=0)
    entry = entry / entry.sum()
    edges = np.append(bands[1:, 0], np.inf)

    def entry_shares(departure_age):
        arrival = departure_age + rng.random(n) * 2 * mean_years
        return np.bincount(np.searchsorted(edges, arrival, side="right"), minlength=len(bands)) / n

    def ages(weights):
        band = rng.choice(len(bands), n, p=weights)
        return bands[band, 0] + rng.random(n) * (bands[band, 1] - bands[band, 0])

    derived = departure_age_weights(bands, entry, mean_years)
    assert (derived >= 0).all() and derived.sum() == pytest.approx(1.0)
    assert entry_band_matrix(bands, mean_years) @ derived == pytest.approx(entry, abs=1e-3)
    assert entry_shares(ages(derived)) == pytest.approx(entry, abs=0.004)
    at_entry = ages(entry)
    taken_off = at_entry - rng.random(n) * np.minimum(2 * mean_years, at_entry)
    young_adults = slice(2, 4)  # 20-29 and 30-39
    assert entry_shares(taken_off)[young_adults].sum() < entry[young_adults].sum() - 0.01
    assert departure_age_weights(bands, entry, 0.0) == pytest.approx(entry)


def test_men_die_at_the_ratio_and_as_many_men_as_women_at_the_level():
    """Mortality by sex: men's rate is ``mortality_male_ratio`` times women's at every age, and a
    population of as many men as women dies at the Gompertz level of the life table."""
    p = Parameters(overrides={"mortality_male_ratio": 2.5}, where="<test>")
    age = np.array([30.0, 30.0, 60.0, 60.0])
    female = np.array([False, True, False, True])
    rate = mortality_rate(p, age, female, 1.5)
    np.testing.assert_allclose(rate[[0, 2]] / rate[[1, 3]], 2.5)
    np.testing.assert_allclose(rate[:2].mean(), 1.5 * p["mortality_at_30"])


def test_medians_by_group_are_numpys_median_of_each_group():
    """The medians of years abroad by arrival year, from values sorted by (year, value), are
    ``np.median`` of each group bit for bit (the mean of the two middle values of an even
    count), NaN where a group is empty."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(0, 40))
        group = rng.integers(0, 6, n)
        values = rng.integers(0, 60, n) / 12.0  # months abroad, in years, as the model has them
        order = np.lexsort((values, group))
        got = _sorted_medians(group[order], values[order], 6)
        want = [np.median(values[group == k]) if (group == k).any() else np.nan
                for k in range(6)]
        assert np.array_equal(got, np.array(want), equal_nan=True)


def test_more_new_people_a_month_than_ids_can_number_is_refused():
    with pytest.raises(ValueError, match="1048576 new people of one kind and sex in a month"):
        new_uids(3, 1, True, 1 << 20)
    assert new_uids(3, 1, True, (1 << 20) - 1).size == (1 << 20) - 1
