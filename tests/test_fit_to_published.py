"""The baseline against the published series (issue 2, "What it must show" 2 and 3).

Each test prints its fit table (shown with ``pytest -rP`` or on failure).
"""

from __future__ import annotations

from _shared import baseline

from sim import validation
from sim.validation import series

CUMULATIVE_2025 = 34537  # MOU, Newsis Feb 2026


def test_arrivals_by_year_within_tolerance():
    table = validation.arrivals_table(baseline().indicators)
    print("\n" + table.round(1).to_string(index=False))
    assert len(table) == 24
    assert table.within.all(), f"years outside tolerance: {table.year[~table.within].tolist()}"


def test_female_share_within_five_points_2003_2019():
    table = validation.arrivals_table(baseline().indicators).query("2003 <= year <= 2019")
    print("\n" + table[["year", "mou_female_pct", "model_female_pct"]].round(1).to_string())
    assert table.female_within.all(), f"off by > 5 points: {table.year[~table.female_within.astype(bool)].tolist()}"


def test_cumulative_arrivals_end_2025_within_3_percent():
    cum = series(baseline().indicators, "cumulative_arrivals")[2025]
    print(f"\ncumulative arrivals end-2025: model {cum:.0f}, MOU {CUMULATIVE_2025}")
    assert abs(cum - CUMULATIVE_2025) <= 0.03 * CUMULATIVE_2025


def test_time_abroad_matches_published_picture():
    table = validation.time_abroad_table(baseline().indicators)
    print("\n" + table.drop(columns="source").round(2).to_string(index=False))
    assert table.within.all()


def test_stock_in_china_within_published_ranges():
    table = validation.china_stock_table(baseline().indicators)
    print("\n" + table.drop(columns="source").to_string(index=False))
    assert table.within.all()


def test_women_are_most_of_those_in_china():
    """80-90% of North Koreans in China are women (Wikipedia seed); checked 2005-2019 (70-95)."""
    df = baseline().indicators
    share = 100 * series(df, "in_china", "female") / series(df, "in_china")
    print("\n" + share.loc[2005:2019].round(1).to_string())
    assert share.loc[2005:2019].between(70, 95).all()
