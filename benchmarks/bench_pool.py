"""What a calibration step pays to start its workers: maps of small jobs on local processes,
each map with its own pool (as every MCMC step did) against one pool kept for all of them
(``Executor.kept``, as the calibration now runs).

Usage: .venv/bin/python benchmarks/bench_pool.py [--maps 10] [--workers 2]

Each job imports the calibration's module, as a particle's job does, and returns at once, so
the time is the pool's own cost. Prints seconds per map for both, in alternated rounds. Writes
no files.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.experiments.ensemble import Executor  # noqa: E402


def job(x: int) -> int:
    """A particle's job without the run: the import its worker needs."""
    import sim.experiments.calibrate  # noqa: F401
    return x


def seconds_per_map(executor: Executor, maps: int, jobs: int, kept: bool) -> float:
    start = time.perf_counter()
    with executor.kept() if kept else nullcontext():
        for _ in range(maps):
            list(executor.map(list(range(jobs)), job))
    return (time.perf_counter() - start) / maps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--maps", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    executor = Executor("processes", a.workers)
    for r in range(a.rounds):
        own = seconds_per_map(executor, a.maps, 4 * a.workers, kept=False)
        kept = seconds_per_map(executor, a.maps, 4 * a.workers, kept=True)
        print(f"round {r + 1}: a pool per map {own:.3f} s per map, one pool kept {kept:.3f} s "
              f"per map ({a.maps} maps of {4 * a.workers} jobs, {a.workers} workers)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
