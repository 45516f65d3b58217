"""A calibration started from an earlier one's posterior, carried to the present priors.

When a prior changes (a source found, a centre corrected), the earlier posterior still holds what
the targets taught about everything else. Its particles, weighted by the ratio of the new prior
to the old one where a prior changed (importance sampling: Chopin & Papaspiliopoulos 2020, "An
Introduction to Sequential Monte Carlo", ch. 8) and resampled systematically (Kitagawa 1996),
become generation 0 of a new ABC-SMC run instead of draws from the priors. The generations that
follow move every particle under the present priors, so what is left of the earlier ones fades.

It is an approximation, stated in the calibration's manifest: generation 0 follows the present
priors times the earlier run's acceptance, not the present priors, and a prior that moved far
leaves few distinct particles (the importance weights' effective sample size says how few).
Parameters estimated now but not then start from their priors; those estimated then but not now
are dropped.

Chopin N, Papaspiliopoulos O (2020). An Introduction to Sequential Monte Carlo. Springer.
Kitagawa G (1996). Monte Carlo filter and smoother for non-Gaussian nonlinear state space
models. Journal of Computational and Graphical Statistics 5: 1-25.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.errors import InputError, shown
from ..engine.files import MAX_INPUT_BYTES
from ..engine.parameters import PRIOR_KINDS
from ..engine.posterior import POSTERIOR_FILE, WEIGHT, block_files, read_block
from .calibrate import STAMP, Prior

MAX_STAMP_BYTES = 50 * MAX_INPUT_BYTES  # the scenario, targets and priors it records, as JSON
POSITIVE = {"sigma", "median", "sd", "a", "b"}  # the arguments of a prior that must exceed 0


@dataclass
class Start:
    """Generation 0 taken from an earlier posterior: the particles' standard normal
    coordinates, in the order of the present priors, and what the manifest records."""

    z: np.ndarray
    record: dict = field(default_factory=dict)


def earlier(folder: Path) -> tuple[pd.DataFrame, dict[str, dict]]:
    """The earlier calibration's posterior (values and a weight column, checked as a parameter
    set's are) and its priors by name (:func:`recorded`); a one-line error if ``folder`` is not
    a calibration folder."""
    posterior, stamp = folder / POSTERIOR_FILE, folder / STAMP
    if not posterior.is_file() or not stamp.is_file():
        raise InputError(f"--start-from {folder}: expected the folder of an earlier `resettle "
                         f"calibrate` (with {POSTERIOR_FILE} and {STAMP})")
    old = recorded(folder)
    block = read_block(posterior)
    return block.particles.assign(**{WEIGHT: block.weights}), old


def recorded(folder: Path) -> dict[str, dict]:
    """The priors ``folder``'s calibration.json records, by name, each checked: a known dist
    with its arguments, finite numbers in range, some mass within the parameter's bounds."""
    where = f"--start-from {folder}: {STAMP}"
    path = folder / STAMP
    try:
        size = path.stat().st_size
        if size > MAX_STAMP_BYTES:
            raise InputError(f"{where}: the file is {size:,} bytes; expected at most "
                             f"{MAX_STAMP_BYTES:,} (the record of an earlier `resettle "
                             "calibrate`)")
        data = json.loads(path.read_text())
        old = {p["name"]: p["dist"] for p in data["priors"]}
    except RecursionError:
        raise InputError(f"{where}: nested too deep; expected the record of an earlier "
                         "`resettle calibrate`") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{where}: priors: expected the priors an earlier `resettle "
                         f"calibrate` recorded ({shown(exc, 100)})") from None
    for name, dist in old.items():
        _check_recorded(f"{where}: priors.{name}.dist", name, dist)
    return old


def _check_recorded(where: str, name: object, dist: object) -> None:
    """Refuse a recorded prior that is not one :func:`~sim.engine.parameters.prior_form` can
    make, or that puts no mass within the parameter's bounds."""
    kind = dist.get("dist") if isinstance(dist, dict) else None
    if not isinstance(kind, str) or kind not in PRIOR_KINDS:
        raise InputError(f"{where}: expected a prior whose dist is one of "
                         f"{', '.join(sorted(PRIOR_KINDS))}, got {shown(dist)}")
    if set(dist) != {"dist", *PRIOR_KINDS[kind]}:
        raise InputError(f"{where}: expected the keys dist, {', '.join(PRIOR_KINDS[kind])} of a "
                         f"{kind} prior, got {', '.join(map(str, dist))[:100]}")
    for key in PRIOR_KINDS[kind]:
        value = dist[key]
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise InputError(f"{where}.{key}: expected a finite number, got {shown(value)}")
        if key in POSITIVE and value <= 0:
            raise InputError(f"{where}.{key}: expected a positive number, got {shown(value)}")
    if kind == "uniform" and not dist["low"] < dist["high"]:
        raise InputError(f"{where}: expected low below high, got low {dist['low']} and high "
                         f"{dist['high']}")
    prior = Prior(str(name), dict(dist), "")
    if not prior.mass[1] > prior.mass[0]:
        raise InputError(f"{where}: the prior puts no mass within the parameter's bounds "
                         f"[{prior.bounds[0]:g}, {prior.bounds[1]:g}]")


def changed(table: pd.DataFrame, old: dict[str, dict], priors: list[Prior]) -> list[Prior]:
    """The present priors of the parameters the earlier posterior holds under another prior."""
    return [p for p in priors if p.name in table.columns and p.name in old
            and old[p.name] != p.dist]


def log_weights(table: pd.DataFrame, old: dict[str, dict], priors: list[Prior]) -> np.ndarray:
    """Each particle's log weight: its own weight times, for every parameter whose prior
    changed, the new prior's density over the old one's at its value (both truncated to the
    parameter's bounds; minus infinity outside the new prior's support)."""
    with np.errstate(divide="ignore"):
        out = np.log(table[WEIGHT].to_numpy(dtype=float))
    for prior in changed(table, old, priors):
        x = table[prior.name].to_numpy(dtype=float)
        then = Prior(prior.name, old[prior.name], "")
        with np.errstate(divide="ignore", invalid="ignore"):
            out = out + prior.logpdf(x) - then.logpdf(x)
    return np.where(np.isnan(out), -np.inf, out)


def systematic(weights: np.ndarray, n: int, u: float) -> np.ndarray:
    """Indices of ``n`` draws by systematic resampling (Kitagawa 1996) with offset ``u`` in
    [0, 1): particle i is drawn about n * weight_i times, never fewer than the floor."""
    edges = np.cumsum(weights / weights.sum())
    edges[-1] = 1.0
    return np.searchsorted(edges, (u + np.arange(n)) / n, side="right")


def _other_blocks(folder: Path, priors: list[Prior]) -> None:
    """Refuse to estimate a parameter that a block in a subfolder of ``folder`` estimates (a
    parameter set's other blocks, :mod:`sim.engine.posterior`): a parameter belongs to one block
    only, and the start would draw it afresh from its prior."""
    names = {p.name for p in priors}
    for path in block_files(folder)[1:]:
        shared = sorted(names & set(read_block(path).particles.columns))
        if shared:
            raise InputError(
                f"--start-from {folder}: its block {path.parent.name}/ estimates "
                f"{', '.join(shared)}; "
                "a parameter belongs to one block only: leave them out (--exclude that block's "
                "priors file) or start from that block")


def _check_support(folder: Path, table: pd.DataFrame, old: dict[str, dict],
                   priors: list[Prior]) -> None:
    """Refuse a particle of the earlier posterior where its own recorded prior has no density:
    the posterior was not drawn under that prior, and its importance weight would be infinite."""
    for prior in changed(table, old, priors):
        x = table[prior.name].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            density = Prior(prior.name, old[prior.name], "").logpdf(x)
        bad = np.flatnonzero(~(density > -np.inf) & (table[WEIGHT].to_numpy(dtype=float) > 0))
        if bad.size:
            raise InputError(
                f"--start-from {folder}: {STAMP}: priors.{prior.name}.dist: the recorded prior "
                f"gives no density at {x[bad[0]]:g}, a particle of {POSTERIOR_FILE} (row "
                f"{bad[0] + 2}); expected the prior that posterior was drawn under")


def _names(names: list[str], most: int = 5) -> str:
    """Up to ``most`` names, and how many more."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def start(folder: Path, priors: list[Prior], population: int, seed: int) -> Start:
    """Generation 0 from the earlier posterior in ``folder``, reweighted for ``priors`` and
    resampled to ``population`` particles (the draws seeded by ``seed``)."""
    table, old = earlier(folder)
    names = [p.name for p in priors]
    if not set(names) & set(table.columns):
        raise InputError(f"--start-from {folder}: the folder estimated none of the present "
                         f"parameters ({_names(names)}), so it would change nothing; start "
                         "from the priors instead")
    _other_blocks(folder, priors)
    _check_support(folder, table, old, priors)
    lw = log_weights(table, old, priors)
    if not (lw > -np.inf).any():
        raise InputError(f"--start-from {folder}: no particle of {POSTERIOR_FILE} lies where "
                         "the present priors allow; start from the priors instead")
    top = lw.max()  # a density infinite at a particle (a beta below 1 at 0) takes all weight
    w = np.where(np.isposinf(lw), 1.0, 0.0) if np.isposinf(top) else np.exp(lw - top)
    rng = np.random.default_rng([seed, 0])
    rows = systematic(w, population, float(rng.random()))
    z = rng.standard_normal((population, len(priors)))  # for parameters new to the calibration
    for k, prior in enumerate(priors):
        if prior.name in table.columns:
            z[:, k] = prior.coordinate(table[prior.name].to_numpy(dtype=float)[rows])
    record = {
        "folder": str(folder.resolve()),
        "posterior_sha256": hashlib.sha256((folder / POSTERIOR_FILE).read_bytes()).hexdigest(),
        "changed_priors": sorted(p.name for p in changed(table, old, priors)),
        "new_parameters": sorted(n for n in names if n not in table.columns),
        "dropped_parameters": sorted(c for c in table.columns if c != WEIGHT and c not in names),
        "importance_ess": round(float(w.sum() ** 2 / np.sum(w * w)), 1),
        "earlier_particles": int(len(table)),
        "distinct_particles": int(np.unique(rows).size)}
    return Start(z, record)
