"""The baseline against the published series (issue 2, "What it must show" 2 and 3).

One test per published figure, so a miss names its year. Known misses of the current parameter
values are marked ``xfail(strict=True)`` with the measured gap: they are reported on every run,
and the mark must go as soon as the fit reaches them. Each test prints its row of the fit table
(``pytest -rP``); ``calibration/fit_table.py`` prints the whole table.
"""

from __future__ import annotations

import pytest
from _shared import baseline

from sim import published, validation
from sim.validation import series

CUMULATIVE_2025 = 34537  # MOU, Newsis Feb 2026

# (check, key) -> why it misses; measured with calibration/fit_table.py at the committed values
KNOWN_MISSES: dict[tuple[str, object], str] = {
    ("arrivals", 2013): "with the calibrated posterior (issue 7) the seed-1 run gives 1,272 "
                        "against MOU 1,514 (tolerance 227; the ensemble median is 1,190): the "
                        "model's arrivals fall from 2012 to 2013 where MOU's stay level",
}


def _cases(check: str, keys) -> list:
    return [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(check, k)]))
            if (check, k) in KNOWN_MISSES else k for k in keys]


def _row(table, column, key):
    row = table[table[column] == key]
    print("\n" + row.drop(columns=[c for c in ("source",) if c in row]).round(2)
          .to_string(index=False))
    return row.iloc[0]


@pytest.mark.parametrize("year", _cases("arrivals", range(2002, 2026)))
def test_arrivals_within_tolerance(year):
    row = _row(validation.arrivals_table(baseline().indicators), "year", year)
    assert row.within, f"{year}: model {row.model:.0f}, MOU {row.mou}, tolerance {row.tolerance:.0f}"


@pytest.mark.parametrize("year", _cases("female_share", range(2003, 2020)))
def test_female_share_within_five_points(year):
    row = _row(validation.arrivals_table(baseline().indicators), "year", year)
    assert abs(row.model_female_pct - row.mou_female_pct) <= 5


def test_cumulative_arrivals_end_2025_within_3_percent():
    cum = series(baseline().indicators, "cumulative_arrivals")[2025]
    print(f"\ncumulative arrivals end-2025: model {cum:.0f}, MOU {CUMULATIVE_2025}")
    assert abs(cum - CUMULATIVE_2025) <= 0.03 * CUMULATIVE_2025


@pytest.mark.parametrize("years", _cases("time_abroad",
                                         [str(y) for y in published.time_abroad().arrival_years]))
def test_time_abroad_matches_published_picture(years):
    row = _row(validation.time_abroad_table(baseline().indicators), "arrival_years", years)
    assert row.within


@pytest.mark.parametrize("year", _cases("stock", published.china_stock().year.tolist()))
def test_stock_in_china_within_published_range(year):
    row = _row(validation.china_stock_table(baseline().indicators), "year", year)
    assert row.within


def test_women_are_most_of_those_in_china():
    """80-90% of North Koreans in China are women (Wikipedia seed); accepted 75-95, 2005-2019."""
    df = baseline().indicators
    share = 100 * series(df, "in_china", "female") / series(df, "in_china")
    print("\n" + share.loc[2005:2019].round(1).to_string())
    assert share.loc[2005:2019].between(75, 95).all()
