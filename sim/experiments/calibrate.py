"""Calibration by approximate Bayesian computation against a targets file.

Each particle is one run of the calibration scenario (the baseline at a reduced ``scale``,
stopped at the last target year) with the estimated parameters of ``calibration/priors.yaml``, or
the median of a few such runs (``--runs-per-particle``). Its distance to the published figures is
the root mean square of ``(simulated - observed) / tolerance`` over the targets, so a distance of
1 means "on average one tolerance away".

The sampler is ABC-SMC with MCMC moves (:mod:`sim.experiments.smc`, Drovandi & Pettitt 2011): each
generation drops the farthest half of the particles, lowers the threshold to the largest distance
kept, and renews the dropped ones by Metropolis-Hastings moves from copies of kept ones, so the
particles keep equal weights. It works on each parameter's prior-quantile scale: a particle holds
standard normal coordinates ``z`` and runs with the values at the prior quantiles ``Phi(z)``
(:meth:`Prior.value`). Its state is saved in the output folder after every step, so an
interrupted calibration resumes where it stopped. The draws are seeded by generation and step and
each run by its particle's values, so the result is the same on one process, many, or a Dask
cluster, interrupted or not. The exported particles are the values the runs used.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..engine import posterior
from ..engine.errors import InputError, nearest, shown
from ..engine.parameters import (draw_from_priors, load_specs, prior_distribution,
                                 truncated_quantile)
from ..measure import targets
from . import early_rejection, smc
from .scheduler import Scheduler
from .defaults import (  # noqa: F401 (re-exported)
    DEFAULT_BUDGET,
    DEFAULT_CHECK_REPLICATES,
    DEFAULT_POPULATION,
    DEFAULT_SCALE,
)

if TYPE_CHECKING:  # a type only
    from ..scenario import Scenario

MISSING_Z = 10.0  # a produced target without a value in a run (e.g. no arrivals) counts as 10
QUANTILE_FLOOR = 1e-12  # prior quantiles are taken within [floor, 1 - floor] (z within +-7)
PRIOR_GRID = 2001  # quantiles of a truncated prior behind the spread the report shows
STAMP = "calibration.json"


@dataclass(frozen=True)
class Prior:
    """The prior of one estimated parameter, and why it was chosen."""

    name: str
    dist: dict
    reason: str

    def distribution(self):
        """The prior as a frozen scipy.stats distribution (before truncation to the bounds)."""
        return self._frozen

    @cached_property
    def _frozen(self):
        """Made once: freezing a scipy distribution costs about a millisecond, as much as a
        particle's other bookkeeping."""
        return prior_distribution(self.dist)

    @cached_property
    def bounds(self) -> tuple[float, float]:
        """The parameter's bounds (none for a name that is not a model parameter)."""
        spec = load_specs().get(self.name)
        return (spec.low, spec.high) if spec else (-np.inf, np.inf)

    @cached_property
    def mass(self) -> tuple[float, float]:
        """The prior's cumulative probability at the parameter's bounds: draws are made from
        the prior truncated to them (:func:`~sim.engine.parameters.bounded_quantile`)."""
        dist = self.distribution()
        return float(dist.cdf(self.bounds[0])), float(dist.cdf(self.bounds[1]))

    def value(self, z):
        """The parameter's values at standard normal coordinates ``z``: the truncated prior's
        quantiles at ``Phi(z)`` (kept off 0 and 1, where a lognormal's quantile is infinite)."""
        from scipy.special import ndtr

        return truncated_quantile(self.distribution(), *self.bounds,
                                  ndtr(np.asarray(z, dtype=float)), QUANTILE_FLOOR,
                                  mass=self.mass)  # the probabilities at the bounds, made once

    def coordinate(self, x):
        """The standard normal coordinates of values ``x`` (the inverse of :meth:`value`)."""
        from scipy.special import ndtri

        low, high = self.mass
        q = (self.distribution().cdf(np.asarray(x, dtype=float)) - low) / (high - low)
        return ndtri(np.clip(q, QUANTILE_FLOOR, 1.0 - QUANTILE_FLOOR))

    def record(self) -> dict:
        """The prior as the calibration's stamp records it."""
        return {"name": self.name, "dist": self.dist, "reason": self.reason,
                "bounds": list(self.bounds), "mass": list(self.mass)}

    def logpdf(self, x):
        """Log density of the truncated prior at ``x`` (minus infinity outside the bounds)."""
        x = np.asarray(x, dtype=float)
        low, high = self.mass
        inside = (x >= self.bounds[0]) & (x <= self.bounds[1])
        with np.errstate(divide="ignore"):
            return np.where(inside, self.distribution().logpdf(x) - np.log(high - low), -np.inf)


def load_priors(path: str | Path) -> list[Prior]:
    """Read ``priors.yaml``: ``parameters: {name: {reason: ...}}``, the parameters to estimate
    and why; each prior is the one of the parameter's file in ``sim/data/parameters/``."""
    from ..engine.files import line_map, read_yaml

    path = Path(path)
    data, text = read_yaml(path, "priors file")
    lines = line_map(text)
    if isinstance(data, dict):
        for key, line in _key_lines(lines, (), list(data)).items():
            if key != "parameters":
                raise InputError(f"{path}, line {line}: unknown key {shown(key)}"
                                 f"{nearest(str(key), ['parameters'])}; valid keys: parameters")
    if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict) \
            or not data["parameters"]:
        line = lines.get(("parameters",), 1)
        raise InputError(f"{path}, line {line}: parameters: expected a mapping of parameter "
                         "names to {reason: ...}")
    specs, out = load_specs(), []
    at = _key_lines(lines, ("parameters",), list(data["parameters"]))
    for name, entry in data["parameters"].items():
        where = f"{path}, line {at[name]}: parameters.{name}"
        if not isinstance(name, str):
            raise InputError(f"{where}: expected a parameter name, got {shown(name)} (YAML "
                             "reads an unquoted number, yes, no or null as such)")
        if name not in specs:
            raise InputError(f"{where}: unknown parameter{nearest(name, specs)}; "
                             "`resettle parameters` lists them")
        if not isinstance(entry, dict) or set(entry) != {"reason"}:
            raise InputError(f"{where}: expected exactly the key 'reason' (the prior is the "
                             f"one in sim/data/parameters/{specs[name].origin})")
        if specs[name].prior is None:
            raise InputError(f"{where}: a published constant has no prior to estimate from "
                             f"(sim/data/parameters/{specs[name].origin})")
        reason = entry["reason"]
        where = (f"{path}, line {lines.get(('parameters', name, 'reason'), at[name])}: "
                 f"parameters.{name}.reason")
        if reason is not None and not isinstance(reason, str):
            raise InputError(f"{where}: expected text giving the reason for estimating it, got "
                             f"{shown(reason)}")
        if not (reason or "").strip():
            raise InputError(f"{where}: give the reason for estimating it")
        out.append(Prior(name, dict(specs[name].prior), reason))
    return out


def _key_lines(lines: dict[tuple, int], path: tuple, keys: list) -> dict:
    """The line of each of ``keys``, the keys of the mapping at ``path`` in the file's order,
    from a :func:`~sim.engine.files.line_map`: it holds a key as written (``yes``, ``123``),
    which YAML may read as another type (True, 123), so the keys are matched by position."""
    found = [line for key, line in lines.items()
             if len(key) == len(path) + 1 and key[:len(path)] == path]
    if len(found) == len(keys):
        return dict(zip(keys, found))
    return {key: lines.get((*path, key), 1) for key in keys}


def errors(simulated: dict, observed: dict, tolerances: dict[str, float]) -> np.ndarray:
    """(simulated - observed) / tolerance of each target, in the order of ``tolerances``
    (:data:`MISSING_Z` where a run gave no value)."""
    z = np.array([(simulated[k] - observed[k]) / tol for k, tol in tolerances.items()])
    z[~np.isfinite(z)] = MISSING_Z
    return z


def distance(simulated: dict, observed: dict, tolerances: dict[str, float]) -> float:
    """Root mean square of (simulated - observed) / tolerance over the targets."""
    z = errors(simulated, observed, tolerances)
    return float(np.sqrt(np.mean(z * z)))


def squared_errors(known: list[targets.Target], model) -> float:
    """The sum of the squared standardised errors (:func:`errors`) of the ``known`` targets in a
    model's run so far."""
    z = errors(targets.simulate_run(known, model), {t.id: t.observed for t in known},
               {t.id: t.tolerance for t in known})
    return float(np.sum(z * z))


def particle_seed(values: dict[str, float], seed: int, run: int = 0) -> int:
    """A run seed from the particle's values and the calibration seed (the same particle always
    gives the same runs); ``run`` numbers a particle's runs (0, the first, as with one run)."""
    text = json.dumps(sorted(values.items())) + f"|{seed}" + (f"|run {run}" if run else "")
    return zlib.crc32(text.encode())


def median_values(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each target's median over a particle's runs (NaN where no run produces it)."""
    out = {}
    for key in runs[0]:
        values = np.array([r[key] for r in runs], dtype=float)
        finite = values[np.isfinite(values)]
        out[key] = float(np.median(finite)) if finite.size else float("nan")
    return out


NUISANCE = {"prior": "every parameter with a prior that neither the calibration estimates nor "
                     "the scenario sets drawn from its prior in each run, as ensembles draw them: "
                     "the posterior is marginal over them",
            "centre": "every parameter that neither the calibration estimates nor the scenario "
                      "sets at its prior's centre (the posterior is conditional on those centres)",
            "set": "every parameter that the scenario's parameter set estimates and the "
                   "calibration does not at the set's point estimate (the posterior is "
                   "conditional on it), the others drawn from their priors in each run",
            "posterior": "every parameter that the scenario's parameter set estimates and the "
                         "calibration does not drawn in each run from the set's posterior (a "
                         "particle of each block, as ensembles draw them: the posterior is "
                         "marginal over the other blocks), the others from their priors"}


class Simulator:
    """The runs of the calibration scenario for a particle; picklable for the workers.
    ``pathway_only`` steps only the pathway's modules (a calibration of the pathway block);
    ``nuisance`` is how the parameters not estimated run (:data:`NUISANCE`), and ``drawn_set``
    the parameter set that ``posterior`` draws from. With ``runs`` above 1 a particle's value
    of each target is the median of that many runs (seeds of their own), as validation judges
    the median of replicates: runs at a scale of 10 are noisier than the world they stand for,
    and a sampler given one run per particle keeps the particles whose run was lucky."""

    def __init__(self, scenario: Scenario, target_list: list[targets.Target], seed: int,
                 priors: list[Prior], pathway_only: bool = False, nuisance: str = "prior",
                 drawn_set: posterior.ParameterSet | None = None, runs: int = 1) -> None:
        self.data, self.origin = scenario.model_dump(mode="json"), scenario.origin
        self.targets, self.seed, self.pathway_only = target_list, seed, pathway_only
        self.priors = {p.name: p for p in priors}
        if nuisance not in NUISANCE:
            raise ValueError(f"nuisance: expected one of {sorted(NUISANCE)}, got {nuisance!r}")
        if (nuisance == "posterior") != (drawn_set is not None):
            raise ValueError("nuisance: a parameter set to draw from goes with 'posterior' only")
        self.nuisance, self.drawn_set = nuisance, drawn_set
        if runs < 1:
            raise ValueError(f"runs: expected a positive number of runs, got {runs}")
        self.runs = runs

    def values(self, particle) -> dict[str, float]:
        """The values a particle runs with (:func:`values`)."""
        return {k: float(v) for k, v in values(self.priors, dict(particle)).items()}

    def run(self, particle, run: int = 0) -> pd.DataFrame:
        """The indicator table of the particle's run (``run``: which of its runs)."""
        model = self.model(particle, run)
        model.run_model()
        return model.indicators()

    def model(self, particle, run: int = 0):
        """The model of the particle's run, not yet stepped."""
        from ..scenario import validate
        from . import api

        values = self.values(particle)
        scenario = validate(self.data, self.origin)
        seed = particle_seed(values, self.seed, run)
        from_set = {} if self.drawn_set is None else {  # keyed draws: the others' stay
            k: v for k, v in self.drawn_set.draw(seed).items()
            if k not in values and k not in scenario.parameters}
        drawn = {} if self.nuisance == "centre" else draw_from_priors(
            seed, exclude={*values, *scenario.parameters, *from_set})
        return api.build(scenario, seed=seed, pathway_only=self.pathway_only, watched=False,
                         **drawn, **from_set, **values)

    def simulated(self, particle, run: int = 0) -> dict[str, float]:
        """The particle's targets in one of its runs (``run``: which)."""
        model = self.model(particle, run)
        model.run_model()
        return targets.simulate_run(self.targets, model)

    def __call__(self, particle) -> dict[str, float]:
        return median_values([self.simulated(particle, k) for k in range(self.runs)])

    def distance(self, particle, epsilon: float = math.inf) -> float:
        """The particle's distance to its targets, or :data:`early_rejection.REJECTED` for a
        single run stopped once it could no longer come within ``epsilon``
        (:mod:`sim.experiments.early_rejection`; the median of several runs is not bounded by
        each run's targets so far, so those always run to the end)."""
        if self.runs > 1 or not math.isfinite(epsilon):
            return distance(self(particle), self.observed, self.tolerances)
        model = self.model(particle)
        checks = early_rejection.checkpoints(self.targets, model.calendar.end_year)
        if not early_rejection.run_unless_beyond(model, checks, len(self.targets), epsilon,
                                                 squared_errors):
            return early_rejection.REJECTED
        return distance(targets.simulate_run(self.targets, model), self.observed,
                        self.tolerances)

    @cached_property
    def observed(self) -> dict[str, float]:
        """Each target's published value, by id."""
        return {t.id: t.observed for t in self.targets}

    @cached_property
    def tolerances(self) -> dict[str, float]:
        """Each target's tolerance, by id (the order of :func:`errors`)."""
        return {t.id: t.tolerance for t in self.targets}


def values(priors: dict[str, Prior], coordinates: dict) -> dict:
    """Parameter values from standard normal coordinates (scalars or arrays, by name): the
    quantiles of the priors truncated to the parameters' bounds (clipped for rounding only)."""
    specs = load_specs()
    return {name: np.clip(priors[name].value(z), specs[name].low, specs[name].high)
            for name, z in coordinates.items()}


@dataclass
class Setup:
    """Everything one calibration needs, and the fingerprint a resumed one must match."""

    scenario: Scenario
    train: list[targets.Target]
    test: list[targets.Target]
    priors: list[Prior]
    seed: int
    population: int
    block: str = "all"
    start: np.ndarray | None = None  # generation 0's coordinates, from an earlier posterior
    start_record: dict | None = None  # where they came from (``--start-from``; the manifest)
    nuisance: str = "prior"  # how the parameters not estimated run (:data:`NUISANCE`)
    drawn_set: posterior.ParameterSet | None = None  # the set ``posterior`` draws from
    runs: int = 1  # runs per particle, whose median each target takes (:class:`Simulator`)

    @property
    def fitted(self) -> list[targets.Target]:
        """The training targets the model produces (the others are reported, not fitted)."""
        return [t for t in self.train if targets.unproduced_reason(t) is None]

    def stamp(self, holdout_from: int | None) -> dict:
        return {"scenario": self.scenario.resolved(), "seed": self.seed,
                "population": self.population, "holdout_from": holdout_from,
                "block": self.block, "nuisance": NUISANCE[self.nuisance],
                "sampler": "ABC-SMC with MCMC moves (replenishment) on the priors' quantile scale",
                "targets": [t.model_dump() for t in self.train + self.test],
                "priors": [p.record() for p in self.priors]} | (
                    {"start_from": self.start_record} if self.start is not None else {}) | (
                    {"drawn_from_set": posterior.checksum(self.drawn_set.folder)}
                    if self.drawn_set is not None else {}) | (
                    {"runs_per_particle": self.runs} if self.runs > 1 else {})


class ParticleDistance:
    """The distance of one particle's run to the targets (a picklable job for the workers):
    called with ``(index, z, epsilon)``, it returns ``(index, distance)``, a run that cannot
    come within ``epsilon`` stopped early (:meth:`Simulator.distance`)."""

    def __init__(self, simulator: Simulator, names: list[str]) -> None:
        self.simulator, self.names = simulator, names

    def __call__(self, job: tuple[int, np.ndarray, float]) -> tuple[int, float]:
        index, z, epsilon = job
        return index, self.simulator.distance(dict(zip(self.names, z)), epsilon)


def run_abc(setup: Setup, folder: Path, budget: int, workers: int, scheduler: Scheduler | None,
            progress: bool = True) -> smc.Sampler:
    """Run (or resume) the sampler in ``folder`` until ``budget`` simulations; return it."""
    from tqdm import tqdm

    from .ensemble import Executor

    fitted = setup.fitted
    names = [p.name for p in setup.priors]
    work = ParticleDistance(Simulator(setup.scenario, fitted, setup.seed, setup.priors,
                                      setup.block == "pathway", setup.nuisance,
                                      setup.drawn_set, setup.runs), names)
    executor = (Executor("dask", scheduler=scheduler) if scheduler
                else Executor("serial") if workers <= 1 else Executor("processes", workers))
    bar = tqdm(total=budget, unit="simulation", desc="calibrate",
               disable=None if progress else True)

    def distances(z: np.ndarray, epsilon: float) -> np.ndarray:
        out = np.empty(len(z))
        for _, (index, d) in executor.map([(i, row, epsilon) for i, row in enumerate(z)], work):
            out[index] = d
            bar.update(1)
        return out

    def shown(n: int, info: dict) -> None:
        bar.set_postfix({k: f"{v:.3g}" if isinstance(v, float) else v for k, v in info.items()})

    sampler = smc.Sampler(distances, len(names), setup.population, setup.seed, folder, shown,
                          start=setup.start)
    try:
        with executor.kept():  # one pool of workers for every step
            if sampler.load():
                bar.update(min(sampler.simulations, budget))
            sampler.run(budget)
    finally:
        bar.close()
    return sampler


def export(sampler: smc.Sampler, priors: list[Prior]) -> dict[str, pd.DataFrame]:
    """Every generation's particles, the posterior (last generation), each generation's
    threshold, runs, MCMC steps, acceptance of moves, effective sample size of the weights and
    distinct particles, what the data taught about each parameter (:func:`contraction`) and the
    posterior correlations."""
    by_name = {p.name: p for p in priors}
    frames = []
    for t, z in enumerate(sampler.populations):
        ran = values(by_name, {p.name: z[:, k] for k, p in enumerate(priors)})
        frames.append(pd.DataFrame(ran).assign(weight=1.0 / len(z), generation=t))
    populations = pd.concat(frames, ignore_index=True)
    last = populations[populations.generation == len(frames) - 1].drop(columns="generation")
    generations = pd.DataFrame([g.__dict__ for g in sampler.log])
    generations.insert(3, "particles", sampler.n)
    generations["effective_sample_size"] = float(sampler.n)  # equal weights
    return {"populations.csv": populations, "posterior.csv": last.reset_index(drop=True),
            "generations.csv": generations, "parameters.csv": contraction(last, priors),
            "correlations.csv": correlations(last)}


def _weighted(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    return table.drop(columns=posterior.WEIGHT), table[posterior.WEIGHT].to_numpy(dtype=float)


def contraction(particles: pd.DataFrame, priors: list[Prior]) -> pd.DataFrame:
    """Per estimated parameter: prior and posterior centre and spread, and the contraction
    ``1 - posterior variance / prior variance`` on the prior-quantile scale, where the prior is a
    standard normal (0: the targets taught nothing; 1: pinned). On the parameter's own scale a
    lognormal prior's variance is dominated by its tail, so any posterior would look contracted."""
    from scipy.special import ndtri

    values, w = _weighted(particles)
    rows = []
    for prior in priors:
        x = values[prior.name].to_numpy(dtype=float)
        z = prior.coordinate(x)
        mean = float(np.sum(w * x))
        var = float(np.sum(w * (x - mean) ** 2))
        z_var = float(np.sum(w * (z - np.sum(w * z)) ** 2))
        p05, p50, p95 = (posterior.weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        grid = prior.value(ndtri((np.arange(PRIOR_GRID) + 0.5) / PRIOR_GRID))
        rows.append({"parameter": prior.name, "prior_median": float(prior.value(0.0)),
                     "prior_sd": float(grid.std()), "posterior_p05": p05,
                     "posterior_median": p50, "posterior_p95": p95,
                     "posterior_sd": var ** 0.5, "contraction": 1.0 - z_var})
    return pd.DataFrame(rows)


def correlations(particles: pd.DataFrame) -> pd.DataFrame:
    """The weighted correlation matrix of the posterior particles (sums in NumPy's own order,
    not BLAS's, so that the table is the same on every machine)."""
    values, w = _weighted(particles)
    x = values.to_numpy(dtype=float)
    centred = x - np.sum(w[:, None] * x, axis=0)
    cov = np.sum((centred * w[:, None])[:, :, None] * centred[:, None, :], axis=0)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return pd.DataFrame(corr, index=values.columns, columns=values.columns).rename_axis(
        "parameter").reset_index()


BLOCKS = {"all": "every parameter of the priors file against every target",
          "pathway": "the pathway's parameters (sim/data/parameters/pathway.yaml) against the "
                     "pathway's targets (arrivals, the stock in China, repatriations, time abroad, "
                     "age mix), stepping only the pathway's modules",
          "life": "the other parameters against the other targets (life in the South), with the "
                  "pathway held at the point estimate of the scenario's parameter set (a cut "
                  "posterior: the pathway block calibrated first)"}


def select_block(block: str, priors: list[Prior], target_list: list[targets.Target],
                 priors_file: str | Path, targets_file: str | Path
                 ) -> tuple[list[Prior], list[targets.Target]]:
    """The priors and targets of one block of the model (:data:`BLOCKS`). The pathway is a
    block: its figures do not depend on life in the South (but for a few sponsors of chain
    defection), so it can be estimated first, with runs half as long; ``life`` is the rest."""
    if block == "all":
        return priors, target_list
    from ..measure.indicators import PATHWAY_INDICATORS

    specs = load_specs()
    pathway = block == "pathway"
    chosen = [p for p in priors if (specs[p.name].origin == "pathway.yaml") == pathway]
    kept = [t for t in target_list if (t.indicator in PATHWAY_INDICATORS) == pathway]
    what = "of" if pathway else "outside"
    if not chosen:
        raise InputError(f"--block {block}: {priors_file} estimates no parameter {what} "
                         "sim/data/parameters/pathway.yaml")
    if not kept:
        raise InputError(f"--block {block}: {targets_file} has no target {what} the pathway "
                         f"(indicators {', '.join(sorted(PATHWAY_INDICATORS))})")
    return chosen, kept


def exclude(priors: list[Prior], excluded: list[Path], where: str) -> list[Prior]:
    """``priors`` less the parameters of each ``excluded`` priors file (another block's, which
    this calibration leaves to the scenario's parameter set or to their priors, by
    ``--nuisance``). A file that takes away none of them, or files that take away all, are a
    one-line error: the option would change nothing, or leave nothing to estimate."""
    for path in excluded:
        try:
            names = {p.name for p in load_priors(path)}
        except InputError as exc:
            raise InputError(f"--exclude {exc}") from None
        if not names & {p.name for p in priors}:
            raise InputError(f"--exclude {path}: none of its parameters is estimated here "
                             f"({where}), so it would change nothing")
        priors = [p for p in priors if p.name not in names]
    if not priors:
        raise InputError(f"--exclude: every parameter estimated here ({where}) is excluded")
    return priors


def scenario_set(base: Scenario, use: str) -> posterior.ParameterSet:
    """The parameter set ``base`` names, for an option that ``use``s it (e.g. "--nuisance set
    holds parameters at"); a one-line error if it names none."""
    if base.parameter_set is None:
        raise InputError(f"{base.origin}: {use} the scenario's parameter set, and it names none "
                         "(parameter_set)")
    return posterior.load(base.parameter_set, base.origin)


def pathway_point(base: Scenario) -> dict[str, float]:
    """The pathway's parameters at the point estimate of ``base``'s parameter set (what a
    ``life`` calibration holds fixed); an error if the set estimates none of them."""
    specs = load_specs()
    point = {k: v for k, v in scenario_set(base, "--block life holds the pathway at").point()
             .items() if specs[k].origin == "pathway.yaml"}
    if not point:
        raise InputError(f"{base.origin}: parameter_set {base.parameter_set!r} estimates no "
                         "pathway parameter; calibrate the pathway block first (--block pathway)")
    return point


def held_at_set(base: Scenario, priors: list[Prior]) -> dict[str, float]:
    """The point estimate of ``base``'s parameter set for every parameter it estimates and
    ``priors`` do not (what ``--nuisance set`` holds fixed)."""
    estimated = {p.name for p in priors}
    return {k: v for k, v in scenario_set(base, "--nuisance set holds parameters at").point()
            .items() if k not in estimated}


def set_to_draw(base: Scenario) -> posterior.ParameterSet:
    """The parameter set of ``base`` (what ``--nuisance posterior`` draws from)."""
    return scenario_set(base, "--nuisance posterior draws from")


def check_set(setup: Setup, folder: Path) -> Path:
    """The parameter set the posterior check draws from: the calibration's own posterior in
    ``folder``, and with ``--nuisance posterior`` the drawn set's other estimates as blocks
    beside it (in ``folder/check_set``, the columns this calibration estimates left out), so the
    check varies what the calibration varied."""
    if setup.drawn_set is None:
        return folder.resolve()
    out = folder / "check_set"
    out.mkdir(exist_ok=True)
    (out / posterior.POSTERIOR_FILE).write_bytes((folder / posterior.POSTERIOR_FILE).read_bytes())
    estimated = {p.name for p in setup.priors}
    for i, block in enumerate(setup.drawn_set.blocks):
        kept = block.particles.drop(columns=[c for c in block.particles if c in estimated])
        if kept.shape[1]:
            (out / f"block_{i}").mkdir(exist_ok=True)
            kept.assign(**{posterior.WEIGHT: block.weights}).to_csv(
                out / f"block_{i}" / posterior.POSTERIOR_FILE, index=False)
    return out.resolve()


def from_year(target_list: list[targets.Target], year: int | None,
              targets_file: str | Path) -> list[targets.Target]:
    """The targets whose (first) year is ``year`` or later (all of them for None). A running
    total (:data:`~sim.measure.indicators.RUNNING_TOTALS`) is left out: it counts every year
    since the record began. A ``year`` that leaves out no target by its year, or all of them,
    is a one-line error."""
    from ..measure.indicators import RUNNING_TOTALS

    if year is None:
        return target_list
    first = min(t.years[0] for t in target_list)
    if first >= year:
        raise InputError(f"--targets-from {year}: {targets_file} has no target before {year} "
                         f"(its first year is {first}), so it would change nothing")
    kept = [t for t in target_list
            if t.years[0] >= year and t.indicator not in RUNNING_TOTALS]
    if not kept:
        raise InputError(f"--targets-from {year}: {targets_file} has no target of {year} or "
                         f"later (its last year is {targets.last_year(target_list)})")
    return kept


def of_indicators(target_list: list[targets.Target], names: str | None,
                  targets_file: str | Path) -> list[targets.Target]:
    """The targets of the indicators ``names`` (comma-separated; all targets for None): a block
    estimated against the figures its parameters move, not diluted among the others. An
    indicator the model does not know, or one with no target in ``targets_file``, is a one-line
    error (the option would change nothing)."""
    from ..measure.indicators import INDICATORS

    if names is None:
        return target_list
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise InputError("--indicators: expected indicator names separated by commas, e.g. "
                         "'unemployment_rate,employment_rate'")
    present = {t.indicator for t in target_list}
    for name in wanted:
        if name not in INDICATORS:
            raise InputError(f"--indicators {name}: not an indicator of the model"
                             f"{nearest(name, INDICATORS)}")
        if name not in present:
            raise InputError(f"--indicators {name}: {targets_file} has no target of it (with "
                             "the block and years chosen)")
    return [t for t in target_list if t.indicator in wanted]


def split(target_list: list[targets.Target], holdout_from: int | None):
    """Training and test targets: by survey year, every target ending before ``holdout_from``
    trains, the rest is held out."""
    if holdout_from is None:
        return target_list, []
    train = [t for t in target_list if t.years[-1] < holdout_from]
    test = [t for t in target_list if t.years[-1] >= holdout_from]
    if not train or not test:
        raise InputError(f"--holdout-from {holdout_from}: every target falls on one side "
                         f"(years {min(t.years[0] for t in target_list)}-"
                         f"{targets.last_year(target_list)})")
    return train, test


def calibration_scenario(base: Scenario, scale: int, last_year: int,
                         block: str = "all", held: dict[str, float] | None = None,
                         hold_pathway: bool = True) -> Scenario:
    """The scenario particles run: the base without its parameter set, at ``scale``, stopped at
    the last target year; for the ``life`` block, with the pathway at the set's point estimate
    (unless ``hold_pathway`` is False: ``--nuisance posterior`` draws it), and with ``held``
    values (:func:`held_at_set`) fixed (the scenario's own parameters still override both)."""
    from ..scenario import validate

    data = base.model_dump(mode="json")
    fixed = (pathway_point(base) if block == "life" and hold_pathway else {}) | (held or {})
    data.update(parameter_set=None, scale=scale, replicates=1, levers=[],
                parameters={**fixed, **data["parameters"]},
                horizon={"start": base.start_year, "end": max(base.start_year, last_year)})
    return validate(data, base.origin)
