"""Compiled passes over the residents, on one core or on every core.

A pass written with :func:`numba.prange` over its rows, in which each row's update reads shared
inputs and writes that row's own arrays only (no scratch array shared between rows, no sum over
rows), is compiled twice by :func:`twin`: serially (``prange`` is then ``range``) and with
``parallel=True``. Both give the same arrays bit for bit, since each row's draws come from its own
counter-based stream (:mod:`sim.engine.randomness`) whatever thread makes them; the tests check
it on random populations. A call takes the parallel build for a pass over many rows when this
process may use threads.

Only a process's main thread runs the parallel builds, and worker processes keep to one core
(:func:`one_core`): an ensemble's or a calibration's workers, each running one replicate or
particle, never compete for the cores with threads of their own, and models run in threads
(Dask's workers, the explorer) stay serial. A single run, alone in its process, has every core.
``NUMBA_NUM_THREADS=1`` keeps every pass serial.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numba
import numpy as np

# Fewer rows than this and a pass stays serial. A run at scale 10 (about 3,000 residents) gains
# nothing measurable from the parallel builds, and loses with a threshold of a few hundred rows;
# benchmarks/README.md records the measurements.
PARALLEL_ROWS = 4096

_threads = {"allowed": numba.config.NUMBA_NUM_THREADS > 1}


def one_core() -> None:
    """Keep every pass of this process serial (worker processes: one replicate per core)."""
    _threads["allowed"] = False


def threads_allowed() -> bool:
    """Whether a pass over many rows, called now, runs on every core."""
    return _threads["allowed"] and threading.current_thread() is threading.main_thread()


@contextmanager
def forced_builds(parallel: bool) -> Iterator[None]:
    """Every pass called within takes its parallel build (whatever its rows) or its serial one:
    for compiling both ahead of a run (:mod:`sim.experiments.warm`) and testing both."""
    global PARALLEL_ROWS
    kept = PARALLEL_ROWS, dict(_threads)
    PARALLEL_ROWS = 0 if parallel else sys.maxsize
    _threads["allowed"] = True
    try:
        yield
    finally:
        PARALLEL_ROWS = kept[0]
        _threads.update(kept[1])


class Twin:
    """A pass compiled serially and on every core; called like the function it compiles, with
    the rows first."""

    def __init__(self, py_func: Callable):
        self.py_func = py_func
        self.serial = numba.njit(cache=True, nogil=True)(py_func)
        # a renamed copy: numba's cache is keyed by the function's name, not its options
        twin = types.FunctionType(py_func.__code__, py_func.__globals__,
                                  py_func.__name__ + "_parallel", py_func.__defaults__,
                                  py_func.__closure__)
        twin.__qualname__ = py_func.__qualname__ + "_parallel"
        twin.__module__ = py_func.__module__
        twin.__doc__ = py_func.__doc__
        self.parallel = numba.njit(cache=True, nogil=True, parallel=True)(twin)
        self.__doc__ = py_func.__doc__

    def __call__(self, rows, *args):
        build = (self.parallel if rows.size >= PARALLEL_ROWS and threads_allowed()
                 else self.serial)
        return build(rows, *args)


def twin(py_func: Callable) -> Twin:
    """Decorator: ``py_func`` compiled serially and on every core (see :class:`Twin`)."""
    return Twin(py_func)


def kept_zeros(buffer: np.ndarray, n: int) -> np.ndarray:
    """``buffer`` if it holds at least ``n`` entries, else a new one of zeros of its dtype,
    grown by doubling: scratch arrays a pass fills and clears again, kept from month to month
    rather than made as long as the population each month."""
    if buffer.size >= n:
        return buffer
    return np.zeros(max(n, 2 * buffer.size), dtype=buffer.dtype)
