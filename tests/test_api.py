"""The Python API (the Mesa side of the model: tests/test_mesa.py)."""

from __future__ import annotations

import os

import pytest
from _shared import small

import sim
from sim.measure.indicators import COLUMNS, INDICATORS


def test_run_returns_tidy_indicators_and_writes_nothing(tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = sim.run("baseline", seed=2, scale=20, horizon={"start": 1995, "end": 1999})
    finally:
        os.chdir(cwd)
    assert list(tmp_path.iterdir()) == []
    df = result.indicators
    assert list(df.columns) == COLUMNS
    # undefined values (a share of no deaths in five years at scale 20) are left out, never NaN
    assert set(df.indicator) <= set(INDICATORS)
    assert set(INDICATORS) - set(df.indicator) <= {"suicide_share_of_deaths"}
    assert df.value.notna().all()
    assert set(df.sex) == {"all", "female", "male"}
    assert set(df.years_since_arrival) == {"all", "0", "1", "2", "3", "4", "5", "6+"}
    assert df.year.min() == 1995 and df.year.max() == 1999


def test_overrides_reach_the_model():
    result = small(arrest_rate=0.33)
    assert result.model.params["arrest_rate"] == 0.33
    assert result.scenario.parameters["arrest_rate"] == 0.33


def test_bad_seed_and_override_are_refused():
    with pytest.raises(sim.InputError, match="seed"):
        sim.run("baseline", seed=-3)
    with pytest.raises(sim.InputError, match="unknown scenario field or parameter 'arest_rate' "
                                             r"\(did you mean 'arrest_rate'\?\)"):
        sim.run("baseline", arest_rate=0.1)
    with pytest.raises(sim.InputError, match=r"'sacle' \(did you mean 'scale'\?\)"):
        sim.run("baseline", sacle=10)


def test_counts_are_in_people_whatever_the_scale():
    coarse = small().indicators
    arrivals = coarse[(coarse.indicator == "arrivals") & (coarse.sex == "all")]
    assert (arrivals.value % 10 == 0).all()  # ten people per agent
