"""Vectorised state of every person in the model (one NumPy array per attribute).

Mesa agents (:mod:`sim.agents`) give identity and inspection on top of these arrays; every rule
updates whole groups of people at once through them.
"""

from __future__ import annotations

import numpy as np

from .stages import N_STAGES, Job, Route, Stage, Work

NO_MONTH = np.iinfo(np.int32).min  # "never" for month fields

# name -> (dtype, initial value)
FIELDS: dict[str, tuple[type, object]] = {
    "uid": (np.int64, 0),
    "female": (np.bool_, False),
    "birth_month": (np.int32, 0),
    "province": (np.int8, 0),
    "occupation": (np.int8, 0),
    "education": (np.int8, 0),
    "with_family": (np.bool_, False),
    "family_left_behind": (np.bool_, False),
    "trauma": (np.bool_, False),
    "sponsored": (np.bool_, False),
    "trafficked": (np.bool_, False),
    "stage": (np.int8, int(Stage.IN_NORTH_KOREA)),
    "stage_month": (np.int32, NO_MONTH),
    "first_departure_month": (np.int32, NO_MONTH),
    "last_departure_month": (np.int32, NO_MONTH),
    "arrival_month": (np.int32, NO_MONTH),
    "death_month": (np.int32, NO_MONTH),
    "route": (np.int8, int(Route.NONE)),
    "savings_usd": (np.float64, 0.0),
    "repatriations": (np.int16, 0),
    # life in the South (set on leaving Hanawon; see labour, training, welfare, discrimination)
    "left_hanawon_month": (np.int32, NO_MONTH),
    "household_size": (np.int8, 1),
    "caring": (np.bool_, False),
    "poor_health": (np.bool_, False),
    "conceals": (np.bool_, False),
    "accent_factor": (np.float64, 1.0),
    "work": (np.int8, int(Work.INACTIVE)),
    "job": (np.int8, int(Job.NONE)),
    "job_start_month": (np.int32, NO_MONTH),
    "job_incentive": (np.bool_, False),
    "wage_relative": (np.float64, 0.0),
    "study_until": (np.int32, NO_MONTH),
    "at_university": (np.bool_, False),
    "degree_south": (np.bool_, False),
    "trained": (np.bool_, False),
    "training_until": (np.int32, NO_MONTH),
    "certified_month": (np.int32, NO_MONTH),
    "course_certification": (np.float64, np.nan),  # certification share of a lever's course
    "savings_mkrw": (np.float64, 0.0),
    "debt_mkrw": (np.float64, 0.0),
    "fha_saver": (np.bool_, False),
    "fha_months": (np.int16, 0),
    "livelihood": (np.bool_, False),
    "discriminated_month": (np.int32, NO_MONTH),
    "remitted_month": (np.int32, NO_MONTH),
    # mental health, ties and belonging (see mental_health, ties, belonging)
    "ptsd": (np.bool_, False),
    "ptsd_recovery_month": (np.int32, NO_MONTH),
    "vulnerable": (np.bool_, False),
    "depressed": (np.bool_, False),
    "service_until": (np.int32, NO_MONTH),
    "service_month": (np.int32, NO_MONTH),
    "ideation_month": (np.int32, NO_MONTH),
    "hana_center": (np.int16, 0),
    "sk_ties": (np.int16, 0),
    "sponsor_row": (np.int64, -1),
    "considering_leaving": (np.bool_, False),
    "death_cause": (np.int8, 0),
}
DEATH_CAUSES = ("alive", "natural", "suicide")  # codes of death_cause
NATURAL, SUICIDE = 1, 2


class Population:
    """Struct of arrays holding everyone who has ever entered the model.

    Args:
        n_months: Length of the horizon, for the table of monthly stage flows.
        capacity: Initial number of rows; grows by doubling.
    """

    def __init__(self, n_months: int, capacity: int = 1024) -> None:
        self.n = 0
        self._capacity = capacity
        for name, (dtype, init) in FIELDS.items():
            setattr(self, name, np.full(capacity, init, dtype=dtype))
        # flows[m, a, b]: people moved from stage a to stage b in month m; entries use a == b row
        # of the "entered" table below instead
        self.flows = np.zeros((n_months, N_STAGES, N_STAGES), dtype=np.int64)
        self.entered = np.zeros((n_months, N_STAGES), dtype=np.int64)

    def __len__(self) -> int:
        return self.n

    def _grow(self, needed: int) -> None:
        new_cap = max(self._capacity * 2, needed)
        for name, (dtype, init) in FIELDS.items():
            old = getattr(self, name)
            arr = np.full(new_cap, init, dtype=dtype)
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
        old = self.stage[rows].astype(np.int64)
        new = np.broadcast_to(np.asarray(stage, dtype=np.int64), old.shape)
        self.flows[month] += np.bincount(
            old * N_STAGES + new, minlength=N_STAGES * N_STAGES
        ).reshape(N_STAGES, N_STAGES)
        self.stage[rows] = new
        self.stage_month[rows] = month

    def snapshot(self) -> tuple[list[np.ndarray], np.ndarray]:
        """Rows of the people in each stage, and the (stage, sex) counts, from one sort.

        Returns:
            A list indexed by Stage of row arrays (men first, then women), and an
            (N_STAGES, 2) array of counts with column 1 for women.
        """
        key = self.stage[: self.n] * np.int8(2) + self.female[: self.n]
        order = np.argsort(key, kind="stable")
        bounds = np.searchsorted(key[order], np.arange(2 * N_STAGES + 1))
        groups = [order[bounds[2 * s] : bounds[2 * s + 2]] for s in range(N_STAGES)]
        return groups, np.diff(bounds).reshape(N_STAGES, 2)

    def age_years(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Age in years of the given people in ``month``."""
        return (month - self.birth_month[rows]) / 12.0
