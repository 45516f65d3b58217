"""Add a block calibrated given the others (``resettle calibrate --nuisance set``) to a parameter
set: copy its posterior into ``SET/NAME/`` and remove its parameters from the set's other blocks,
since a parameter belongs to one block only (:mod:`sim.engine.posterior`): their columns of
``posterior.csv``, their rows of ``parameters.csv`` (prior and posterior spread, contraction) and
their rows and columns of ``correlations.csv``, the files that describe a block's particles. A
block's ``report.html`` and ``fit_table.csv`` stay the record of the calibration that made it.

Usage: .venv/bin/python calibration/add_block.py CALIBRATION_FOLDER SET NAME

Nothing is changed unless every file can be written: the new files are written beside the old
ones and renamed into place together at the end.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.engine import posterior  # noqa: E402
from sim.engine.errors import InputError  # noqa: E402

COPIED = ("posterior.csv", "calibration.json", "parameters.csv", "fit_table.csv",
          "generations.csv", "correlations.csv", "manifest.json")


def add_block(calibration: Path, parameter_set: Path, name: str) -> list[str]:
    """Move the block into place; return the parameters it took over from other blocks."""
    block = posterior.read_block(calibration / posterior.POSTERIOR_FILE)
    target = parameter_set / name
    if target.exists():
        raise InputError(f"{target}: already exists; remove it first to replace the block")
    moved, staged = [], []
    fresh = parameter_set / f".{name}.partial"
    try:
        shutil.rmtree(fresh, ignore_errors=True)  # left by an interrupted earlier call
        for path in posterior.block_files(parameter_set):
            tables, taken = _without(path.parent, list(block.particles.columns))
            moved += taken
            for file, table in tables.items():
                staged.append((file, file.with_suffix(".csv.new")))
                table.to_csv(staged[-1][1], index=False)
        fresh.mkdir()
        for file in COPIED:
            if (calibration / file).is_file():
                shutil.copy2(calibration / file, fresh / file)
    except BaseException:  # nothing staged is left behind, the set unchanged
        for _, new in staged:
            new.unlink(missing_ok=True)
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    for path, new in staged:
        new.replace(path)
    fresh.rename(target)
    posterior.load(str(parameter_set.resolve()))  # the set reads, one block per parameter
    return moved


def _without(folder: Path, names: list[str]) -> tuple[dict[Path, pd.DataFrame], list[str]]:
    """The tables of the block in ``folder`` that mention any of ``names``, without them, and
    the names its posterior held."""
    out = {}
    path = folder / posterior.POSTERIOR_FILE
    table = pd.read_csv(path)
    taken = [n for n in names if n in table.columns]
    if taken:
        out[path] = table.drop(columns=taken)
    path = folder / "parameters.csv"
    if path.is_file():
        table = pd.read_csv(path)
        if table.parameter.isin(names).any():
            out[path] = table[~table.parameter.isin(names)]
    path = folder / "correlations.csv"
    if path.is_file():
        table = pd.read_csv(path)
        if table.parameter.isin(names).any():
            kept = table[~table.parameter.isin(names)]
            out[path] = kept.drop(columns=[n for n in names if n in kept.columns])
    return out, taken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calibration", type=Path, help="folder of the block's calibration")
    parser.add_argument("parameter_set", type=Path, help="the parameter set to add it to")
    parser.add_argument("name", help="the block's subfolder in the set")
    args = parser.parse_args()
    try:
        moved = add_block(args.calibration, args.parameter_set, args.name)
    except InputError as exc:
        print(f"add_block.py: {exc}", file=sys.stderr)
        return 2
    print(f"{args.parameter_set / args.name}: added; taken over from other blocks: "
          f"{', '.join(moved) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
