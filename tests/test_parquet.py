"""``--format parquet``: a run folder's tables as Parquet files with the same content as the CSV
files, and a one-line error before anything runs when pyarrow is missing."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from _shared import SMALL, SMALL_MENTORSHIP

from sim.app import cli

LEVER = f"name: small-mentorship\nextends: small.yaml\nlevers:\n{SMALL_MENTORSHIP}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same run written as CSV and as Parquet."""
    tmp = tmp_path_factory.mktemp("parquet")
    (tmp / "small.yaml").write_text(SMALL)
    (tmp / "small-mentorship.yaml").write_text(LEVER)
    for fmt in ("csv", "parquet"):
        code = cli.main(["run", str(tmp / "small-mentorship.yaml"), "--out",
                         str(tmp / fmt), "--format", fmt])
        assert code == 0
    return tmp / "csv", tmp / "parquet"


@pytest.mark.slow  # two runs (about 7 s with the compiled kernels' loading)
def test_parquet_tables_hold_what_the_csv_tables_hold(runs):
    csv, parquet = runs
    tables = sorted(p.stem for p in csv.glob("*.csv") if p.name != "codebook.csv")
    assert {"indicators", "costs", "effects"} <= set(tables)
    assert sorted(p.stem for p in parquet.glob("*.parquet")) == tables
    assert not (parquet / "indicators.csv").exists() and (parquet / "codebook.csv").is_file()
    for name in tables:
        pd.testing.assert_frame_equal(pd.read_parquet(parquet / f"{name}.parquet"),
                                      pd.read_csv(csv / f"{name}.csv"), obj=name)


def test_without_pyarrow_parquet_is_refused_on_one_line_before_running(tmp_path, monkeypatch,
                                                                        capsys):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails
    code = cli.main(["run", "baseline", "--out", str(tmp_path / "run"), "--format", "parquet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--format parquet: pyarrow is not installed" in err
    assert not (tmp_path / "run").exists()
