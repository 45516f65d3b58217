"""The Python API and the Mesa side of the model."""

from __future__ import annotations

import os

import pytest
from _shared import baseline, small

import sim
from sim.indicators import COLUMNS, INDICATORS
from sim.stages import IN_SOUTH


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


def test_everyone_in_the_south_is_a_mesa_agent():
    model = baseline().model
    in_south = set(model.alive[[s in IN_SOUTH for s in model.population.stage[model.alive]]])
    arrived = {row for row in in_south if model.population.arrival_month[row] >= 0}
    assert arrived == set(model.people)
    person = next(iter(model.people.values()))
    assert person in model.agents
    assert person.stage_name in {s.name for s in IN_SOUTH}
    assert person.describe()["uid"] == person.uid
    assert isinstance(person.female, bool)


def test_inspect_any_row():
    model = baseline().model
    record = model.inspect(0)
    assert {"uid", "stage", "route", "birth_month"} <= set(record)
    with pytest.raises(IndexError):
        model.inspect(model.population.n)


def test_mesa_datacollector_holds_monthly_stage_counts():
    model = baseline().model
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.calendar.n_months
    december_2010 = model.calendar.month_of(2010, 12)
    counts = model.recorder.stage_counts[december_2010].sum(axis=1)
    assert frame.iloc[december_2010].tolist() == counts.tolist()
