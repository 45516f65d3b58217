"""Mental health in the South: PTSD, depression, suicidal ideation, suicide and services.

- PTSD on leaving Hanawon, from trauma before leaving, forced repatriation and trafficking (odds
  ratios; Chang et al. 2021), less the remissions without treatment in the years since the last
  crossing out of North Korea (``ptsd_remission_rate_untreated``; Kessler et al. 1995), so people
  who lived for years in China arrive with PTSD less often; and from the famine of 1995-2000
  (Goodkind & West 2001) for those who lived through it, less the remissions since it ended, so
  that it weighs on the arrivals of the early 2000s and hardly on those of the late 2010s; in the
  South it recovers at ``ptsd_recovery_rate`` (Hong et al. 2006: full PTSD 27.2% falling to 4.0%
  over three years).
- Depression: a minority is vulnerable (Kim et al. 2022: 23.3% high and rising), onset is raised
  by acculturation stress (discrimination, unemployment, loneliness, family left in the North) and
  by debt (mostly to brokers; debt goes with depression, Richardson et al. 2013), and buffered by
  social support; PTSD raises it (OR 14.5, Chang et al. 2021).
- Services: about a fifth use them (Kim et al.: 21.0%, 28.8% of those with a disorder); use
  speeds recovery.
- Suicidal ideation (11.9% in the past year, KHF 2022; 38.4% ever, Lim et al. 2024), recurring
  in the same people: past ideation is the strongest predictor of ideation (Nock et al. 2008), so
  a first episode multiplies the rate of later ones. Suicide among those with recent ideation
  (8.7-14.9% of defector deaths in 2017-2019).
Rates are in ``sim/data/parameters/mental_health.yaml``.
"""

from __future__ import annotations


import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR, PAST_YEAR
from ..engine.hazards import (
    CEILING_SLACK,
    competing_exits,
    could_happen,
    happens,
    monthly_probability,
    saturated,
    saturating,
)
from ..engine.kernels import twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.population import NO_MONTH, SUICIDE
from ..engine.randomness import draw
from ..engine.stages import Work
from .ties import lonely


# The famine's last year: its excess deaths are estimated over 1995-2000 (Goodkind & West 2001);
# the world table's famine regime of departures ends in 1999, as the outflow peaked in 1998-99.
FAMINE_END_YEAR = 2000


def odds_to_probability(base_share: float, odds_ratio: np.ndarray) -> np.ndarray:
    """Probability for a base share multiplied in odds by ``odds_ratio``."""
    odds = base_share / (1.0 - base_share) * odds_ratio
    return odds / (1.0 + odds)


def ptsd_probability(trauma, repatriated, trafficked, years_since_crossing, years_since_famine,
                     p) -> np.ndarray:
    """Probability of full PTSD on leaving Hanawon, from two sources, each less the remissions
    without treatment since it ended: the traumas of the journey (since the last crossing), and
    the famine of the 1990s (``years_since_famine``: since the famine ended or the person first
    left, whichever came first; infinite for people born after it)."""
    ratio = (np.where(trauma, p["ptsd_trauma_odds"], 1.0)
             * np.where(repatriated, p["ptsd_repatriation_odds"], 1.0)
             * np.where(trafficked, p["ptsd_trafficking_odds"], 1.0))
    remission = p["ptsd_remission_rate_untreated"]
    journey = (odds_to_probability(p["ptsd_base_share"], ratio)
               * np.exp(-remission * np.maximum(years_since_crossing, 0.0)))
    famine = p["famine_ptsd_share"] * np.exp(-remission * np.maximum(years_since_famine, 0.0))
    return 1.0 - (1.0 - journey) * (1.0 - famine)


def years_since_famine(month, birth_month, first_departure_month, famine_end) -> np.ndarray:
    """Years from the end of each person's famine (its last month ``famine_end``, or their first
    departure if earlier) to ``month``; infinite for people born after the famine ended."""
    since = (month - np.minimum(first_departure_month, famine_end)) / MONTHS_PER_YEAR
    return np.where(birth_month <= famine_end, since, np.inf)


def depression_onset_rate(vulnerable, stress_log, ties, p) -> np.ndarray:
    """Annual onset rate: the vulnerable are at higher risk; stress raises it and support from the
    people one can rely on lowers it."""
    base = p["depression_onset_rate"] * np.where(vulnerable, 1.0,
                                                 p["depression_resilient_multiplier"])
    return base * np.exp(stress_log - p["support_effect"]
                         * saturating(ties, p["contact_saturation"]))


def ideation_rate(depressed, ptsd, poor_health, unemployed, alone, before, p) -> np.ndarray:
    """Annual rate of episodes of suicidal ideation; ``before``: an episode since arrival
    (ideation recurs in the same people)."""
    stressors = (ptsd.astype(np.int64) + poor_health + unemployed + alone)
    return (p["ideation_rate"] * np.where(depressed, p["ideation_depression_multiplier"], 1.0)
            * p["ideation_stress_multiplier"] ** stressors
            * np.where(before, p["ideation_recurrence_multiplier"], 1.0))


class MentalHealth(Module):
    """Module for the mental health of residents after Hanawon."""

    fields = {
        "ptsd": Field(np.bool_, False, "full PTSD"),
        "ptsd_recovery_month": Field(np.int32, NO_MONTH),
        "vulnerable": Field(np.bool_, False, "at high risk of depression"),
        "depressed": Field(np.bool_, False),
        "service_until": Field(np.int32, NO_MONTH, "using mental-health services until"),
        "service_month": Field(np.int32, NO_MONTH, "last month services were started"),
        "ideation_month": Field(np.int32, NO_MONTH, "last episode of suicidal ideation"),
    }
    parameter_files = ("mental_health", "ties")  # ties: who is lonely
    streams = ("health.*",)
    channels = {
        "service_start": "the rate of starting to use mental-health services",
        "ptsd_recovery": "the rate of recovery from PTSD",
        "depression_recovery": "the rate of recovery from depression",
        "depression_onset": "the rate of onset of depression",
        "ideation": "the rate of episodes of suicidal ideation",
        "suicide": "the suicide rate of people with recent ideation",
    }
    handles = {"left_hanawon": "start", "settled_before_start": "settle"}

    def start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: PTSD from the journey, vulnerability, initial depression (the
        rules of :meth:`reference_start` in one compiled pass)."""
        m = self.model
        pop, p = m.population, m.params
        _start(rows, month, m.streams.keys(START_STREAMS, month), p.record(StartRates),
               m.calendar.month_of(FAMINE_END_YEAR, 12), pop.uid, pop.last_departure_month,
               pop.first_departure_month, pop.birth_month, pop.trauma, pop.repatriations,
               pop.trafficked, pop.female, pop.ptsd, pop.ptsd_recovery_month, pop.vulnerable,
               pop.depressed)

    def reference_start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: PTSD from the journey, vulnerability, initial depression (NumPy)."""
        m = self.model
        pop, p = m.population, m.params
        u = m.streams.uniforms("health.ptsd", month, pop.uid[rows])
        years = (month - pop.last_departure_month[rows]) / MONTHS_PER_YEAR
        famine = years_since_famine(month, pop.birth_month[rows], pop.first_departure_month[rows],
                                    m.calendar.month_of(FAMINE_END_YEAR, 12))
        self.settle(rows, month, u < ptsd_probability(pop.trauma[rows], pop.repatriations[rows] > 0,
                                                      pop.trafficked[rows], years, famine, p))

    def settle(self, rows: np.ndarray, month: int, ptsd: np.ndarray | None = None) -> None:
        """Vulnerability and initial depression; without ``ptsd``, for people settled before the
        model starts, no PTSD (most recover within three years of arrival)."""
        m = self.model
        pop, p = m.population, m.params
        u = {k: m.streams.uniforms(f"health.{k}", month, pop.uid[rows])
             for k in ("vulnerable", "depressed")}
        ptsd = np.zeros(rows.size, dtype=bool) if ptsd is None else ptsd
        pop.ptsd[rows] = ptsd
        pop.ptsd_recovery_month[rows] = NO_MONTH
        share = p["vulnerable_share"] * np.where(pop.female[rows],
                                                 p["vulnerable_female_multiplier"], 1.0)
        pop.vulnerable[rows] = u["vulnerable"] < share
        depressed = odds_to_probability(p["depression_initial_share"],
                                        np.where(ptsd, p["ptsd_depression_odds"], 1.0))
        pop.depressed[rows] = u["depressed"] < depressed

    def step(self, month: int) -> None:
        """One month of service use, recovery, onset, ideation and suicide: the rules of
        :meth:`reference_step`, compiled into two passes over the residents (services first:
        a lever may act on recovery only for people in services, including those who start
        this month)."""
        m = self.model
        pop, residents = m.population, m.residents()
        keys = m.streams.keys(STREAMS, month)
        rates = m.params.record(Rates)
        in_service = _start_services(residents, month, keys[0], rates,
                                     m.levers.factors(CHANNELS[:1], residents, month), pop.uid,
                                     pop.ptsd, pop.depressed, pop.service_until,
                                     pop.service_month)
        suicides = _month(residents, month, keys, rates,
                          m.levers.factors(CHANNELS[1:], residents, month), in_service, pop.uid,
                          pop.ptsd, pop.ptsd_recovery_month, pop.vulnerable, pop.depressed,
                          pop.ideation_month, pop.discriminated_month, pop.work, pop.rely_on,
                          pop.family_left_behind, pop.poor_health, pop.debt_mkrw)
        m.die(suicides, month, cause=SUICIDE)

    def reference_step(self, month: int) -> None:
        """One month of recovery, onset, service use, ideation and suicide (NumPy)."""
        pop, residents = self.model.population, self.model.residents()
        in_service = pop.service_until[residents] > month
        self._services(residents, in_service, month)
        self._ptsd(residents[pop.ptsd[residents]], in_service[pop.ptsd[residents]], month)
        self._depression(residents, in_service, month)
        self._ideation_and_suicide(residents, month)

    def _services(self, rows, in_service, month) -> None:
        m = self.model
        pop, p = m.population, m.params
        disorder = pop.ptsd[rows] | pop.depressed[rows]
        rate = (np.where(disorder, p["service_start_rate_disorder"], p["service_start_rate_other"])
                * m.levers.factor("service_start", rows, month))
        u = m.streams.uniforms("health.service", month, pop.uid[rows])
        start = rows[~in_service & (u < monthly_probability(rate))]
        pop.service_until[start] = month + int(round(p["service_months"]))
        pop.service_month[start] = month

    def _recovery_rate(self, base: float, in_service: np.ndarray, rows, month,
                       channel: str) -> np.ndarray:
        m = self.model
        return (base * np.where(in_service, m.params["service_recovery_multiplier"], 1.0)
                * m.levers.factor(channel, rows, month))

    def _ptsd(self, rows, in_service, month) -> None:
        m = self.model
        pop, p = m.population, m.params
        rate = self._recovery_rate(p["ptsd_recovery_rate"], in_service, rows, month,
                                   "ptsd_recovery")
        u = m.streams.uniforms("health.ptsd_recovery", month, pop.uid[rows])
        recovered = rows[u < monthly_probability(rate)]
        pop.ptsd[recovered] = False
        pop.ptsd_recovery_month[recovered] = month

    def stress(self, rows, month) -> np.ndarray:
        """Log-rate of stress: discrimination, unemployment, loneliness, family left behind and
        debt."""
        m = self.model
        pop, p = m.population, m.params
        discriminated = month - pop.discriminated_month[rows].astype(np.int64) < PAST_YEAR
        return (p["stress_discrimination"] * discriminated
                + p["stress_unemployment"] * (pop.work[rows] == Work.UNEMPLOYED)
                + p["stress_loneliness"] * lonely(pop.rely_on[rows], p)
                + p["stress_family_separation"] * pop.family_left_behind[rows]
                + p["stress_debt"] * (pop.debt_mkrw[rows] > 0))

    def _depression(self, rows, in_service, month) -> None:
        m = self.model
        pop, p = m.population, m.params
        depressed = pop.depressed[rows]
        onset = depression_onset_rate(pop.vulnerable[rows], self.stress(rows, month),
                                      pop.rely_on[rows], p)
        # prevalence odds are onset / recovery in a two-state model, so at equal recovery the
        # published prevalence odds ratio is the ratio of onset rates
        onset *= (np.where(pop.ptsd[rows], p["ptsd_depression_odds"], 1.0)
                  * m.levers.factor("depression_onset", rows, month))
        recovery = self._recovery_rate(p["depression_recovery_rate"], in_service, rows,
                                       month, "depression_recovery") * np.where(
            pop.vulnerable[rows], p["depression_vulnerable_recovery_multiplier"], 1.0)
        rate = np.where(depressed, recovery, onset)
        change = competing_exits(rate[:, None], m.streams.uniforms("health.depression", month,
                                                                   pop.uid[rows])) == 0
        pop.depressed[rows] = depressed ^ change

    def _ideation_and_suicide(self, rows, month) -> None:
        m = self.model
        pop, p = m.population, m.params
        rate = ideation_rate(pop.depressed[rows], pop.ptsd[rows], pop.poor_health[rows],
                             pop.work[rows] == Work.UNEMPLOYED, lonely(pop.rely_on[rows], p),
                             pop.ideation_month[rows] != NO_MONTH, p)
        rate = rate * m.levers.factor("ideation", rows, month)
        u = m.streams.uniforms("health.ideation", month, pop.uid[rows])
        pop.ideation_month[rows[u < monthly_probability(rate)]] = month
        recent = rows[month - pop.ideation_month[rows].astype(np.int64) < PAST_YEAR]
        u = m.streams.uniforms("health.suicide", month, pop.uid[recent])
        risk = p["suicide_rate_ideation"] * m.levers.factor("suicide", recent, month)
        m.die(recent[u < monthly_probability(risk)], month, cause=SUICIDE)


# the compiled start (MentalHealth.start): its streams and the parameters it reads
START_STREAMS = ("health.ptsd", "health.vulnerable", "health.depressed")
StartRates = parameter_record("StartRates", (
    "ptsd_trauma_odds", "ptsd_repatriation_odds", "ptsd_trafficking_odds",
    "ptsd_remission_rate_untreated", "ptsd_base_share", "famine_ptsd_share", "vulnerable_share",
    "vulnerable_female_multiplier", "depression_initial_share", "ptsd_depression_odds"))


@numba.njit(cache=True, nogil=True)
def _start(rows, month, keys, record, famine_end, uid, last_departure_month, first_departure_month,
           birth_month, trauma, repatriations, trafficked, female, ptsd, ptsd_recovery_month,
           vulnerable, depressed):  # pragma: no cover - compiled; tested against reference_start
    """:meth:`MentalHealth.reference_start` in one pass (``record``: :class:`StartRates`): PTSD as
    :func:`ptsd_probability` gives it, then vulnerability and initial depression."""
    q = record[0]
    base_odds = q.ptsd_base_share / (1.0 - q.ptsd_base_share)
    initial_odds = q.depression_initial_share / (1.0 - q.depression_initial_share)
    remission = q.ptsd_remission_rate_untreated
    for r in rows:
        ratio = ((q.ptsd_trauma_odds if trauma[r] else 1.0)
                 * (q.ptsd_repatriation_odds if repatriations[r] > 0 else 1.0)
                 * (q.ptsd_trafficking_odds if trafficked[r] else 1.0))
        odds = base_odds * ratio
        years = (month - last_departure_month[r]) / MONTHS_PER_YEAR
        journey = odds / (1.0 + odds) * np.exp(-remission * max(years, 0.0))
        since = (month - min(first_departure_month[r], famine_end)) / MONTHS_PER_YEAR
        famine_years = since if birth_month[r] <= famine_end else np.inf
        famine = q.famine_ptsd_share * np.exp(-remission * max(famine_years, 0.0))
        has_ptsd = draw(keys[0], uid[r]) < 1.0 - (1.0 - journey) * (1.0 - famine)
        ptsd[r] = has_ptsd
        ptsd_recovery_month[r] = NO_MONTH
        share = q.vulnerable_share * (q.vulnerable_female_multiplier if female[r] else 1.0)
        vulnerable[r] = draw(keys[1], uid[r]) < share
        odds = initial_odds * (q.ptsd_depression_odds if has_ptsd else 1.0)
        depressed[r] = draw(keys[2], uid[r]) < odds / (1.0 + odds)


# the compiled month (MentalHealth.step): its streams, lever channels and parameters, in order
STREAMS = ("health.service", "health.ptsd_recovery", "health.depression", "health.ideation",
           "health.suicide")
CHANNELS = ("service_start", "ptsd_recovery", "depression_onset", "depression_recovery",
            "ideation", "suicide")
_RATES = ("service_start_rate_disorder", "service_start_rate_other", "service_months",
          "service_recovery_multiplier", "ptsd_recovery_rate", "stress_discrimination",
          "stress_unemployment", "stress_loneliness", "stress_family_separation", "stress_debt",
          "lonely_below_ties", "depression_onset_rate", "depression_resilient_multiplier",
          "support_effect", "contact_saturation", "ptsd_depression_odds",
          "depression_recovery_rate", "depression_vulnerable_recovery_multiplier", "ideation_rate",
          "ideation_depression_multiplier", "ideation_stress_multiplier",
          "ideation_recurrence_multiplier", "suicide_rate_ideation")


class Rates(parameter_record("Rates", (*_RATES, "onset_stress_ceiling",
                                       "ideation_stress_ceiling"))):
    """The parameters the compiled month reads, by name, and two ceilings: the largest factors
    stress and support can give the onset of depression and the rate of ideation. With a
    person's flags (vulnerable, PTSD, depressed, earlier ideation) they bound that person's rate,
    so the kernel computes the rate itself only when the draw falls under the bound's monthly
    probability (the same decisions, for a few percent of the residents)."""

    @classmethod
    def of(cls, p) -> np.ndarray:
        """The values of ``p``; ``service_months`` whole, as the reference rounds it."""
        v = {name: float(p[name]) for name in _RATES}
        v["service_months"] = float(round(v["service_months"]))
        worst_stress = sum(max(0.0, v[k]) for k in (
            "stress_discrimination", "stress_unemployment", "stress_loneliness",
            "stress_family_separation", "stress_debt")) + max(0.0, -v["support_effect"])
        v["onset_stress_ceiling"] = float(np.exp(worst_stress)) * CEILING_SLACK
        v["ideation_stress_ceiling"] = (max(1.0, v["ideation_stress_multiplier"]) ** 4
                                        * CEILING_SLACK)
        return cls.values(v)


WORK_UNEMPLOYED = int(Work.UNEMPLOYED)


@twin
def _start_services(rows, month, key, record, f, uid, ptsd, depressed, service_until,
                    service_month):  # pragma: no cover - tested against the reference
    """Who was in services at the start of the month; start services for the others at their
    rate (the first rule of :meth:`MentalHealth.reference_step`)."""
    last = f.shape[1] - 1
    in_service = np.empty(rows.size, dtype=np.bool_)
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r = rows[i]
        in_service[i] = service_until[r] > month
        rate = (q.service_start_rate_disorder if ptsd[r] or depressed[r]
                else q.service_start_rate_other) * f[0, min(np.int64(i), last)]
        if not in_service[i] and happens(draw(key, uid[r]), rate):
            service_until[r] = month + int(q.service_months)
            service_month[r] = month
    return in_service


@twin
def _month(rows, month, keys, record, f, in_service, uid, ptsd, ptsd_recovery_month, vulnerable,
           depressed, ideation_month, discriminated_month, work, rely_on, family_left_behind,
           poor_health, debt_mkrw):  # pragma: no cover - tested against the reference
    """The other rules of :meth:`MentalHealth.reference_step` for each resident in turn (lever
    factors ``f`` in the order of ``CHANNELS[1:]``); returns the rows of this month's
    suicides."""
    last = f.shape[1] - 1
    dies = np.zeros(rows.size, dtype=np.bool_)
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r, j = rows[i], min(np.int64(i), last)
        help_ = q.service_recovery_multiplier if in_service[i] else 1.0
        if ptsd[r] and happens(draw(keys[1], uid[r]), q.ptsd_recovery_rate * help_ * f[0, j]):
            ptsd[r] = False
            ptsd_recovery_month[r] = month
        unemployed = work[r] == WORK_UNEMPLOYED
        alone = rely_on[r] < q.lonely_below_ties
        u = draw(keys[2], uid[r])
        if depressed[r]:
            rate = q.depression_recovery_rate * help_ * f[2, j] * (
                q.depression_vulnerable_recovery_multiplier if vulnerable[r] else 1.0)
        else:
            base = (q.depression_onset_rate
                    * (1.0 if vulnerable[r] else q.depression_resilient_multiplier))
            odds = (q.ptsd_depression_odds if ptsd[r] else 1.0) * f[1, j]
            rate = 0.0  # unless the draw is under this person's highest onset probability
            if could_happen(u, base * q.onset_stress_ceiling * odds):
                stress = (q.stress_discrimination
                          * (month - np.int64(discriminated_month[r]) < PAST_YEAR)
                          + q.stress_unemployment * unemployed + q.stress_loneliness * alone
                          + q.stress_family_separation * family_left_behind[r]
                          + q.stress_debt * (debt_mkrw[r] > 0))
                rate = base * np.exp(stress - q.support_effect
                                     * saturated(rely_on[r], q.contact_saturation)) * odds
        if happens(u, rate):
            depressed[r] = not depressed[r]
        u = draw(keys[3], uid[r])
        depression = q.ideation_depression_multiplier if depressed[r] else 1.0
        recurrence = q.ideation_recurrence_multiplier if ideation_month[r] != NO_MONTH else 1.0
        if could_happen(u, q.ideation_rate * depression * q.ideation_stress_ceiling
                        * recurrence * f[3, j]):
            stressors = np.int64(ptsd[r]) + poor_health[r] + unemployed + alone
            rate = (q.ideation_rate * depression * q.ideation_stress_multiplier ** stressors
                    * recurrence) * f[3, j]
            if happens(u, rate):
                ideation_month[r] = month
        if (month - np.int64(ideation_month[r]) < PAST_YEAR
                and happens(draw(keys[4], uid[r]), q.suicide_rate_ideation * f[4, j])):
            dies[i] = True
    return rows[dies]
