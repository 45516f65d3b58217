"""Drawing the parameters that are not estimated from their priors, as each ensemble replicate
does: the vectorised draw (one quantile function per kind of prior) against scipy's quantile
function of each prior in turn, in alternated rounds.

Usage: .venv/bin/python benchmarks/bench_prior_draws.py [--rounds 3] [--draws 50]

Prints the milliseconds per draw of each and their ratio, round by round. Writes no files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.engine.parameters import bounded_quantile, draw_from_priors, load_specs  # noqa: E402
from sim.engine.randomness import run_uniforms  # noqa: E402


def one_at_a_time(seed: int) -> dict[str, float]:
    """The reference: each prior's own quantile function (the same values)."""
    named = [spec for spec in load_specs().values() if spec.prior is not None]
    quantiles = run_uniforms(seed, [f"prior.{spec.name}" for spec in named])
    return {s.name: float(bounded_quantile(s, q)) for s, q in zip(named, quantiles)}


def ms_per_draw(draw, draws: int) -> float:
    start = time.perf_counter()
    for seed in range(draws):
        draw(seed)
    return 1000 * (time.perf_counter() - start) / draws


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--draws", type=int, default=50)
    a = ap.parse_args()
    assert draw_from_priors(0) == one_at_a_time(0)
    for r in range(a.rounds):
        fast, slow = ms_per_draw(draw_from_priors, a.draws), ms_per_draw(one_at_a_time, a.draws)
        print(f"round {r + 1}: vectorised {fast:.2f} ms, one prior at a time {slow:.1f} ms, "
              f"{slow / fast:.0f}x")


if __name__ == "__main__":
    main()
