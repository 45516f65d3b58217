"""Calibrated parameter sets: the posterior that ``resettle calibrate`` writes, used by scenarios.

A parameter set is a folder (``calibration/calibrated/`` for the baseline) holding
``posterior.csv``: one row per particle of the last ABC-SMC generation, a column per estimated
parameter and a ``weight`` column. A scenario names it with ``parameter_set``. A single run uses
the posterior's point estimate (the weighted median of each parameter); every replicate of an
ensemble draws one particle by weight, with a uniform keyed by the replicate's seed and the
block's name, and every parameter outside the set that has a prior from its prior, with a uniform
keyed by the seed and the parameter's name
(:meth:`sim.scenario.Scenario.with_parameter_set`), so the bands carry parameter as well as
stochastic uncertainty and paired scenarios draw the same values for the same replicate.

A parameter set may hold blocks calibrated separately: each subfolder with its own
``posterior.csv`` (``pathway/``, the pathway's parameters against the pathway's figures) is a
block, and a parameter belongs to one block only. A replicate draws one particle from each block,
independently: the joint posterior is taken as the product of the blocks' (a modular, "cut"
posterior: a block calibrated earlier is not re-conditioned on one calibrated later).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, shown
from .parameters import Parameters, load_specs
from .randomness import cumulative, invert, run_uniforms

SHIPPED = "calibrated"  # the parameter set shipped with the package (calibration/calibrated)
POSTERIOR_FILE = "posterior.csv"
WEIGHT = "weight"


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` of the total."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][min(np.searchsorted(cum, q * cum[-1]), values.size - 1)])


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest value whose cumulative weight reaches half the total."""
    return weighted_quantile(values, weights, 0.5)


@dataclass(frozen=True)
class Block:
    """Weighted particles of one block of a posterior (one ``posterior.csv``)."""

    path: Path
    particles: pd.DataFrame
    weights: np.ndarray

    def point(self) -> dict[str, float]:
        """The weighted median of each parameter."""
        return {name: weighted_median(self.particles[name].to_numpy(), self.weights)
                for name in self.particles.columns}

    def draw(self, u: float) -> dict[str, float]:
        """The particle at the uniform ``u`` of the cumulative weights (one drawn by weight)."""
        row = int(invert(np.array([u]), cumulative(self.weights))[0])
        return {name: float(v) for name, v in self.particles.iloc[row].items()}


@dataclass(frozen=True)
class ParameterSet:
    """A posterior: one block, or several calibrated separately (drawn independently)."""

    folder: Path
    blocks: tuple[Block, ...]

    @property
    def names(self) -> list[str]:
        """The estimated parameters, block by block."""
        return [name for block in self.blocks for name in block.particles.columns]

    def sizes(self) -> dict[str, int]:
        """The number of particles of each block, by its file relative to the folder."""
        return {str(b.path.relative_to(self.folder)): len(b.weights) for b in self.blocks}

    def point(self) -> dict[str, float]:
        """The weighted median of each parameter."""
        return {k: v for block in self.blocks for k, v in block.point().items()}

    def draw(self, seed: int) -> dict[str, float]:
        """One particle of each block, drawn by weight with a uniform of its own, keyed by the
        replicate's ``seed`` and the block's folder (:func:`~sim.engine.randomness.run_uniforms`):
        a block added to the set, or taken away, leaves the particles the others draw as they
        were."""
        names = [f"posterior.{b.path.parent.relative_to(self.folder).as_posix()}"
                 for b in self.blocks]
        return {k: v for block, u in zip(self.blocks, run_uniforms(seed, names))
                for k, v in block.draw(float(u)).items()}


def locate(name: str, origin: str) -> Path:
    """The folder of a parameter set: a path (relative to the scenario file first, then to the
    current folder), or ``calibrated``, the set shipped with the package."""
    candidates = [Path(origin).parent / name, Path(name)]
    if name == SHIPPED:
        candidates.append(Path(str(resources.files("sim.calibrated"))))
    for folder in candidates:
        if (folder / POSTERIOR_FILE).is_file():
            return folder.resolve()
    looked = ", ".join(shown(str(c), 200) for c in candidates)  # escaped: a name may hold \n
    raise InputError(f"{origin}: parameter_set: no {POSTERIOR_FILE} for {shown(name)} (looked in "
                     f"{looked}); run `resettle calibrate --out DIR` to make one")


def block_files(folder: Path) -> list[Path]:
    """The posterior files of a parameter set: the folder's own, then its blocks' (sorted)."""
    return [folder / POSTERIOR_FILE, *sorted(folder.glob(f"*/{POSTERIOR_FILE}"))]


def checksum(folder: Path) -> str:
    """SHA-256 of a parameter set's posterior files (what a run or ensemble was made from): of
    the one file's bytes, or of each block's name and bytes in turn."""
    paths = block_files(folder)
    if len(paths) == 1:
        return hashlib.sha256(paths[0].read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path.relative_to(folder).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _read(folder: Path) -> ParameterSet:
    blocks = tuple(read_block(path) for path in block_files(folder))
    owner: dict[str, Path] = {}
    for block in blocks:
        for name in block.particles.columns:
            if name in owner:
                raise InputError(f"{block.path}: {name}: already estimated in {owner[name]}; "
                                 "a parameter belongs to one block only")
            owner[name] = block.path
    return ParameterSet(folder, blocks)


def read_block(path: Path) -> Block:
    """One ``posterior.csv``, checked: a weight column, names known, values within bounds."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the posterior ({exc})") from None
    if WEIGHT not in table.columns or len(table) == 0:
        raise InputError(f"{path}: expected a '{WEIGHT}' column and at least one particle")
    weights = table.pop(WEIGHT).to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise InputError(f"{path}: weight: expected non-negative weights with a positive sum")
    for name in [c for c in table.columns if _text(table[c])]:  # its numbers read as numbers
        numbers = pd.to_numeric(table[name], errors="coerce")
        table[name] = numbers.astype(object).where(numbers.notna(), table[name])
    for i in _suspect_rows(table):  # the first raises: a name unknown or a value out of bounds
        Parameters(overrides=table.iloc[i].to_dict(), where=f"{path}: row {i + 2}")
    return Block(path, table, weights)


def _text(column: pd.Series) -> bool:
    """Whether pandas read ``column`` as text (a cell that is not a number)."""
    return pd.api.types.is_string_dtype(column) or pd.api.types.is_object_dtype(column)


def _suspect_rows(table: pd.DataFrame) -> np.ndarray:
    """The rows that :class:`Parameters` might refuse, found column by column (a row at a time
    took half a second for the shipped set's 2,500 particles): every row if a column is not a
    known parameter or holds true/false values, else those with a cell that is not a finite
    number within its parameter's bounds."""
    specs = load_specs()
    suspect = np.zeros(len(table), dtype=bool)
    for name in table.columns:
        values = table[name].to_numpy()
        if _text(table[name]):  # its cells that are not numbers
            values = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
            suspect |= np.isnan(values)
        if name not in specs or values.dtype.kind not in "fi":
            return np.arange(len(table))
        low, high = specs[name].low, specs[name].high
        with np.errstate(invalid="ignore"):
            suspect |= ~(np.isfinite(values) & (values >= low) & (values <= high))
    return np.flatnonzero(suspect)


def load(name: str, origin: str = "<python>") -> ParameterSet:
    """Read and check the parameter set ``name`` named in the scenario file ``origin``."""
    return _read(locate(name, origin))
