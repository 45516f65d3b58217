"""Joining an existing Dask scheduler: its address checked (``tcp://`` or ``tls://``), the TLS
certificate files for a ``tls://`` one, and a client. A scheduler runs this package's code with
your rights: use only one you started or trust.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.errors import InputError

ADDRESS = re.compile(r"^(tcp|tls)://([A-Za-z0-9_.\-]+|\[[0-9a-fA-F:]+\]):\d{1,5}$")
CONNECT_TIMEOUT_S = 30  # seconds a scheduler has to answer
TLS_OPTIONS = {"ca_file": "--tls-ca-file", "cert": "--tls-cert", "key": "--tls-key"}


def check_address(address: str) -> str:
    """A Dask scheduler address, ``tcp://HOST:PORT`` or ``tls://HOST:PORT``, or a one-line
    error."""
    if not ADDRESS.match(str(address)):
        raise InputError(f"--scheduler: expected tcp://HOST:PORT or tls://HOST:PORT (a Dask "
                         f"scheduler), got {str(address)[:80]!r}")
    return str(address)


@dataclass(frozen=True)
class Scheduler:
    """An existing Dask scheduler: its address and, for ``tls://``, the CA certificate that
    signed the scheduler's, and this client's certificate and key (files in PEM format)."""

    address: str
    ca_file: str | None = None
    cert: str | None = None
    key: str | None = None

    @classmethod
    def of(cls, scheduler: Scheduler | str | None) -> Scheduler | None:
        """A Scheduler from an address (checked), or the one given."""
        if scheduler is None or isinstance(scheduler, Scheduler):
            return scheduler
        return cls(check_address(scheduler))

    @classmethod
    def from_args(cls, args: Any) -> Scheduler | None:
        """``--scheduler`` and the ``--tls-*`` options of a command line, checked."""
        given = {k: getattr(args, f"tls_{k}", None) for k in TLS_OPTIONS}
        given = {k: str(v) for k, v in given.items() if v is not None}
        names = ", ".join(TLS_OPTIONS[k] for k in given)
        if given and not str(args.scheduler or "").startswith("tls://"):
            raise InputError(f"{names}: TLS certificates are for a tls:// --scheduler, got "
                             f"{str(args.scheduler or 'none')[:80]!r}")
        for key, path in given.items():
            if not Path(path).is_file():
                raise InputError(f"{TLS_OPTIONS[key]}: {path}: file not found")
        return cls(check_address(args.scheduler), **given) if args.scheduler else None

    def client(self):
        """A Dask client connected to the scheduler (over TLS with the certificates given), or a
        one-line error if none answers in time: Dask's own timeout does not cover a server that
        accepts the connection and never replies (e.g. an HTTP service)."""
        result: dict[str, Any] = {}

        def connect() -> None:
            try:
                result["client"] = self._connect()
            except BaseException as exc:  # handed to the caller below
                result["error"] = exc

        thread = threading.Thread(target=connect, name="resettle-connect", daemon=True)
        thread.start()
        thread.join(CONNECT_TIMEOUT_S * 1.5)  # Dask's own timeout first, if it acts
        if thread.is_alive():
            raise InputError(f"--scheduler: {self.address}: no Dask scheduler answered within "
                             f"{CONNECT_TIMEOUT_S} s (is it a Dask scheduler, and reachable?)")
        if "error" in result:
            raise result["error"]
        return result["client"]

    def _connect(self):
        from dask.distributed import Client

        if not (self.ca_file or self.cert or self.key):
            try:
                return Client(self.address, timeout=CONNECT_TIMEOUT_S)
            except TypeError:  # Dask's own words for a tls:// scheduler without a context
                raise InputError(f"--scheduler: {self.address}: a tls:// scheduler needs "
                                 "certificates: give --tls-ca-file, --tls-cert and "
                                 "--tls-key") from None
        from distributed.security import Security

        return Client(self.address, timeout=CONNECT_TIMEOUT_S, security=Security(
            tls_ca_file=self.ca_file, tls_client_cert=self.cert, tls_client_key=self.key,
            require_encryption=True))


def add_options(parser) -> None:
    """``--scheduler`` and the TLS certificate options."""
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="send the work to an existing Dask scheduler (tcp:// or tls://); "
                             "it runs this package's code with your rights: use one you trust")
    parser.add_argument("--tls-ca-file", default=None, metavar="FILE",
                        help="with a tls:// scheduler: the CA certificate (PEM) to check it by")
    parser.add_argument("--tls-cert", default=None, metavar="FILE",
                        help="with a tls:// scheduler: this client's certificate (PEM)")
    parser.add_argument("--tls-key", default=None, metavar="FILE",
                        help="with a tls:// scheduler: this client's private key (PEM)")
