"""The suite writes nothing into the source tree: the files git sees must be the same before and
after a run (checked once, by the controlling process). Its parallel workers run the model's
passes serially, as an ensemble's workers do."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# hypothesis keeps its example database and constants outside the source tree
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      str(Path(tempfile.gettempdir()) / "resettle-hypothesis"))


IGNORED = ("__pycache__/", ".pytest_cache/", ".venv/", ".egg-info/")  # Python's own caches


def _tree() -> str | None:
    """Every file git sees or ignores, but Python's caches (None outside a git checkout)."""
    done = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    return "\n".join(line for line in done.stdout.splitlines()
                     if not any(part in line for part in IGNORED))


def _controller(config) -> bool:
    return not hasattr(config, "workerinput")  # pytest-xdist workers have it


def pytest_sessionstart(session):
    if _controller(session.config):
        session.config._tree_before = _tree()
    else:  # the suite's workers fill the cores: the model's passes stay serial in them and in
        # the commands they start, but where a test asks for the parallel builds
        # (tests/test_kernels.py); threads competing for the cores only spin
        import numba

        from sim.engine import kernels

        kernels.one_core()
        os.environ["NUMBA_NUM_THREADS"] = "1"
        # numba reads the variable again at its next compilation and refuses a value that differs
        # from the one its threads started with: read it now, before any thread starts (with
        # every build cached, a worker's first compilation can come after its first parallel pass)
        numba.config.reload_config()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_tree_before", None)
    if not _controller(session.config) or before is None:
        return
    after = _tree()
    if after != before:
        new = sorted(set(after.splitlines()) - set(before.splitlines()))
        print(f"\nthe tests wrote into the source tree: {new[:10]}")
        session.exitstatus = 1
