"""The scenario library and the scenario file as the user interface: every file
validates and runs; invalid input gets one-line errors; ``extends`` merges; common random numbers
make a policy run and its baseline differ only where the policy acts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim import scenario
from sim.app import output
from sim.engine.errors import InputError
from sim.levers import LEVERS
from sim.measure.validation import series

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
FAST = dict(scale=100, horizon={"start": 1995, "end": 2030})  # runs at all: few agents


def test_the_library_has_a_file_for_every_lever_and_the_world_scenarios():
    names = {p.stem for p in SCENARIOS}
    assert {"baseline", "white-paper-package", "transit-crackdown", "border-reopening"} <= names
    types = {lv.type for p in SCENARIOS for lv in scenario.load(p).levers}
    assert types == set(LEVERS)
    for path in SCENARIOS:
        assert path.read_text().startswith("#"), f"{path.name} lacks its question comment"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_file_validates_with_a_question_and_expectations(path):
    s = scenario.load(path)
    assert s.description and (s.expect or s.name == "baseline"), path.name


@pytest.mark.slow  # 17 runs to 2030 (.ci/run runs the slow tests)
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_file_runs(path):
    """Every indicator of the model is produced, with no infinite value (ratios may be empty
    where nobody was surveyed), and the arrivals to the end of 2025 within 20% of the 34,537 the
    Ministry of Unification registered (the one lever from 2015, mentorship, reaches people
    already in the South)."""
    from sim.measure.indicators import INDICATORS

    result = sim.run(path, **FAST)
    df = result.indicators
    assert set(INDICATORS) <= set(df.indicator)
    assert not np.isinf(df.value).any()
    assert abs(series(df, "arrivals").loc[:2025].sum() / 34_537 - 1) < 0.2


BASE = """name: s
extends: baseline
levers:
  - type: mentorship
    start: 2015-01
    coverage: 0.5
    eligibility: {arrived_within_years: 2}
"""


def _load(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return scenario.load(path)


@pytest.mark.parametrize("text, expected", [
    (BASE.replace("mentorship", "mentorsip"),
     r"line 4: levers\[0\]: unknown lever type 'mentorsip' \(did you mean 'mentorship'\?\); "
     r"valid types: mentorship, peer_role_models"),
    (BASE.replace("coverage", "coverge"),
     r"line 6: unknown key 'levers\[0\].coverge' \(did you mean 'coverage'\?\)"),
    (BASE.replace("coverage: 0.5", "coverage: 1.5"), r"levers\[0\].coverage: Input should be less"),
    (BASE.replace("2015-01", "2015-13"), r"levers\[0\].start: .*expected a month as YYYY-MM"),
    (BASE.replace("arrived_within_years", "arived_within_years"),
     r"unknown key 'levers\[0\].eligibility.arived_within_years' \(did you mean "
     r"'arrived_within_years'\?\)"),
    (BASE.replace("  - type: mentorship\n", "  - kind: mentorship\n"), r"missing lever 'type'"),
    (BASE.replace("extends: baseline", "extends: nowhere"),
     r"extends: nowhere: no scenario of that name in the library"),
    (BASE.replace("extends: baseline", "extends: baselin"),
     r"extends: baselin: no scenario of that name in the library \(did you mean 'baseline'\?\)"),
    (BASE.replace("extends: baseline", "extends: " + "x" * 300),
     r"s.yaml, line 2: extends: a scenario name or path of 300 characters; expected at most 255"),
    (BASE + "replicates: 0\n", r"replicates: Input should be greater than or equal to 1"),
    # a top-level key YAML reads as a number, true/false or a date is not a name
    (BASE + "1: 2\n", r"s.yaml, line 8: unknown key '1': YAML reads it as a number, not as a "
                      r"name; valid keys: name, description"),
    (BASE + "true: 1\n", r"s.yaml, line 8: unknown key 'true': YAML reads it as true or false"),
    (BASE + "1.5: x\n", r"s.yaml, line 8: unknown key '1.5': YAML reads it as a number"),
    # true/false is not a number, nor a number true/false
    (BASE.replace("coverage: 0.5", "coverage: true"),
     r"s.yaml, line 6: levers\[0\].coverage: expected a number, not true or false \(got True\)$"),
    (BASE + "scale: true\n", r"s.yaml, line 8: scale: expected a number, not true or false"),
    (BASE.replace("coverage: 0.5", "repeat: 1"),
     r"s.yaml, line 6: levers\[0\].repeat: expected true or false, not a number \(got 1\)$"),
    # below the smallest scale the project supports
    (BASE + "scale: 1.0e-9\n", r"s.yaml, line 8: scale: expected at least 0.1 \(ten agents for "
                               r"each person\): the benchmarks run down to it"),
    # names and paths the file system can take
    (BASE.replace("name: s", "name: " + "n" * 101),
     r"s.yaml, line 1: name: String should have at most 100 characters"),
    (BASE + "parameter_set: " + "p" * 5000 + "\n",
     r"s.yaml, line 8: parameter_set: a parameter set path of 5,000 characters; expected at "
     r"most 255"),
    (BASE + 'parameter_set: "a\\0b"\n',
     r"s.yaml, line 8: parameter_set: a control character .*\(got 'a\\x00b'\)$"),
    (BASE.replace("extends: baseline", "extends: ''"),
     r"s.yaml, line 2: extends: expected the name or path of a scenario, got an empty text"),
    (BASE.replace("extends: baseline", "extends: [baseline]"),
     r"s.yaml, line 2: extends: expected the name or path of a scenario \(got \['baseline'\]\)"),
    # world rows that could never act
    (BASE + "horizon: {start: 1995, end: 2020}\nworld:\n  - {years: 2027-2035, prejudice: 0.8}\n",
     r"s.yaml, line 10: world\[0\].years: '2027-2035' lies outside the horizon 1995-2020: the "
     r"row could never act$"),
    (BASE + "world:\n  - {years: 2027-2035}\n",
     r"s.yaml, line 9: world\[0\]: a row with years and no column changes nothing"),
    # a world contrast needs a world of the scenario's own, as a policy contrast needs levers
    (BASE + "expect:\n  - {indicator: arrivals, years: 2027, direction: up, contrast: world}\n",
     r"s.yaml, line 9: expect\[0\].contrast: 'world' needs a world of the scenario's own"),
    # more levers or world rows than any scenario needs, refused before they are validated
    ("name: s\nextends: baseline\nlevers:\n" + "  - {type: helpline, start: 2026-01}\n" * 51,
     r"s.yaml, line 3: levers: 51 levers; expected at most 50"),
    ("name: s\nextends: baseline\nworld:\n" + "  - {years: 2030, prejudice: 0.5}\n" * 501,
     r"s.yaml, line 3: world: 501 rows; expected at most 500"),
    ("name: s\nextends: baseline\nworld:\n  - {years: '2027-', prejudice: 0.5}\n",
     r"s.yaml, line 4: world\[0\].years: expected a year or a range like 2027-2035"),
    ("name: s\nextends: baseline\nworld:\n  - {years: '2027-2030" + " " * 31
     + "junk', prejudice: 0.5}\n", r"s.yaml, line 4: world\[0\].years: expected a year or a range"),
    ("name: s\nextends: baseline\nlevers:\n  - {type: helpline, start: 0000-01}\n",
     r"s.yaml, line 4: levers\[0\].start: .*expected a month as YYYY-MM in 1900-2100"),
])
def test_invalid_scenarios_give_one_line_errors(tmp_path, text, expected):
    with pytest.raises(InputError, match=expected) as info:
        _load(tmp_path, text)
    assert "\n" not in str(info.value) and "s.yaml" in str(info.value)


def test_a_scale_on_the_command_line_is_checked_like_one_in_a_file():
    from sim.experiments.inputs import apply_inputs

    with pytest.raises(InputError, match=r"baseline.yaml: scale: expected at least 0.1"):
        apply_inputs(scenario.load("baseline"), {"scale": 0.001}, where="--scale")


def test_extends_cycle_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("name: b\nextends: a.yaml\n")
    with pytest.raises(InputError, match="makes a cycle"):
        scenario.load(tmp_path / "a.yaml")


def test_an_extends_chain_longer_than_the_limit_is_refused_and_every_file_of_one_is_recorded(
        tmp_path):
    """Each file extends the one before: 50 files above one are accepted (and each is recorded
    for the manifest), 51 refused, without recursion however long the chain."""
    (tmp_path / "c0.yaml").write_text("name: c0\nextends: baseline\n")
    for i in range(1, 1001):
        (tmp_path / f"c{i}.yaml").write_text(f"name: c{i}\nextends: c{i - 1}.yaml\n")
    files = scenario.ancestors(tmp_path / "c49.yaml")  # c48 ... c0 and the baseline above it
    assert [p.name for p in files] == [f"c{i}.yaml" for i in range(49, -1, -1)] + ["baseline.yaml"]
    assert scenario.load(tmp_path / "c49.yaml").name == "c49"
    for top in (50, 1000):
        with pytest.raises(InputError, match=rf"c{top}.yaml, line 2: extends: the chain of "
                                             r"scenarios this file builds on is longer than 50 "
                                             r"files .*; expected at most 50$"):
            scenario.load(tmp_path / f"c{top}.yaml")


def test_a_child_merges_the_horizon_key_by_key_and_an_empty_list_clears_the_parents(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "name: parent\nextends: baseline\nhorizon: {start: 2000}\n"
        "parameters: {arrest_rate: 0.2}\nworld: [{years: 2027, prejudice: 0.9}]\n"
        + BASE.split("\n", 2)[2])
    child = _load(tmp_path, "name: child\nextends: parent.yaml\nhorizon: {end: 2030}\n",
                  "child.yaml")
    assert (child.start_year, child.end_year) == (2000, 2030)
    assert child.levers and child.world and child.parameters
    cleared = _load(tmp_path, "name: child\nextends: parent.yaml\nlevers: []\nworld: []\n"
                    "parameters: {}\n", "child.yaml")
    assert cleared.levers == [] and cleared.world == [] and cleared.parameters == {}
    assert cleared.start_year == 2000


def test_a_scenario_without_its_levers_drops_its_expectations_about_them():
    world = scenario.load("helpline").without_levers()  # its expectations are policy contrasts
    assert world.levers == [] and world.expect == []


def test_extends_updates_parameters_and_appends_world_rows_and_levers(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "name: parent\nparameters: {arrest_rate: 0.2, marriage_rate: 0.1}\n"
        "world: [{years: 2027, prejudice: 0.9}]\n" + BASE.split("\n", 2)[2])
    child = _load(tmp_path, "name: child\nextends: parent.yaml\nparameters: {arrest_rate: 0.3}\n"
                  "world: [{years: 2028, prejudice: 0.8}]\n"
                  "levers: [{type: helpline, start: 2026-01}]\n", "child.yaml")
    assert child.parameters == {"arrest_rate": 0.3, "marriage_rate": 0.1}
    assert [w["years"] for w in child.world] == [2027, 2028]
    assert [lv.type for lv in child.levers] == ["mentorship", "helpline"]


def _indicators_bytes(result, folder: Path) -> bytes:
    folder.mkdir()
    return output.write_indicators(folder, result.indicators).read_bytes()


def test_zero_coverage_lever_gives_a_byte_identical_indicators_csv(tmp_path):
    policy = scenario.validate({**scenario.load("baseline").model_dump(),
                                "levers": [{"type": "mentorship", "start": "2000-01",
                                            "coverage": 0.0}]}, "<test>")
    a = _indicators_bytes(sim.run("baseline", **FAST), tmp_path / "a")
    b = _indicators_bytes(sim.run(policy, **FAST), tmp_path / "b")
    assert a == b


def test_policy_and_baseline_are_identical_before_the_start_month():
    base = sim.run("baseline", **FAST).indicators
    pol = sim.run("mentorship", **FAST).indicators
    before_a, before_b = base[base.year < 2015], pol[pol.year < 2015]
    assert before_a.reset_index(drop=True).equals(before_b.reset_index(drop=True))
    assert not base[base.year >= 2016].reset_index(drop=True).equals(
        pol[pol.year >= 2016].reset_index(drop=True))


@pytest.mark.slow  # 100 runs (.ci/run runs the slow tests)
def test_paired_differences_vary_much_less_than_unpaired_ones():
    """Common random numbers: 10 replicate pairs (benchmarks/crn_variance.py runs 50)."""
    seeds = range(10)
    pairs = [(sim.run("mentorship", seed=s, **FAST), sim.run("baseline", seed=s, **FAST))
             for s in seeds]
    unpaired = [sim.run("baseline", seed=100 + s, **FAST) for s in seeds]

    def employment(r):
        return series(r.indicators, "employment_rate").loc[2016:2020].mean()

    paired = np.std([employment(a) - employment(b) for a, b in pairs])
    apart = np.std([employment(a) - employment(c) for (a, _), c in zip(pairs, unpaired)])
    print(f"\nspread of the effect: paired {paired:.3f}, unpaired {apart:.3f} "
          f"(ratio {paired / apart:.2f})")
    assert paired < 0.5 * apart


def test_a_bare_name_is_the_library_scenario_whatever_the_working_folder_holds(tmp_path,
                                                                                 monkeypatch):
    """A ``baseline.yaml`` in the working folder (or beside a child) does not replace the
    library's baseline; a path does name a file of one's own."""
    (tmp_path / "baseline.yaml").write_text("name: impostor\nseed: 999\n")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.yaml").write_text("name: impostor\nseed: 999\n")
    (tmp_path / "child.yaml").write_text("name: child\nextends: baseline\n")
    monkeypatch.chdir(tmp_path)
    assert scenario.load("baseline").name == "baseline"
    child = scenario.load(tmp_path / "child.yaml")
    assert child.seed == scenario.load("baseline").seed and child.parameter_set == "calibrated"
    assert scenario.load("./baseline.yaml").name == "impostor"
