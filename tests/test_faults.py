"""Faults injected into real runs: the parent killed (SIGKILL) or terminated (SIGTERM) leaves no
process behind, a second run on the same folder is refused, a resume after the model's data
changed is refused, and a plain resume ends byte-identical to an uninterrupted run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from _shared import RESETTLE, small_file

ROOT = Path(__file__).resolve().parent.parent
REPLICATES = "10"


def _start(tmp_path: Path, out: Path, *options: str, env: dict | None = None):
    path = small_file(tmp_path, end=2005)
    return subprocess.Popen([*RESETTLE, "run", str(path), "--replicates", REPLICATES,
                             "--out", str(out), *options], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own group: cleaned up if a test fails


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    _, err = proc.communicate(timeout=600)
    return proc.returncode, err


def _descendants(pid: int) -> set[int]:
    """The processes started by ``pid`` and by them (psutil, or /proc without it)."""
    try:
        import psutil
    except ImportError:
        parents = {int(p.name): int(_stat(p)[1]) for p in Path("/proc").glob("[0-9]*")
                   if _stat(p)}
        found, todo = set(), [pid]
        while todo:
            kids = {c for c, parent in parents.items() if parent == todo.pop()} - found
            found |= kids
            todo.extend(kids)
        return found
    return {p.pid for p in psutil.Process(pid).children(recursive=True)}


def _stat(proc: Path) -> list[str]:
    """State and parent of a /proc entry ([] if it has ended)."""
    try:
        return proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[:2]
    except OSError:
        return []


def _alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie has ended)."""
    return {p for p in pids if _stat(Path(f"/proc/{p}")) and _stat(Path(f"/proc/{p}"))[0] != "Z"}


def _survivors(pids: set[int], within: float = 10.0) -> set[int]:
    deadline = time.monotonic() + within
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _alive(pids)


def _when_replicates_done(proc: subprocess.Popen, partial: Path, count: int) -> set[int]:
    """Wait until ``count`` replicates are in ``partial``; return the run's processes then."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((partial / "replicates").glob("0*"))) >= count:
            return _descendants(proc.pid)
        time.sleep(0.2)
    pytest.fail(f"no {count} replicates within the time allowed: {proc.communicate()[1]}")


def _until_locked(proc: subprocess.Popen, partial: Path) -> None:
    """Wait until the lock of ``partial`` is held (by ``proc``, the only run started on it),
    read from /proc/locks: taking the lock to test it could make the run find it held."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        inode = os.stat(partial / ".lock").st_ino if (partial / ".lock").exists() else None
        held = Path("/proc/locks").read_text().splitlines() if inode else []
        if any(line.split()[5].endswith(f":{inode}") for line in held
               if len(line.split()) > 5 and line.split()[1] == "FLOCK"):
            return
        time.sleep(0.05)
    pytest.fail(f"the run did not take the folder's lock: {proc.communicate()[1]}")


def _end_group(proc: subprocess.Popen) -> None:
    """End whatever is left of a run's process group (after a failed assertion)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if proc.returncode is None:
        proc.communicate(timeout=60)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


def _package_with_edited_world(tmp_path: Path) -> dict:
    """An environment importing a copy of the package whose world table differs by one cell."""
    copy = tmp_path / "edited" / "sim"
    shutil.copytree(ROOT / "sim", copy, ignore=shutil.ignore_patterns("__pycache__"))
    world = copy / "data" / "world.csv"
    text = world.read_text()
    edited = text.replace("\n2030,post_covid,counter_espionage,none,17000,",
                          "\n2030,post_covid,counter_espionage,none,17001,")  # a broker fee
    assert edited != text
    world.write_text(edited)
    return {**os.environ, "PYTHONPATH": str(copy.parent)}


@pytest.mark.slow  # real runs killed and resumed (.ci/run runs the slow tests)
def test_a_killed_run_leaves_no_process_and_resumes_only_unchanged_to_the_same_bytes(tmp_path):
    code, err = _finish(_start(tmp_path, tmp_path / "whole"))
    assert code == 0, err
    out, partial = tmp_path / "cut", tmp_path / ".cut.partial"
    proc = _start(tmp_path, out)
    try:
        workers = _when_replicates_done(proc, partial, 2)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must follow it
        proc.wait(timeout=60)
        assert workers and not _survivors(workers)
    finally:
        _end_group(proc)
    assert not out.exists() and len(list((partial / "replicates").glob("0*"))) < 6
    code, err = _finish(_start(tmp_path, out, env=_package_with_edited_world(tmp_path)))
    assert code == 2 and err.count("\n") == 1, err
    assert "started differently (the data file(s) data/world.csv changed" in err
    assert "to start afresh remove that folder or choose another --out" in err
    resumed = _start(tmp_path, out)
    _until_locked(resumed, partial)
    second = _finish(_start(tmp_path, out))  # while the resumed run holds the folder
    assert second[0] == 2 and "another resettle process is writing this folder" in second[1]
    code, err = _finish(resumed)
    assert code == 0, err
    assert _files(out) == _files(tmp_path / "whole")


@pytest.mark.slow  # real runs stopped (.ci/run runs the slow tests)
@pytest.mark.parametrize("how, options", [(signal.SIGKILL, ("--workers", "2")),
                                          (signal.SIGTERM, ()),
                                          (signal.SIGTERM, ("--workers", "2"))])
def test_a_stopped_parent_leaves_no_process_and_sigterm_keeps_what_resumes(tmp_path, how,
                                                                           options):
    out, partial, temporary = tmp_path / "cut", tmp_path / ".cut.partial", tmp_path / "tmp"
    temporary.mkdir()
    proc = _start(tmp_path, out, *options, env={**os.environ, "TMPDIR": str(temporary)})
    try:
        workers = _when_replicates_done(proc, partial, 1)
        os.kill(proc.pid, how)
        code, err = _finish(proc)
        assert workers and not _survivors(workers)
    finally:
        _end_group(proc)
    assert any((partial / "replicates").glob("0*")) and not out.exists()
    assert not [p for p in temporary.iterdir() if "dask" in p.name]  # scratch in the run's own
    if how == signal.SIGTERM:
        assert code == 130 and err.splitlines() == [
            f"resettle: interrupted; the work done is kept in {partial}; run the same command "
            "again to resume it"]
