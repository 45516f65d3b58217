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


class Population:
    """Struct of arrays holding everyone who has ever entered the model.

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
        for name, table in (relations or {}).items():
            setattr(self, name, table())
        # flows[m, a, b]: people moved from stage a to stage b in month m; entries use a == b row
        # of the "entered" table below instead
        self.flows = np.zeros((n_months, N_STAGES, N_STAGES), dtype=np.int64)
        self.entered = np.zeros((n_months, N_STAGES), dtype=np.int64)

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

    def add(self, month: int, stage: Stage, **values) -> np.ndarray:
        """Append people entering the model in ``stage`` this month; return their row indices.

        Every keyword is a field name with an array (or scalar) of values for the new rows.
        """
        n_new = len(values["uid"])
        if self.n + n_new > self._capacity:
            self._grow(self.n + n_new)
        rows = np.arange(self.n, self.n + n_new)
        self.n += n_new
        for name, value in values.items():
            getattr(self, name)[rows] = value
        self.stage[rows] = stage
        self.stage_month[rows] = month
        if 0 <= month < self.entered.shape[0]:
            self.entered[month, stage] += n_new
        return rows

    def move(self, rows: np.ndarray, stage: Stage | np.ndarray, month: int) -> None:
        """Move people to a new stage (one stage for all, or one per row) and record the flow."""
        if rows.size == 0:
            return
        new = np.broadcast_to(np.asarray(stage, dtype=np.int8), rows.shape)
        _move(rows, new, month, self.stage, self.stage_month, self.flows[month])

    def snapshot(self) -> tuple[list[np.ndarray], np.ndarray]:
        """Rows of the people in each stage, and the (stage, sex) counts, from one counting sort.

        Returns:
            A list indexed by Stage of row arrays (men first, then women, each in row order), and
            an (N_STAGES, 2) array of counts with column 1 for women.
        """
        order, bounds = _counting_sort(self.stage[: self.n], self.female[: self.n],
                                       2 * N_STAGES)
        groups = [order[bounds[2 * s] : bounds[2 * s + 2]] for s in range(N_STAGES)]
        return groups, np.diff(bounds).reshape(N_STAGES, 2)

    def age_years(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Age in years of the given people in ``month``."""
        return (month - self.birth_month[rows]) / 12.0

    def in_protection(self, rows: np.ndarray) -> np.ndarray:
        """Whether each person is within the 5-year residence-protection period."""
        return self.stage[rows] == Stage.PROTECTED

    def resident(self, rows: np.ndarray) -> np.ndarray:
        """The rows of people living in the community after Hanawon (alive, still there)."""
        stage = self.stage[rows]
        return rows[(stage == Stage.PROTECTED) | (stage == Stage.RESETTLED)]


@numba.njit(cache=True, nogil=True)
def _counting_sort(stage, female, n_keys):  # pragma: no cover - compiled; tested vs argsort
    """Rows ordered by (stage, sex), stable, and the start of each key: what a stable argsort of
    ``2 * stage + female`` and a searchsorted give, in two passes."""
    bounds = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(stage.size):
        bounds[2 * stage[i] + female[i] + 1] += 1
    for k in range(n_keys):
        bounds[k + 1] += bounds[k]
    fill = bounds[:-1].copy()
    order = np.empty(stage.size, dtype=np.int64)
    for i in range(stage.size):
        key = 2 * stage[i] + female[i]
        order[fill[key]] = i
        fill[key] += 1
    return order, bounds


@numba.njit(cache=True, nogil=True)
def _move(rows, new, month, stage, stage_month, flows):  # pragma: no cover - tested via runs
    """Count each person's flow from their stage to the new one, then move them."""
    for i in range(rows.size):
        r = rows[i]
        flows[stage[r], new[i]] += 1
        stage[r] = new[i]
        stage_month[r] = month
