"""Print a fit table (``fit_table.csv`` of ``resettle validate`` or ``resettle calibrate``) as
Markdown, for the README.

Usage: .venv/bin/python calibration/fit_markdown.py FIT_TABLE_CSV [--set train|test]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.app.calibration_commands import share_line  # noqa: E402


def _num(value: float) -> str:
    return "" if pd.isna(value) else f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def markdown(table: pd.DataFrame) -> str:
    """One row per target: published, tolerance and its origin, simulated median and 90%
    interval, the standardised error z (in standard deviations) and the verdict."""
    lines = ["| target | indicator | year | published | tolerance | simulated median | "
             "90% of replicates | z | within | tolerance from |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        verdict = {"yes": "yes", "no": "**no**"}.get(r.within_tolerance, r.within_tolerance)
        z = "" if pd.isna(r.z) else f"{r.z:+.1f}"
        lines.append(f"| {r.id} | {r.indicator} | {r.year} | {_num(r.observed)} | "
                     f"{_num(r.tolerance)} | {_num(r.simulated_p50)} | "
                     f"{_num(r.simulated_p05)}-{_num(r.simulated_p95)} | {z} | {verdict} | "
                     f"{r.tolerance_origin} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fit_table", type=Path)
    ap.add_argument("--set", default=None, help="only this set (train or test) of a calibration")
    a = ap.parse_args()
    table = pd.read_csv(a.fit_table, dtype={"year": str})
    if a.set is not None:
        table = table[table.set == a.set]
    print(share_line(table) + ".\n")
    print(markdown(table))


if __name__ == "__main__":
    main()
