"""Rare exits scheduled instead of drawn every month: thinning on a monthly grid.

A person in a long stay with small monthly exit probabilities ``P_m`` (people back in North
Korea, deaths in the South) need not be visited every month. Given a bound ``B_y`` on their total
annual rate in each calendar year ``y`` (so ``P_m <= p*_y = 1 - exp(-B_y/12)`` in every month of
the year), the months in which an exit *may* happen are drawn as a Bernoulli(p*_y) sequence, by
geometric waiting times that start afresh at each new year (the sequence is memoryless); in such
a candidate month the exit happens with probability ``P_m / p*_y``, by the month's own competing
rates (:func:`thinned_uniform` feeds :func:`sim.engine.hazards.competing_exits`). Each month then
has exactly the probability ``P_m`` of the monthly rule, independently of the others (thinning of
a Bernoulli process, as Lewis & Shedler 1979 thin a Poisson process), and the person costs work
only in candidate months.

Bounds are yearly, so a run's candidate months up to a year do not depend on how far its horizon
goes (a run to 2025 and one to 2035 agree up to 2025), and rounded up to a power of two, so
that a scenario that changes the rates a little keeps the same
candidate months (common random numbers) and changes only which candidates become exits.
Rounded bounds depend only on the year and the age at its end, so they are tabled once per run
(:class:`YearTable`), and a year without a candidate is told from its uniform alone.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from .hazards import MONTHS_PER_YEAR, exit_chosen, gompertz_one, monthly_probability
from .randomness import draw


def thinned_uniform(v: np.ndarray, bound_rate: np.ndarray) -> np.ndarray:
    """A uniform on [0, p*) from a uniform ``v`` on [0, 1): in a candidate month, the monthly rule
    given this value fires with probability ``P_m / p*`` and shares its exits as it would."""
    return np.asarray(v, dtype=np.float64) * monthly_probability(bound_rate)


class Bound(NamedTuple):
    """A yearly bound on an annual exit rate: ``extra[y]`` (a rate of the year, such as leaving
    North Korea) plus Gompertz mortality ``multiplier * level_at_30 * exp(slope * (age - 30))``
    at the person's age in the last month of year ``y``, rounded up to a power of two."""

    extra: np.ndarray
    level_at_30: float
    slope: float
    multiplier: float


@numba.njit(inline="always")
def _bound_one(bound, year, birth_month):  # pragma: no cover - compiled; tested via bound_of
    last_month = MONTHS_PER_YEAR * year + MONTHS_PER_YEAR - 1
    age = (last_month - np.int64(birth_month)) / MONTHS_PER_YEAR
    rate = bound.extra[year] + bound.multiplier * gompertz_one(
        age, bound.level_at_30, bound.slope)  # as mortality_rate computes it, at the year's end
    return 2.0 ** np.ceil(np.log2(rate))


@numba.njit(cache=True, nogil=True)
def bound_of(bound, year, birth_month):  # pragma: no cover - compiled; tested against NumPy
    """Each person's rounded bound in ``year`` (an index of the run's years)."""
    out = np.empty(birth_month.size)
    for i in range(birth_month.size):
        out[i] = _bound_one(bound, year, birth_month[i])
    return out


@numba.njit(cache=True, nogil=True)
def bound_rate_exits(rows, month, uid, birth_month, female, bound, multipliers, key, extra,
                     with_extra):  # pragma: no cover - compiled; tested against the NumPy rule
    """Each candidate's exit in ``month`` among the rates of the bound's own kind, thinned to
    their bound (what :func:`thinned_uniform` and ``competing_exits`` give, in one pass): the
    annual rate ``extra`` (exit 0, if ``with_extra``) and the bound's Gompertz mortality at the
    person's age this month times ``multipliers[1]`` for women and ``multipliers[0]`` for men
    (at most the bound's multiplier; exit 1, or 0 without the extra exit); -1 for none."""
    year = month // MONTHS_PER_YEAR
    exits = np.empty(rows.size, dtype=np.int64)
    rates = np.empty(2 if with_extra else 1)
    for i in range(rows.size):
        r = rows[i]
        v = draw(key, uid[r]) * -np.expm1(-_bound_one(bound, year, birth_month[r])
                                          / MONTHS_PER_YEAR)
        age = (month - birth_month[r]) / MONTHS_PER_YEAR
        if with_extra:
            rates[0] = extra
        multiplier = multipliers[1] if female[r] else multipliers[0]
        rates[-1] = multiplier * gompertz_one(age, bound.level_at_30, bound.slope)
        exits[i] = exit_chosen(v, rates)
    return exits


@numba.njit(cache=True, nogil=True)
def next_candidates(rows, month, n_months, uid, birth_month, bound, key,
                    renew_keys):  # pragma: no cover - compiled; tested for its distribution
    """Each person's next candidate month after ``month`` (``n_months`` if none in the run): a
    geometric wait at the year's bound from the uniform of ``key``, started afresh at each new
    year ``y`` from the uniform of ``renew_keys[12 y]`` when it runs past the year's end."""
    due = np.empty(rows.size, dtype=np.int64)
    for i in range(rows.size):
        r, t, k = rows[i], month, key
        due[i] = n_months
        while t + 1 < n_months:
            year = (t + 1) // MONTHS_PER_YEAR
            monthly_rate = _bound_one(bound, year, birth_month[r]) / MONTHS_PER_YEAR
            end = MONTHS_PER_YEAR * year + MONTHS_PER_YEAR - 1
            due[i] = _due_by(draw(k, uid[r]), monthly_rate, t, end, n_months)
            if due[i] < n_months:
                break
            t = end
            if t + 1 < n_months:
                k = renew_keys[t + 1]
    return due


@numba.njit(inline="always")
def _due_by(u, monthly_rate, t, end, n_months):  # pragma: no cover - compiled
    """The candidate month after month ``t`` of a geometric wait drawn from ``u``, or
    ``n_months`` if it falls after ``end`` (the year's last month) or the horizon."""
    wait = np.ceil(-np.log1p(-u) / monthly_rate)
    if t + max(wait, 1.0) <= end:
        return min(t + max(np.int64(wait), 1), n_months)
    return n_months


AGE_MONTHS = 130 * MONTHS_PER_YEAR  # ages at a year's end tabled by YearTable (older: computed)
MARGIN = 1e-9  # relative margin around a year's candidate probability, beyond rounding error


class YearTable(NamedTuple):
    """A :class:`Bound` evaluated once for every year and age in months at the year's end (what
    ``_bound_one`` gives for a person of that age): its monthly rate and the probability that a
    whole year holds a candidate month, ``1 - exp(-12 x monthly rate)``."""

    monthly_rate: np.ndarray
    p_year: np.ndarray


@numba.njit(cache=True, nogil=True)
def year_table(bound, n_years):  # pragma: no cover - compiled; tested via next_candidates_tabled
    """The :class:`YearTable` of ``bound`` for years ``0 .. n_years - 1``."""
    rate = np.empty((n_years, AGE_MONTHS))
    p_year = np.empty((n_years, AGE_MONTHS))
    for year in range(n_years):
        for age in range(AGE_MONTHS):
            birth = MONTHS_PER_YEAR * year + MONTHS_PER_YEAR - 1 - age
            rate[year, age] = _bound_one(bound, year, birth) / MONTHS_PER_YEAR
            p_year[year, age] = -np.expm1(-MONTHS_PER_YEAR * rate[year, age])
    return rate, p_year


@numba.njit(cache=True, nogil=True)
def next_candidates_tabled(rows, month, n_months, uid, birth_month, bound, monthly_rate, p_year,
                           key, renew_keys):  # pragma: no cover - compiled; tested against it
    """:func:`next_candidates` with the year's bound read from a :class:`YearTable`, and a whole
    year without a candidate recognised from its uniform alone (above the year's probability by
    more than rounding error), without the waiting time's logarithm: the same months."""
    due = np.empty(rows.size, dtype=np.int64)
    for i in range(rows.size):
        r, t, k = rows[i], month, key
        due[i] = n_months
        while t + 1 < n_months:
            year = (t + 1) // MONTHS_PER_YEAR
            end = MONTHS_PER_YEAR * year + MONTHS_PER_YEAR - 1
            age = end - np.int64(birth_month[r])
            u = draw(k, uid[r])
            if 0 <= age < AGE_MONTHS:
                rate = monthly_rate[year, age]
                whole_year = t + MONTHS_PER_YEAR == end
                if whole_year and u > p_year[year, age] * (1.0 + MARGIN):
                    t = end  # no candidate month this year
                    if t + 1 < n_months:
                        k = renew_keys[t + 1]
                    continue
            else:
                rate = _bound_one(bound, year, birth_month[r]) / MONTHS_PER_YEAR
            due[i] = _due_by(u, rate, t, end, n_months)
            if due[i] < n_months:
                break
            t = end
            if t + 1 < n_months:
                k = renew_keys[t + 1]
    return due


@numba.njit(cache=True, nogil=True)
def _append(rows, months, n_months, queued, due, n):  # pragma: no cover - tested via Schedule
    """Append the rows due before ``n_months`` after the first ``n`` entries; the new count."""
    for i in range(rows.size):
        if months[i] < n_months:
            queued[n], due[n] = rows[i], months[i]
            n += 1
    return n


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
        if self._n + rows.size > self._rows.size:
            self._compact(len(self) + rows.size)
        self._n = _append(rows, months, self.n_months, self._rows, self._due, self._n)

    def pop(self, month: int) -> np.ndarray:
        """The rows queued for ``month``, in row order, taken off the queue."""
        hit = np.flatnonzero(self._due[: self._n] == month)
        rows = np.sort(self._rows[hit])
        self._due[hit] = -1
        self._taken += hit.size
        if 2 * self._taken > self._n:
            self._compact(len(self))
        return rows

    def renumber(self, new: np.ndarray) -> None:
        """The population's rows were renumbered: old row ``r`` is ``new[r]``."""
        self._rows[: self._n] = new[self._rows[: self._n]]

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
    (:meth:`candidates`, then :meth:`mortality_exits`) the monthly rule of ``competing_exits``
    runs with a thinned uniform, and people who do not exit wait for their next candidate month.

    Args:
        model: The model (its streams, population and calendar).
        stream: The name of the stay's streams: ``<stream>.exit`` for the uniform of a candidate
            month, ``<stream>.wait`` and ``<stream>.renew`` for the waiting times.
        bound: The :class:`Bound` of everyone's total exit rate, year by year.
        multipliers: The mortality multipliers of men and of women (their rates for
            :meth:`mortality_exits`), at most the bound's.
    """

    def __init__(self, model, stream: str, bound: Bound,
                 multipliers: tuple[float, float]) -> None:
        self.model = model
        self.stream = stream
        self._wait, self._exit = f"{stream}.wait", f"{stream}.exit"
        self.multipliers = np.array(multipliers, dtype=np.float64)
        if self.multipliers.max() > bound.multiplier:
            raise ValueError(f"mortality multipliers {multipliers} above the bound's "
                             f"{bound.multiplier}")
        self.bound = bound
        n_months = model.calendar.n_months
        self.renew_keys = model.streams.month_keys(f"{stream}.renew", n_months)
        self.table = YearTable(*year_table(bound, -(-n_months // MONTHS_PER_YEAR)))
        self.schedule = Schedule(n_months)

    def enter(self, rows: np.ndarray, month: int) -> None:
        """Queue people who start (or go on with) the stay this month for their next
        candidate month."""
        m = self.model
        pop = m.population
        due = next_candidates_tabled(rows, month, m.calendar.n_months, pop.uid, pop.birth_month,
                                     self.bound, *self.table,
                                     m.streams.key(self._wait, month), self.renew_keys)
        self.schedule.add(rows, due)

    def renumber(self, new: np.ndarray) -> None:
        """The population's rows were renumbered: old row ``r`` is ``new[r]``."""
        self.schedule.renumber(new)

    def candidates(self, month: int, staying: np.ndarray) -> np.ndarray:
        """This month's candidates still in the stay (``staying``: a lookup by stage, as
        :func:`sim.engine.stages.stage_mask` makes)."""
        rows = self.schedule.pop(month)
        return rows[staying[self.model.population.stage[rows]]]

    def mortality_exits(self, rows: np.ndarray, month: int,
                        extra: float | None = None) -> np.ndarray:
        """Each candidate's exit (a column of the rates, or -1) by the monthly rule thinned to
        their bound, among the rates the bound bounds: the annual rate ``extra`` of the year
        (exit 0; none if None) and the bound's mortality at each person's age this month, times
        the multiplier of their sex (the last exit), in one compiled pass
        (:func:`bound_rate_exits`); those with none are queued again."""
        m = self.model
        pop = m.population
        exit_ = bound_rate_exits(rows, month, pop.uid, pop.birth_month, pop.female, self.bound,
                                 self.multipliers,
                                 m.streams.key(self._exit, month),
                                 0.0 if extra is None else float(extra), extra is not None)
        self.enter(rows[exit_ < 0], month)
        return exit_
