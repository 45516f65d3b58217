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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.errors import InputError
from ..engine.posterior import POSTERIOR_FILE, WEIGHT, block_files, read_block
from .calibrate import STAMP, Prior


@dataclass
class Start:
    """Generation 0 taken from an earlier posterior: the particles' standard normal
    coordinates, in the order of the present priors, and what the manifest records."""

    z: np.ndarray
    record: dict = field(default_factory=dict)


def earlier(folder: Path) -> tuple[pd.DataFrame, dict[str, dict]]:
    """The earlier calibration's posterior (values and a weight column, checked as a parameter
    set's are) and its priors by name; a one-line error if ``folder`` is not a calibration
    folder."""
    posterior, stamp = folder / POSTERIOR_FILE, folder / STAMP
    where = f"--start-from {folder}"
    if not posterior.is_file() or not stamp.is_file():
        raise InputError(f"{where}: expected the folder of an earlier `resettle calibrate` "
                         f"(with {POSTERIOR_FILE} and {STAMP})")
    try:
        old = {p["name"]: dict(p["dist"]) for p in json.loads(stamp.read_text())["priors"]}
        for name, dist in old.items():
            Prior(name, dist, "").distribution()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{where}: {STAMP}: priors: expected the priors an earlier "
                         f"`resettle calibrate` recorded ({exc!r})") from None
    block = read_block(posterior)
    return block.particles.assign(**{WEIGHT: block.weights}), old


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


def start(folder: Path, priors: list[Prior], population: int, seed: int) -> Start:
    """Generation 0 from the earlier posterior in ``folder``, reweighted for ``priors`` and
    resampled to ``population`` particles (the draws seeded by ``seed``)."""
    table, old = earlier(folder)
    _other_blocks(folder, priors)
    lw = log_weights(table, old, priors)
    if not np.isfinite(lw).any():
        raise InputError(f"--start-from {folder}: no particle of {POSTERIOR_FILE} lies where "
                         "the present priors allow; start from the priors instead")
    w = np.exp(lw - lw.max())
    rng = np.random.default_rng([seed, 0])
    rows = systematic(w, population, float(rng.random()))
    z = rng.standard_normal((population, len(priors)))  # for parameters new to the calibration
    for k, prior in enumerate(priors):
        if prior.name in table.columns:
            z[:, k] = prior.coordinate(table[prior.name].to_numpy(dtype=float)[rows])
    names = [p.name for p in priors]
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
