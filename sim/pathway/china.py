"""Life in hiding in China: work and saving, de facto marriage and trafficking, arrest and forced
repatriation, voluntary return, settling for good, and finding a broker.

Sources (see ``parameters/pathway.yaml`` for each rate): women are 80-90% of North Koreans in
China, mostly in de facto marriages, and before 2009 over 70% of women were trafficked
(stated assumptions from NGO and press reports; original sources not identified); some men
find steady work and settle too; China treats them as illegal migrants and repatriates those it
catches (NKDB: >8,000 recorded); broker fees by year are in the world table; relatives in the
South pay for family (WaPo 2016). Brokers often take the journey on credit, paid after arrival out
of the settlement money (WaPo 2016), so saving the fee in China gates only the journeys not run
on credit: a share of the onward rate does not wait for savings, and the same share of the unpaid
fee is owed on arrival (:mod:`sim.life.welfare`). That share is ``broker_credit_share`` while the
settlement money was 37M KRW (1998-2004) and falls with its cuts (10M in 2005, 6M in 2007;
Ministry of Unification) by ``broker_credit_cash_elasticity``
(:func:`~sim.engine.world.credit_share`).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.hazards import drawn_exits, exit_chosen, gompertz_rate, monthly_probability
from ..engine.kernels import twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.randomness import draw
from ..engine.stages import IN_CHINA, Stage
from .demographics import mortality_one, mortality_rate, mortality_terms

ARREST, RETURN, MARRY, ONWARD, SETTLE, DIE = range(6)
_EXIT_STAGE = {MARRY: Stage.MARRIED_IN_CHINA, SETTLE: Stage.SETTLED_IN_CHINA}


TRAFFICKING_BREAK_YEAR = 2009  # from 2009 most women travelled with brokers' organised groups
# and far fewer were trafficked (the two shares of ``pathway.yaml``, same source)


class ExitBound(NamedTuple):
    """The parts of :meth:`China.upper_rate` that depend on the parameters only (each exit's
    largest multipliers), computed once a run."""

    arrest_rate: float
    arrest_protection: float  # the largest of the married, settled and hiding multipliers
    arrest_sex: float
    voluntary_return_rate: float
    marriage_rate: float
    onward_ties: float
    onward_rate: float  # on credit or saved, and sponsored from the South
    settle_rate: float

    @classmethod
    def of(cls, p) -> ExitBound:
        """The bound's terms for parameters ``p``."""
        return cls(p["arrest_rate"],
                   max(1.0, p["arrest_married_multiplier"], p["arrest_settled_multiplier"]),
                   max(1.0, p["arrest_male_multiplier"]), p["voluntary_return_rate"],
                   p["marriage_rate"],
                   max(1.0, p["onward_married_multiplier"], p["onward_settled_multiplier"]),
                   p["onward_rate"] + p["sponsored_rate_china"],
                   max(p["settle_rate"], p["settle_rate_male"]))


class China(Module):
    """Module for the three China stages (hiding, married, settled)."""

    fields = {
        "trafficked": Field(np.bool_, False, "trafficked into a de facto marriage"),
        "savings_usd": Field(np.float64, 0.0, "saved towards a broker's fee (USD)"),
    }
    parameter_files = ("pathway",)
    streams = ("china.trafficked", "china.exit", "china.held_death")
    channels = {"arrest": "arrest and forced repatriation in China and on the journey",
                "onward": "leaving China and the speed of the onward journey"}
    handles = {"entered_china": "enter"}

    def __init__(self, model) -> None:
        super().__init__(model)
        p, w = model.params, model.world
        self._mortality = mortality_terms(p, p["mortality_multiplier_abroad"])
        # the world table's columns the compiled month reads, one row a year
        self._world = np.ascontiguousarray(np.column_stack(
            [w.arrest_multiplier, w.onward_multiplier, w.broker_access, w.broker_fee_usd,
             w.broker_credit_share]), dtype=np.float64)
        self._bound = ExitBound.of(p)

    def enter(self, rows: np.ndarray, month: int) -> None:
        """New arrivals in China: women trafficked on arrival enter a de facto marriage."""
        m = self.model
        pop = m.population
        year = m.calendar.year_of(month)
        key = ("trafficked_share_before_2009" if year < TRAFFICKING_BREAK_YEAR
               else "trafficked_share_from_2009")
        u = m.streams.uniforms("china.trafficked", month, pop.uid[rows])
        trafficked = pop.female[rows] & (u < m.params[key])
        pop.trafficked[rows] = trafficked
        pop.move(rows[trafficked], Stage.MARRIED_IN_CHINA, month)

    def step(self, month: int) -> None:
        """One month for everyone in China at the start of the month: the rules of
        :meth:`reference_step` in one compiled pass (rates only for the few whose draw falls
        under :meth:`upper_rate`)."""
        m = self.model
        self._return_held(month)
        rows = np.concatenate([m.groups[s] for s in IN_CHINA])
        if rows.size == 0:
            return
        pop = m.population
        f = m.levers.factors(CHANNELS, rows, month)
        exit_ = _month(rows, month, m.streams.key("china.exit", month), m.params.record(Rates),
                       self._mortality, self._world[m.world.index(month)], f,
                       float(monthly_probability(self.upper_rate(rows, month, f))),
                       pop.uid, pop.stage, pop.female, pop.birth_month, pop.savings_usd)
        self._move(rows, exit_, month)

    def reference_step(self, month: int) -> None:
        """One month for everyone in China at the start of the month (NumPy)."""
        m = self.model
        self._return_held(month)
        rows = np.concatenate([m.groups[s] for s in IN_CHINA])
        if rows.size == 0:
            return
        m.population.savings_usd[rows] += m.params["savings_usd_per_month"]
        exit_ = drawn_exits(m.streams, "china.exit", month, m.population.uid, rows,
                            self.upper_rate(rows, month,
                                            m.levers.factors(CHANNELS, rows, month)),
                            lambda index: self.rates(rows[index], month))
        self._move(rows, exit_, month)

    def _return_held(self, month: int) -> None:
        """People held while North Korea took no one back are returned as soon as it does (the
        mass returns of August-October 2023); until then they die at the mortality of people
        abroad."""
        m = self.model
        held = m.groups[Stage.DETAINED_IN_CHINA]
        if held.size == 0:
            return
        if m.world.north_takes_returns[m.world.index(month)]:
            m.repatriate(held, month)
            return
        pop, p = m.population, m.params
        u = m.streams.uniforms("china.held_death", month, pop.uid[held])
        rate = mortality_rate(p, pop.age_years(held, month), pop.female[held],
                              p["mortality_multiplier_abroad"])
        m.die(held[u < monthly_probability(rate)], month)

    def _move(self, rows: np.ndarray, exit_: np.ndarray, month: int) -> None:
        """Each person to where their exit (a column of :meth:`rates`, or -1) takes them."""
        m = self.model
        moving = np.flatnonzero(exit_ >= 0)  # few of the stock move in a month
        rows, exit_ = rows[moving], exit_[moving]
        m.repatriate(rows[exit_ == ARREST], month)
        m.return_north(rows[exit_ == RETURN], month)
        for column, stage in _EXIT_STAGE.items():
            m.population.move(rows[exit_ == column], stage, month)
        m.emit("started_journey", rows[exit_ == ONWARD], month)
        m.die(rows[exit_ == DIE], month)

    def upper_rate(self, rows: np.ndarray, month: int, factors: np.ndarray) -> float:
        """A bound on everyone's total annual exit rate this month (each exit's largest
        multipliers together, the largest lever factors of ``CHANNELS`` in ``factors``, and the
        mortality of the oldest), so that only the few people whose draw falls under it need
        their rates computed."""
        m, b, mortality = self.model, self._bound, self._mortality
        w, y = m.world, m.world.index(month)
        oldest = (month - m.population.birth_month[rows].min()) / MONTHS_PER_YEAR
        arrest = b.arrest_rate * w.arrest_multiplier[y] * b.arrest_protection * b.arrest_sex
        onward = w.onward_multiplier[y] * w.broker_access[y] * b.onward_ties
        return float(arrest * factors[0].max() + b.voluntary_return_rate + b.marriage_rate
                     + onward * factors[1].max() * b.onward_rate + b.settle_rate
                     + max(mortality[2], mortality[3])  # the larger sex's multiplier
                     * gompertz_rate(oldest, mortality[0], mortality[1]))

    def rates(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Annual rates of each exit (columns ARREST ... DIE) for people in China."""
        m = self.model
        pop, p, w, y = m.population, m.params, m.world, m.world.index(month)
        stage = pop.stage[rows]
        female = pop.female[rows]
        hiding = stage == Stage.HIDING_IN_CHINA
        married = stage == Stage.MARRIED_IN_CHINA
        settled = stage == Stage.SETTLED_IN_CHINA
        protection = np.select([married, settled], [p["arrest_married_multiplier"],
                                                    p["arrest_settled_multiplier"]], 1.0)
        sex = np.where(female, 1.0, p["arrest_male_multiplier"])
        ties = np.select([married, settled], [p["onward_married_multiplier"],
                                              p["onward_settled_multiplier"]], 1.0)
        afford = payable(w.broker_credit_share[y], pop.savings_usd[rows] / w.broker_fee_usd[y])
        rates = np.zeros((6, rows.size)).T  # column-major: each column is contiguous
        rates[:, ARREST] = (p["arrest_rate"] * w.arrest_multiplier[y] * protection * sex
                            * m.levers.factor("arrest", rows, month))
        rates[:, RETURN] = np.where(hiding, p["voluntary_return_rate"], 0.0)
        rates[:, MARRY] = np.where(hiding & female, p["marriage_rate"], 0.0)
        rates[:, ONWARD] = (w.onward_multiplier[y] * w.broker_access[y] * ties
                            * m.levers.factor("onward", rows, month)
                            * (p["onward_rate"] * afford + p["sponsored_rate_china"]))
        rates[:, SETTLE] = np.select([married, hiding & ~female],
                                     [p["settle_rate"], p["settle_rate_male"]], 0.0)
        rates[:, DIE] = mortality_rate(p, pop.age_years(rows, month), female,
                                       p["mortality_multiplier_abroad"])
        return rates


@numba.njit(cache=True, nogil=True)
def payable(credit_share, saved_share):
    """The share of the onward rate open to a person: journeys run on credit (``credit_share``)
    need no savings; the others wait until the fee is saved (``saved_share`` of it so far).
    Works on scalars and arrays."""
    return credit_share + (1.0 - credit_share) * np.minimum(1.0, saved_share)


CHANNELS = ("arrest", "onward")  # the lever channels of the compiled month, in order
Rates = parameter_record("Rates", (  # the parameters the compiled month reads
    "savings_usd_per_month", "arrest_rate", "arrest_married_multiplier",
    "arrest_settled_multiplier", "arrest_male_multiplier", "voluntary_return_rate",
    "marriage_rate", "onward_married_multiplier", "onward_settled_multiplier", "onward_rate",
    "sponsored_rate_china", "settle_rate", "settle_rate_male"))
HIDING, MARRIED, SETTLED = (int(Stage.HIDING_IN_CHINA), int(Stage.MARRIED_IN_CHINA),
                            int(Stage.SETTLED_IN_CHINA))


@twin
def _month(rows, month, key, record, mortality, world, f, p_max, uid, stage, female, birth_month,
           savings_usd):  # pragma: no cover - tested against the reference
    """Savings, then one draw per person; the exit (a column of :meth:`China.rates`, -1 for
    none) of those whose draw is under ``p_max``, as ``competing_exits`` chooses it
    (``mortality``: :func:`~sim.pathway.demographics.mortality_terms` of people abroad)."""
    last = f.shape[1] - 1
    exits = np.full(rows.size, -1, dtype=np.int64)
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r, j = rows[i], min(np.int64(i), last)
        savings_usd[r] += q.savings_usd_per_month
        u = draw(key, uid[r])
        if not u < p_max:
            continue
        hiding, married, settled = stage[r] == HIDING, stage[r] == MARRIED, stage[r] == SETTLED
        protection = (q.arrest_married_multiplier if married
                      else q.arrest_settled_multiplier if settled else 1.0)
        ties = (q.onward_married_multiplier if married
                else q.onward_settled_multiplier if settled else 1.0)
        afford = payable(world[4], savings_usd[r] / world[3])
        rates = np.empty(6)  # each candidate's own (the few whose draw is under p_max)
        rates[ARREST] = (q.arrest_rate * world[0] * protection
                         * (1.0 if female[r] else q.arrest_male_multiplier) * f[0, j])
        rates[RETURN] = q.voluntary_return_rate if hiding else 0.0
        rates[MARRY] = q.marriage_rate if hiding and female[r] else 0.0
        rates[ONWARD] = (world[1] * world[2] * ties * f[1, j]
                         * (q.onward_rate * afford + q.sponsored_rate_china))
        rates[SETTLE] = (q.settle_rate if married
                         else q.settle_rate_male if hiding and not female[r] else 0.0)
        rates[DIE] = mortality_one(mortality, month, birth_month[r], female[r])
        exits[i] = exit_chosen(u, rates)
    return exits
