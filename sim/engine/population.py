"""Vectorised state of every person in the model (one NumPy array per attribute).

Mesa agents (:mod:`sim.agents`) give identity and inspection on top of these arrays; every rule
updates whole groups of people at once through them.
"""

from __future__ import annotations

import numba
import numpy as np

from .module import Field
from .stages import DEATH_CAUSES, N_STAGES, NATURAL, NO_MONTH, SUICIDE, Stage  # noqa: F401


LONG_AGO = np.iinfo(np.int64).max // 2  # months since an event before the model started


def months_since(months: np.ndarray, month: int) -> np.ndarray:
    """Whole months from each month index in ``months`` to ``month``, in 64 bits; ``NO_MONTH``
    (an event before the model started) gives :data:`LONG_AGO`."""
    months = np.asarray(months)
    return np.where(months == NO_MONTH, LONG_AGO, month - months.astype(np.int64))


@numba.njit(inline="always")
def months_since_one(then, month):  # pragma: no cover - compiled; as months_since
    """:func:`months_since` of one month index, for compiled kernels."""
    return LONG_AGO if then == NO_MONTH else month - np.int64(then)


def years_since(months: np.ndarray, month: int) -> np.ndarray:
    """Years from each month index in ``months`` to ``month``. ``NO_MONTH`` (an event before the
    model started, such as an arrival before 1995) counts as infinitely long ago; the arithmetic
    is in 64 bits, so it cannot wrap around."""
    months = np.asarray(months)
    return np.where(months == NO_MONTH, np.inf, (month - months.astype(np.int64)) / 12.0)


# the fields every person has, whatever the modules (the modules declare the rest)
CORE_FIELDS: dict[str, Field] = {
    "uid": Field(np.int64, 0, "stable id: keys every random draw of the person"),
    "female": Field(np.bool_, False),
    "birth_month": Field(np.int32, 0, "month index of birth"),
    "stage": Field(np.int8, int(Stage.IN_NORTH_KOREA), "where on the pathway (Stage)"),
    "stage_month": Field(np.int32, NO_MONTH, "month the current stage began"),
    "death_month": Field(np.int32, NO_MONTH),
    "death_cause": Field(np.int8, 0, "0 alive, 1 natural, 2 suicide"),
    "repatriations": Field(np.int16, 0, "forced repatriations so far"),
}
# stages whose people no module visits month by month: counted in the snapshot, not listed (people
# back in North Korea wait for their scheduled exit; the others have left the model)
UNLISTED = (Stage.IN_NORTH_KOREA, Stage.DEAD, Stage.MOVED_ON, Stage.RETURNED_NORTH)
_LISTED = np.ones(N_STAGES, dtype=np.bool_)
_LISTED[list(UNLISTED)] = False
_NO_ROWS = np.empty(0, dtype=np.int64)
_RESIDENT = np.zeros(N_STAGES, dtype=np.bool_)
_RESIDENT[[Stage.PROTECTED, Stage.RESETTLED]] = True


class Population:
    """Struct of arrays holding everyone who has ever entered the model. A person's ``uid`` is
    for good; their row may change when the model regroups the rows (:meth:`reorder`).

    Args:
        n_months: Length of the horizon, for the table of monthly stage flows.
        fields: The per-person fields besides :data:`CORE_FIELDS` (declared by the modules).
        relations: Tables between people (name -> class), e.g. the ties among defectors.
        capacity: Initial number of rows; grows by doubling.
    """

    def __init__(self, n_months: int, fields: dict[str, Field] | None = None,
                 relations: dict[str, type] | None = None, capacity: int = 1024) -> None:
        self.n = 0
        self._capacity = capacity
        clash = set(CORE_FIELDS) & set(fields or {})
        if clash:
            raise ValueError(f"fields {sorted(clash)} are core fields of the population")
        self.fields = {**CORE_FIELDS, **(fields or {})}
        for name, spec in self.fields.items():
            setattr(self, name, np.full(capacity, spec.initial, dtype=spec.dtype))
        self.relations = tuple(relations or ())
        for name, table in (relations or {}).items():
            setattr(self, name, table())
        # flows[m, a, b]: people moved from stage a to stage b in month m; entries use a == b row
        # of the "entered" table below instead
        self.flows = np.zeros((n_months, N_STAGES, N_STAGES), dtype=np.int64)
        self.entered = np.zeros((n_months, N_STAGES), dtype=np.int64)
        self.counts = np.zeros((N_STAGES, 2), dtype=np.int64)  # people by stage and sex, now
        # the last snapshot's listed rows by (stage, sex) key, each key's rows in row order, and
        # where each key starts (a new snapshot edits them: a month moves few people)
        self._order = np.empty(0, dtype=np.int64)
        self._bounds = np.zeros(2 * N_STAGES + 1, dtype=np.int64)
        self._listed_upto = 0  # rows added after the last snapshot start here
        # the first ``_n_moved`` entries: rows moved from or to a listed stage since, each with
        # its key before that move (-1: an unlisted stage), appended by move()
        self._moved = np.empty(1024, dtype=np.int64)
        self._was = np.empty(1024, dtype=np.int64)
        self._n_moved = 0

    def __len__(self) -> int:
        return self.n

    def _grow(self, needed: int) -> None:
        new_cap = max(self._capacity * 2, needed)
        for name, spec in self.fields.items():
            old = getattr(self, name)
            arr = np.full(new_cap, spec.initial, dtype=spec.dtype)
            arr[: self.n] = old[: self.n]
            setattr(self, name, arr)
        self._capacity = new_cap

    def add(self, month: int, stage: Stage | np.ndarray, **values) -> np.ndarray:
        """Append people entering the model in ``stage`` (one for all, or one per person) this
        month; return their row indices.

        Every keyword is a field name with an array (or scalar) of values for the new rows.
        """
        n_new = len(values["uid"])
        if self.n + n_new > self._capacity:
            self._grow(self.n + n_new)
        new = slice(self.n, self.n + n_new)
        rows = np.arange(self.n, self.n + n_new)
        self.n += n_new
        for name, value in values.items():
            getattr(self, name)[new] = value
        self.stage[new] = stage
        self.stage_month[new] = month
        _count_added(self.stage, self.female, new.start, new.stop, self.counts,
                     self.entered[month] if 0 <= month < self.entered.shape[0] else None)
        return rows

    def move(self, rows: np.ndarray, stage: Stage | np.ndarray, month: int) -> None:
        """Move people to a new stage (one stage for all, or one per row) and record the flow."""
        if rows.size == 0:
            return
        k = self._n_moved
        self._moved = _kept_grown(self._moved, k, k + rows.size)
        self._was = _kept_grown(self._was, k, k + rows.size)
        if isinstance(stage, np.ndarray) and stage.ndim:
            k = _move(rows, np.asarray(stage, dtype=np.int8), month, self.stage,
                      self.stage_month, self.flows, self.female, self.counts, _LISTED,
                      self._moved, self._was, k)
        else:
            k = _move_all(rows, int(stage), month, self.stage, self.stage_month, self.flows,
                          self.female, self.counts, _LISTED, self._moved, self._was, k)
        self._n_moved = k

    def snapshot(self) -> tuple[list[np.ndarray], np.ndarray]:
        """Rows of the people in each stage on the pathway, and the (stage, sex) counts of every
        stage. The last snapshot's lists are edited: the rows moved from or to a listed stage
        since are taken out and put in where they now belong, and the rows added since are
        appended (people back in North Korea and people who left the model, :data:`UNLISTED`,
        are counted as they move, not visited).

        Returns:
            A list indexed by Stage of row arrays (men first, then women, each in row order;
            empty for the stages of :data:`UNLISTED`), and an (N_STAGES, 2) array of counts with
            column 1 for women.
        """
        k, self._n_moved = self._n_moved, 0
        self._order, self._bounds = _regroup(self._order, self._bounds, self._moved[:k],
                                             self._was[:k], self._listed_upto, self.n,
                                             self.stage, self.female, _LISTED)
        self._listed_upto = self.n
        order, bounds = self._order, self._bounds
        groups = [order[bounds[2 * s] : bounds[2 * s + 2]] for s in range(N_STAGES)]
        return groups, self.counts.copy()

    def reorder(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Gather the people a month's passes visit (everyone in a listed stage: in China, on the
        way, in the South) into the last rows, laid out as the snapshot lists them (by stage and
        sex, each in row order), so that the passes read adjacent memory instead of rows
        scattered among everyone who ever entered: each listed row before that block swaps places
        with an unlisted row inside it, and the block is then put in the snapshot's order. Call
        it right after a snapshot; the next snapshot lists the same people, each stage's a run of
        consecutive rows.

        Row-valued fields (:attr:`Field.rows`) and the relations (``renumber``) follow. Returns
        ``(order, new)`` (row ``i`` was ``order[i]``; old row ``r`` is now ``new[r]``), or None
        when the listed rows were already last and in that order.
        """
        n = self.n
        listed = np.flatnonzero(_LISTED[self.stage[:n]])  # the snapshot's rows, in row order
        if self._n_moved or self._listed_upto != n or listed.size != self._order.size:
            raise RuntimeError("reorder() is for right after a snapshot")
        start = n - listed.size
        grouped = self._order  # the listed rows, by (stage, sex)
        if np.array_equal(grouped, np.arange(start, n)):
            return None
        holes = listed[listed < start]  # listed rows before the block
        movers = np.flatnonzero(~_LISTED[self.stage[start:n]]) + start  # unlisted rows in it
        order = np.arange(n)
        order[holes] = movers
        order[start:] = grouped
        new = np.empty(n, dtype=np.int64)
        new[order] = np.arange(n)
        for name, spec in self.fields.items():
            values = getattr(self, name)
            block, out = values[grouped], values[movers]
            values[start:n], values[holes] = block, out
            if spec.rows:
                _renumber_values(values[:n], new)
        for name in self.relations:
            getattr(self, name).renumber(new)
        self._order, self._bounds, _ = _counting_sort(np.arange(start, n), self.stage,
                                                      self.female, _LISTED)
        return order, new

    def age_years(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Age in years of the given people in ``month``."""
        return (month - self.birth_month[rows]) / 12.0

    def in_protection(self, rows: np.ndarray) -> np.ndarray:
        """Whether each person is within the 5-year residence-protection period."""
        return self.stage[rows] == Stage.PROTECTED

    def resident(self, rows: np.ndarray, more: np.ndarray = _NO_ROWS) -> np.ndarray:
        """The rows of people living in the community after Hanawon (alive, still there) among
        ``rows`` and then ``more``, in their order (one compiled pass, no concatenation)."""
        return _residents(rows, more, self.stage, _RESIDENT)


@numba.njit(cache=True, nogil=True)
def _counting_sort(rows, stage, female, listed):  # pragma: no cover - compiled; tested vs argsort
    """The ``rows`` in ``listed`` stages ordered by (stage, sex), stable, with the start of each
    key (what a stable argsort of ``2 * stage + female`` over them and a searchsorted give), and
    those rows in their own order, in two passes (the second reads the keys the first kept)."""
    n_keys = 2 * listed.size
    bounds = np.zeros(n_keys + 1, dtype=np.int64)
    keys = np.empty(rows.size, dtype=np.int8)  # -1: not listed
    for i in range(rows.size):
        s = stage[rows[i]]
        keys[i] = 2 * s + female[rows[i]] if listed[s] else -1
        bounds[keys[i] + 1] += keys[i] >= 0
    for k in range(n_keys):
        bounds[k + 1] += bounds[k]
    fill = bounds[:-1].copy()
    order = np.empty(bounds[-1], dtype=np.int64)
    kept = np.empty(bounds[-1], dtype=np.int64)
    j = 0
    for i in range(rows.size):
        key = keys[i]
        if key >= 0:
            order[fill[key]] = rows[i]
            fill[key] += 1
            kept[j] = rows[i]
            j += 1
    return order, bounds, kept


@numba.njit(cache=True, nogil=True)
def _regroup(order, bounds, moved, was, upto, n, stage, female,
             listed_stages):  # pragma: no cover - tested against a full sort via snapshot()
    """The last snapshot's rows by key (``order``, ``bounds``: as :func:`_counting_sort` gives
    them) edited into this month's: each key's rows without those ``moved`` out of it since
    (``was``: each moved row's key before its move, -1 for an unlisted stage; a row may be moved
    several times; rows at or above ``upto`` are ignored), merged with the moved rows now of that
    key, then the rows added since (``upto`` to ``n``) of that key. Each key's rows are in row
    order, so the rows kept are copied in runs between the places found by binary search: the
    work is the copy and a search per moved row, not a visit to every listed row."""
    rows = _sorted_unique(moved)
    rows = rows[: np.searchsorted(rows, upto)]
    back, back_bounds, _ = _counting_sort(rows, stage, female, listed_stages)
    added, added_bounds, _ = _counting_sort(np.arange(upto, n), stage, female, listed_stages)
    gone, gone_bounds = _by_old_key(moved, was, upto, bounds.size - 1)
    out = np.empty(order.size + back.size + added.size, dtype=np.int64)
    out_bounds = np.zeros(bounds.size, dtype=np.int64)
    k = 0
    for key in range(bounds.size - 1):
        i, end = bounds[key], bounds[key + 1]
        g, j = gone_bounds[key], back_bounds[key]
        while g < gone_bounds[key + 1] or j < back_bounds[key + 1]:
            take_gone = g < gone_bounds[key + 1] and (j == back_bounds[key + 1]
                                                      or gone[g] <= back[j])
            r = gone[g] if take_gone else back[j]
            p = i + np.searchsorted(order[i:end], r)
            out[k : k + p - i] = order[i:p]
            k += p - i
            i = p
            if take_gone:
                i += p < end and order[p] == r  # out (if back, it is among ``back``)
                g += 1
            else:
                out[k] = r
                k += 1
                j += 1
        out[k : k + end - i] = order[i:end]
        k += end - i
        a, b = added_bounds[key], added_bounds[key + 1]
        out[k : k + b - a] = added[a:b]
        k += b - a
        out_bounds[key + 1] = k
    return out[:k], out_bounds


@numba.njit(cache=True, nogil=True)
def _by_old_key(moved, was, upto, n_keys):  # pragma: no cover - compiled; via _regroup
    """The rows ``moved`` (below ``upto``) by the listed key they were moved out of (``was``),
    each key's rows unique and in row order, and where each key starts. A row moved several
    times is looked for in each key it left, once; only the key the snapshot lists it under (the
    one its first move left) holds it."""
    codes = np.empty(moved.size, dtype=np.int64)
    k = 0
    for i in range(moved.size):
        if was[i] >= 0 and moved[i] < upto:
            codes[k] = was[i] * upto + moved[i]
            k += 1
    codes = _sorted_unique(codes[:k])
    bounds = np.zeros(n_keys + 1, dtype=np.int64)
    rows = np.empty(codes.size, dtype=np.int64)
    for i in range(codes.size):
        bounds[codes[i] // upto + 1] += 1
        rows[i] = codes[i] % upto
    for key in range(n_keys):
        bounds[key + 1] += bounds[key]
    return rows, bounds


@numba.njit(cache=True, nogil=True)
def _sorted_unique(values):  # pragma: no cover - compiled; via _regroup
    """``np.unique(values)`` (numba's own builds a list element by element: several times
    slower)."""
    out = np.sort(values)
    k = 0
    for i in range(out.size):
        if i == 0 or out[i] != out[k - 1]:
            out[k] = out[i]
            k += 1
    return out[:k]


@numba.njit(cache=True, nogil=True)
def _count_added(stage, female, start, stop, counts, entered):  # pragma: no cover - via runs
    """Count the people of rows ``start`` to ``stop`` by (stage, sex) in ``counts`` and by stage
    in ``entered`` (None: before the horizon)."""
    for r in range(start, stop):
        counts[stage[r], np.int64(female[r])] += 1
        if entered is not None:
            entered[stage[r]] += 1


def _kept_grown(buffer: np.ndarray, k: int, needed: int) -> np.ndarray:
    """``buffer`` if it holds ``needed`` entries, else a new one twice as long (at least
    ``needed``) holding its first ``k``."""
    if buffer.size >= needed:
        return buffer
    grown = np.empty(max(2 * buffer.size, needed), dtype=buffer.dtype)
    grown[:k] = buffer[:k]
    return grown


@numba.njit(inline="always")
def _move_row(r, new, month, stage, stage_month, flows, female, counts, listed, moved, was,
              k):  # pragma: no cover - compiled; tested via runs
    """Count one person's flow from their stage to ``new`` and keep the stage counts, then move
    them; if they left or joined a listed stage, record them in ``moved`` at entry ``k``, with
    their (stage, sex) key before the move in ``was`` (-1 if that stage is not listed). Returns
    the new count of entries."""
    old, sex = stage[r], np.int64(female[r])
    flows[month, old, new] += 1
    counts[old, sex] -= 1
    counts[new, sex] += 1
    stage[r] = new
    stage_month[r] = month
    if not (listed[new] or listed[old]):
        return k
    moved[k], was[k] = r, 2 * np.int64(old) + sex if listed[old] else -1
    return k + 1


@numba.njit(cache=True, nogil=True)
def _move(rows, new, month, stage, stage_month, flows, female, counts, listed, moved, was,
          k):  # pragma: no cover - tested via runs
    """:func:`_move_row` for each row, to its own stage in ``new``, recording from entry ``k``
    on; the new count of entries."""
    for i in range(rows.size):
        k = _move_row(rows[i], new[i], month, stage, stage_month, flows, female, counts, listed,
                      moved, was, k)
    return k


@numba.njit(cache=True, nogil=True)
def _move_all(rows, new, month, stage, stage_month, flows, female, counts, listed, moved, was,
              k):  # pragma: no cover - tested via runs
    """:func:`_move` with one stage ``new`` for every row."""
    for i in range(rows.size):
        k = _move_row(rows[i], new, month, stage, stage_month, flows, female, counts, listed,
                      moved, was, k)
    return k


@numba.njit(cache=True, nogil=True)
def _residents(rows, more, stage, resident):  # pragma: no cover - compiled; tested via resident
    """The rows of ``rows`` and then of ``more`` whose stage is a ``resident`` one."""
    out = np.empty(rows.size + more.size, dtype=np.int64)
    k = 0
    for part in (rows, more):
        for r in part:
            if resident[stage[r]]:
                out[k] = r
                k += 1
    return out[:k].copy()


@numba.njit(cache=True, nogil=True)
def _renumber_values(values, new):  # pragma: no cover - compiled; tested via reorder
    """Replace each row in ``values`` by its new number (negative values mean none)."""
    for i in range(values.size):
        if values[i] >= 0:
            values[i] = new[values[i]]
