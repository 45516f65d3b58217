"""Generated input files (hypothesis): the scenario and targets loaders either accept a file or
refuse it with the project's own one-line error, never another exception."""

from __future__ import annotations

import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import scenario
from sim.engine.errors import InputError
from sim.measure import targets

EXAMPLES = int(os.environ.get("RESETTLE_FUZZ_EXAMPLES", "150"))  # 2,000 or more for long runs
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["2027", "2027-2035", "2035-2027", "baseline", "crackdown",
                                     "mentorship", "1e300", ".nan", "2015-01", "-1"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
SCENARIO_KEYS = ["name", "description", "horizon", "scale", "seed", "replicates", "extends",
                 "parameter_set", "parameters", "world", "levers", "expect"]
LEVER_KEYS = ["type", "start", "end", "coverage", "capacity", "eligibility", "unit_cost_krw",
              "employment_multiplier", "name", "duration_months"]


@st.composite
def scenario_data(draw):
    data = {"name": draw(st.sampled_from(["a", "x.y", "..", "", "b" * 300]))}
    for key in draw(st.lists(st.sampled_from(SCENARIO_KEYS), max_size=6, unique=True)):
        if key == "levers":
            data[key] = [{k: draw(values) for k in draw(st.lists(st.sampled_from(LEVER_KEYS),
                                                                 max_size=5, unique=True))}
                         | {"type": draw(st.sampled_from(["mentorship", "helpline", "x"]))}]
        elif key == "world":
            data[key] = [{"years": draw(scalars), draw(st.sampled_from(
                ["prejudice", "exit_regime", "nis_max_days", "nope"])): draw(scalars)}]
        elif key == "parameters":
            data[key] = {draw(st.sampled_from(["arrest_rate", "job_finding_rate", "x"])):
                         draw(values)}
        elif key == "extends":
            data[key] = draw(st.sampled_from(["baseline", "nowhere", "../x.yaml", 3,
                                              "parent.yaml"]))
        else:
            data[key] = draw(values)
    return data


@FUZZ
@given(scenario_data(), scenario_data())
def test_a_generated_scenario_loads_or_is_refused_with_an_input_error(tmp_path_factory, data,
                                                                      parent):
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    path.with_name("parent.yaml").write_text(yaml.safe_dump(parent, allow_unicode=True))
    try:
        scenario.load(path)
    except InputError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 2000


TARGET_KEYS = ["id", "indicator", "year", "value", "n", "interval", "change_from", "tol",
               "tol_rel", "sex", "years_since_arrival", "source"]


@st.composite
def targets_data(draw):
    target = {"id": "t", "indicator": draw(st.sampled_from(["arrivals", "employment_rate", "x"])),
              "year": draw(st.sampled_from([2010, "2010-2012", "2012-2010", "x", 10**9])),
              "value": draw(scalars), "source": "s"}
    for key in draw(st.lists(st.sampled_from(TARGET_KEYS), max_size=4, unique=True)):
        target[key] = draw(values)
    data = {"targets": [target]}
    if draw(st.booleans()):
        data["discrepancy"] = {draw(st.sampled_from(["arrivals", "employment_rate"])):
                               draw(values)}
    return data


@FUZZ
@given(targets_data())
def test_a_generated_targets_file_loads_or_is_refused_with_an_input_error(tmp_path_factory,
                                                                          data):
    path = tmp_path_factory.mktemp("fuzz") / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        for t in targets.load(path):
            assert t.tolerance > 0
    except InputError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 2000
