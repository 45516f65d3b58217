"""``sim.ensemble`` and ``sim.compare`` return the very tables that ``resettle run --replicates``
and ``resettle compare`` write (byte for byte, once written as CSV)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _shared import SMALL, SMALL_MENTORSHIP

import sim
from sim.engine import files

ROOT = Path(__file__).resolve().parent.parent
LEVER = f"""name: small-mentorship
extends: small.yaml
levers:
{SMALL_MENTORSHIP}"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("tables")
    (tmp / "small.yaml").write_text(SMALL)
    (tmp / "small-mentorship.yaml").write_text(LEVER)
    return tmp


def _cli(folder: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "sim", *args], cwd=folder, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr


def _same(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Each table, written as the command line writes it, has the bytes of its file."""
    for name, table in tables.items():
        assert files.csv_text(table) == (folder / name).read_text(), name


@pytest.mark.slow  # two ensembles in a subprocess and here
def test_ensemble_returns_the_tables_run_replicates_writes(folder):
    _cli(folder, "run", "small-mentorship.yaml", "--replicates", "2", "--out", "ens")
    tables = sim.ensemble(folder / "small-mentorship.yaml", replicates=2, executor="serial")
    assert {"indicators.csv", "summary.csv", "effects.csv", "costs.csv"} <= tables.keys()
    _same(tables, folder / "ens")


@pytest.mark.slow  # two comparisons in a subprocess and here
def test_compare_returns_the_tables_compare_writes(folder):
    _cli(folder, "compare", "small.yaml", "small-mentorship.yaml", "--replicates", "2",
         "--out", "cmp")
    tables = sim.compare(folder / "small.yaml", folder / "small-mentorship.yaml", replicates=2,
                         executor="serial")
    assert {"contrasts.csv", "differences.csv", "cost_effectiveness.csv"} <= tables.keys()
    _same(tables, folder / "cmp")


def test_compare_refuses_a_baseline_with_levers_before_running():
    with pytest.raises(sim.InputError, match="baseline"):
        sim.compare("mentorship", "baseline", replicates=2)


def test_ensemble_refuses_zero_replicates():
    with pytest.raises(sim.InputError, match="replicates: expected a positive integer"):
        sim.ensemble("baseline", replicates=0)
