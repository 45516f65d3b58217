"""Scenario files: valid ones load; invalid ones get one-line errors naming file, key and line."""

from __future__ import annotations

import pytest

from sim import scenario
from sim.engine.errors import InputError

GOOD = """name: test
horizon: {start: 1995, end: 2000}
scale: 10
parameters:
  arrest_rate: 0.2
world:
  - {years: 1998-1999, china_campaign: crackdown}
"""


def _load(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return scenario.load(path)


def test_valid_file_loads_with_overrides(tmp_path):
    s = _load(tmp_path, GOOD)
    assert (s.name, s.start_year, s.end_year, s.scale) == ("test", 1995, 2000, 10)
    assert s.parameters == {"arrest_rate": 0.2}


def test_parameters_given_as_a_mapping_are_merged_into_the_scenarios_own(tmp_path):
    s = _load(tmp_path, GOOD)
    merged = s.with_overrides(parameters={"onward_rate": 0.3}, lf_entry_rate=2.0)
    assert merged.parameters == {"arrest_rate": 0.2, "onward_rate": 0.3, "lf_entry_rate": 2.0}
    with pytest.raises(InputError, match=r"unknown parameter 'onward_rat' \(did you mean"):
        s.with_overrides(parameters={"onward_rat": 0.3})
    with pytest.raises(InputError, match="parameters must be a mapping"):
        s.with_overrides(parameters=[0.3])


def test_baseline_loads_by_name():
    assert scenario.load("baseline").name == "baseline"


@pytest.mark.parametrize("text, expected", [
    (GOOD.replace("scale:", "scael:"), r"line 3: unknown key 'scael' \(did you mean 'scale'\?\)"),
    (GOOD.replace("scale: 10", "scale: 0"), r"line 3: scale: Input should be greater than 0"),
    (GOOD.replace("end: 2000", "end: 1990"), r"horizon"),
    (GOOD.replace("arrest_rate", "arest_rate"),
     r"unknown parameter 'arest_rate' \(did you mean 'arrest_rate'\?\)"),
    (GOOD.replace("0.2", "-1"), r"parameters.arrest_rate: expected a value in \[0, 10\]"),
    (GOOD.replace("crackdown", "crackdwn"),
     r"unknown regime 'crackdwn' \(did you mean 'crackdown'\?\)"),
    (GOOD.replace("china_campaign", "china_campaing"), r"unknown world column 'china_campaing'"),
    (GOOD.replace("china_campaign", "china_enforcement"),
     r"unknown regime 'crackdown' \('crackdown' is a china_campaign value: set china_campaign: "
     r"crackdown\)"),
    (GOOD.replace("1998-1999", "late"), r"world\[0\].years: expected a year or a range"),
    ("name: [unclosed", r"line 1: malformed YAML"),
    (GOOD + "origin: elsewhere\n", r"unknown key 'origin'"),
    ("- just\n- a list\n", r"expected a mapping"),
    (GOOD.replace("china_campaign: crackdown", "prejudice: .nan"),
     r"world\[0\].prejudice: expected a finite non-negative number, got nan"),
    (GOOD.replace("china_campaign: crackdown", "nis_max_days: " + "9" * 400),
     r"nis_max_days: expected a finite non-negative number, got <an integer of about 40\d "
     r"digits>"),
    (GOOD.replace("1998-1999", "2036-2040"), r"world\[0\].years: '2036-2040' reaches outside "
                                             r"the world table \(1995-2035\)"),
    (GOOD.replace("1998-1999", "1-100000000"), r"expected years in 1900-2100"),
    (GOOD.replace("0.2", "9" * 400), r"arrest_rate: expected a finite number, got <an integer "
                                     r"of about 40\d digits>"),
    (GOOD + "seed: " + "9" * 5000 + "\n", r"a value the scenario file cannot hold"),
    (GOOD + "seed: " + "9" * 400 + "\n", r"seed: Input should be less than or equal to "
                                        r"9223372036854775807 \(got <an integer"),
    (GOOD.replace("0.2", ".inf"), r"arrest_rate: expected a finite number, got inf"),
    (GOOD + "seed: true\n", r"seed: Input should be a valid integer"),
    (GOOD + "scale: 20\n", r"line 8: malformed YAML: the key 'scale' is given twice"),
    (GOOD + "levers: [{type: mentorship, start: 2015-01, capacity: .inf}]\n",
     r"levers\[0\].capacity: Input should be a finite number"),
    (GOOD + "levers: [{type: mentorship, start: 2003-01}]\n",
     r"levers\[0\].start: the lever's window \(2003-01 to the end\) lies outside the horizon "
     r"1995-2000: it could never act"),
    (GOOD + "levers: [{type: mentorship, start: 1996-01, eligibility: {age: [60, 18]}}]\n",
     r"levers\[0\].eligibility.age: expected \[min, max\) ages .* no one could be reached"),
    (GOOD.replace("scale: 10", "scale: 1000000000000.0"),
     r"scale: Input should be less than or equal to 100"),
    (GOOD.replace("end: 2000", "end: 2040"), r"horizon: 1995-2040 reaches outside the world "
                                             r"table \(1995-2035\)"),
    (GOOD + "description: " + "x" * 6000 + "\n", r"description: String should have at most 5000"),
    (GOOD + f"seed: {2**64}\n", r"seed: Input should be less than or equal to "
                               r"9223372036854775807"),
    # text where a number is meant, each named with its line
    (GOOD.replace("scale: 10", "scale: 1e12"), r"line 3: scale: expected a number, got text: "
                                               r"YAML reads 1e12 as text \(an exponent needs a "
                                               r"dot and a sign\); write 1.0e\+12"),
    (GOOD.replace("scale: 10", "scale: 1.0e1"), r"YAML reads 1.0e1 as text .*; write 1.0e\+1 "),
    (GOOD.replace("scale: 10", "scale: '10'"), r"line 3: scale: expected a number, got text"),
    (GOOD.replace("start: 1995", "start: '1995'"), r"line 2: horizon.start: expected a number"),
    (GOOD + "replicates: '5'\n", r"line 8: replicates: expected a number, got text"),
    (GOOD.replace("0.2", "2e-1"), r"line 5: parameters.arrest_rate: expected a number, got "
                                  r"text: YAML reads 2e-1 as text .*; write 2.0e-1 "),
    (GOOD.replace("china_campaign: crackdown", "prejudice: '1.2'"),
     r"line 7: world\[0\].prejudice: expected a number, got text"),
    (GOOD + "levers: [{type: mentorship, start: 1996-01, coverage: '0.5'}]\n",
     r"line 8: levers\[0\].coverage: expected a number, got text"),
    (GOOD + "levers: [{type: mentorship, start: 1996-01, eligibility: {age: ['18', 60]}}]\n",
     r"levers\[0\].eligibility.age: expected numbers, got text"),
    (GOOD + "levers: [{type: mentorship, start: 1996-01, repeat: 'yes'}]\n",
     r"levers\[0\].repeat: expected true or false, got text"),
    (GOOD + "levers: [{type: mentorship, start: 1996-01, employment_multiplier: "
            "{dist: lognormal, median: '1.2', sigma: 0.1}}]\n",
     r"levers\[0\].employment_multiplier.median: expected a number, got text"),
    (GOOD + "expect: [{indicator: arrivals, years: 1998, direction: up, in_pairs: '0.8'}]\n",
     r"expect\[0\].in_pairs: expected a number, got text"),
    # route shares that cannot divide the onward journeys
    (GOOD.replace("china_campaign: crackdown", "route_laos_thailand: 0, route_vietnam_cambodia: "
                  "0, route_mongolia: 0, route_other: 0"),
     r"line 7: world\[0\].route_laos_thailand: the route shares of 1998 sum to 0; .* must sum "
     r"to 1"),
    (GOOD.replace("china_campaign: crackdown", "route_mongolia: 0.9"),
     r"world\[0\].route_mongolia: the route shares of 1998 sum to 1.\d+; .* must sum to 1"),
    # parameter and world errors name their line; a misspelt required key its nearest name
    (GOOD.replace("arrest_rate", "arest_rate"), r"line 5: parameters.arest_rate: unknown"),
    (GOOD.replace("crackdown", "crackdwn"), r"line 7: world\[0\].china_campaign: unknown regime"),
    (GOOD.replace("name:", "nmae:"), r"line 1: unknown key 'nmae' \(did you mean 'name'\?\)"),
])
def test_invalid_files_give_one_line_errors(tmp_path, text, expected):
    with pytest.raises(InputError, match=expected) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "s.yaml") in message


@pytest.mark.parametrize("text", ["1e12", "1.0e12", "1e+12", "2e-1", "-3E5", "7.e3"])
def test_the_number_suggested_for_an_exponent_read_as_text_is_read_as_that_number(text):
    import yaml

    from sim.engine.errors import text_for_number

    assert isinstance(yaml.safe_load(text), str)
    suggested = yaml.safe_load(text_for_number(text).rsplit("write ", 1)[1])
    assert isinstance(suggested, float) and suggested == float(text)


def test_a_route_mix_that_sums_to_one_is_accepted(tmp_path):
    shares = "route_laos_thailand: 0.5, route_vietnam_cambodia: 0.5, route_mongolia: 0, " \
             "route_other: 0"
    assert _load(tmp_path, GOOD.replace("china_campaign: crackdown", shares)).world


def test_an_error_in_a_parent_file_names_the_parent_and_its_line(tmp_path):
    (tmp_path / "parent.yaml").write_text(GOOD.replace("0.2", "-1"))
    child = tmp_path / "child.yaml"
    child.write_text("name: child\nextends: parent.yaml\nworld:\n  - {years: 1999, prejudice: "
                     "'x'}\n")
    with pytest.raises(InputError, match=r"parent.yaml, line 5: parameters.arrest_rate: "
                                         r"expected a value in"):
        scenario.load(child)
    (tmp_path / "parent.yaml").write_text(GOOD)
    with pytest.raises(InputError, match=r"child.yaml, line 4: world\[1\].prejudice: expected a "
                                         r"number, got text"):
        scenario.load(child)
    (tmp_path / "parent.yaml").write_text(GOOD + "levers: [{type: mentorship, start: 1996-01, "
                                                 "coverage: 2}]\n")
    with pytest.raises(InputError, match=r"parent.yaml, line 8: levers\[0\].coverage"):
        scenario.load(child)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: scenario file not found"):
        scenario.load(tmp_path / "nope.yaml")


def test_horizon_outside_world_table_is_refused():
    from sim.experiments.api import resolve
    from sim.model import ResettleModel
    with pytest.raises(InputError, match="horizon: 1995-2040 reaches outside the world table"):
        ResettleModel(resolve("baseline", horizon={"start": 1995, "end": 2040}))


def test_the_scenario_schema_loads_without_the_compiled_model():
    """``resettle check`` starts light: the scenario schema (with the indicator and lever names it
    checks against) loads without numba, which the model's passes need."""
    import subprocess
    import sys

    code = "import sys, sim.scenario; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
