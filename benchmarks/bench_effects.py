"""What drawing lever effects from their priors costs: an ensemble of a lever scenario with drawn
effects against the same ensemble with fixed (median) effects, timed in one process.

Usage: .venv/bin/python benchmarks/bench_effects.py [--scenario mentorship] [--replicates 8]
       [--scale 10] [--rounds 3]

Each round runs both variants serially in this process (the same replicates, the scenario and
its shadow per replicate) in alternating order; the script prints the min wall time of each and
their ratio (target: drawing adds under 5%). It writes no files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import scenario  # noqa: E402
from sim.experiments import ensemble

TARGET_RATIO = 1.05  # drawing lever effects adds under 5% to an ensemble


def _time(data: dict, origin: str, replicates: int, draw_effects: bool) -> float:
    start = time.perf_counter()
    for r in range(replicates):
        ensemble.replicate_tables(ensemble.Job(data, origin, 1, r, draw=True,
                                               draw_effects=draw_effects))
    return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="mentorship")
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    s = scenario.load(a.scenario).with_overrides(scale=a.scale)
    data = s.model_dump(mode="json")
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(a.rounds):
        for draw in ((True, False) if i % 2 == 0 else (False, True)):
            times[draw].append(_time(data, s.origin, a.replicates, draw))
    drawn, fixed = min(times[True]), min(times[False])
    print(f"{a.scenario}, {a.replicates} replicates at scale {a.scale}, {a.rounds} rounds: drawn "
          f"effects {drawn:.1f} s, fixed {fixed:.1f} s (min of rounds); ratio {drawn / fixed:.3f} "
          f"(target < {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
