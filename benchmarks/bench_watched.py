"""What Mesa's views cost: runs watched (Person agents and the DataCollector) against unwatched.

Usage: .venv/bin/python benchmarks/bench_watched.py [--rounds 3]

Alternates ``sim.run(..., watched=True)`` and ``watched=False`` (what ensemble replicates and
calibration particles use) in one process, for the baseline at scale 1, at scale 10, and for a
pathway-only particle at scale 10 with every parameter at its prior's centre (a particle of a
calibration's first generation, far from the data: about ten times the published arrivals, so
ten times the agents). Prints the fastest time of each and the ratio watched / unwatched.
Writes no files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import scenario  # noqa: E402
from sim.experiments import api  # noqa: E402


def cases() -> dict[str, tuple]:
    base = scenario.load("baseline")
    ten = base.with_overrides(scale=10, horizon={"start": 1995, "end": 2025})
    prior = ten.with_overrides(parameter_set=None)
    return {"baseline, scale 1": (base, False), "baseline, scale 10": (ten, False),
            "pathway particle at the priors' centres, scale 10": (prior, True)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    runs = cases()
    api.run(runs["baseline, scale 10"][0], seed=2)  # compile and import before timing
    times: dict[tuple[str, bool], list[float]] = {}
    for _ in range(a.rounds):
        for name, (s, pathway_only) in runs.items():
            for watched in (True, False):
                start = time.perf_counter()
                api.run(s, seed=2, pathway_only=pathway_only, watched=watched)
                times.setdefault((name, watched), []).append(time.perf_counter() - start)
    for name in runs:
        on, off = min(times[(name, True)]), min(times[(name, False)])
        print(f"{name}: watched {on:.3f} s, unwatched {off:.3f} s, ratio {on / off:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
