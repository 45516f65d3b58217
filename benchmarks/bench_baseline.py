"""Time the full baseline run (1995-2035, scale 1) through the Python API.

Usage: .venv/bin/python benchmarks/bench_baseline.py [--repeat N]

One warm-up run, then N timed runs of ``sim.run("baseline")``. In the same process it times a fixed
NumPy reference workload, so the result can be quoted as a ratio that carries across machines
(baseline seconds / reference seconds) as well as in seconds. Writes no files.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this tree's code

import numpy as np  # noqa: E402

TARGET_SECONDS = 10.0  # the whole model with ties and health (earlier: 8 s with work and income, 5 s pathway only)


def reference_workload() -> float:
    """A fixed, single-threaded NumPy workload (sorting, hashing-like integer ops, reductions).

    No BLAS, so the number of BLAS threads does not change it. Returns a checksum so that nothing
    is optimised away.
    """
    rng = np.random.default_rng(12345)
    total = 0.0
    for _ in range(12):
        x = rng.random(2_000_000)
        u = (np.arange(x.size, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(11)
        total += float(np.sort(x)[::1000].sum())
        total += float(np.cumsum(x * x)[-1])
        total += float(np.bincount((u % np.uint64(997)).astype(np.int64)).max())
        total += float(np.exp(-x).mean())
    return total


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Wall seconds of ``repeat`` calls of ``fn`` and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def git_revision() -> str:
    """Short commit hash, with '+dirty' if the work tree has changes; '?' outside git."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               text=True, capture_output=True, check=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="timed runs after the warm-up (default: 3)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    start = time.perf_counter()
    import sim
    import_seconds = time.perf_counter() - start

    def baseline():
        return sim.run("baseline")

    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}, commit {git_revision()}")
    print(f"import sim: {import_seconds:.2f} s")

    warm, result = timed(baseline, 1)
    scenario = result.scenario
    model = result.model
    print(f"scenario {scenario.name}: {scenario.start_year}-{scenario.end_year}, "
          f"scale {scenario.scale}, seed {result.seed}")
    print(f"agents: {len(model.population):,} people simulated "
          f"({len(model.people):,} Mesa agents in the South at the end)")
    print(f"warm-up: {warm[0]:.2f} s")

    runs, _ = timed(baseline, args.repeat)
    refs, _ = timed(reference_workload, args.repeat)
    run_min, run_med = min(runs), statistics.median(runs)
    ref_min, ref_med = min(refs), statistics.median(refs)
    print(f"baseline  ({args.repeat} runs): min {run_min:.2f} s, median {run_med:.2f} s")
    print(f"reference ({args.repeat} runs): min {ref_min:.2f} s, median {ref_med:.2f} s")
    print(f"ratio baseline/reference (min): {run_min / ref_min:.1f}")
    verdict = "meets" if run_min <= TARGET_SECONDS else "misses"
    print(f"target: <= {TARGET_SECONDS:.0f} s on the 2-core CI machine; this run {verdict} it "
          f"on this machine")
    print("results row: | date | machine | commit | agents | min s | median s | ref min s | ratio |")
    print(f"  | {time.strftime('%Y-%m-%d')} | {os.cpu_count()} CPUs {platform.machine()} | "
          f"{git_revision()} | {len(model.population):,} | {run_min:.2f} | {run_med:.2f} | "
          f"{ref_min:.2f} | {run_min / ref_min:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
