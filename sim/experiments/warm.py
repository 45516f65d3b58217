"""Compile the model's passes once, ahead of its first run: ``python -m sim.experiments.warm``.

numba compiles a pass when it is first called and keeps the build in the ``__pycache__`` folder
beside its source, so the first run after an install spends about half a minute compiling, and
every process that starts before the builds are written (each test worker, each worker of an
ensemble) compiles them again. ``scripts/bootstrap --test`` runs this module once after installing,
as pip compiles the byte code of the packages it installs, so that the test workers load them.

It runs the white paper's package of levers (so that the passes meet people whom levers reach) at
a small scale over the whole horizon twice: once with every pass taking its parallel build, once
with the serial builds; a test checks that both builds of every pass are then compiled. The runs'
outputs are discarded; nothing is written outside ``__pycache__``.
"""

from __future__ import annotations

import time

from ..engine import kernels
from .api import run

# Small enough to take seconds once compiled, large enough that every module meets people.
SCALE = 100.0
SCENARIO = "white-paper-package"


def warm() -> float:
    """Compile (or load) every pass's parallel and serial builds; return the seconds taken."""
    start = time.perf_counter()
    for parallel in (True, False):
        with kernels.forced_builds(parallel):
            run(SCENARIO, scale=SCALE, watched=False)
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"resettle: compiled the model's passes in {warm():.0f} s")
