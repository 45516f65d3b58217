"""Check that the calibration targets do not depend on the scale (people per agent).

Usage: .venv/bin/python calibration/scale_check.py [--replicates 10] [--scale 10]

Runs the baseline to the last target year at scale 1 (every person an agent) and at the reduced
calibration scale, the same number of replicates each (replicate r draws the same posterior
particle at both scales), and compares every target's median over
replicates: the difference in tolerances, and whether both medians are within tolerance. Prints a
Markdown table of the targets whose medians differ by more than half a tolerance, and the
summary line recorded in benchmarks/README.md. Writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import scenario  # noqa: E402
from sim.app.calibration_commands import posterior_fit  # noqa: E402
from sim.experiments import calibrate, ensemble  # noqa: E402
from sim.measure import targets  # noqa: E402

HERE = Path(__file__).resolve().parent


def medians(scale: int, replicates: int, target_list, folder: Path) -> dict[str, float]:
    """Each target's median over replicates at one scale."""
    base = scenario.load("baseline").with_overrides(
        scale=scale, horizon={"start": 1995, "end": targets.last_year(target_list)})
    fit = posterior_fit(base, target_list, base.seed, replicates, folder, ensemble.Executor())
    return dict(zip(fit.id, fit.simulated_p50, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--scale", type=int, default=calibrate.DEFAULT_SCALE)
    ap.add_argument("--targets", type=Path, default=HERE / "targets.yaml")
    a = ap.parse_args()
    target_list = targets.load(a.targets)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        full = medians(1, a.replicates, target_list, Path(tmp) / "scale1")
        reduced = medians(a.scale, a.replicates, target_list, Path(tmp) / "reduced")
    rows, agree, close = [], 0, 0
    for t in target_list:
        diff = (reduced[t.id] - full[t.id]) / t.tolerance
        same = (abs(full[t.id] - t.observed) <= t.tolerance) == (abs(reduced[t.id] - t.observed)
                                                             <= t.tolerance)
        agree += same
        close += abs(diff) <= 0.5
        if abs(diff) > 0.5 or not same:
            rows.append(f"| {t.id} | {t.observed:g} | {full[t.id]:.4g} | {reduced[t.id]:.4g} | "
                        f"{diff:+.2f} | {'yes' if same else 'no'} |")
    print(f"| target | published | scale 1 | scale {a.scale} | difference (tolerances) | "
          "same verdict |\n|---|---|---|---|---|---|")
    print("\n".join(rows))
    n = len(target_list)
    print(f"\n{a.replicates} replicates per scale, {time.perf_counter() - start:.0f} s: "
          f"{close} of {n} targets have medians within half a tolerance of each other at scale 1 "
          f"and scale {a.scale}; {agree} of {n} get the same within-tolerance verdict.")


if __name__ == "__main__":
    main()
