"""Model parameters: published constants and estimated quantities with priors.

The tables live in ``sim/data/parameters/``, one YAML file per domain (pathway, labour, welfare,
discrimination, training ...); each entry has a value, a unit, bounds, the source or reason, and for
estimated quantities a prior that calibration samples from. A name may appear in one file only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from .errors import InputError, nearest, shown, text_for_number
from .files import FAST_LOADER, line_map

FIRST_FILE = "pathway.yaml"  # listed first; the other domains follow alphabetically
PRIOR_KINDS = {"uniform": ("low", "high"), "lognormal": ("median", "sigma"),
               "beta": ("a", "b"), "normal": ("mean", "sd")}


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter: its value, unit, bounds, source and prior (None for published constants)."""

    name: str
    value: float
    unit: str
    source: str
    low: float
    high: float
    prior: dict[str, Any] | None
    origin: str = ""  # file name in sim/data/parameters/


def _spec(name: str, entry: dict[str, Any], where: str, origin: str) -> ParameterSpec:
    for key in ("value", "unit", "source"):
        if key not in entry:
            raise InputError(f"{where}: parameter {name!r} lacks {key!r}")
    low, high = entry.get("bounds", [0.0, math.inf])
    prior = entry.get("prior")
    if prior is not None:
        kind = prior.get("dist")
        if kind not in PRIOR_KINDS or set(prior) != {"dist", *PRIOR_KINDS[kind]}:
            raise InputError(f"{where}: {name}.prior: malformed prior {prior!r}; expected dist "
                             f"one of {sorted(PRIOR_KINDS)} with its arguments")
        if not all(isinstance(prior[k], (int, float)) and math.isfinite(prior[k])
                   for k in PRIOR_KINDS[kind]):
            raise InputError(f"{where}: {name}.prior: expected finite numbers for "
                             f"{', '.join(PRIOR_KINDS[kind])}, got {prior!r}")
        centre = prior_centre(prior)
        if not float(low) <= centre <= float(high):
            raise InputError(f"{where}: {name}.prior: its centre {centre:g} lies outside the "
                             f"bounds [{low}, {high}]")
    return ParameterSpec(name, float(entry["value"]), entry["unit"], entry["source"],
                         float(low), float(high), prior, origin)


def prior_centre(prior: dict[str, Any]) -> float:
    """The centre of a prior: the median of a lognormal, the mean of a normal or a beta, the
    midpoint of a uniform."""
    kind = prior["dist"]
    if kind == "lognormal":
        return float(prior["median"])
    if kind == "normal":
        return float(prior["mean"])
    if kind == "uniform":
        return 0.5 * (prior["low"] + prior["high"])
    return prior["a"] / (prior["a"] + prior["b"])


def prior_form(prior: dict[str, Any]) -> tuple[str, tuple, dict[str, float]]:
    """A prior as a ``scipy.stats`` distribution name, its arguments and keyword arguments."""
    kind = prior["dist"]
    if kind == "lognormal":
        return "lognorm", (prior["sigma"],), {"scale": prior["median"]}
    if kind == "normal":
        return "norm", (prior["mean"], prior["sd"]), {}
    if kind == "beta":
        return "beta", (prior["a"], prior["b"]), {}
    return "uniform", (prior["low"], prior["high"] - prior["low"]), {}


def prior_quantile(prior: dict[str, Any], q: np.ndarray) -> np.ndarray:
    """Values of a prior at quantiles ``q`` (scipy.stats, loaded only when needed)."""
    return prior_distribution(prior).ppf(q)


def prior_distribution(prior: dict[str, Any]):
    """A prior as a frozen scipy.stats distribution (scipy loaded only when needed)."""
    from scipy import stats

    name, args, kwargs = prior_form(prior)
    return getattr(stats, name)(*args, **kwargs)


def truncated_quantile(dist, low, high, q, floor: float = 0.0,
                       mass: tuple[float, float] | None = None) -> np.ndarray:
    """Values at quantiles ``q`` of the frozen distribution ``dist`` truncated to [low, high]:
    its quantile at F(low) + q (F(high) - F(low)), the probability kept within [floor,
    1 - floor]. Works on arrays of distributions and bounds alike. ``mass``: F(low) and
    F(high) if already known (a calibration's priors keep them)."""
    at_low, at_high = mass if mass is not None else (dist.cdf(low), dist.cdf(high))
    p = at_low + np.asarray(q, dtype=float) * (at_high - at_low)
    return dist.ppf(np.clip(p, floor, 1.0 - floor))


def bounded_quantile(spec: ParameterSpec, q) -> np.ndarray:
    """Values at quantiles ``q`` of a parameter's prior truncated to its bounds. Every draw from
    a prior (ensembles, calibration, screening) is made this way, so none piles up at a bound as
    clipping would (a lognormal multiplier bounded at 1 with median 0.8 and sigma 0.4 put 29% of
    its draws at exactly 1)."""
    x = truncated_quantile(prior_distribution(spec.prior), spec.low, spec.high, q)
    return np.clip(x, spec.low, spec.high)  # rounding only


def draw_from_priors(seed: int, exclude=()) -> dict[str, float]:
    """A value of every parameter that has a prior, drawn from it truncated to the parameter's
    bounds (:func:`bounded_quantile`, as the calibration draws), except the names in ``exclude``.

    Each parameter's uniform is keyed by ``seed`` and its name
    (:func:`~sim.engine.randomness.run_uniforms`), whatever ``exclude`` holds and whichever other
    parameters have priors: the same seed gives every parameter the same value in every scenario
    (paired replicates) and in every version of the tables that keeps its prior."""
    named, kinds = _prior_kinds()
    quantiles = _prior_uniforms(seed, tuple(spec.name for spec in named))
    values = np.empty(len(named))
    for rows, dist, low, high, mass in kinds:  # one vectorised quantile function per kind
        values[rows] = truncated_quantile(dist, low, high, quantiles[rows], mass=mass)
    return {spec.name: float(np.clip(v, spec.low, spec.high))  # clipped for rounding only
            for spec, v in zip(named, values) if spec.name not in exclude}


def _prior_uniforms(seed: int, names: tuple[str, ...]) -> np.ndarray:
    """The uniform of each named parameter's prior draw under ``seed``."""
    from .randomness import run_uniforms

    return run_uniforms(seed, [f"prior.{name}" for name in names])


@lru_cache(maxsize=1)
def _prior_kinds() -> tuple[list[ParameterSpec], list[tuple]]:
    """The parameters with a prior, and for each kind of prior: their rows, one frozen scipy
    distribution of them all (array arguments), their bounds and the distribution's cumulative
    probabilities at the bounds (made once: freezing and the bounds' probabilities cost more than
    the draws)."""
    from scipy import stats

    named = [spec for spec in load_specs().values() if spec.prior is not None]
    kinds = []
    for kind in PRIOR_KINDS:
        rows = [i for i, spec in enumerate(named) if spec.prior["dist"] == kind]
        if rows:
            forms = [prior_form(named[i].prior) for i in rows]
            args = [np.array(column) for column in zip(*(form[1] for form in forms))]
            kwargs = {k: np.array([form[2][k] for form in forms]) for k in forms[0][2]}
            dist = getattr(stats, forms[0][0])(*args, **kwargs)
            low = np.array([named[i].low for i in rows])
            high = np.array([named[i].high for i in rows])
            kinds.append((rows, dist, low, high, (dist.cdf(low), dist.cdf(high))))
    return named, kinds


@lru_cache(maxsize=1)
def load_specs() -> dict[str, ParameterSpec]:
    """The parameter tables shipped with the package, merged (read once per process; callers
    must not change the returned mapping)."""
    specs: dict[str, ParameterSpec] = {}
    folder = resources.files("sim.data").joinpath("parameters")
    for file in sorted(folder.iterdir(), key=lambda f: (f.name != FIRST_FILE, f.name)):
        if not file.name.endswith(".yaml"):
            continue
        text = file.read_text()
        table, lines = yaml.load(text, Loader=FAST_LOADER)["parameters"], line_map(text)
        for name, entry in table.items():
            where = f"sim/data/parameters/{file.name}, line {lines.get(('parameters', name))}"
            if name in specs:
                raise InputError(f"{where}: parameter {name!r} is also defined in "
                                 f"sim/data/parameters/{specs[name].origin}")
            specs[name] = _spec(name, entry, where, file.name)
    return specs


class Parameters(Mapping):
    """Parameter values by name, with the specs they came from.

    Args:
        specs: The parameter table.
        overrides: Values replacing the table's, validated against names and bounds.
        where: Where the overrides came from, for error messages (file and key path).
    """

    def __init__(self, specs: dict[str, ParameterSpec] | None = None,
                 overrides: Mapping[str, Any] | None = None, where: str = "overrides") -> None:
        self.specs = specs if specs is not None else load_specs()
        self._values = {name: spec.value for name, spec in self.specs.items()}
        self._records: dict[type, tuple] = {}
        for name, value in (overrides or {}).items():
            self._values[name] = self._check(name, value, where)

    def _check(self, name: str, value: Any, where: str) -> float:
        if name not in self.specs:
            raise InputError(f"{where}.{name}: unknown parameter {name!r}"
                             f"{nearest(name, self.specs)}; "
                             "`resettle parameters` lists them")
        if isinstance(value, str):
            raise InputError(f"{where}.{name}: {text_for_number(value)} (got {shown(value)})")
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, int) and abs(value) > 1e300) or not math.isfinite(value):
            raise InputError(f"{where}.{name}: expected a finite number, got {shown(value)}")
        spec = self.specs[name]
        if not spec.low <= value <= spec.high:
            raise InputError(f"{where}.{name}: expected a value in [{spec.low:g}, {spec.high:g}] "
                             f"({spec.unit}), got {shown(value)}")
        return float(value)

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> float:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def record(self, kind: type) -> np.ndarray:
        """``kind.of(self)`` (a :func:`parameter_record` of the values a compiled pass reads),
        made once: the values do not change after construction."""
        if kind not in self._records:
            self._records[kind] = kind.of(self)
        return self._records[kind]

    def as_dict(self) -> dict[str, float]:
        """Plain dictionary of the values in force."""
        return dict(self._values)


def parameter_record(typename: str, names: tuple[str, ...]) -> type:
    """The parameter values a compiled kernel reads by name: ``Record.of(params)`` (or
    ``Record.values(mapping)``) is a read-only one-element structured array, which the kernel
    takes as ``record`` and reads as ``q = record[0]`` (``q.job_finding_rate``); a loop over rows
    with ``numba.prange`` reads it inside the loop, since a parallel loop cannot take a record in.
    numba dispatches on such an array in well under a microsecond, on a named tuple of 50 values
    in about 5 (it types every value on every call)."""
    dtype = np.dtype([(name, np.float64) for name in names])

    def values(cls, given: Mapping[str, float]) -> np.ndarray:
        out = np.array([tuple(float(given[name]) for name in names)], dtype=dtype)
        out.flags.writeable = False
        return out

    def of(cls, p) -> np.ndarray:
        return cls.values(p)

    return type(typename, (), {"values": classmethod(values), "of": classmethod(of)})
