"""Income and welfare after Hanawon: settlement money, broker debts, the employment incentive, the
Future Happiness Account, the basic livelihood benefit, remittances and savings.

Amounts and rules (Ministry of Unification; values in
``sim/data/parameters/welfare.yaml`` and, by year, in the world table):

- Settlement cash and housing subsidy by year of arrival, for the household: the one-person amount
  of the year scaled by household size up to the MOU 2021 ratio of the largest household, shared
  among its members. Part of an unpaid broker fee (the fee and credit share of the year the
  journey began) is still owed on arrival and is paid first.
- Employment incentive (from 2007): paid after each of the first three years in the same job, for
  jobs started within the protection period.
- Future Happiness Account (from Nov 2015): savings from earned income matched 1:1 up to 500k KRW a
  month for 48 months, after 6 months of residence and 3 months in work.
- Basic livelihood benefit: most people leaving Hanawon start on it; later, people whose earnings
  are below a share of the South Korean mean wage take it up, more often women caring for family
  and people in poor health, and leave it when they earn more
  or, more slowly within the protection period, for other reasons.
- Remittances to family in North Korea (NKDB: 17.8% sent money in 2022, 4.09M KRW a transfer).
"""

from __future__ import annotations

from functools import cached_property

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.hazards import competing_exits, happens, monthly_probability
from ..engine.kernels import twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.population import NO_MONTH, months_since, months_since_one
from ..engine.randomness import draw
from ..engine.stages import Stage, Work
from ..engine.units import KRW_PER_MKRW, usd_to_mkrw
from .labour import INCENTIVE_YEARS, current_wage_mkrw, log_tenure_growth, wage_growth_one

FHA_MONTHS = 48  # matched for up to four years (MOU)
FHA_RESIDENCE_MONTHS, FHA_WORK_MONTHS = 6, 3  # eligibility after 6 months' residence, 3 in work


def journey_start(left: np.ndarray, journey_month: np.ndarray) -> np.ndarray:
    """The month a broker's journey began (the deal and its fee), or the month of leaving North
    Korea for those who never set off on one (direct crossers)."""
    return np.where(journey_month != NO_MONTH, journey_month, left)


def household_ratio(size: np.ndarray, p) -> np.ndarray:
    """Settlement money of a household of ``size`` relative to one person (linear schedule)."""
    top = p["household_schedule_max_size"]
    step = (p["household_schedule_max_ratio"] - 1.0) / (top - 1.0)
    return 1.0 + step * (np.minimum(size, top) - 1.0)


def household_spread(mean_size: float) -> int:
    """How many sizes above 2 a household with family may have: 2 (mean - 2), rounded, so that
    sizes 2 to 2 + spread drawn uniformly have the mean ``mean_size``."""
    return int(round(2 * (mean_size - 2)))


def household_size(with_family: np.ndarray, u: np.ndarray, mean_size: float) -> np.ndarray:
    """1 for people who arrive alone; 2 up to 2 + 2 (mean - 2), uniformly, for those with family."""
    spread = household_spread(mean_size)
    return np.where(with_family, 2 + np.floor(u * (spread + 1)), 1).astype(np.int8)


def settlement_mkrw(size: np.ndarray, cash: float, housing: float, p) -> np.ndarray:
    """Settlement cash and housing subsidy per person (the household amount shared)."""
    return (cash * household_ratio(size, p) + housing) / size


def livelihood_eligible(earnings: np.ndarray, sk_wage: float, p) -> np.ndarray:
    """People whose earnings fall below the threshold (a share of the mean wage of the year)."""
    return earnings < p["livelihood_income_threshold"] * sk_wage


class Welfare(Module):
    """Module for money: settlement payments, benefits, incentives, debts, savings, remittances."""

    fields = {
        "household_size": Field(np.int8, 1),
        "savings_mkrw": Field(np.float64, 0.0, "savings (million KRW)"),
        "debt_mkrw": Field(np.float64, 0.0, "debts, mostly to brokers (million KRW)"),
        "fha_saver": Field(np.bool_, False, "saves in a Future Happiness Account"),
        "fha_months": Field(np.int16, 0, "months of matched saving so far"),
        "livelihood": Field(np.bool_, False, "receives the basic livelihood benefit"),
        "remitted_month": Field(np.int32, NO_MONTH, "last remittance to North Korea"),
    }
    parameter_files = ("welfare", "labour", "pathway")  # wages; brokers' credit
    streams = ("welfare.*",)
    handles = {"left_hanawon": "start", "settled_before_start": "settle",
               "broker_paid": "pay_broker"}

    def pay_broker(self, rows: np.ndarray, month: int, fee_mkrw: float) -> None:
        """Relatives in the South pay a broker's fee from their savings; what they lack is
        owed."""
        pop = self.model.population
        paid = np.minimum(pop.savings_mkrw[rows], fee_mkrw)
        pop.savings_mkrw[rows] -= paid
        pop.debt_mkrw[rows] += fee_mkrw - paid

    def start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: household, settlement money, and the broker debt still owed (the
        rules of :meth:`reference_start` in one compiled pass)."""
        m = self.model
        pop, p, w = m.population, m.params, m.world
        y = max(w.index(month), 0)
        _start(rows, m.streams.keys(START_STREAMS, month), p.record(StartRates),
               household_spread(p["family_household_size"]),
               float(w.settlement_cash_mkrw[y]),
               float(w.housing_subsidy_mkrw[y]), w.broker_fee_usd, w.broker_credit_share,
               pop.uid, pop.with_family, pop.last_departure_month, pop.journey_month,
               pop.sponsored, pop.savings_usd, pop.household_size, pop.livelihood, pop.debt_mkrw,
               pop.savings_mkrw)

    def reference_start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: household, settlement money, and the broker debt still owed
        (NumPy)."""
        self.settle(rows, month)
        m = self.model
        pop, p, w = m.population, m.params, m.world
        y = max(m.world.index(month), 0)
        money = settlement_mkrw(pop.household_size[rows], w.settlement_cash_mkrw[y],
                                w.housing_subsidy_mkrw[y], p)
        left = pop.last_departure_month[rows]
        began = w.index(np.maximum(journey_start(left, pop.journey_month[rows]), 0))
        unpaid = np.maximum(0.0, w.broker_fee_usd[began] - pop.savings_usd[rows])
        owed = np.where(pop.sponsored[rows] | (left < 0), 0.0,
                        usd_to_mkrw(w.broker_credit_share[began] * unpaid, p["krw_per_usd"]))
        paid = np.minimum(owed, money)
        pop.debt_mkrw[rows] = owed - paid
        pop.savings_mkrw[rows] += money - paid

    def settle(self, rows: np.ndarray, month: int) -> None:
        """The household and the livelihood benefit (for people settled before the model starts,
        who receive no settlement money and owe no broker; everyone else via :meth:`start`)."""
        m = self.model
        pop, p = m.population, m.params
        u = m.streams.uniforms("welfare.household", month, pop.uid[rows])
        pop.household_size[rows] = household_size(pop.with_family[rows], u,
                                                  p["family_household_size"])
        u = m.streams.uniforms("welfare.livelihood_start", month, pop.uid[rows])
        pop.livelihood[rows] = u < p["livelihood_initial_share"]

    def step(self, month: int) -> None:
        """One month of earnings, incentives, benefits, saving and remittances: the rules of
        :meth:`reference_step`, compiled into one pass over the residents."""
        m = self.model
        pop, y = m.population, m.world.index(month)
        keys = m.streams.keys(STREAMS, month)
        fha_open = m.calendar.decimal_year(month) >= m.params["fha_start_month"]
        _month(m.residents(), month, keys, m.params.record(Rates),
               float(m.world.sk_mean_wage_mkrw[y]), fha_open, self.wage_growth, pop.uid,
               pop.stage, pop.work, pop.job_start_month, pop.wage_relative, pop.job_incentive,
               pop.caring, pop.poor_health, pop.left_hanawon_month, pop.family_left_behind,
               pop.livelihood, pop.fha_saver, pop.fha_months, pop.debt_mkrw, pop.savings_mkrw,
               pop.remitted_month)

    @cached_property
    def wage_growth(self) -> np.ndarray:
        """Growth of a wage by whole months of tenure over the horizon, as
        :func:`current_wage_mkrw` computes it (a table for the compiled month)."""
        months = np.arange(self.model.calendar.n_months + 1)
        return np.exp(log_tenure_growth(months, self.model.params["wage_tenure_effect"]))

    def reference_step(self, month: int) -> None:
        """One month of earnings, incentives, benefits, saving and remittances (NumPy)."""
        m = self.model
        pop, p, y = m.population, m.params, m.world.index(month)
        residents = m.residents()
        sk_wage = m.world.sk_mean_wage_mkrw[y]
        employed = pop.work[residents] == Work.EMPLOYED
        earnings = np.zeros(residents.size)
        earnings[employed] = current_wage_mkrw(pop, residents[employed], month, p, sk_wage)
        income = earnings + self._incentive(residents, month) + self._livelihood(
            residents, earnings, month, sk_wage)
        saved = p["saving_share"] * income + self._matched_savings(residents, earnings, month)
        repaid = np.minimum(pop.debt_mkrw[residents], saved)
        pop.debt_mkrw[residents] -= repaid
        pop.savings_mkrw[residents] += saved - repaid
        self._remit(residents, earnings > 0, month)

    def _incentive(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Employment incentive due this month (after each full year in an eligible job)."""
        pop, p = self.model.population, self.model.params
        paid = np.zeros(rows.size)
        eligible = np.flatnonzero(pop.job_incentive[rows])
        tenure = month - pop.job_start_month[rows[eligible]]
        due = eligible[(tenure > 0) & (tenure % MONTHS_PER_YEAR == 0)
                        & (tenure <= MONTHS_PER_YEAR * INCENTIVE_YEARS)]
        paid[due] = p["employment_incentive_mkrw"]
        return paid

    def _livelihood(self, rows, earnings, month, sk_wage) -> np.ndarray:
        """Update who receives the basic livelihood benefit; return this month's benefit."""
        m = self.model
        pop, p = m.population, m.params
        eligible = livelihood_eligible(earnings, sk_wage, p)
        on = pop.livelihood[rows]
        needy = pop.caring[rows] | pop.poor_health[rows]
        take_up = p["livelihood_takeup_rate"] * np.where(needy, p["livelihood_caring_multiplier"],
                                                         1.0)
        leave = p["livelihood_leave_rate"] * np.where(
            pop.in_protection(rows), p["livelihood_protection_leave_multiplier"], 1.0)
        rate = np.where(on, leave, take_up) * eligible
        change = competing_exits(rate[:, None], m.streams.uniforms("welfare.livelihood", month,
                                                                   pop.uid[rows])) == 0
        pop.livelihood[rows] = eligible & (on ^ change)
        return np.where(pop.livelihood[rows], p["livelihood_benefit_mkrw"], 0.0)

    def _matched_savings(self, rows, earnings, month) -> np.ndarray:
        """Future Happiness Account: own deposit from earnings matched 1:1 (own + match saved)."""
        m = self.model
        pop, p = m.population, m.params
        if m.calendar.decimal_year(month) < p["fha_start_month"]:
            return np.zeros(rows.size)
        eligible = (pop.in_protection(rows)
                    & (months_since(pop.left_hanawon_month[rows], month) >= FHA_RESIDENCE_MONTHS)
                    & (months_since(pop.job_start_month[rows], month) >= FHA_WORK_MONTHS)
                    & (earnings > 0)
                    & (pop.fha_months[rows] < FHA_MONTHS))
        new = eligible & (pop.fha_months[rows] == 0)
        u = m.streams.uniforms("welfare.fha", month, pop.uid[rows])
        pop.fha_saver[rows[new]] = u[new] < p["fha_takeup_share"]
        saving = eligible & pop.fha_saver[rows]
        pop.fha_months[rows[eligible]] += 1
        deposit = np.minimum(p["fha_monthly_cap_mkrw"], p["saving_share"] * earnings)
        return np.where(saving, deposit, 0.0)  # the match; the own deposit is in saving_share

    def _remit(self, rows: np.ndarray, earning: np.ndarray, month: int) -> None:
        """Money sent to family in North Korea, out of savings."""
        m = self.model
        pop, p = m.population, m.params
        amount = p["remittance_mkrw"]
        rate = p["remittance_rate"] * np.where(earning, 1.0, p["remittance_nonearner_multiplier"])
        can = pop.family_left_behind[rows] & (pop.savings_mkrw[rows] >= amount)
        u = m.streams.uniforms("welfare.remit", month, pop.uid[rows])
        send = rows[can & (u < monthly_probability(rate))]
        pop.savings_mkrw[send] -= amount
        pop.remitted_month[send] = month


# the compiled month (Welfare.step): its streams and parameters, in order
STREAMS = ("welfare.livelihood", "welfare.fha", "welfare.remit")
# the compiled start (Welfare.start): its streams and the parameters it reads
START_STREAMS = ("welfare.household", "welfare.livelihood_start")
StartRates = parameter_record("StartRates", (
    "livelihood_initial_share", "household_schedule_max_size", "household_schedule_max_ratio",
    "krw_per_usd"))


@numba.njit(cache=True, nogil=True)
def _start(rows, keys, record, spread, cash, housing, fee_usd, credit_share, uid, with_family,
           last_departure_month, journey_month, sponsored, savings_usd, household_size,
           livelihood, debt_mkrw, savings_mkrw):  # pragma: no cover - tested vs reference_start
    """:meth:`Welfare.reference_start` in one pass (``record``: :class:`StartRates`; ``spread``: the
    :func:`household_spread`; the fee and credit share by year index): the household,
    :func:`settlement_mkrw` and the debt owed on the journey's fee."""
    q = record[0]
    top = q.household_schedule_max_size
    step = (q.household_schedule_max_ratio - 1.0) / (top - 1.0)
    for r in rows:
        u = draw(keys[0], uid[r])
        size = np.int8(2 + np.floor(u * (spread + 1))) if with_family[r] else np.int8(1)
        household_size[r] = size
        livelihood[r] = draw(keys[1], uid[r]) < q.livelihood_initial_share
        money = (cash * (1.0 + step * (min(np.float64(size), top) - 1.0)) + housing) / size
        left = last_departure_month[r]
        start = journey_month[r] if journey_month[r] != NO_MONTH else left
        began = max(start, 0) // MONTHS_PER_YEAR
        unpaid = max(0.0, fee_usd[began] - savings_usd[r])
        owed = (0.0 if sponsored[r] or left < 0
                else credit_share[began] * unpaid * q.krw_per_usd / KRW_PER_MKRW)
        paid = min(owed, money)
        debt_mkrw[r] = owed - paid
        savings_mkrw[r] += money - paid


_RATES = ("wage_tenure_effect", "employment_incentive_mkrw", "livelihood_income_threshold",
          "livelihood_takeup_rate", "livelihood_caring_multiplier", "livelihood_leave_rate",
          "livelihood_protection_leave_multiplier", "livelihood_benefit_mkrw",
          "fha_takeup_share", "fha_monthly_cap_mkrw", "saving_share", "remittance_mkrw",
          "remittance_rate", "remittance_nonearner_multiplier")

Rates = parameter_record("Rates", _RATES)  # the parameters the compiled month reads


EMPLOYED, PROTECTED = int(Work.EMPLOYED), int(Stage.PROTECTED)


@twin
def _month(rows, month, keys, record, sk_wage, fha_open, growth, uid, stage, work, job_start_month,
           wage_relative, job_incentive, caring, poor_health, left_hanawon_month,
           family_left_behind, livelihood, fha_saver, fha_months, debt_mkrw, savings_mkrw,
           remitted_month):  # pragma: no cover - tested against the reference
    """The rules of :meth:`Welfare.reference_step` for each resident in turn (``growth``: the
    wage's growth by whole months of tenure, as :func:`current_wage_mkrw` computes it)."""
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r = rows[i]
        earnings = 0.0
        if work[r] == EMPLOYED:
            tenure = max(month - np.int64(job_start_month[r]), 0)
            grown = (growth[tenure] if tenure < growth.size
                     else wage_growth_one(tenure, q.wage_tenure_effect))
            earnings = wage_relative[r] * grown * sk_wage
        incentive = 0.0
        if job_incentive[r]:
            tenure = month - job_start_month[r]
            if tenure > 0 and tenure % 12 == 0 and tenure <= 12 * INCENTIVE_YEARS:
                incentive = q.employment_incentive_mkrw
        protected = stage[r] == PROTECTED
        eligible = earnings < q.livelihood_income_threshold * sk_wage
        on = livelihood[r]
        if on:
            rate = q.livelihood_leave_rate * (q.livelihood_protection_leave_multiplier
                                              if protected else 1.0)
        else:
            rate = q.livelihood_takeup_rate * (q.livelihood_caring_multiplier
                                               if caring[r] or poor_health[r] else 1.0)
        change = eligible and happens(draw(keys[0], uid[r]), rate)  # no draw if ineligible
        livelihood[r] = eligible and (on != change)
        benefit = q.livelihood_benefit_mkrw if livelihood[r] else 0.0
        match = 0.0
        if fha_open:
            if (protected and months_since_one(left_hanawon_month[r], month) >= FHA_RESIDENCE_MONTHS
                    and months_since_one(job_start_month[r], month) >= FHA_WORK_MONTHS
                    and earnings > 0 and fha_months[r] < FHA_MONTHS):
                if fha_months[r] == 0:
                    fha_saver[r] = draw(keys[1], uid[r]) < q.fha_takeup_share
                fha_months[r] += 1
                if fha_saver[r]:
                    match = min(q.fha_monthly_cap_mkrw, q.saving_share * earnings)
        saved = q.saving_share * (earnings + incentive + benefit) + match
        repaid = min(debt_mkrw[r], saved)
        debt_mkrw[r] -= repaid
        savings_mkrw[r] += saved - repaid
        rate = q.remittance_rate * (1.0 if earnings > 0 else q.remittance_nonearner_multiplier)
        if (family_left_behind[r] and savings_mkrw[r] >= q.remittance_mkrw
                and happens(draw(keys[2], uid[r]), rate)):
            savings_mkrw[r] -= q.remittance_mkrw
            remitted_month[r] = month
