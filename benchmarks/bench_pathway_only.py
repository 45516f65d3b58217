"""A calibration particle of the pathway block against one of the whole model: the baseline at
scale 10 to 2025, stepping every module or only the pathway (``pathway_only``), alternated.

Usage: .venv/bin/python benchmarks/bench_pathway_only.py [--rounds 5] [--scale 10]

Prints the best time of each and their ratio, measured in the same process. Writes no files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.experiments import api  # noqa: E402


def particle(pathway_only: bool, scale: int) -> float:
    """Seconds for one run to 2025 (the calibration scenario's horizon), imports excluded."""
    start = time.perf_counter()
    api.run("baseline", seed=1, scale=scale, parameter_set=None, pathway_only=pathway_only,
            horizon={"start": 1995, "end": 2025})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    particle(True, args.scale)  # compile and warm the caches
    best = {False: float("inf"), True: float("inf")}
    for _ in range(args.rounds):
        for pathway_only in (False, True):
            best[pathway_only] = min(best[pathway_only], particle(pathway_only, args.scale))
    print(f"whole model {best[False]:.3f} s, pathway only {best[True]:.3f} s, "
          f"ratio {best[False] / best[True]:.2f} (best of {args.rounds}, scale {args.scale})")


if __name__ == "__main__":
    main()
