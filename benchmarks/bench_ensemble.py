"""Ensemble speed-up on 1 and 2 workers, on local processes and on a local Dask cluster.

Usage: .venv/bin/python benchmarks/bench_ensemble.py [--replicates 8] [--scale 1] [--rounds 1]

Runs ``--replicates`` replicates of the baseline as ``resettle run baseline --replicates N
--workers W`` does (Dask) and as the default process pool does, with W = 1 and 2 alternated,
each into a temporary folder (deleted afterwards), and prints the wall times and the ratio of
2 workers to 1 (0.5 is a perfect speed-up on two cores). Writes no other files.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import scenario  # noqa: E402
from sim.experiments import ensemble  # noqa: E402


def wall(base, replicates: int, executor: ensemble.Executor) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        ensemble.run_ensemble(base, base.seed, replicates, Path(tmp) / "e", executor,
                              progress=False)
        return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args(argv)
    base = scenario.load("baseline").model_copy(update={"scale": a.scale})
    times: dict[tuple[str, int], list[float]] = {}
    for r in range(a.rounds):
        for kind in ("processes", "dask"):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                t = wall(base, a.replicates, ensemble.Executor(kind, workers=workers))
                times.setdefault((kind, workers), []).append(t)
                print(f"round {r + 1}: {kind}, {workers} worker(s): {t:.1f} s", flush=True)
    print(f"\n{a.replicates} replicates of the baseline at scale {a.scale:g} on "
          f"{os.cpu_count()} cores")
    for kind in ("processes", "dask"):
        one, two = (statistics.median(times[(kind, w)]) for w in (1, 2))
        print(f"{kind:9s}: 1 worker {one:.1f} s, 2 workers {two:.1f} s, ratio {two / one:.2f} "
              f"(speed-up {one / two:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
