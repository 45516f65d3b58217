"""The package as users get it: every subpackage in the wheel, the scenario library and the
calibrated posterior shipped inside it, calibration working from a plain install, and a new lever
added from one file plus one registry line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SMALL = """name: small
extends: baseline
horizon: {start: 1995, end: 2004}
scale: 50
"""


def test_every_subpackage_and_the_library_are_in_the_wheel():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "sim").rglob("__init__.py")}
    assert found <= listed, f"not in pyproject's packages: {sorted(found - listed)}"
    mapped = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert mapped == {"sim.scenarios": "scenarios", "sim.calibration": "calibration",
                      "sim.calibrated": "calibration/calibrated"}
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    assert data["sim.scenarios"] == ["*.yaml"] and "posterior.csv" in data["sim.calibrated"]
    assert {"targets.yaml", "priors.yaml"} <= set(data["sim.calibration"])
    from sim.engine import posterior  # every block of the shipped set, and its calibration.json

    folder = ROOT / "calibration" / "calibrated"
    for path in posterior.block_files(folder):
        for name in (path.name, "calibration.json"):
            assert (path.parent / name).relative_to(folder).as_posix() in data["sim.calibrated"]


def _resettle(args, cwd, pythonpath=None):
    """The command line in a fresh interpreter."""
    code = f"import sys\nfrom sim.app.cli import main\nsys.exit(main({args!r}))"
    env = {**os.environ, **({"PYTHONPATH": str(pythonpath)} if pythonpath else {})}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


LEVER = '''"""Food vouchers (a test lever): people reached look for work a little less while
paid."""

from typing import ClassVar, Literal

from .base import LeverSettings
from .effects import Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Food vouchers."""

    type: Literal["food_vouchers"] = "food_vouchers"
    lf_entry_multiplier: Distribution = effect(lognormal_90(0.5, 0.9), kind="assumption",
                                               what="starting to look for work",
                                               source="assumption for a test")
    channel_settings: ClassVar[dict[str, str]] = {"CHANNEL": "lf_entry_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("employed_count",)
'''


def _package_with_lever(tmp_path: Path, channel: str) -> Path:
    """A copy of the package with one new lever file and one registry line."""
    copy = tmp_path / "pkg"
    shutil.copytree(ROOT / "sim", copy / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "sim" / "levers" / "food_vouchers.py").write_text(LEVER.replace("CHANNEL", channel))
    registry = copy / "sim" / "levers" / "__init__.py"
    text = registry.read_text()
    assert text.count('"transit_protection")') == 1
    registry.write_text(text.replace('"transit_protection")', '"transit_protection", '
                                     '"food_vouchers")'))
    return copy


@pytest.mark.slow  # a copy of the package and two runs in fresh interpreters (.ci/run)
def test_a_new_lever_from_one_file_and_one_registry_line_works_end_to_end(tmp_path):
    copy = _package_with_lever(tmp_path, "lf_entry")
    (tmp_path / "vouchers.yaml").write_text(SMALL.replace("name: small", "name: vouchers")
                                            + "levers: [{type: food_vouchers, start: 2000-01, "
                                              "unit_cost_krw: 100000}]\n")
    done = _resettle(["run", "vouchers.yaml", "--out", "out"], tmp_path, copy)
    assert done.returncode == 0, done.stderr
    costs = (tmp_path / "out" / "costs.csv").read_text()
    assert "food_vouchers" in costs
    levers = _resettle(["levers"], tmp_path, copy)
    assert "food_vouchers" in levers.stdout and "assumption for a test" in levers.stdout


def test_a_lever_naming_an_unknown_channel_fails_to_load_on_one_line(tmp_path):
    copy = _package_with_lever(tmp_path, "lf_entri")
    done = _resettle(["check", str(ROOT / "scenarios" / "baseline.yaml")], tmp_path, copy)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "resettle: error: sim.levers.food_vouchers: channel_settings: unknown channel "
        "'lf_entri' (did you mean 'lf_entry'?); the rules read " + done.stderr.split(
            "the rules read ")[1].strip())


def _source_copy(dest: Path) -> Path:
    """What a source distribution holds, copied so that a build writes nothing into ROOT."""
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "abc.db", "posterior_check",
                                  "holdout_check", ".*.partial")
    for name in ("sim", "scenarios", "calibration"):
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.mark.slow
def test_a_wheel_installs_in_a_fresh_venv_and_runs_the_baseline_from_an_empty_folder(tmp_path):
    """pip install <wheel> (no extras), then `resettle run` from an empty folder."""
    source = _source_copy(tmp_path / "source")  # pip builds in-tree: keep build/ out of ROOT
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                            str(tmp_path / "wheel"), str(source)], capture_output=True, text=True,
                           timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "wheel").glob("resettle-*.whl"))
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=1800)
    assert installed.returncode == 0, installed.stderr[-2000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    resettle = tmp_path / "venv" / "bin" / "resettle"
    run = subprocess.run([str(resettle), "run", "--out", "run"], cwd=empty, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (empty / "run" / "indicators.csv").is_file() and "MOU" in run.stdout
    cal = subprocess.run([str(resettle), "calibrate", "--budget", "0"], cwd=empty,
                         capture_output=True, text=True, timeout=300)  # reads the shipped files
    assert cal.returncode == 2 and "--budget: expected a positive integer" in cal.stderr
    shipped = subprocess.run([str(python), "-c", "from sim.experiments.explorer import TARGETS; "
                              "from sim.measure import targets; print(len(targets.load(TARGETS)))"],
                             cwd=empty, capture_output=True, text=True, timeout=300)
    assert shipped.returncode == 0 and int(shipped.stdout) >= 100, shipped.stderr[-2000:]
