"""Counter-based random numbers that give common random numbers across scenarios.

Every random decision in the model has a named *stream*. The uniform that person ``uid`` gets from
stream ``s`` in month ``m`` is a hash of (seed, s, m, uid) and depends on nothing else: not on how
many other people exist, nor on the order in which modules ran. A policy run and its baseline with
the same seed therefore share every draw of every person the policy does not reach (common random
numbers, as Starsim does with its per-slot streams), and a run is reproducible on any number of
processes.

The mixer is SplitMix64 (Steele, Lea & Flood 2014). :func:`reference_uniforms` is the readable
NumPy version (seven passes over uint64 arrays); :meth:`Streams.uniforms` runs the same arithmetic
compiled into one loop with numba (bit for bit the same numbers, checked by the tests).
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numba
import numpy as np
from scipy import special

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_TO_UNIT = 2.0**-53
KEY_MONTHS = 512  # months of stream keys made at once (a run of 1995-2035 has 492)


def _mix_scalar(z: int) -> int:
    """SplitMix64 finaliser on one Python integer."""
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


_U_GOLDEN, _U_M1, _U_M2 = np.uint64(_GOLDEN), np.uint64(_M1), np.uint64(_M2)
_U30, _U27, _U31, _U11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix_array(z: np.ndarray, in_place: bool = False) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic).

    With ``in_place`` the argument is overwritten, which saves a copy in the hot path.
    """
    if in_place:
        z += _U_GOLDEN
    else:
        z = z + _U_GOLDEN
    z ^= z >> _U30
    z *= _U_M1
    z ^= z >> _U27
    z *= _U_M2
    z ^= z >> _U31
    return z


def reference_uniforms(key: np.uint64, uids: np.ndarray) -> np.ndarray:
    """Uniforms on [0, 1) for each uid under a stream key, in NumPy (the reference of the
    compiled :func:`_uniforms`)."""
    z = np.asarray(uids, dtype=np.uint64) * _U_GOLDEN  # a new array, safe to mix in place
    z ^= key
    z = _mix_array(z, in_place=True)
    z >>= _U11
    out = z.astype(np.float64)
    out *= _TO_UNIT
    return out


@numba.njit(inline="always")
def _mix(z):  # pragma: no cover - compiled; the scalar form of _mix_array
    z += _U_GOLDEN
    z = (z ^ (z >> _U30)) * _U_M1
    z = (z ^ (z >> _U27)) * _U_M2
    return z ^ (z >> _U31)


@numba.njit(inline="always")
def pair_id(a, b):  # pragma: no cover - compiled; the scalar form of pair_ids
    """The id of the pair of person ids ``a`` and ``b`` (either way round), as :func:`pair_ids`
    makes it, for use inside compiled kernels."""
    z = _mix(_mix(np.uint64(min(a, b)) ^ _U_M2) ^ np.uint64(max(a, b)))
    return np.int64(z >> np.uint64(2))


@numba.njit(inline="always")
def derived_id(parent, month):  # pragma: no cover - compiled; the scalar form of derived_ids
    """The id :func:`derived_ids` gives the person brought in by ``parent`` in ``month``, for
    use inside compiled kernels."""
    z = _mix(np.uint64(parent) ^ _U_M2)
    z = _mix(z ^ np.uint64(month & 0xFFFFFFFF))
    return np.int64((z >> np.uint64(2)) | np.uint64(1 << 62))


@numba.njit(inline="always")
def draw(key, uid):  # pragma: no cover - compiled; tested against reference_uniforms
    """The uniform of person ``uid`` under a stream key, for use inside compiled kernels."""
    return np.float64(_mix((np.uint64(uid) * _U_GOLDEN) ^ key) >> _U11) * _TO_UNIT


@numba.njit(cache=True, nogil=True)
def _uniforms(key, uids):  # pragma: no cover - compiled; tested against reference_uniforms
    out = np.empty(uids.size, dtype=np.float64)
    for i in range(uids.size):
        out[i] = draw(key, uids[i])
    return out


@numba.njit(cache=True, nogil=True)
def _uniform(key, uid):  # pragma: no cover - compiled; one draw of _uniforms
    return draw(key, uid)


@numba.njit(cache=True, nogil=True)
def slot_uniforms(keys, slot=0):  # pragma: no cover - compiled; as Streams.uniform of each key
    """One uniform of each stream key in ``keys`` (a month's row of :meth:`Streams.keys`) for
    the population-level draw ``slot``: what :meth:`Streams.uniform` gives for each stream."""
    out = np.empty(keys.size, dtype=np.float64)
    for i in range(keys.size):
        out[i] = draw(keys[i], np.int64(slot))
    return out


@numba.njit(cache=True, nogil=True)
def _below(key, uid, rows, p):  # pragma: no cover - compiled; tested against Streams.uniforms
    index = np.empty(rows.size, dtype=np.int64)
    values = np.empty(rows.size, dtype=np.float64)
    k = 0
    for i in range(rows.size):
        u = draw(key, uid[rows[i]])
        if u < p:
            index[k], values[k] = i, u
            k += 1
    return index[:k].copy(), values[:k].copy()


@lru_cache(maxsize=1 << 12)
def _stream_base(seed: int, stream: str) -> int:
    """The part of a stream key that does not change from month to month."""
    return _mix_scalar(_mix_scalar(seed & _MASK) ^ zlib.crc32(stream.encode()))


def stream_key(seed: int, stream: str, month: int) -> np.uint64:
    """The 64-bit key of one stream in one month for one seed."""
    return np.uint64(_mix_scalar(_stream_base(seed, stream) ^ (month & _MASK)))


def run_uniforms(seed: int, streams: list[str]) -> np.ndarray:
    """One uniform of each named stream for a whole run (month 0, uid 0): the draws made once per
    replicate, such as its parameters, each keyed by its own name, so that adding or removing one
    leaves the others as they were."""
    return slot_uniforms(np.array([stream_key(seed, stream, 0) for stream in streams],
                                  dtype=np.uint64))


class Streams:
    """Named streams of uniforms keyed by person id, for one seed.

    Args:
        seed: Non-negative integer seed of the run.
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = int(seed)
        self._tables: dict[tuple[str, ...], np.ndarray] = {}  # see _table
        self._columns: dict[str, np.ndarray] = {}  # one stream's keys by month, for key()

    def uniforms(self, stream: str, month: int, uids: np.ndarray) -> np.ndarray:
        """Uniforms on [0, 1) for each uid, from ``stream`` in ``month``."""
        return _uniforms(self.key(stream, month), np.ascontiguousarray(uids, dtype=np.int64))

    def keys(self, streams: tuple[str, ...], month: int) -> np.ndarray:
        """The keys of ``streams`` in ``month`` (uint64; a row of a shared table, not to be
        changed), for compiled kernels that draw inline with :func:`draw`: the same uniforms as
        :meth:`uniforms` gives."""
        if month < 0:
            return np.array([stream_key(self.seed, s, month) for s in streams], dtype=np.uint64)
        return self._table(streams, month)[month]

    def key(self, stream: str, month: int) -> np.uint64:
        """The key of one stream in ``month`` (see :meth:`keys`)."""
        column = self._columns.get(stream)
        if column is not None and 0 <= month < column.size:
            return column[month]  # the common case, without building the table's key
        if month < 0:
            return stream_key(self.seed, stream, month)
        column = self._table((stream,), month)[:, 0]
        self._columns[stream] = column
        return column[month]

    def month_keys(self, stream: str, n_months: int) -> np.ndarray:
        """The keys of one stream in months 0 to ``n_months - 1`` (:meth:`key` of each)."""
        self.key(stream, n_months - 1)  # keeps the stream's column, as long as needed
        return self._columns[stream][:n_months].copy()

    def _table(self, streams: tuple[str, ...], month: int) -> np.ndarray:
        """The keys of :func:`stream_key` for ``streams`` (columns) in months 0 to at least
        ``month`` (rows), made for a block of months at once: a month's keys are then a row
        looked up, not a hash computed in Python for every draw."""
        table = self._tables.get(streams)
        if table is None or month >= table.shape[0]:
            rows = max(KEY_MONTHS, month + 1, 0 if table is None else 2 * table.shape[0])
            months = np.arange(rows, dtype=np.uint64)
            table = np.empty((rows, len(streams)), dtype=np.uint64)
            for j, stream in enumerate(streams):
                table[:, j] = _mix_array(np.uint64(_stream_base(self.seed, stream)) ^ months)
            self._tables[streams] = table
        return table

    def below(self, stream: str, month: int, uid: np.ndarray, rows: np.ndarray,
              p: float) -> tuple[np.ndarray, np.ndarray]:
        """The positions in ``rows`` whose uniform (``uid[rows]`` in ``stream``, ``month``) is
        below ``p``, and those uniforms: :meth:`uniforms` and a comparison in one compiled pass,
        without an array of every draw (for a large stock of whom few can change)."""
        return _below(self.key(stream, month), uid, rows, float(p))

    def uniform(self, stream: str, month: int, slot: int = 0) -> float:
        """One uniform for a population-level draw (slot distinguishes draws in one month)."""
        return float(_uniform(self.key(stream, month), np.int64(slot)))

    def poisson(self, stream: str, month: int, mean: float, slot: int = 0) -> int:
        """A Poisson count by inversion, so that a larger mean never gives a smaller count."""
        if mean <= 0:
            return 0
        return poisson_quantile(self.uniform(stream, month, slot), mean)


SUMMED_MEAN = 700.0  # exp(-mean) is a normal float64 up to a mean of about 708
SUMMED_Q = 1.0 - 1e-11  # summing up to ~900 probabilities errs by ~1e-13: far below 1 - q


def poisson_quantile(q: float, mean: float) -> int:
    """The Poisson(``mean``) quantile of ``q``: what ``scipy.stats.poisson.ppf`` computes. For a
    mean up to :data:`SUMMED_MEAN` and ``q`` below :data:`SUMMED_Q` the probabilities are summed
    in one compiled loop (seven times faster than the special functions on one number); else from
    scipy's special functions without their argument checks."""
    if q <= 0.0:
        return 0
    if mean <= SUMMED_MEAN and q < SUMMED_Q:
        return _summed_quantile(q, mean)
    upper = np.ceil(special.pdtrik(q, mean))
    lower = max(upper - 1.0, 0.0)
    return int(lower if special.pdtr(lower, mean) >= q else upper)


@numba.njit(cache=True, nogil=True)
def _summed_quantile(q, mean):  # pragma: no cover - compiled; tested against scipy
    """The smallest k whose Poisson(``mean``) probabilities up to k sum to at least ``q``
    (0 < q < :data:`SUMMED_Q`)."""
    p = np.exp(-mean)
    total, k = p, 0
    while total < q:
        k += 1
        p *= mean / k
        total += p
    return k


def derived_ids(parent_uids: np.ndarray, month: int) -> np.ndarray:
    """Ids for people brought into the model by others in a month (e.g. sponsored relatives).

    A hash of (parent id, month) with bit 62 set: it depends on nothing else, so the relative
    keeps the same draws in every scenario; collisions in a 2**62 space are negligible (a test
    checks that the ids in a run are unique).
    """
    z = _mix_array(np.asarray(parent_uids, dtype=np.uint64) ^ np.uint64(_M2))
    z = _mix_array(z ^ np.uint64(month & 0xFFFFFFFF))
    return ((z >> np.uint64(2)) | np.uint64(1 << 62)).astype(np.int64)


def pair_ids(a_uids: np.ndarray, b_uids: np.ndarray) -> np.ndarray:
    """Ids for pairs of people (e.g. a tie), the same whichever way round the pair is given."""
    lo = np.minimum(a_uids, b_uids).astype(np.uint64)
    hi = np.maximum(a_uids, b_uids).astype(np.uint64)
    z = _mix_array(_mix_array(lo ^ np.uint64(_M2)) ^ hi)
    return (z >> np.uint64(2)).astype(np.int64)


def cumulative(probabilities: np.ndarray) -> np.ndarray:
    """The cumulative shares :func:`categorical` inverts (one vector of probabilities)."""
    return np.cumsum(probabilities / probabilities.sum())


def invert(u: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Category index for each uniform from cumulative shares (as :func:`cumulative` makes)."""
    return np.minimum(np.searchsorted(cum, u, side="right"), cum.size - 1)


@numba.njit(inline="always")
def invert_one(u, cum):  # pragma: no cover - compiled; the scalar form of invert
    """:func:`invert` of one uniform, for use inside compiled kernels."""
    return min(np.searchsorted(cum, u, side="right"), cum.size - 1)


def categorical(u: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Category index for each uniform, by inversion of the cumulative distribution.

    ``probabilities`` is either one vector (shared by everyone) or one row per uniform.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 1:
        return invert(u, cumulative(p))
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((u[:, None] >= cum).sum(axis=1), p.shape[1] - 1)
