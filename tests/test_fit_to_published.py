"""The baseline against the published series (issue 2, "What it must show" 2 and 3).

Each test prints its fit table (shown with ``pytest -rP`` or on failure).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from _shared import baseline, series

from sim import published

CUMULATIVE_2025 = 34537  # MOU, Newsis Feb 2026


def arrivals_fit_table() -> pd.DataFrame:
    """Simulated against MOU arrivals by year, with the tolerance issue 2 sets for each year."""
    df = baseline().indicators
    sim_total, sim_share = series(df, "arrivals"), series(df, "female_share_of_arrivals")
    rows = []
    for _, pub in published.arrivals().iterrows():
        year = int(pub.year)
        if year < 2002:
            continue
        tol = 0.15 * pub.total if year <= 2019 else max(0.40 * pub.total, 30)
        rows.append(dict(year=year, mou=pub.total, model=sim_total[year], tolerance=tol,
                         ok=abs(sim_total[year] - pub.total) <= tol,
                         mou_female_pct=pub.female_pct, model_female_pct=sim_share[year]))
    return pd.DataFrame(rows)


def test_arrivals_by_year_within_tolerance():
    table = arrivals_fit_table()
    print("\n" + table.round(1).to_string(index=False))
    assert table.ok.all(), f"years outside tolerance: {table.year[~table.ok].tolist()}"


def test_female_share_within_five_points_2003_2019():
    table = arrivals_fit_table().query("2003 <= year <= 2019")
    gap = (table.model_female_pct - table.mou_female_pct).abs()
    print("\n" + table[["year", "mou_female_pct", "model_female_pct"]].round(1).to_string())
    assert (gap <= 5).all(), f"female share off by > 5 points in {table.year[gap > 5].tolist()}"


def test_cumulative_arrivals_end_2025_within_3_percent():
    cum = series(baseline().indicators, "cumulative_arrivals")[2025]
    print(f"\ncumulative arrivals end-2025: model {cum:.0f}, MOU {CUMULATIVE_2025}")
    assert abs(cum - CUMULATIVE_2025) <= 0.03 * CUMULATIVE_2025


def test_time_abroad_matches_published_picture():
    df = baseline().indicators
    rows = []
    for _, target in published.time_abroad().iterrows():
        first, _, last = str(target.arrival_years).partition("-")
        years = range(int(first), int(last or first) + 1)
        values = series(df, f"{target.statistic}_years_abroad_of_arrivals")
        arrivals = series(df, "arrivals")
        model = np.average([values[y] for y in years], weights=[arrivals[y] for y in years])
        high = target.high if not math.isnan(target.high) else math.inf
        rows.append(dict(years=target.arrival_years, statistic=target.statistic,
                         published=target.value, low=target.low, high=high, model=model,
                         ok=target.low <= model <= high))
    table = pd.DataFrame(rows)
    print("\n" + table.round(2).to_string(index=False))
    assert table.ok.all()


def test_stock_in_china_within_published_ranges():
    stock = series(baseline().indicators, "in_china")
    table = published.china_stock().assign(model=lambda t: [stock[y] for y in t.year])
    table["ok"] = (table.model >= table.low) & (table.model <= table.high)
    print("\n" + table[["year", "low", "high", "model", "ok"]].to_string(index=False))
    assert table.ok.all()


def test_women_are_most_of_those_in_china():
    """80-90% of North Koreans in China are women (Wikipedia seed); checked mid-2000s to 2019."""
    df = baseline().indicators
    share = 100 * series(df, "in_china", "female") / series(df, "in_china")
    print("\n" + share.loc[2005:2019].round(1).to_string())
    assert share.loc[2005:2019].between(70, 95).all()
