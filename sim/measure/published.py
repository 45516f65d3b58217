"""Published series the model is checked against (MOU arrivals, stock in China, time abroad).

The files live in ``sim/data/`` with their sources; they are targets, never model inputs.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd


def _read(name: str) -> pd.DataFrame:
    with resources.files("sim.data").joinpath(name).open() as handle:
        return pd.read_csv(handle, comment="#")


def arrivals() -> pd.DataFrame:
    """MOU arrivals by year: year, male, female, total, female_pct (NaN where unpublished)."""
    return _read("arrivals_mou.csv")


def cumulative_arrivals() -> pd.DataFrame:
    """MOU cumulative registered arrivals at the end of some years (since 1953)."""
    return _read("cumulative_mou.csv")


def china_stock() -> pd.DataFrame:
    """Published ranges for the number of North Koreans hiding in China, by year."""
    return _read("china_stock.csv")


def time_abroad() -> pd.DataFrame:
    """Published time abroad of arrivals (mean or median years) with the accepted range."""
    return _read("time_abroad.csv")


def survey_series() -> pd.DataFrame:
    """Published survey series on life in the South (KHF and others): indicator, year, value."""
    return _read("survey_series.csv")


def last_year() -> int:
    """The last year of published arrivals: later years of any run are projections."""
    return int(arrivals().year.max())
