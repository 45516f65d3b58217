"""The ``resettle`` executable, run as a user would: exit codes, messages, run folders."""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import scenario as scenario_io
from sim.app import cli, output, plots
from sim.engine import posterior
from sim.engine.parameters import load_specs

RESETTLE = Path(sys.executable).parent / "resettle"
PROJECT = Path(__file__).resolve().parent.parent
RUN_FILES = {"manifest.json", "codebook.csv", "indicators.csv", "inputs.csv", "arrivals.png",
             "life_in_south.png"}
HEADER = ["replicate", "year", "indicator", "sex", "years_since_arrival", "value"]
TIMEOUT_S = 120  # far above a normal run; a hang fails the test instead of the suite


def resettle(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed ``resettle`` executable in ``cwd``."""
    return subprocess.run([str(RESETTLE), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=TIMEOUT_S, check=False)


@pytest.fixture
def in_process(capsys, monkeypatch):
    """``resettle`` called in this process (the same code as the executable, without the 1-2 s
    start of a new interpreter): for the error paths, which the executable tests above share."""

    def call(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return call


def small_scenario(folder: Path, name: str = "small.yaml", **changes) -> Path:
    """The baseline scenario over 1995-2000 at scale 20 (fast), with ``changes``, as a file."""
    data = yaml.safe_load((PROJECT / "scenarios" / "baseline.yaml").read_text())
    data.update(name="small", horizon={"start": 1995, "end": 2000}, scale=20, **changes)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def tree(root: Path) -> list[str]:
    """Every path under ``root``, relative, sorted (to see that nothing was created)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def assert_one_line_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2 and exactly one ``resettle: error:`` line on stderr containing ``fragments``."""
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("resettle: error:")
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """One real run of the small scenario into ``<tmp>/run1``: (process, run folder, cwd)."""
    cwd = tmp_path_factory.mktemp("cli")
    scenario = small_scenario(cwd)
    done = resettle("run", scenario, "--seed", "7", "--out", cwd / "run1", cwd=cwd)
    return done, cwd / "run1", cwd


def test_run_writes_exactly_the_run_files(first_run):
    done, run_dir, cwd = first_run
    assert done.returncode == 0, done.stderr
    assert str(run_dir) in done.stdout
    assert {p.name for p in run_dir.iterdir()} == RUN_FILES
    assert tree(cwd) == sorted(["small.yaml", "run1", *(f"run1/{f}" for f in RUN_FILES)])
    assert (run_dir / "arrivals.png").read_bytes().startswith(b"\x89PNG")


def test_run_prints_arrivals_against_mou(first_run):
    done, _, _ = first_run
    assert "MOU" in done.stdout
    # the one report year inside the 1995-2000 horizon: simulated and MOU arrivals (312)
    assert re.search(r"^\s*2000\s+[\d,]+\s+312$", done.stdout, re.MULTILINE), done.stdout
    assert "end-2025" in done.stdout
    assert "(one run of a scenario estimate: no uncertainty is shown; not a prediction about " \
        "any person)" in done.stdout  # not "with uncertainty": one run has none to show


def test_the_codebook_explains_every_indicator_of_the_run(first_run):
    _, run_dir, _ = first_run
    codebook = pd.read_csv(run_dir / "codebook.csv").set_index("indicator")
    written = set(pd.read_csv(run_dir / "indicators.csv").indicator)
    assert written <= set(codebook.index)
    assert codebook.loc["unemployment_rate", "denominator"] == \
        "surveyed residents in the labour force"
    assert codebook[["meaning", "unit"]].notna().all().all()


def test_manifest_records_the_run(first_run):
    _, run_dir, _ = first_run
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert manifest["scenario"]["name"] == "small"
    assert manifest["scenario"]["horizon"] == {"start": 1995, "end": 2000}
    assert manifest["scenario"]["scale"] == 20
    assert manifest["versions"]["numpy"] and manifest["versions"]["resettle"]
    assert set(manifest["versions"]) >= {"mesa", "pandas", "matplotlib", "pydantic", "pyyaml"}
    assert manifest["command_line"][1:] == ["run", str(run_dir.parent / "small.yaml"),
                                            "--seed", "7", "--out", str(run_dir)]
    assert manifest["started"] <= manifest["ended"]
    assert manifest["started"].endswith("+00:00")
    assert "never predictions about any person" in manifest["note"]


def test_the_manifest_records_every_file_a_scenario_extends(tmp_path):
    (tmp_path / "parent.yaml").write_text("name: parent\nextends: baseline\nscale: 20\n")
    (tmp_path / "child.yaml").write_text("name: child\nextends: parent.yaml\n")
    loaded = scenario_io.load(tmp_path / "child.yaml")
    files = output.manifest(loaded, 1, "start", "end")["scenario_files"]
    library = scenario_io.library() / "baseline.yaml"
    chain = [tmp_path / "child.yaml", tmp_path / "parent.yaml", library]
    assert [f["path"] for f in files] == [str(p.resolve()) for p in chain]
    assert [f["sha256"] for f in files] == [hashlib.sha256(p.read_bytes()).hexdigest()
                                            for p in chain]
    assert output.manifest(loaded.with_overrides(seed=2), 1, "a", "b")["scenario_files"] == files


def test_indicators_csv_is_tidy(first_run):
    _, run_dir, _ = first_run
    text = (run_dir / "indicators.csv").read_text()
    assert "\r" not in text
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == HEADER
    years = {int(row[1]) for row in rows[1:]}
    assert years == set(range(1995, 2001))
    assert any(row[2] == "arrivals" and row[3] == "female" for row in rows[1:])


def test_existing_out_folder_is_refused_and_untouched(first_run):
    _, run_dir, cwd = first_run
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    listing = tree(cwd)
    done = resettle("run", cwd / "small.yaml", "--out", run_dir, cwd=cwd)
    assert_one_line_error(done, str(run_dir), "already exists")
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before
    assert tree(cwd) == listing


def _bad_scenario(tmp: Path, case: str) -> tuple[list[str], tuple[str, ...]]:
    """Arguments of ``resettle run`` for an invalid case, and fragments the error must contain."""
    if case == "missing file":
        return [str(tmp / "nope.yaml")], ("nope.yaml", "not found")
    if case == "malformed yaml":
        bad = tmp / "bad.yaml"
        bad.write_text("name: bad\nhorizon: {start: 1995\nscale: 2\n")
        return [str(bad)], ("bad.yaml", "malformed YAML")
    if case == "unknown key":
        path = small_scenario(tmp)
        path.write_text(path.read_text().replace("scale:", "scael:"))
        return [str(path)], ("scael", "did you mean 'scale'")
    if case == "unknown parameter":
        path = small_scenario(tmp, parameters={"arest_rate": 0.1})
        return [str(path)], ("arest_rate", "arrest_rate")
    if case == "negative seed":
        return [str(small_scenario(tmp)), "--seed", "-1"], ("seed", "-1")
    raise ValueError(case)


@pytest.mark.parametrize("case", ["missing file", "malformed yaml", "unknown key",
                                  "unknown parameter", "negative seed"])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, case, in_process):
    args, fragments = _bad_scenario(tmp_path, case)
    before = tree(tmp_path)
    done = in_process("run", *args, cwd=tmp_path)  # default output: tmp_path/outputs/...
    assert_one_line_error(done, *fragments)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("name", ["..", ".", "../up", "a/b"])
def test_compare_with_a_scenario_name_that_could_leave_out_is_refused_before_writing(
        tmp_path, in_process, name):
    base = small_scenario(tmp_path, "base.yaml")
    other = small_scenario(tmp_path, "dotdot.yaml")
    other.write_text(other.read_text().replace("name: small", f"name: '{name}'"))
    finished = tmp_path / "finished"
    finished.mkdir()
    (finished / "indicators.csv").write_text("kept\n")
    before = tree(tmp_path)
    done = in_process("compare", base, other, "--replicates", "2", "--out", finished / "cmp",
                      cwd=tmp_path)
    assert_one_line_error(done, "dotdot.yaml, line 1: name: String should match pattern")
    assert tree(tmp_path) == before and (finished / "indicators.csv").read_text() == "kept\n"


def test_out_under_a_file_is_refused_before_running(tmp_path, in_process):
    scenario = small_scenario(tmp_path)
    (tmp_path / "afile").write_text("not a folder")
    before = tree(tmp_path)
    target = tmp_path / "afile" / "run"
    done = in_process("run", scenario, "--out", target, cwd=tmp_path)
    assert_one_line_error(done, str(target))
    assert tree(tmp_path) == before


@pytest.mark.parametrize("options", [(), ("--replicates", "2")])
def test_a_full_disk_names_the_file_it_could_not_write_and_leaves_nothing(
        tmp_path, in_process, monkeypatch, options):
    scenario = small_scenario(tmp_path)
    before = tree(tmp_path)

    def full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    done = in_process("run", scenario, *options, "--out", tmp_path / "run", cwd=tmp_path)
    assert_one_line_error(done, f"{tmp_path}/.run.", ": No space left on device")
    assert tree(tmp_path) == before


@pytest.mark.parametrize("name, text", [
    ("manifest.json", '{"scenario": '), ("manifest.json", "[1, 2]"), ("manifest.json", "{}"),
    ("comparison.json", '{"baseline": "b", "scenarios": ["x"]}'),
])
def test_a_report_of_a_damaged_folder_is_one_line_and_writes_nothing(tmp_path, in_process,
                                                                     name, text):
    (tmp_path / name).write_text(text)
    before = tree(tmp_path)
    done = in_process("report", tmp_path, cwd=tmp_path)
    assert_one_line_error(done, f"{tmp_path / name}: cannot make a report")
    assert tree(tmp_path) == before


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc")
def test_out_in_proc_is_refused(tmp_path, in_process):
    scenario = small_scenario(tmp_path)
    before = tree(tmp_path)
    done = in_process("run", scenario, "--out", "/proc/x", cwd=tmp_path)
    assert_one_line_error(done, "/proc/x")
    assert tree(tmp_path) == before
    assert not Path("/proc/x").exists()


def test_check_reports_each_file_and_fails_if_any_is_invalid(tmp_path):
    good = small_scenario(tmp_path, "good.yaml")
    bad = small_scenario(tmp_path, "bad.yaml", parameters={"arest_rate": 0.1})
    done = resettle("check", good, bad, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [f"ok: {good}"]
    errors = done.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("resettle: error:")
    assert "bad.yaml" in errors[0] and "arrest_rate" in errors[0]
    assert tree(tmp_path) == ["bad.yaml", "good.yaml"]


def test_check_passes_valid_files(tmp_path, in_process):
    good = small_scenario(tmp_path, "good.yaml")
    done = in_process("check", good, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"ok: {good}"]


def test_parameters_lists_file_values_values_in_force_priors_and_sources(tmp_path,
                                                                         in_process):
    """One source of the values in force: the posterior median, or the scenario's override."""
    (tmp_path / "faster.yaml").write_text("name: faster\nextends: baseline\n"
                                          "parameters: {arrest_rate: 0.2}\n")
    done = in_process("parameters", "faster.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split()[:8] == ["file", "name", "file", "value", "in", "force", "prior",
                                    "unit"]
    specs = load_specs()
    assert len(lines) == 2 + len(specs)

    def row(name):
        return next(line for line in lines if line.split()[1:2] == [name])

    spec = specs["lf_entry_rate"]
    median = posterior.load("calibrated").point()["lf_entry_rate"]
    job = row("lf_entry_rate")
    assert job.split()[2:4] == [f"{spec.value:g}", f"{median:g}*"]
    assert spec.unit in job and spec.source in job and spec.prior["dist"] in job
    assert row("arrest_rate").split()[3] == "0.2+"


def test_usage_error_exits_2_on_one_line(tmp_path):
    done = resettle("run", "--seed", "abc", cwd=tmp_path)
    assert_one_line_error(done, "--seed")
    assert tree(tmp_path) == []


def test_default_run_folder_is_new_and_named_after_scenario_and_seed(tmp_path, in_process):
    scenario = small_scenario(tmp_path)
    done = in_process("run", scenario.name, "--seed", "4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "outputs").iterdir()
    assert re.fullmatch(r"small-\d{8}-\d{6}-seed4", run_dir.name)
    assert {p.name for p in run_dir.iterdir()} == RUN_FILES


def test_default_run_folder_gets_a_suffix_when_taken(tmp_path):
    stamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    (tmp_path / "small-20250102-030405-seed1").mkdir()
    (tmp_path / "small-20250102-030405-seed1-2").mkdir()
    chosen = output.default_run_dir(tmp_path, "small", 1, now=stamp)
    assert chosen.name == "small-20250102-030405-seed1-3"


def test_failure_while_writing_leaves_no_partial_folder(tmp_path, monkeypatch, capsys):
    """In-process: the chart fails after the CSV is staged; nothing may remain."""
    scenario = small_scenario(tmp_path)
    monkeypatch.chdir(tmp_path)

    def broken_chart(*args, **kwargs):
        raise RuntimeError("chart failed")

    monkeypatch.setattr(plots, "arrivals_chart", broken_chart)
    with pytest.raises(RuntimeError, match="chart failed"):
        cli.main(["run", str(scenario), "--out", str(tmp_path / "new" / "run")])
    assert tree(tmp_path) == ["small.yaml"]  # no run folder, no staging folder, no new/


@pytest.mark.parametrize("args, message", [
    (("check", "{scenario}", "--scale", "5"), "--scale: applies only with --expect"),
    (("check", "{scenario}", "--replicates", "3"), "--replicates: applies only with --expect"),
    (("run", "{scenario}", "--scale", "0", "--out", "{out}"), "--scale: "),
    (("run", "{scenario}", "--scale", "5", "--set", "scale=3", "--out", "{out}"),
     "--scale and --set scale=...: give one of them"),
    (("run", "{scenario}", "--seed", "3", "--set", "seed=9", "--out", "{out}"),
     "--seed and --set seed=...: give one of them"),
    (("run", "{scenario}", "--set", "job_finding_rate=nan", "--out", "{out}"),
     "--set job_finding_rate: expected a finite number, got 'nan'"),
    (("run", "{lever}", "--set", "helpline.type=mentorship", "--out", "{out}"),
     "--set: 'helpline.type': a lever's type is set in the scenario file"),
    (("compare", "{scenario}", "{other_scale}", "--replicates", "2", "--out", "{out}"),
     "other.yaml: scale: 25 people per agent, the baseline 'small' 20; expected the same scale"),
])
def test_options_that_would_be_lost_or_mislabelled_are_refused_before_running(
        tmp_path, in_process, args, message):
    """An option ignored without --expect, a flag given twice (once as --set), a value that is
    not a finite number, a lever's type, and scenarios at two scales in one comparison (their
    pairs would differ by the scale alone): each a one-line error, nothing written."""
    files = {"scenario": small_scenario(tmp_path), "out": tmp_path / "out"}
    for key, name, scale in (("lever", "lever", 20), ("other_scale", "other", 25)):
        files[key] = tmp_path / f"{name}.yaml"
        files[key].write_text(f"name: {name}\nextends: small.yaml\nscale: {scale}\nlevers:\n"
                              "  - {type: helpline, start: 1998-01}\n")
    before = tree(tmp_path)
    done = in_process(*(a.format(**files) for a in args), cwd=tmp_path)
    assert_one_line_error(done, message)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", [
    ("sensitivity", "{scenario}", "--input", "job_finding_rate", "--outcome",
     "employment_rate@1999", "--size", "2"),
    ("run", "{scenario}", "--replicates", "2")])
def test_a_bad_worker_count_leaves_no_folder_behind(tmp_path, in_process, command):
    """--workers is checked before the output folder (and its missing parents) is made."""
    scenario = small_scenario(tmp_path)
    before = tree(tmp_path)
    out = tmp_path / "a" / "b" / "c"
    done = in_process(*(c.format(scenario=scenario) for c in command), "--workers", "-1",
                      "--out", out, cwd=tmp_path)
    assert_one_line_error(done, "--workers")
    assert tree(tmp_path) == before


def test_a_comparison_folder_name_stays_within_the_file_systems_limit():
    """Three scenario names of 100 characters: cut, with a digest of the names so that two
    comparisons sharing a start still differ; short names are kept whole."""
    from sim.app.commands import comparison_folder

    names = ["a" * 100, "b" * 100, "c" * 100]
    long, other = comparison_folder(names, 1, 20), comparison_folder([*names[:2], "d" * 100], 1, 20)
    assert len(f".{long}.partial") <= 255 and long != other
    assert comparison_folder(["baseline", "mentorship"], 1, 20) == \
        "compare-baseline-mentorship-seed1-20reps"


def test_a_single_runs_report_gives_its_effects_with_units_years_and_costs(tmp_path, in_process):
    """One run with a lever: its report shows the policy effect with its years and units (no
    raw floats) and the lever's cost and people reached, as the printed summary does."""
    scenario = small_scenario(tmp_path, levers=[{"type": "mentorship", "start": "1998-01",
                                                 "unit_cost_krw": 3000000}])
    out = tmp_path / "run"
    assert in_process("run", scenario, "--out", out, cwd=tmp_path).returncode == 0
    assert in_process("report", out, cwd=tmp_path).returncode == 0
    text = re.sub(r"<[^>]+>", " ", (out / "report.html").read_text())
    assert "Policy effect (against the same run without its levers), 1998-2000" in text
    assert "person-years" in text and "Costs (programme costs only" in text
    assert re.search(r"\d\.\d{5,}", text.split("Appendix")[0]) is None  # no raw floats
