"""The lifetime of a command's processes: workers end with the process that started them, however
it ends (even by SIGKILL), and SIGTERM interrupts a command as Ctrl-C does.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal for when the parent ends


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this process (SIGKILL) when ``parent`` ends, and leave Ctrl-C to
    the parent (which stops its workers itself). Linux only; elsewhere a no-op but for Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # not allowed here (e.g. a sandbox): the parent's own shutdown still applies
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(1)


def dask_setup(worker) -> None:
    """Dask's preload hook, for the workers of a local cluster: Ctrl-C is left to the parent,
    which closes the cluster (and Dask ends the workers if the parent ends abruptly)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


_held = {"depth": 0, "pending": False}  # signals_held's state (the main thread's only)


def interrupt_on_sigterm() -> None:
    """Make SIGTERM raise KeyboardInterrupt in the main thread, as Ctrl-C does, so that a
    terminated command stops its workers, keeps what resumes and says so; both wait while
    :func:`signals_held` holds them."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while inside, and raise the KeyboardInterrupt on leaving if one
    came. For waiting on worker processes: an exception raised between two of the futures'
    lock acquisitions would leave a lock held that the pool's own thread needs to shut down, and
    the command would hang instead of stopping."""
    _held["depth"] += 1
    try:
        yield
    finally:
        _held["depth"] -= 1
        if _held["depth"] == 0 and _held["pending"]:
            _held["pending"] = False
            raise KeyboardInterrupt


def _interrupt(signum, frame) -> None:
    if signum == signal.SIGTERM:  # a second SIGTERM ends the process at once
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _held["depth"]:
        _held["pending"] = True
        return
    raise KeyboardInterrupt
