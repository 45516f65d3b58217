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


def test_baseline_loads_by_name():
    assert scenario.load("baseline").name == "baseline"


@pytest.mark.parametrize("text, expected", [
    (GOOD.replace("scale:", "scael:"), r"line 3: unknown key 'scael' \(did you mean 'scale'\?\)"),
    (GOOD.replace("scale: 10", "scale: 0"), r"line 3: scale: Input should be greater than 0"),
    (GOOD.replace("end: 2000", "end: 1990"), r"horizon"),
    (GOOD.replace("arrest_rate", "arest_rate"), r"unknown parameter 'arest_rate' \(did you mean 'arrest_rate'\?\)"),
    (GOOD.replace("0.2", "-1"), r"parameters.arrest_rate: expected a value in \[0, 10\]"),
    (GOOD.replace("crackdown", "crackdwn"), r"unknown regime 'crackdwn' \(did you mean 'crackdown'\?\)"),
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
])
def test_invalid_files_give_one_line_errors(tmp_path, text, expected):
    with pytest.raises(InputError, match=expected) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "s.yaml") in message


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: scenario file not found"):
        scenario.load(tmp_path / "nope.yaml")


def test_horizon_outside_world_table_is_refused():
    from sim.experiments.api import resolve
    from sim.model import ResettleModel
    with pytest.raises(InputError, match="horizon: 1995-2040 reaches outside the world table"):
        ResettleModel(resolve("baseline", horizon={"start": 1995, "end": 2040}))
