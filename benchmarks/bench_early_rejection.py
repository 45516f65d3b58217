"""What early rejection saves a calibration: moves like the sampler's, each run to its end and
with early rejection, alternated.

Usage: .venv/bin/python benchmarks/bench_early_rejection.py [--block life|pathway|all]
    [--particles 24] [--from-prior]

``--particles`` particles run at scale 10: from the block's shipped posterior
(``calibration/calibrated/``, or its ``pathway/`` subfolder), or with ``--from-prior`` drawn from
the priors (``--block all``, the whole model, only so). The threshold is their median distance
(as the sampler sets it, keeping half). Each particle then takes one random-walk move scaled from
them, and the move is run twice, alternating which comes first: to its end, and with the
threshold (stopped once it cannot come within it). Prints the moves accepted, those stopped
early, the seconds of each kind and their ratio, and fails if any decision differs. Writes no
files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_particle import simulator  # noqa: E402

from sim.experiments import calibrate, early_rejection, smc  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def posterior_coordinates(sim: calibrate.Simulator, block: str, n: int) -> np.ndarray:
    """``n`` particles of the shipped posterior on the priors' standard normal scale."""
    folder = ROOT / "calibration" / "calibrated" / ("pathway" if block == "pathway" else "")
    table = pd.read_csv(folder / "posterior.csv").head(n)
    return np.column_stack([sim.priors[name].coordinate(table[name].to_numpy())
                            if name in table else np.zeros(len(table)) for name in sim.priors])


def timed(fn) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block", choices=("life", "pathway", "all"), default="life",
                        help="the block; 'all' (the whole model) only --from-prior")
    parser.add_argument("--particles", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--from-prior", action="store_true",
                        help="particles drawn from the priors, as in a calibration's first move")
    args = parser.parse_args()
    if args.block == "all" and not args.from_prior:
        parser.error("--block all: no shipped posterior of the whole model; add --from-prior")
    sim = simulator(args.block)
    names = list(sim.priors)
    rng = np.random.default_rng(args.seed)
    z0 = (rng.standard_normal((args.particles, len(names))) if args.from_prior
          else posterior_coordinates(sim, args.block, args.particles))
    d0 = np.array([sim.distance(dict(zip(names, z))) for z in z0])
    epsilon = float(np.median(d0))
    z1 = smc.propose(z0, rng.standard_normal(z0.shape), smc.move_scale(z0))
    whole, early, rows = 0.0, 0.0, []
    for i, z in enumerate(z1):
        particle = dict(zip(names, z))
        runs = [lambda: sim.distance(particle), lambda: sim.distance(particle, epsilon)]
        order = (0, 1) if i % 2 == 0 else (1, 0)
        out = {}
        for k in order:
            out[k] = timed(runs[k])
        (d_whole, t_whole), (d_early, t_early) = out[0], out[1]
        if (d_whole <= epsilon) != (d_early <= epsilon) or (
                d_whole <= epsilon and d_whole != d_early):
            raise SystemExit(f"move {i}: {d_whole} run to its end, {d_early} with early rejection")
        whole, early = whole + t_whole, early + t_early
        rows.append((d_whole <= epsilon, d_early == early_rejection.REJECTED))
    accepted = sum(a for a, _ in rows)
    stopped = sum(s for _, s in rows)
    source = "particles from the priors" if args.from_prior else "posterior particles"
    print(f"{args.block}: {len(sim.targets)} targets, threshold {epsilon:.3f} (median of "
          f"{args.particles} {source}); {len(rows)} moves, {accepted} accepted, "
          f"{stopped} stopped early; the same decisions both ways")
    print(f"moves run to their end {whole:.2f} s, with early rejection {early:.2f} s: "
          f"{whole / early:.2f}x")


if __name__ == "__main__":
    main()
