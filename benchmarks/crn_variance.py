"""Common random numbers: how much less the paired policy-minus-baseline difference varies than
the difference between independent runs.

Usage: .venv/bin/python benchmarks/crn_variance.py [--pairs 50] [--scale 10] [--workers 2]

Runs ``--pairs`` replicate pairs of the mentorship scenario and the baseline with the same seed,
and as many baseline runs with other seeds; the outcome is the employment rate averaged over
2016-2020. Prints the standard deviations of the paired and unpaired differences and their
variance ratio (paired / unpaired). Writes no files.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sim  # noqa: E402
from sim.measure.validation import series  # noqa: E402

UNPAIRED_OFFSET = 100_000  # seeds of the independent baseline runs


def employment(args) -> float:
    name, seed, scale = args
    df = sim.run(name, seed=seed, scale=scale, horizon={"start": 1995, "end": 2020}).indicators
    return float(series(df, "employment_rate").loc[2016:2020].mean())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    started = time.perf_counter()
    jobs = ([("mentorship", s, a.scale) for s in range(a.pairs)]
            + [("baseline", s, a.scale) for s in range(a.pairs)]
            + [("baseline", UNPAIRED_OFFSET + s, a.scale) for s in range(a.pairs)])
    with ProcessPoolExecutor(a.workers) as pool:
        values = np.array(list(pool.map(employment, jobs))).reshape(3, a.pairs)
    policy, paired_base, other_base = values
    paired, unpaired = policy - paired_base, policy - other_base
    print(f"{a.pairs} pairs at scale {a.scale}, employment rate 2016-2020 (mentorship - baseline)")
    print(f"mean effect: paired {paired.mean():.3f} pp, unpaired {unpaired.mean():.3f} pp")
    print(f"standard deviation: paired {paired.std(ddof=1):.4f}, unpaired "
          f"{unpaired.std(ddof=1):.4f}")
    print(f"variance ratio paired/unpaired: {paired.var(ddof=1) / unpaired.var(ddof=1):.4f}")
    print(f"wall time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
