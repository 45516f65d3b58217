"""Time an ensemble of the full baseline (1995-2035, scale 1) on local processes.

Usage: .venv/bin/python benchmarks/bench_ensemble.py [--replicates 100] [--workers N]

Runs the replicates with :func:`sim.ensemble.run_ensemble` into a temporary folder (deleted
afterwards), as ``resettle run baseline --replicates N`` does, and prints the wall time and, for
comparison across machines, the ratio to one baseline run timed in the same process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sim  # noqa: E402
from sim import scenario  # noqa: E402
from sim.experiments import ensemble

TARGET_SECONDS = 300  # ensemble target: 100 replicates in at most 5 minutes on the 2-core machine


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=100)
    a = ap.parse_args(argv)
    base = scenario.load("baseline")
    start = time.perf_counter()
    sim.run(base)
    single = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        ensemble.run_ensemble(base, base.seed, a.replicates, Path(tmp) / "e",
                              ensemble.Executor("processes"), progress=False)
        wall = time.perf_counter() - start
    print(f"{a.replicates} replicates of the baseline on {os.cpu_count()} cores: {wall:.0f} s "
          f"(target {TARGET_SECONDS} s); one run in this process {single:.1f} s; "
          f"ratio {wall / single:.1f} single runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
