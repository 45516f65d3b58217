"""Cost-effectiveness analysis of a paired ensemble (sim.economics)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.experiments import economics as ec

WIDE_WTP = np.concatenate([[0.0], np.logspace(-3, 7, 200)])


# ------------------------------------------------------------------------------ summaries, ICER


def test_percentile_interval_and_discount_factors():
    assert ec.percentile_interval(np.arange(101.0)) == pytest.approx((5.0, 95.0))
    assert ec.percentile_interval(np.arange(101.0), 0.5) == pytest.approx((25.0, 75.0))
    f = ec.discount_factors([2020, 2021, 2022, 2023], 2021, 0.03)
    assert f == pytest.approx([1.0, 1.0, 1 / 1.03, 1 / 1.03**2])
    assert ec.discount_factors(np.arange(2020, 2030), 2020, 0.0) == pytest.approx(np.ones(10))


def test_icer_is_the_ratio_of_means_not_the_mean_of_ratios():
    dc = np.array([10.0, 20.0, 30.0, 40.0])
    de = np.array([1.0, 4.0, 2.0, 1.0])
    s = ec.summarise(dc, de)
    assert s["verdict"] == "ratio"
    assert s["icer"] == pytest.approx(25.0 / 2.0)  # (100 / 4) / (8 / 4)
    assert not math.isclose(s["icer"], np.mean(dc / de))  # 17.5
    assert s["replicates"] == 4
    assert s["cost_mean"] == pytest.approx(25.0) and s["effect_mean"] == pytest.approx(2.0)
    assert "12.5 per unit" in s["verdict_text"]
    assert s["icer_low"] <= s["icer_high"]


def test_no_replicate_is_dropped():
    rng = np.random.default_rng(3)
    dc = rng.uniform(10, 20, 39)
    de = rng.uniform(1, 2, 39)
    with_neg_dc, with_neg_de = np.append(dc, 30.0), np.append(de, -5.0)
    s = ec.summarise(with_neg_dc, with_neg_de)
    assert s["replicates"] == 40
    assert s["verdict"] == "ratio"  # one harmful replicate of 40 leaves the interval above zero
    assert s["icer"] == pytest.approx(with_neg_dc.sum() / with_neg_de.sum())
    assert s["icer"] > dc.sum() / de.sum()  # dropping the replicate would lower the ICER
    assert not math.isclose(s["icer"], dc.sum() / de.sum())


def test_negative_mean_effect_never_gets_a_ratio():
    # costs and effects both fall: each replicate ratio is positive, yet no ICER may be printed
    s = ec.summarise([-10.0, -12.0, -8.0, -11.0], [-1.0, -1.2, -0.8, -0.9])
    assert s["verdict"] == "harms"
    assert math.isnan(s["icer"]) and math.isnan(s["icer_low"]) and math.isnan(s["icer_high"])
    assert "worse" in s["verdict_text"]
    rng = np.random.default_rng(4)
    u = ec.summarise(rng.uniform(1, 2, 100), rng.normal(-0.2, 1.0, 100))
    assert u["effect_mean"] < 0 < u["effect_high"]
    assert u["verdict"] == "unclear"  # not "harms": the interval spans zero
    assert math.isnan(u["icer"])
    assert "negative" in u["verdict_text"] and "90%" in u["verdict_text"]


def test_a_mean_against_its_interval_is_unclear_whichever_side_it_falls():
    above = ec.summarise(np.ones(100), [*np.ones(99), -1000.0])  # interval > 0, mean < 0
    below = ec.summarise(np.ones(100), [*-np.ones(99), 1000.0])  # interval < 0, mean > 0
    for s in (above, below):
        assert s["verdict"] == "unclear" and "disagree" in s["verdict_text"]
        assert math.isnan(s["icer"])


def test_effect_interval_spanning_zero_is_unclear():
    rng = np.random.default_rng(5)
    s = ec.summarise(rng.uniform(1, 2, 200), rng.normal(0.3, 1.0, 200), level=0.95)
    assert s["effect_mean"] > 0 and s["effect_low"] < 0 < s["effect_high"]
    assert s["verdict"] == "unclear"
    assert math.isnan(s["icer"]) and math.isnan(s["icer_low"])
    assert "95% interval of the effect spans zero" in s["verdict_text"]
    zero = ec.summarise([1.0, 2.0, 3.0], [0.0, 0.0, 0.0])
    assert zero["verdict"] == "unclear" and math.isnan(zero["icer"])


def test_dominant():
    s = ec.summarise([-5.0, -3.0, -4.0, 1.0, -6.0], [2.0, 1.0, 3.0, 2.5, 1.5])
    assert s["verdict"] == "dominant"
    assert s["verdict_text"] == "saves money and improves the outcome (dominant)"
    assert math.isnan(s["icer"]) and math.isnan(s["icer_high"])


# ---------------------------------------------------------------------------------------- CEACs


def test_ceac_is_vectorised_and_counts_a_tie_half():
    got = ec.ceac([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 2.5, 5.0])
    assert got == pytest.approx([0.0, 0.125, 0.5, 1.0])  # at lambda = 1 one NMB is 0: half


def test_ceac_of_a_dominated_strategy_is_zero_everywhere():
    rng = np.random.default_rng(6)
    dc, de = rng.uniform(1, 50, 300), -rng.uniform(0.01, 2, 300)  # costlier and worse, always
    assert (ec.ceac(dc, de, WIDE_WTP) == 0).all()
    costs = np.column_stack([np.zeros(300), dc])
    effects = np.column_stack([np.zeros(300), de])
    multi = ec.ceac_multi(costs, effects, WIDE_WTP)
    assert multi.shape == (WIDE_WTP.size, 2)
    assert (multi[:, 1] == 0).all()
    assert multi.sum(axis=1) == pytest.approx(np.ones(WIDE_WTP.size))


def test_ceac_multi_splits_ties_and_matches_ceac_for_two_strategies():
    rng = np.random.default_rng(7)
    dc, de = rng.normal(10, 5, 200), rng.normal(1, 1, 200)
    costs = np.column_stack([np.zeros(200), dc, dc])  # strategies 1 and 2 are identical
    effects = np.column_stack([np.zeros(200), de, de])
    multi = ec.ceac_multi(costs, effects, WIDE_WTP)
    assert multi.sum(axis=1) == pytest.approx(np.ones(WIDE_WTP.size))
    assert multi[:, 1] == pytest.approx(multi[:, 2])
    assert multi[:, 1] + multi[:, 2] == pytest.approx(ec.ceac(dc, de, WIDE_WTP))


def test_a_tie_with_the_comparator_counts_half_in_both_curves():
    dc, de = np.array([0.0, 0.0, 5.0, -1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    single = ec.ceac(dc, de, [0.0])
    multi = ec.ceac_multi(np.column_stack([np.zeros(4), dc]), np.column_stack([np.zeros(4), de]),
                          [0.0])
    assert single[0] == pytest.approx(0.5 * 2 / 4 + 1 / 4)  # two ties, one saving
    assert multi[0, 1] == pytest.approx(single[0])


# ---------------------------------------------------------------------------------- ICER interval


@pytest.mark.parametrize("replicates", [37, 200])
def test_icer_interval_is_the_order_statistics_of_the_ratios(replicates):
    rng = np.random.default_rng(replicates)
    dc, de = rng.uniform(1, 30, replicates), rng.uniform(0.1, 2, replicates)
    ratios = np.sort(dc / de)
    low, high = ec.icer_interval(dc, de, 0.90)
    k_low, k_high = math.ceil(0.05 * replicates), math.ceil(0.95 * replicates)  # 1-based ranks
    assert (low, high) == (ratios[k_low - 1], ratios[k_high - 1])
    assert (low, high) == tuple(np.quantile(dc / de, [0.05, 0.95], method="inverted_cdf"))
    # the CEAC reaches 5% just above the lower bound, not at it
    assert ec.ceac(dc, de, [low])[0] < 0.05 <= ec.ceac(dc, de, [low * (1 + 1e-9)])[0]


def test_icer_interval_infinite_and_zero_bounds():
    dc = np.array([5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 4.0, 3.0])
    de = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0, -1.0])  # 20% never pay off
    low, high = ec.icer_interval(dc, de, 0.90)
    assert low == 5.0 and high == math.inf
    assert ec.ceac(dc, de, [1e12])[0] == pytest.approx(0.8)
    cheap = ec.icer_interval([-1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], 0.5)
    assert cheap == (0.0, 3.0)  # 25% cost-effective at lambda = 0 already


def test_icer_interval_first_crossing_with_mixed_signs():
    rng = np.random.default_rng(8)
    de = rng.choice([-2.0, -1.0, 1.0, 2.0, 4.0], 60, p=[0.1, 0.1, 0.3, 0.3, 0.2])
    dc = rng.integers(-5, 40, 60).astype(float)
    de[:3], dc[:3] = 0.0, [-1.0, 2.0, 0.0]
    pos = de != 0
    cuts = np.unique(np.concatenate([[0.0], (dc[pos] / de[pos])]))
    grid = np.sort(np.concatenate([cuts, cuts + 1e-6]))
    grid = grid[grid >= 0]
    curve = ec.ceac(dc, de, grid)
    for level in (0.5, 0.8, 0.9):
        for p, bound in zip([(1 - level) / 2, (1 + level) / 2], ec.icer_interval(dc, de, level)):
            first = grid[np.flatnonzero(curve >= p - 1e-12)]
            if first.size == 0:
                assert bound == math.inf
            else:
                assert first[0] == pytest.approx(bound, abs=2e-6)


# ------------------------------------------------------------------------------------- frontier


def test_frontier_textbook_example():
    # A reference; B vs A = 10; C vs B = 40 > D vs C = 6.7: C extendedly dominated;
    # D vs B = 30 / 2 = 15; E costs more than D and is less effective
    table = ec.frontier(["E", "C", "A", "D", "B"], [50, 30, 0, 40, 10], [2, 1.5, 0, 3, 1])
    assert list(table.columns) == ["strategy", "cost", "effect", "status", "icer", "compared_with"]
    assert list(table.strategy) == ["E", "C", "A", "D", "B"]
    got = table.set_index("strategy")
    assert got.status.to_dict() == {"A": "reference", "B": "frontier", "C": "extendedly dominated",
                                    "D": "frontier", "E": "dominated"}
    assert got.icer["B"] == pytest.approx(10.0) and got.icer["D"] == pytest.approx(15.0)
    assert got.icer[["A", "C", "E"]].isna().all()
    assert got.compared_with.to_dict() == {"A": "", "B": "A", "C": "", "D": "B", "E": ""}


# --------------------------------------------------------------------------- value of information


def test_evpi_by_hand():
    nmb = np.array([[0.0, 1.0], [0.0, -1.0], [0.0, 3.0], [0.0, -1.0]])
    assert ec.evpi(nmb) == pytest.approx(1.0 - 0.5)
    assert ec.evpi(np.array([[0.0, 1.0], [0.0, 2.0]])) == 0.0  # no decision uncertainty


def _toy():
    rng = np.random.default_rng(11)
    theta1, theta2 = rng.uniform(size=300), rng.uniform(size=300)
    base = 100.0 + 50.0 * theta2
    nmb = np.column_stack([base, base + 12.0 * theta1**2 - 2.0])  # incremental NMB = f(theta1)
    return nmb, theta1, theta2


def test_evppi_on_a_toy_decision():
    nmb, theta1, theta2 = _toy()
    total = ec.evpi(nmb)
    assert total > 0.3
    only1 = ec.evppi(nmb, theta1)
    only2 = ec.evppi(nmb, theta2)
    both = ec.evppi(nmb, np.column_stack([theta1, theta2, np.ones(300)]))  # constant is dropped
    assert only2 < 0.02 * total
    assert only1 == pytest.approx(total, rel=0.05) and both == pytest.approx(total, rel=0.05)
    assert max(only1, only2, both) <= total
    assert ec.evppi(nmb, np.full(300, 3.0)) == 0.0


def test_evppi_table():
    nmb, theta1, _ = _toy()
    table = ec.evppi_table(nmb, {"theta1": theta1, "nothing": np.zeros(300)})
    assert list(table.columns) == ["group", "evppi", "share_of_evpi"]
    assert list(table.group) == ["all uncertainty (EVPI)", "theta1", "nothing"]
    assert table.evppi[0] == pytest.approx(ec.evpi(nmb)) and table.share_of_evpi[0] == 1.0
    assert table.share_of_evpi[1] == pytest.approx(1.0, rel=0.05) and table.evppi[2] == 0.0
    flat = ec.evppi_table(np.zeros((5, 2)), {"x": np.arange(5.0)})
    assert flat.evppi.tolist() == [0.0, 0.0] and flat.share_of_evpi.isna().all()


# -------------------------------------------------------------------------------- budget impact


def test_budget_impact_fills_missing_years_with_zero():
    costs = pd.DataFrame({"replicate": [1, 2, 3, 1, 4], "year": [2025, 2025, 2025, 2026, 2026],
                          "cost": [10.0, 20.0, 30.0, 30.0, 10.0]})
    table = ec.budget_impact(costs)
    assert list(table.columns) == ["year", "mean", "low", "high"]
    assert table.year.tolist() == [2025, 2026]
    assert table["mean"].tolist() == pytest.approx([15.0, 10.0])  # over replicates 1-4
    low, high = np.percentile([30.0, 0.0, 0.0, 10.0], [5, 95])
    assert (table["low"][1], table["high"][1]) == pytest.approx((low, high))


# ------------------------------------------------------------------------------------ bad input


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="wtp is empty"):
        ec.ceac([1.0], [1.0], [])
    with pytest.raises(ValueError, match="wtp has negative values"):
        ec.ceac([1.0], [1.0], [-1.0, 2.0])
    with pytest.raises(ValueError, match=r"different lengths \(3 and 2\)"):
        ec.summarise([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"discount rate must be in \[0, 1\), got -0.01"):
        ec.discount_factors([2020], 2020, -0.01)
    with pytest.raises(ValueError, match="discount rate"):
        ec.discount_factors([2020], 2020, 1.0)
    with pytest.raises(ValueError, match="delta_cost is empty"):
        ec.icer_interval([], [])
    with pytest.raises(ValueError, match="non-finite"):
        ec.ceac([1.0, np.nan], [1.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="different shapes"):
        ec.ceac_multi(np.zeros((3, 2)), np.zeros((3, 3)), [1.0])
    with pytest.raises(ValueError, match="different numbers of replicates"):
        ec.evppi(np.zeros((4, 2)), np.arange(3.0))
    with pytest.raises(ValueError, match="more than one row"):
        ec.budget_impact(pd.DataFrame({"replicate": [1, 1], "year": [2025, 2025], "cost": [1, 2]}))
