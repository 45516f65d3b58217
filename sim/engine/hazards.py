"""Pure functions that turn rates into monthly transitions. Each is testable alone.

:func:`competing_exits` runs compiled (numba) in one pass per person; :func:`reference_exits` is
the same rule in NumPy, the readable reference the tests hold the kernel to.
"""

from __future__ import annotations

import numba
import numpy as np

from .calendar import MONTHS_PER_YEAR
CEILING_SLACK = 1.0 + 1e-12  # keeps a rate's ceiling above the rate whatever the rounding


def monthly_probability(annual_rate):
    """Probability of at least one event in a month for a constant annual hazard rate."""
    return -np.expm1(-np.asarray(annual_rate, dtype=np.float64) / MONTHS_PER_YEAR)


@numba.njit(inline="always")
def could_happen(u, annual_rate):  # pragma: no cover - compiled; the screen of happens
    """Whether ``u`` is under ``annual_rate / 12``, a bound on its monthly probability: when it
    is not, no event of that rate (or of any lower rate) can happen this month."""
    return u < annual_rate / MONTHS_PER_YEAR


@numba.njit(inline="always")
def happens(u, annual_rate):  # pragma: no cover - compiled; tested against monthly_probability
    """Whether a uniform ``u`` falls under the monthly probability of ``annual_rate``, for
    compiled kernels: exactly ``u < monthly_probability(annual_rate)``, with the exponential
    computed only when ``u`` passes :func:`could_happen` (rarely, for small rates)."""
    return could_happen(u, annual_rate) and u < -np.expm1(-annual_rate / MONTHS_PER_YEAR)


@numba.njit(inline="always")
def exit_chosen(u, rates):  # pragma: no cover - compiled; tested against reference_exits
    """One person's exit among competing annual ``rates`` (-1 for none), as
    :func:`reference_exits` chooses it, for compiled kernels."""
    total = rates[0]
    for j in range(1, rates.size):
        total += rates[j]
    if not happens(u, total):
        return -1
    share, cum, chosen = u / -np.expm1(-total / MONTHS_PER_YEAR) * total, 0.0, 0
    for j in range(rates.size):
        cum += rates[j]
        chosen += share >= cum
    return min(chosen, rates.size - 1)


@numba.njit(inline="always")
def exit_of_two(u, first, second):  # pragma: no cover - compiled; tested against exit_chosen
    """:func:`exit_chosen` between two competing rates, without an array to hold them (for
    passes whose rows run on several threads): the same arithmetic, so the same choice."""
    total = first + second
    if not happens(u, total):
        return -1
    share = u / -np.expm1(-total / MONTHS_PER_YEAR) * total
    return min(np.int64(share >= first) + np.int64(share >= total), 1)


def rate_for_mean_months(mean_months):
    """Annual hazard rate of an exponential duration with the given mean in months."""
    return MONTHS_PER_YEAR / np.asarray(mean_months, dtype=np.float64)


def competing_exits(annual_rates: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Choose at most one exit per person from competing annual hazard rates (compiled; the
    arguments and result are those of :func:`reference_exits`)."""
    return _exits(np.asarray(annual_rates, dtype=np.float64), np.asarray(u, dtype=np.float64))


@numba.njit(cache=True, nogil=True)
def _exits(rates, u):  # pragma: no cover - compiled; tested against reference_exits
    exits = np.empty(rates.shape[0], dtype=np.int64)
    for i in range(rates.shape[0]):
        exits[i] = exit_chosen(u[i], rates[i])
    return exits


def reference_exits(annual_rates: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Choose at most one exit per person from competing annual hazard rates.

    Args:
        annual_rates: (n, k) array; column j is the rate of exit j for each person.
        u: (n,) uniforms.

    Returns:
        (n,) array with the chosen exit column, or -1 for no exit this month. The probability of
        any exit is 1 - exp(-sum(rates)/12), shared among exits in proportion to their rates.
    """
    rates = np.asarray(annual_rates, dtype=np.float64)
    if rates.shape[1] == 1:  # one exit: no sharing needed
        return np.where(u < monthly_probability(rates[:, 0]), 0, -1)
    total = row_sums(rates)
    p_any = monthly_probability(total)
    exits = np.full(rates.shape[0], -1, dtype=np.int64)
    hit = u < p_any
    if not hit.any():
        return exits
    # position of u within [0, p_any) rescaled to the cumulative share of each rate
    share = u[hit] / p_any[hit] * total[hit]
    cum = np.cumsum(rates[hit], axis=1)
    exits[hit] = np.minimum((share[:, None] >= cum).sum(axis=1), rates.shape[1] - 1)
    return exits


def row_sums(rates: np.ndarray) -> np.ndarray:
    """Sum of each row of an (n, k) array, column by column (much faster than ``sum(axis=1)``
    for a few columns; the same additions in the same order for k < 8)."""
    total = rates[:, 0].copy()
    for j in range(1, rates.shape[1]):
        total += rates[:, j]
    return total


def gompertz_rate(age_years, level_at_30: float, slope: float):
    """Annual all-cause mortality rate by age under a Gompertz law."""
    return level_at_30 * np.exp(slope * (np.asarray(age_years, dtype=np.float64) - 30.0))


@numba.njit(inline="always")
def gompertz_one(age_years, level_at_30, slope):  # pragma: no cover - compiled; as gompertz_rate
    """:func:`gompertz_rate` at one age, for compiled kernels."""
    return level_at_30 * np.exp(slope * (age_years - 30.0))


def saturating(count, step: float):
    """A saturating effect (0-1) of a count of people, ``1 - (1 - step)**count``: each person
    adds ``step`` of what remains (``contact_saturation``, a stated assumption)."""
    return 1.0 - (1.0 - step) ** np.asarray(count, dtype=np.float64)


@numba.njit(inline="always")
def saturated(count, step):  # pragma: no cover - compiled; tested against saturating
    """:func:`saturating` of one count, for compiled kernels."""
    return 1.0 - (1.0 - step) ** np.float64(count)


def screened_exits(u: np.ndarray, upper_rate: float, rates_of) -> np.ndarray:
    """:func:`competing_exits` computed only where an exit is possible at all.

    ``upper_rate`` bounds everyone's total annual rate, so people whose uniform is above its
    monthly probability cannot exit; ``rates_of(index)`` gives the (k, n_exits) rates of the
    others. The result is identical to computing every rate, at a fraction of the cost when exits
    are rare (a large stock with small hazards).
    """
    exits = np.full(u.size, -1, dtype=np.int64)
    candidates = np.flatnonzero(u < monthly_probability(upper_rate))
    if candidates.size:
        exits[candidates] = competing_exits(rates_of(candidates), u[candidates])
    return exits


def drawn_exits(streams, stream: str, month: int, uid: np.ndarray, rows: np.ndarray,
                upper_rate: float, rates_of) -> np.ndarray:
    """:func:`screened_exits` of ``rows`` with their draws from ``stream``, screened in the same
    compiled pass that makes them (:meth:`sim.engine.randomness.Streams.below`): identical
    exits, without an array of every person's uniform."""
    index, u = streams.below(stream, month, uid, rows, float(monthly_probability(upper_rate)))
    exits = np.full(rows.size, -1, dtype=np.int64)
    if index.size:
        exits[index] = competing_exits(rates_of(index), u)
    return exits
