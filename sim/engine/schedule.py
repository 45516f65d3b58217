"""Rare exits scheduled instead of drawn every month: thinning on a monthly grid.

A person in a long stage with small monthly exit probabilities ``P_m`` (people back in North Korea)
need not be visited every month. Given a bound ``B`` on their annual total rate over the horizon
(so ``P_m <= p* = 1 - exp(-B/12)`` in every month), the months in which an exit *may* happen are
drawn as a Bernoulli(p*) sequence, by geometric waiting times (:func:`waiting_months`); in such a
candidate month the exit happens with probability ``P_m / p*``, by the month's own competing
rates (:func:`thinned_uniform` feeds :func:`sim.engine.hazards.competing_exits`). Each month then
has exactly the probability ``P_m`` of the monthly rule, independently of the others (thinning of
a Bernoulli process, as Lewis & Shedler 1979 thin a Poisson process), and the person costs work
only in candidate months.

Bounds are rounded up to a power of two (:func:`rounded_bound`), so that a scenario that changes
the rates a little keeps the same candidate months (common random numbers) and changes only which
candidates become exits.
"""

from __future__ import annotations

import numpy as np

from .hazards import MONTHS_PER_YEAR, competing_exits, monthly_probability


def rounded_bound(annual_rate: np.ndarray) -> np.ndarray:
    """The smallest power of two at or above each (positive) annual rate."""
    rate = np.asarray(annual_rate, dtype=np.float64)
    return np.exp2(np.ceil(np.log2(rate)))


def waiting_months(u: np.ndarray, bound_rate: np.ndarray, horizon: int) -> np.ndarray:
    """Months until the next candidate month (>= 1) of a Bernoulli(p*) sequence, p* the monthly
    probability of ``bound_rate``, from uniforms ``u``: ``ceil(E / (B/12))`` for the exponential
    ``E = -log(1 - u)``, so ``P(wait > k) = (1 - p*)**k``. Waits beyond ``horizon`` are returned
    as ``horizon`` (no candidate inside the run)."""
    scaled = -np.log1p(-np.asarray(u, dtype=np.float64)) * MONTHS_PER_YEAR / bound_rate
    return np.clip(np.ceil(scaled), 1, horizon).astype(np.int64)


def thinned_uniform(v: np.ndarray, bound_rate: np.ndarray) -> np.ndarray:
    """A uniform on [0, p*) from a uniform ``v`` on [0, 1): in a candidate month, the monthly rule
    given this value fires with probability ``P_m / p*`` and shares its exits as it would."""
    return np.asarray(v, dtype=np.float64) * monthly_probability(bound_rate)


class Schedule:
    """Rows due in given months: one contiguous table of (row, month) entries, scanned in one
    pass for the month due (a compare over the entries, far cheaper than a draw per person) and
    compacted when half of it has been taken.

    Args:
        n_months: Months in the horizon; entries due at or after it are dropped.
    """

    def __init__(self, n_months: int, capacity: int = 1024) -> None:
        self.n_months = n_months
        self._rows = np.empty(capacity, dtype=np.int64)
        self._due = np.empty(capacity, dtype=np.int32)
        self._n = self._taken = 0

    def __len__(self) -> int:
        """Entries still queued."""
        return self._n - self._taken

    def add(self, rows: np.ndarray, months: np.ndarray) -> None:
        """Queue each row for its month (months past the horizon are dropped)."""
        inside = months < self.n_months
        rows, months = rows[inside], months[inside]
        if self._n + rows.size > self._rows.size:
            self._compact(len(self) + rows.size)
        end = self._n + rows.size
        self._rows[self._n : end], self._due[self._n : end] = rows, months
        self._n = end

    def pop(self, month: int) -> np.ndarray:
        """The rows queued for ``month``, in row order, taken off the queue."""
        hit = np.flatnonzero(self._due[: self._n] == month)
        rows = np.sort(self._rows[hit])
        self._due[hit] = -1
        self._taken += hit.size
        if 2 * self._taken > self._n:
            self._compact(len(self))
        return rows

    def _compact(self, needed: int) -> None:
        """Drop the entries taken, with room for ``needed`` entries (doubling as it grows)."""
        keep = np.flatnonzero(self._due[: self._n] >= 0)
        size = self._rows.size
        while size < needed:
            size *= 2
        rows, due = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int32)
        rows[: keep.size], due[: keep.size] = self._rows[keep], self._due[keep]
        self._rows, self._due, self._n, self._taken = rows, due, keep.size, 0


class ScheduledExits:
    """Competing exits of people in a long stay, drawn only in their candidate months.

    On entering the stay (:meth:`enter`) a person waits for a first candidate month; in it
    (:meth:`candidates`, then :meth:`exits`) the monthly rule of ``competing_exits`` runs with a
    thinned uniform, and people who do not exit wait for their next candidate month.

    Args:
        model: The model (its streams, population and calendar).
        exit_stream: The stream of the uniform in a candidate month (keyed by person and month).
        wait_stream: The stream of the waiting times.
        bound_rate: ``rows -> annual rates``: a bound on each person's total exit rate over the
            whole horizon (rounded up here to a power of two).
    """

    def __init__(self, model, exit_stream: str, wait_stream: str, bound_rate) -> None:
        self.model = model
        self.streams = exit_stream, wait_stream
        self._bound_rate = bound_rate
        self.schedule = Schedule(model.calendar.n_months)

    def bound(self, rows: np.ndarray) -> np.ndarray:
        """Each person's bound, rounded up to a power of two."""
        return rounded_bound(self._bound_rate(rows))

    def enter(self, rows: np.ndarray, month: int) -> None:
        """Queue people who start (or go on with) the stay this month for their next
        candidate month."""
        m = self.model
        u = m.streams.uniforms(self.streams[1], month, m.population.uid[rows])
        self.schedule.add(rows, month + waiting_months(u, self.bound(rows), m.calendar.n_months))

    def candidates(self, month: int, staying: np.ndarray) -> np.ndarray:
        """This month's candidates still in the stay (``staying``: a lookup by stage, as
        :func:`sim.engine.stages.stage_mask` makes)."""
        rows = self.schedule.pop(month)
        return rows[staying[self.model.population.stage[rows]]]

    def exits(self, rows: np.ndarray, month: int, rates: np.ndarray) -> np.ndarray:
        """Each candidate's exit (a column of the (n, k) annual ``rates``, or -1) by the monthly
        rule thinned to their bound; those with none are queued again."""
        m = self.model
        u = m.streams.uniforms(self.streams[0], month, m.population.uid[rows])
        exit_ = competing_exits(rates, thinned_uniform(u, self.bound(rows)))
        self.enter(rows[exit_ < 0], month)
        return exit_
