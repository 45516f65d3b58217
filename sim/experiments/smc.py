"""ABC-SMC with MCMC moves: the replenishment sampler of Drovandi & Pettitt (2011).

Drovandi CC, Pettitt AN (2011). "Estimation of parameters for macroparasite population evolution
using approximate Bayesian computation." Biometrics 67: 225-233.

The particles live on the priors' quantile scale, where every prior is a standard normal
(:meth:`sim.experiments.calibrate.Prior.value`). Every generation:

1. the ``ALPHA`` share of particles farthest from the targets is dropped, and the threshold
   becomes the largest distance kept;
2. the dropped ones are replaced by copies of kept ones, drawn uniformly;
3. each copy moves by Metropolis-Hastings steps (a Gaussian random walk scaled from the kept
   particles' covariance; a step is accepted when the prior ratio allows it and the new run is
   within the threshold), as many as make it unlikely (chance ``C``) that a copy never moved.
   The prior is checked first, and a step it refuses is not run.

Weights stay equal, so the effective sample size of the weights is the population size, and
the number of distinct particles says how well the moves renewed it. pyABC, the field's
maintained ABC library, weights particles by importance (prior over proposal); in the 33 and more
dimensions of this model those weights fell onto a handful of particles whatever the proposal.

Every random draw comes from a generator seeded by (seed, generation, step), and every run from
its particle's values (:func:`sim.experiments.calibrate.particle_seed`), so a calibration gives
the same particles on one process or many, and resumed after an interruption (the state is saved
after every step) gives what an uninterrupted one gives. The moves' covariance, its Cholesky
factor and the proposals are plain loops in a fixed order (compiled), not BLAS or LAPACK, whose
kernels (chosen for the CPU) round differently: one bit of difference in a particle changes its
run's seed, and so every later generation, from one machine to another.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numba
import numpy as np

from ..engine.files import atomic_write_text

ALPHA = 0.5  # share of particles replenished each generation (Drovandi & Pettitt 2011)
C = 0.01  # chance that a replenished particle never moves in a generation (ibid.)
MIN_ACCEPTANCE = 0.01  # stop once fewer moves than this are accepted, as Drovandi & Pettitt stop
# on a low acceptance rate; the 1% is a stated choice: below it a generation needs 459 moves
STATE = "smc_state.npz"  # the whole state, written atomically after every step
LOG = "smc_generations.json"  # a readable copy of the generations and the step in progress
RIDGE = 1e-3  # added to the moves' covariance diagonal (a thousandth of the prior's variance on
# this scale), so a direction in which the particles collapsed still moves
SCALE = 2.38 ** 2  # / dimensions: the random walk's scale (Roberts, Gelman & Gilks 1997)


@dataclass
class Generation:
    """What one generation did: its threshold, the runs it cost, the moves' acceptance, and
    how many of its runs were stopped early (reported infinitely far once they could no longer
    meet the threshold; 0 in states saved before it was counted)."""

    generation: int
    epsilon: float
    simulations: int
    mcmc_steps: int
    acceptance_rate: float
    distinct_particles: int
    stopped_early: int = 0


def distinct(z: np.ndarray) -> int:
    """The number of distinct particles (rows) of a population."""
    return len(np.unique(z, axis=0))


def move_scale(z: np.ndarray) -> np.ndarray:
    """The Cholesky factor of the random walk's covariance: the particles' covariance times
    2.38^2 / dimensions, with a ridge (what ``np.linalg.cholesky`` of ``np.cov`` gives, in an
    order that does not depend on the machine)."""
    z = np.ascontiguousarray(z, dtype=np.float64)
    return _cholesky(_covariance(z) * (SCALE / z.shape[1]) + RIDGE * np.eye(z.shape[1]))


@numba.njit(cache=True)
def _covariance(z):  # pragma: no cover - compiled; tested against np.cov
    """The columns' sample covariance (divisor n - 1; zeros for one row), two passes."""
    n, d = z.shape
    cov = np.zeros((d, d))
    if n < 2:
        return cov
    mean = np.zeros(d)
    for i in range(n):
        for j in range(d):
            mean[j] += z[i, j]
    mean /= n
    for i in range(n):
        for j in range(d):
            dj = z[i, j] - mean[j]
            for k in range(j + 1):
                cov[j, k] += dj * (z[i, k] - mean[k])
    for j in range(d):
        for k in range(j + 1):
            cov[j, k] /= n - 1
            cov[k, j] = cov[j, k]
    return cov


@numba.njit(cache=True)
def _cholesky(a):  # pragma: no cover - compiled; tested against np.linalg.cholesky
    """The lower Cholesky factor of a symmetric positive-definite matrix (Cholesky-Banachiewicz,
    row by row)."""
    d = a.shape[0]
    low = np.zeros((d, d))
    for i in range(d):
        for j in range(i + 1):
            total = a[i, j]
            for k in range(j):
                total -= low[i, k] * low[j, k]
            if i == j:
                if total <= 0.0:
                    raise ValueError("the moves' covariance is not positive definite")
                low[i, i] = math.sqrt(total)
            else:
                low[i, j] = total / low[j, j]
    return low


@numba.njit(cache=True)
def propose(z0, normals, chol):  # pragma: no cover - compiled; tested against NumPy
    """Random-walk proposals ``z0 + normals @ chol.T``, summed in a fixed order."""
    n, d = z0.shape
    z1 = np.empty((n, d))
    for i in range(n):
        for j in range(d):
            step = 0.0
            for k in range(j + 1):  # chol is lower triangular
                step += normals[i, k] * chol[j, k]
            z1[i, j] = z0[i, j] + step
    return z1


def steps_needed(acceptance: float) -> int:
    """Moves after which a particle has stayed put with chance at most :data:`C`."""
    if not 0.0 < acceptance < 1.0:
        return 1
    return max(1, math.ceil(math.log(C) / math.log(1.0 - acceptance)))


class Sampler:
    """The replenishment ABC-SMC over standard normal coordinates, saving its state in
    ``folder`` after every step. ``distances(z, epsilon)`` runs the rows of ``z`` and returns
    their distances to the targets, in order; a run that cannot come within ``epsilon`` (the
    threshold its move must meet; infinite in generation 0) may be stopped early and reported
    with any distance above it (:mod:`sim.experiments.early_rejection`)."""

    def __init__(self, distances: Callable[[np.ndarray, float], np.ndarray], dimensions: int,
                 population: int, seed: int, folder: Path,
                 progress: Callable[[int, dict], None] = lambda n, info: None,
                 start: np.ndarray | None = None) -> None:
        self.distances, self.d, self.n, self.seed = distances, dimensions, population, seed
        self.folder, self.progress = folder, progress
        self.start = start  # generation 0's particles, if not drawn from the priors
        self.dropped = max(1, int(ALPHA * population)) if population > 1 else 0
        self.log: list[Generation] = []
        self.populations: list[np.ndarray] = []  # each finished generation's particles
        self.distances_of: list[np.ndarray] = []  # and their distances
        self.z = np.empty((0, dimensions))
        self.dist = np.empty(0)
        self.step = {}  # the generation in progress: threshold, steps done, moves accepted

    # -- state ------------------------------------------------------------------------------
    def save(self) -> None:
        """The state in one file replaced atomically (a kill never leaves half of it)."""
        log = json.dumps({"generations": [asdict(g) for g in self.log], "step": self.step},
                         indent=1)
        path = self.folder / STATE
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, z=self.z, dist=self.dist, log=np.array(log),
                     **{f"generation{t}": z for t, z in enumerate(self.populations)},
                     **{f"distance{t}": d for t, d in enumerate(self.distances_of)})
        tmp.replace(path)
        atomic_write_text(self.folder / LOG, log)

    def load(self) -> bool:
        """Resume from the saved state; False if there is none."""
        if not (self.folder / STATE).is_file():
            return False
        with np.load(self.folder / STATE) as data:
            self.z, self.dist = data["z"], data["dist"]
            saved = json.loads(str(data["log"]))
            self.log = [Generation(**g) for g in saved["generations"]]
            self.populations = [data[f"generation{t}"] for t in range(len(self.log))]
            self.distances_of = [data[f"distance{t}"] for t in range(len(self.log))]
        self.step = saved["step"]
        return True

    @property
    def simulations(self) -> int:
        return sum(g.simulations for g in self.log) + self.step.get("simulations", 0)

    # -- the algorithm ----------------------------------------------------------------------
    def run(self, budget: int) -> list[Generation]:
        """Generations until ``budget`` runs are spent, or the moves' acceptance falls below
        :data:`MIN_ACCEPTANCE`. A generation starts only if the budget holds as many runs as
        the last one took, so the last is not cut short with its copies unmoved."""
        if not self.load():
            self.first()
        while True:
            if not self.step:
                last = self.log[-1]
                stuck = last.generation > 0 and last.acceptance_rate < MIN_ACCEPTANCE
                need = max(self.dropped, last.simulations)
                if stuck or self.dropped == 0 or self.simulations + need > budget:
                    return self.log
                self.replenish()
            if not self.move(budget):
                return self.log

    def first(self) -> None:
        """Generation 0: the population drawn from the prior, or the ``start`` given."""
        if self.start is not None:
            self.z = np.array(self.start, dtype=float)
        else:
            self.z = np.random.default_rng([self.seed, 0]).standard_normal((self.n, self.d))
        self.dist = self.run_batch(self.z, {"generation": 0}, math.inf)
        self.finish(Generation(0, float(np.max(self.dist)), self.n, 0, float("nan"),
                               distinct(self.z)))

    def replenish(self) -> None:
        """Drop the farthest particles, lower the threshold, copy kept ones in their place."""
        t = len(self.log)
        order = np.argsort(self.dist, kind="stable")
        kept, gone = order[:self.n - self.dropped], order[self.n - self.dropped:]
        rng = np.random.default_rng([self.seed, t, 0])
        parents = rng.choice(kept, size=len(gone))
        self.z[gone], self.dist[gone] = self.z[parents], self.dist[parents]
        self.step = {"generation": t, "epsilon": float(self.dist[kept[-1]]), "done": 0,
                     "planned": 1, "accepted": 0, "proposed": 0, "simulations": 0,
                     "stopped_early": 0, "moving": gone.tolist(),
                     "scale": move_scale(self.z[kept]).tolist()}
        self.save()

    def move(self, budget: int) -> bool:
        """The generation's Metropolis-Hastings steps; the first sets how many it needs. False if
        the budget ran out before the last, or would (:meth:`overruns`): the generation stays
        unfinished (a larger budget resumes it) and the last finished one stands, so no
        posterior has copies left unmoved."""
        s = self.step
        moving, chol = np.array(s["moving"], dtype=int), np.array(s["scale"])
        if s["done"] == 0 and self.simulations + len(moving) > budget:  # resumed with a
            # smaller budget before the first step: the last finished generation stands
            self.z, self.dist = self.populations[-1].copy(), self.distances_of[-1].copy()
            self.step = {}
            self.save()
            return False
        while (s["done"] < s["planned"] and self.simulations + len(moving) <= budget
               and not self.overruns(budget)):
            rng = np.random.default_rng([self.seed, s["generation"], s["done"] + 1])
            z0 = self.z[moving]
            z1 = propose(z0, rng.standard_normal(z0.shape), chol)
            prior_ratio = np.exp(0.5 * (np.sum(z0 * z0, axis=1) - np.sum(z1 * z1, axis=1)))
            ran = rng.random(len(moving)) < prior_ratio  # the prior refuses the others: no run
            d1 = np.full(len(moving), np.inf)
            d1[ran] = self.run_batch(z1[ran], {"generation": s["generation"],
                                               "epsilon": s["epsilon"]}, s["epsilon"])
            ok = d1 <= s["epsilon"]
            self.z[moving[ok]], self.dist[moving[ok]] = z1[ok], d1[ok]
            s["done"] += 1
            s["accepted"] += int(ok.sum())
            s["proposed"] += len(moving)
            s["simulations"] += int(ran.sum())
            s["stopped_early"] = s.get("stopped_early", 0) + int(np.isinf(d1[ran]).sum())
            if s["done"] == 1:  # Laplace's rule: no accepted move in a small first step is
                # not an acceptance rate of 0
                s["planned"] = steps_needed((s["accepted"] + 1) / (s["proposed"] + 2))
            self.save()
        if s["done"] < s["planned"]:
            return False
        rate = s["accepted"] / s["proposed"] if s["proposed"] else float("nan")
        self.step = {}
        self.finish(Generation(s["generation"], s["epsilon"], s["simulations"], s["done"],
                               rate, distinct(self.z), s.get("stopped_early", 0)))
        return True

    def overruns(self, budget: int) -> bool:
        """Whether the generation in progress, once its first step has set how many it needs,
        would overrun ``budget`` at the runs per step spent so far: it then stops at once (as
        unfinished) instead of spending runs on a generation that cannot enter the posterior."""
        s = self.step
        if s["done"] == 0:
            return False
        per_step = s["simulations"] / s["done"]
        return self.simulations + (s["planned"] - s["done"]) * per_step > budget

    def finish(self, generation: Generation) -> None:
        self.log.append(generation)
        self.populations.append(self.z.copy())
        self.distances_of.append(self.dist.copy())
        self.save()

    def run_batch(self, z: np.ndarray, info: dict, epsilon: float) -> np.ndarray:
        out = np.asarray(self.distances(z, epsilon), dtype=float)
        self.progress(len(z), info)
        return out
