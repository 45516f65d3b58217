"""Belonging: life satisfaction, thinking of leaving, onward migration and return to North Korea.

- Satisfaction is a logistic function of work, pay relative to the South Korean mean wage (log),
  the people one can rely on, depression, recent discrimination and family left in the North
  (reasons given in KHF 2023: freedom 41%; against: separation from family 28.3%, competition
  20.6%, prejudice 17.7%).
- Dissatisfied people start thinking of leaving (22.9% had considered returning, NKDB 2017; 22.8%
  had thought of moving on, 2017) and stop again.
- Of those thinking of leaving, a few return to North Korea (31 confirmed in 2012-2022, 65.5% within
  three years of arrival) and some move on to third countries while their doors are open (world
  table ``asylum_uk``, ``asylum_canada``, ``asylum_other``: the UK to 2016, Canada to 2013, others
  to 2011; UNHCR 917 granted asylum by 2011). Others leave unrecorded in any year, with no door to
  wait for: abroad without asylum (to escape the stigma, for work, study or family) or towards
  China on the way back north (about 700 registered defectors were unaccounted for in 2015).
Rates in ``sim/data/parameters/belonging.yaml``.
"""

from __future__ import annotations

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR, PAST_YEAR
from ..engine.hazards import competing_exits, could_happen, exit_chosen, happens
from ..engine.kernels import twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.population import NO_MONTH, years_since
from ..engine.randomness import draw
from ..engine.stages import ASYLUM_DESTINATIONS, DESTINATIONS, Stage, Work
from .labour import log_pay_one, log_relative_pay


def satisfaction_probability(employed, log_pay, ties, depressed, discriminated, family_left,
                             lonely_below, p) -> np.ndarray:
    """Probability of being satisfied with life in the South; ``log_pay`` is the log of pay
    relative to the South Korean mean wage (0 for people not in work)."""
    log_odds = (p["satisfaction_base"] + p["satisfaction_employed"] * employed
                + p["satisfaction_pay"] * log_pay
                + p["satisfaction_ties"] * np.minimum(ties, lonely_below + 1)
                + p["satisfaction_depressed"] * depressed
                + p["satisfaction_discriminated"] * discriminated
                + p["satisfaction_family_left"] * family_left)
    return 1.0 / (1.0 + np.exp(-log_odds))


def leaving_rates(years_in_south, openness: np.ndarray, p) -> np.ndarray:
    """(n, 1 + destinations) annual rates of returning to North Korea and of moving on to each
    destination, for people thinking of leaving."""
    early = np.where(years_in_south < p["return_early_years"], p["return_early_multiplier"], 1.0)
    moves = [np.full(years_in_south.size, rate) for rate in moving_on_rates(openness, p)]
    return np.column_stack([p["return_rate"] * early, *moves])


def moving_on_rates(openness: np.ndarray, p) -> np.ndarray:
    """Annual rates of moving on to each destination while its door is open (``openness``: 1
    open, 0 closed, one for each of :data:`DESTINATIONS`), for people thinking of leaving."""
    return np.array([p[f"emigration_rate_{d}"] * openness[i] for i, d in enumerate(DESTINATIONS)],
                    dtype=np.float64)


def satisfied(pop, rows: np.ndarray, month: int, p) -> np.ndarray:
    """Probability that each person is satisfied, from their situation this month."""
    discriminated = month - pop.discriminated_month[rows].astype(np.int64) < PAST_YEAR
    employed = pop.work[rows] == Work.EMPLOYED
    return satisfaction_probability(
        employed, log_relative_pay(pop, rows, month, p, employed), pop.rely_on[rows],
        pop.depressed[rows], discriminated, pop.family_left_behind[rows], p["lonely_below_ties"],
        p)


class Belonging(Module):
    """Module for satisfaction, the wish to leave, and leaving the South."""

    fields = {"considering_leaving": Field(np.bool_, False, "thinking of leaving the South")}
    parameter_files = ("belonging", "ties", "labour")
    streams = ("belonging.*",)

    def step(self, month: int) -> None:
        """Start or stop thinking of leaving; some of those thinking of it leave: the rules of
        :meth:`reference_step`, the first compiled into one pass over the residents."""
        m = self.model
        pop = m.population
        leaving = _consider(m.residents(), month, m.streams.key("belonging.consider", month),
                            m.params.record(Rates), pop.uid, pop.considering_leaving, pop.work,
                            pop.job_start_month, pop.wage_relative, pop.rely_on, pop.depressed,
                            pop.discriminated_month, pop.family_left_behind)
        if leaving.size == 0:
            return
        p = m.params
        exit_ = _leaving(leaving, month, m.streams.key("belonging.leave", month), pop.uid,
                         pop.arrival_month, float(p["return_early_years"]),
                         float(p["return_early_multiplier"]), float(p["return_rate"]),
                         moving_on_rates(self._openness(month), p))
        self._move_out(leaving, exit_, month)

    def reference_step(self, month: int) -> None:
        """Start or stop thinking of leaving; some of those thinking of it leave (NumPy)."""
        m = self.model
        pop, p, residents = m.population, m.params, m.residents()
        thinking = pop.considering_leaving[residents]
        rate = np.where(thinking, p["consider_leaving_resolve_rate"],
                        p["consider_leaving_rate"] * (1.0 - satisfied(pop, residents, month, p)))
        change = competing_exits(rate[:, None], m.streams.uniforms("belonging.consider", month,
                                                                   pop.uid[residents])) == 0
        pop.considering_leaving[residents] = thinking ^ change
        self._leave(residents[thinking & ~change], month)

    def _leave(self, rows: np.ndarray, month: int) -> None:
        if rows.size == 0:
            return
        m = self.model
        pop = m.population
        years = years_since(pop.arrival_month[rows], month)
        exit_ = competing_exits(leaving_rates(years, self._openness(month), m.params),
                                m.streams.uniforms("belonging.leave", month, pop.uid[rows]))
        self._move_out(rows, exit_, month)

    def _openness(self, month: int) -> np.ndarray:
        """Whether each destination's door is open this year (world table ``asylum_*``; leaving
        unrecorded has no door)."""
        w = self.model.world
        y = w.index(month)
        return np.array([*(getattr(w, f"asylum_{d}")[y] for d in ASYLUM_DESTINATIONS), 1.0])

    def _move_out(self, rows: np.ndarray, exit_: np.ndarray, month: int) -> None:
        """Each person to where their exit (a column of :func:`leaving_rates`, or -1) takes
        them."""
        m = self.model
        m.leave_south(rows[exit_ == 0], month, Stage.RETURNED_NORTH)
        for i, destination in enumerate(DESTINATIONS):
            m.leave_south(rows[exit_ == 1 + i], month, Stage.MOVED_ON, destination)


Rates = parameter_record("Rates", (  # the parameters the compiled pass reads
    "consider_leaving_rate", "consider_leaving_resolve_rate", "lonely_below_ties",
    "satisfaction_base", "satisfaction_employed", "satisfaction_pay", "satisfaction_ties",
    "satisfaction_depressed", "satisfaction_discriminated", "satisfaction_family_left",
    "wage_tenure_effect"))
EMPLOYED = int(Work.EMPLOYED)


@numba.njit(cache=True, nogil=True)
def _leaving(rows, month, key, uid, arrival_month, early_years, early_multiplier, return_rate,
             moves):  # pragma: no cover - compiled; tested against the reference
    """Each person's exit among :func:`leaving_rates` (0 return, 1 + i moving on to destination
    i; -1 for none), in one pass: ``moves`` are the year's rates of moving on."""
    exits = np.empty(rows.size, dtype=np.int64)
    rates = np.empty(1 + moves.size)
    for i in range(rows.size):
        r = rows[i]
        arrived = np.int64(arrival_month[r])
        years = np.inf if arrived == NO_MONTH else (month - arrived) / MONTHS_PER_YEAR
        rates[0] = return_rate * (early_multiplier if years < early_years else 1.0)
        rates[1:] = moves
        exits[i] = exit_chosen(draw(key, uid[r]), rates)
    return exits


@numba.njit(inline="always")
def satisfaction_one(q, employed, log_pay, ties, depressed, discriminated,
                     family_left):  # pragma: no cover - compiled; as satisfaction_probability
    """:func:`satisfaction_probability` of one person (``q``: the element of this module's
    ``Rates``), for compiled kernels."""
    log_odds = (q.satisfaction_base + q.satisfaction_employed * employed
                + q.satisfaction_pay * log_pay
                + q.satisfaction_ties * min(ties, q.lonely_below_ties + 1)
                + q.satisfaction_depressed * depressed
                + q.satisfaction_discriminated * discriminated
                + q.satisfaction_family_left * family_left)
    return 1.0 / (1.0 + np.exp(-log_odds))


@twin
def _consider(rows, month, key, record, uid, considering_leaving, work, job_start_month,
              wage_relative, rely_on, depressed, discriminated_month,
              family_left_behind):  # pragma: no cover - tested against the reference
    """Start or stop thinking of leaving (the dissatisfied start more often); return the rows of
    those who were thinking of it and still are, who may leave this month."""
    stays = np.zeros(rows.size, dtype=np.bool_)
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r = rows[i]
        u = draw(key, uid[r])
        thinking = considering_leaving[r]
        if thinking:
            rate = q.consider_leaving_resolve_rate
        elif could_happen(u, q.consider_leaving_rate):  # else above anyone's probability
            employed = work[r] == EMPLOYED
            log_pay = log_pay_one(month - np.int64(job_start_month[r]), wage_relative[r],
                                  q.wage_tenure_effect) if employed else 0.0
            rate = q.consider_leaving_rate * (1.0 - satisfaction_one(
                q, employed, log_pay, rely_on[r], depressed[r],
                month - np.int64(discriminated_month[r]) < PAST_YEAR, family_left_behind[r]))
        else:
            rate = 0.0
        change = happens(u, rate)
        considering_leaving[r] = thinking != change
        stays[i] = thinking and not change
    return rows[stays]
