"""A whole calibration particle of each block, as `resettle calibrate` runs it: the scenario
checked, the run (scale 10, to the last target year), and the targets read from its indicators.

Usage: .venv/bin/python benchmarks/bench_particle.py [--rounds 3]

Prints, for the pathway and life blocks, the best seconds of each part over the rounds (building
the particle's model, its run, reading its targets; every estimated parameter at its prior's
centre) and the particles an hour that gives one worker per core. Writes no files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.experiments import calibrate  # noqa: E402
from sim.measure import targets  # noqa: E402
from sim.scenario import resolve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def simulator(block: str) -> calibrate.Simulator:
    """The block's simulator, built as the calibration builds it."""
    target_list = targets.load(ROOT / "calibration" / "targets.yaml")
    priors = calibrate.load_priors(ROOT / "calibration" / "priors.yaml")
    priors, kept = calibrate.select_block(block, priors, target_list, "priors", "targets")
    kept = [t for t in kept if targets.unproduced_reason(t) is None]  # the fitted ones
    scenario = calibrate.calibration_scenario(resolve("baseline"), 10,
                                              targets.last_year(kept), block)
    return calibrate.Simulator(scenario, kept, 1, priors, pathway_only=block == "pathway")


def parts(sim: calibrate.Simulator) -> tuple[float, float, float]:
    """Seconds to build the particle's model (its values, the scenario checked, the draws of
    the parameters it does not estimate), to run it, and to read the targets."""
    start = time.perf_counter()
    model = sim.model({name: 0.0 for name in sim.priors})
    built = time.perf_counter()
    model.run_model()
    ran = time.perf_counter()
    targets.simulate_run(sim.targets, model)
    return built - start, ran - built, time.perf_counter() - ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sims = {block: simulator(block) for block in ("pathway", "life")}
    for sim in sims.values():
        parts(sim)  # compile and warm the caches
    best = {block: [float("inf")] * 3 for block in sims}
    for _ in range(args.rounds):
        for block, sim in sims.items():
            best[block] = [min(a, b) for a, b in zip(best[block], parts(sim))]
    cores = os.cpu_count() or 1
    for block, (build, run, read) in best.items():
        total = build + run + read
        print(f"{block:8s} build {build:.3f} s, run {run:.3f} s, targets {read:.3f} s, particle "
              f"{total:.3f} s: {3600 * cores / total:,.0f} particles an hour on {cores} cores "
              f"(best of {args.rounds})")


if __name__ == "__main__":
    main()
