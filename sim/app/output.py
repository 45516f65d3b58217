"""Run folders: one new folder per run, written atomically and never overwritten.

A run folder holds ``manifest.json`` (what was run, with which code), ``indicators.csv`` (the tidy
indicator table), ``arrivals.png`` (simulated against published arrivals) and
``life_in_south.png`` (work, income, welfare and discrimination against the surveys). Everything is
written into a hidden sibling folder first and renamed into place at the end, so a failed run
leaves no partial folder behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from ..engine.errors import InputError
from ..engine.files import PROJECT_ROOT, atomic_write_text, json_text, write_table
from ..scenario import Scenario

MANIFEST = "manifest.json"
INDICATORS = "indicators.csv"
CODEBOOK = "codebook.csv"  # indicator, meaning, unit, denominator, definition (sim/data)
ARRIVALS_CHART = "arrivals.png"
LIFE_CHART = "life_in_south.png"
PACKAGES = ("resettle", "mesa", "numpy", "scipy", "pandas", "matplotlib", "networkx",
            "pydantic", "pyyaml", "dask")
NOTE = ("These are population-level scenario estimates with uncertainty. They are never "
        "predictions about any person, and must not be used to identify, screen or judge anyone.")
GIT_TIMEOUT_S = 10  # a hung git must not hang a run


def utc_now() -> str:
    """The current time as ISO-8601 UTC, to the second (e.g. ``2025-01-31T12:00:00+00:00``)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_run_dir(base: Path, scenario_name: str, seed: int,
                    now: datetime | None = None) -> Path:
    """A new folder name ``<scenario>-<YYYYmmdd-HHMMSS>-seed<N>`` under ``base``.

    Args:
        base: The outputs folder (need not exist yet).
        scenario_name: Scenario name (already restricted to safe file-name characters).
        seed: The seed of the run.
        now: Time stamp to use; defaults to the current UTC time.

    Returns:
        A path that does not exist yet; ``-2``, ``-3`` ... is appended if the name is taken.
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    stem = f"{scenario_name}-{stamp}-seed{seed}"
    candidate, suffix = base / stem, 2
    while candidate.exists():
        candidate, suffix = base / f"{stem}-{suffix}", suffix + 1
    return candidate


def check_new(run_dir: Path) -> Path:
    """The run folder as an absolute path, refused if it already exists.

    Raises:
        InputError: If anything exists at ``run_dir``.
    """
    run_dir = Path(os.path.abspath(run_dir))
    if run_dir.exists() or run_dir.is_symlink():
        raise InputError(f"{run_dir}: already exists; runs are never overwritten, "
                         "choose a new folder")
    return run_dir


def _missing_ancestors(path: Path) -> list[Path]:
    """Ancestors of ``path`` that do not exist yet, nearest first."""
    return [p for p in path.parents if not p.exists()]


def _remove_empty(created: list[Path]) -> None:
    """Remove folders this run created (nearest first), stopping at the first non-empty one."""
    for folder in created:  # nearest first, so each is empty once its child is gone
        try:
            folder.rmdir()
        except OSError:
            break


def _discard(staging: Path, created: list[Path]) -> None:
    """Remove the staging folder and any (still empty) parent folders created for it."""
    shutil.rmtree(staging, ignore_errors=True)
    _remove_empty(created)


@contextmanager
def staged_run_dir(run_dir: Path) -> Iterator[Path]:
    """Create a hidden staging folder beside ``run_dir``; rename it to ``run_dir`` on success.

    The staging folder is created on entry, so an unwritable location is reported before any
    work is done. On any exception the staging folder (and parents created for it) is removed.

    Args:
        run_dir: The final run folder; must not exist.

    Yields:
        The staging folder to write into.

    Raises:
        InputError: If the location is not writable or ``run_dir`` appeared in the meantime.
    """
    run_dir = check_new(run_dir)
    staging = run_dir.with_name(f".{run_dir.name}.tmp-{os.getpid()}")
    created = _missing_ancestors(staging)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        _remove_empty(created)  # never the staging path itself: it may belong to someone else
        raise InputError(f"{run_dir}: cannot create the run folder there "
                         f"({exc.strerror or exc})") from None
    try:
        yield staging
        check_new(run_dir)  # os.rename would silently replace an empty folder made meanwhile
        try:
            os.rename(staging, run_dir)
        except OSError as exc:
            raise InputError(f"{run_dir}: cannot move the finished run folder into place "
                             f"({exc.strerror or exc})") from None
    except BaseException:
        _discard(staging, created)
        raise


@contextmanager
def resumable_run_dir(run_dir: Path) -> Iterator[Path]:
    """Like :func:`staged_run_dir`, but the staging folder ``.NAME.partial`` is kept when the
    work fails or is interrupted, so the same command can resume it; renamed on success."""
    run_dir = check_new(run_dir)
    staging = run_dir.with_name(f".{run_dir.name}.partial")
    fresh = not staging.exists()
    created = _missing_ancestors(staging) if fresh else []
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(created)
        raise InputError(f"{run_dir}: cannot create the run folder there "
                         f"({exc.strerror or exc})") from None
    with _locked(staging, run_dir) as lock:
        try:
            yield staging
        except BaseException as exc:
            if fresh and not [p for p in staging.iterdir() if p.name not in _records()]:
                _discard(staging, created)  # nothing worth resuming was done
            elif isinstance(exc, KeyboardInterrupt):  # Ctrl-C or SIGTERM: say how to go on
                raise KeyboardInterrupt(f"the work done is kept in {staging}; run the same "
                                        "command again to resume it") from None
            raise
        check_new(run_dir)
        os.rename(staging, run_dir)
        (run_dir / lock.name).unlink(missing_ok=True)


LOCK = ".lock"  # held (flock) by the process writing a .partial folder


def _records() -> set[str]:
    """Files of a .partial folder that are not work done: the lock and the records of what the
    folder was made from (a failed start with only these leaves nothing to resume)."""
    from ..experiments import calibrate, ensemble, sensitivity

    return {LOCK, calibrate.STAMP, sensitivity.STAMP, ensemble.ENSEMBLE_FILE}


@contextmanager
def _locked(staging: Path, run_dir: Path) -> Iterator[Path]:
    """Hold an exclusive lock on ``staging`` (released when the process ends, however it
    ends): a second process on the same folder is refused at once."""
    import fcntl

    path = staging / LOCK
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{run_dir}: another resettle process is writing this folder "
                             f"({staging.name}); wait for it to finish or choose another "
                             "--out") from None
        yield path


def package_versions() -> dict[str, str | None]:
    """Installed versions of resettle and its main dependencies (None if not installed)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _git(*args: str, root: Path = PROJECT_ROOT) -> str | None:
    """Output of a git command run in ``root``, or None if git is missing or the command fails."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    """The commit checked out in ``root``; None if not a git repository or git is missing."""
    commit = (_git("rev-parse", "HEAD", root=root) or "").strip()
    return commit or None


def git_dirty(root: Path = PROJECT_ROOT) -> bool | None:
    """Whether tracked files in ``root`` differ from the commit (None if unknown)."""
    status = _git("status", "--porcelain", "--untracked-files=no", root=root)
    return None if status is None else bool(status.strip())


def parameter_set_info(scenario: Scenario) -> dict[str, Any] | None:
    """The calibrated parameter set a scenario uses: its folder, posterior checksum and point."""
    if scenario.parameter_set is None:
        return None
    from ..engine import posterior

    pset = posterior.load(scenario.parameter_set, scenario.origin)
    return {"folder": str(pset.folder), "posterior_sha256": posterior.checksum(pset.folder),
            "particles": pset.sizes(), "point": pset.point()}


def scenario_files(scenario: Scenario) -> list[dict[str, str]]:
    """The resolved path and sha256 of the scenario's file and of every file it extends, child
    first (none for a scenario made in Python)."""
    import hashlib

    from ..scenario import ancestors

    if not Path(scenario.origin).is_file():
        return []
    return [{"path": str(path.resolve()),
             "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
            for path in ancestors(scenario.origin)]


def manifest(scenario: Scenario, seed: int, started: str, ended: str,
             argv: list[str] | None = None) -> dict[str, Any]:
    """Everything needed to reproduce a run.

    Args:
        scenario: The validated scenario that was run.
        seed: The seed in force.
        started: Start time (ISO-8601 UTC).
        ended: End time (ISO-8601 UTC).
        argv: The command line; defaults to ``sys.argv``.

    Returns:
        A JSON-serialisable dictionary.
    """
    return {
        "note": NOTE,
        "scenario": scenario.resolved(),
        "scenario_file": scenario.origin,
        "scenario_files": scenario_files(scenario),
        "parameter_set": parameter_set_info(scenario),
        "seed": seed,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),  # True: the code run differs from git_commit
        "command_line": list(sys.argv if argv is None else argv),
        "started": started,
        "ended": ended,
    }


FORMATS = ("csv", "parquet")


def check_format(fmt: str) -> str:
    """``--format``: parquet needs pyarrow (the ``parquet`` extra); a one-line error if absent."""
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("--format parquet: pyarrow is not installed; pip install "
                             "'resettle[parquet]', or use --format csv") from None
    return fmt


def as_format(folder: Path, fmt: str) -> None:
    """With ``parquet``, the tables of a run or comparison folder (and of its scenarios'
    folders) as Parquet files instead of CSV; the codebook and the replicate folders, which a
    resumed ensemble checks, stay CSV."""
    if fmt != "parquet":
        return
    for path in sorted([*folder.glob("*.csv"), *folder.glob("*/*.csv")]):
        if path.name == CODEBOOK:
            continue
        try:
            table = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            table = pd.DataFrame()
        table.to_parquet(path.with_suffix(".parquet"), index=False)
        path.unlink()


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """A table of a run folder by its CSV name, written as CSV or (``--format parquet``) as
    Parquet; an empty table if it is missing or empty."""
    path = folder / name
    if not path.is_file() and path.with_suffix(".parquet").is_file():
        return pd.read_parquet(path.with_suffix(".parquet"))
    if not path.is_file() or path.stat().st_size <= 1:
        return pd.DataFrame()
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def write_indicators(folder: Path, indicators: pd.DataFrame) -> Path:
    """Write the indicator table as ``indicators.csv`` in ``folder``; return its path."""
    return write_table(folder / INDICATORS, indicators)


def write_manifest(folder: Path, content: dict[str, Any]) -> Path:
    """Write ``manifest.json`` in ``folder``, and ``codebook.csv`` (what each indicator means,
    its unit and denominator) beside it; return the manifest's path."""
    from importlib import resources

    path = folder / MANIFEST
    atomic_write_text(path, json_text(content))
    atomic_write_text(folder / CODEBOOK,
                      resources.files("sim.data").joinpath(CODEBOOK).read_text())
    return path
