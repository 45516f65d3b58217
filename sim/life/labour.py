"""The labour market in South Korea: looking for work, jobs by type, job loss and wages.

Residents aged 15+ who are not studying or training are inactive, unemployed (looking) or employed,
in a regular, temporary or daily job or self-employed. Monthly hazards (annual rates in
``sim/data/parameters/labour.yaml``) depend on sex and care of family, age, education in the North
and the South, vocational credentials, years in the South, workplace communication (the accent),
health (:mod:`sim.life.health`), the visibility of origin and employer discrimination. Women are
hired into regular work less often, as South Korean women are (Statistics Korea, supplementary
survey of the Economically Active Population Survey by type of employment), so their jobs end
sooner; jobs end less often the longer they have lasted (Farber 1994, 1999); wages are set at
hire relative to the South Korean mean wage of the year (world table) and grow with tenure.
Under COVID-19 social distancing (2020-2021, world column ``distancing``) precarious jobs end more
often, hiring slows and job seekers and people in precarious work leave the labour force more
often; those who left for it come back faster once it is lifted.
The survey figures they are matched to are the KHF settlement surveys (Korea Hana Foundation,
2010-2024)."""

from __future__ import annotations

from functools import cached_property

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR, SURVEY_AGE
from ..engine.hazards import (
    CEILING_SLACK,
    competing_exits,
    could_happen,
    exit_of_two,
    happens,
    saturated,
    saturating,
)
from ..engine.kernels import kept_zeros, twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.population import NO_MONTH, years_since
from ..engine.randomness import categorical, draw
from ..engine.stages import Job, Stage, Work
from .discrimination import accent_of, accent_one, visibility
from .ties import employed_contacts
from .training import credential_strength

INCENTIVE_YEARS = 3  # the employment incentive is paid for the first three years in a job (MOU)
JOBS = (Job.REGULAR, Job.TEMPORARY, Job.DAILY, Job.SELF_EMPLOYED)
EDUCATION_EFFECTS = ("", "education_effect_college", "education_effect_university")


def years_in_south(arrival_month: np.ndarray, month: int) -> np.ndarray:
    """Years since arrival; people who arrived before the model started count as long settled."""
    return np.maximum(years_since(arrival_month, month), 0.0)


def human_capital(pop, rows: np.ndarray, month: int, p) -> np.ndarray:
    """Log-effect of education (North and South) and vocational credentials, shared by job finding
    and wages."""
    edu = np.array([0.0] + [p[name] for name in EDUCATION_EFFECTS[1:]])[pop.education[rows]]
    return (edu + p["degree_south_effect"] * pop.degree_south[rows]
            + p["credential_effect"] * credential_strength(pop.certified_month[rows], month, p))


def settling(years: np.ndarray, p) -> np.ndarray:
    """Years in the South that still count towards catching up (capped at ``settling_years``)."""
    return np.minimum(years, p["settling_years"])


def employer_penalty(vis: np.ndarray, prejudice: float, penalty: float) -> np.ndarray:
    """Log-effect of employer discrimination: penalty x prejudice x visibility of origin."""
    return -penalty * prejudice * vis


def communication(pop, rows, month, p) -> np.ndarray:
    """Log-effect of Korean workplace communication: a penalty that fades with the accent."""
    return -p["communication_penalty"] * accent_of(pop, rows, month, p)


def health_factor(pop, rows, p) -> np.ndarray:
    """Ratio by which health limits work: poor physical health, and PTSD or depression."""
    return (np.where(pop.poor_health[rows], p["poor_health_work_multiplier"], 1.0)
            * np.where(pop.ptsd[rows] | pop.depressed[rows], p["mental_health_work_multiplier"],
                       1.0))


def referral(contacts: np.ndarray, p) -> np.ndarray:
    """Ratio by which contacts in work raise job finding (saturating in their number)."""
    return 1.0 + p["referral_effect"] * saturating(contacts, p["contact_saturation"])


def job_finding_rate(pop, rows, month, p, prejudice, vis, referrals=1.0,
                     distancing: bool = False) -> np.ndarray:
    """Annual rate at which job seekers find work (slower under social distancing)."""
    age_decades = np.maximum(pop.age_years(rows, month) - p["finding_age_from"], 0.0) / 10.0
    log_rate = (human_capital(pop, rows, month, p) + communication(pop, rows, month, p)
                + p["finding_years_effect"] * settling(years_in_south(pop.arrival_month[rows],
                                                                      month), p)
                + p["finding_female_effect"] * pop.female[rows]
                + p["finding_age_effect"] * age_decades
                + employer_penalty(vis, prejudice, p["employer_hiring_penalty"]))
    hiring = p["distancing_finding_multiplier"] if distancing else 1.0
    return (p["job_finding_rate"] * np.exp(log_rate) * health_factor(pop, rows, p) * referrals
            * hiring)


def entry_rate(pop, rows, age, p, referrals=1.0, distancing: bool = False) -> np.ndarray:
    """Annual rate at which inactive adults start looking for work; contacts in work bring news of
    jobs to people who are not yet looking, and people who left under social distancing come back
    faster once it is over (:func:`returning`)."""
    return (p["lf_entry_rate"] * referrals * returning(pop.left_distanced[rows], distancing, p)
            * np.where(pop.caring[rows], p["caring_entry_multiplier"], 1.0)
            * health_factor(pop, rows, p)
            * np.where(pop.livelihood[rows], p["livelihood_work_multiplier"], 1.0)
            * np.where(age >= p["older_age"], p["older_entry_multiplier"], 1.0))


def exit_rate(pop, rows, age, p, distanced=False) -> np.ndarray:
    """Annual rate at which people leave the labour force; more often for those ``distanced``
    (job seekers and people in precarious work in years of social distancing)."""
    return (p["lf_exit_rate"] * np.where(pop.caring[rows], p["caring_exit_multiplier"], 1.0)
            / health_factor(pop, rows, p)
            * np.where(age >= p["older_age"], p["older_exit_multiplier"], 1.0)
            * np.where(distanced, p["distancing_exit_multiplier"], 1.0))


def returning(left_distanced: np.ndarray, distancing: bool, p) -> np.ndarray:
    """Ratio by which people who left the labour force under social distancing start looking for
    work again faster than other inactive adults, once distancing is over (1 while it lasts):
    their work stopped for a reason that ended with it."""
    return np.where(left_distanced & (not distancing), p["distancing_return_multiplier"], 1.0)


def left_for_distancing(distanced: np.ndarray, u: np.ndarray, p) -> np.ndarray:
    """Which of the people leaving the labour force left because of social distancing: of those
    ``distanced`` (whose exit rate it multiplied by m, ``distancing_exit_multiplier``), the share
    (m - 1) / m of the rate it added, by their uniforms ``u``; the others would have left anyway
    (caring, age, health) and come back no faster."""
    return distanced & (u < distancing_share(p["distancing_exit_multiplier"]))


@numba.njit(inline="always")
def distancing_share(multiplier):
    """The share of a distanced exit rate that distancing added, (m - 1) / m (m >= 1)."""
    return 1.0 - 1.0 / multiplier


def precarious_distanced(job: np.ndarray, distancing: bool) -> np.ndarray:
    """Jobs that social distancing hits (all but regular ones), in years of distancing."""
    return distancing & (job != Job.REGULAR)


@numba.njit(inline="always")
def tenure_factor(tenure_months, decline):
    """Ratio by which a job's separation rate has fallen after ``tenure_months`` in it:
    (1 + years in the job) ** -decline (new jobs end most often; Farber 1994, 1999). For one
    job or an array of them, in the NumPy rules and the compiled month alike."""
    return (1.0 + tenure_months / MONTHS_PER_YEAR) ** -decline


@numba.njit(cache=True)
def tenure_table(tenure_months, decline):  # pragma: no cover - compiled; as tenure_factor
    """:func:`tenure_factor` of an array, compiled once and cached: the same values as the NumPy
    rules get, without compiling the array version in every process (about 0.2 s)."""
    return tenure_factor(tenure_months, decline)


def separation_rate(job: np.ndarray, tenure_months: np.ndarray, incentive: np.ndarray,
                    health: np.ndarray, p, distancing: bool = False) -> np.ndarray:
    """Annual rate of losing or leaving a job, by job type, falling with the time in the job
    (:func:`tenure_factor`) and divided by the health factor; the employment incentive keeps
    people in eligible jobs during their first three years (MOU); social distancing ends
    precarious jobs (all but regular ones) more often."""
    base = np.array([0.0] + [p[f"separation_rate_{j.name.lower()}"] for j in JOBS])[job]
    kept = incentive & (tenure_months < MONTHS_PER_YEAR * INCENTIVE_YEARS)
    shock = np.where(precarious_distanced(job, distancing), p["distancing_separation_multiplier"],
                     1.0)
    return (base * tenure_factor(tenure_months, p["separation_tenure_decline"])
            * np.where(kept, 1.0 - p["incentive_retention_effect"], 1.0) * shock / health)


def job_weights(years: np.ndarray, capital: np.ndarray, female: np.ndarray,
                p) -> np.ndarray:
    """(n, 4) relative weights of regular, temporary, daily and self-employed work at hire
    (regular work less often for women, as among South Koreans)."""
    regular = p["regular_weight"] * np.exp(p["regular_years_effect"] * settling(years, p) + capital
                                           + p["regular_female_effect"] * female)
    n = years.size
    return np.column_stack([regular, np.full(n, p["temporary_weight"]),
                            np.full(n, p["daily_weight"]), np.full(n, p["self_employed_weight"])])


def wage_at_hire(pop, rows, month, job, p, prejudice, vis) -> np.ndarray:
    """Wage at hire relative to the South Korean mean wage of the year."""
    type_effect = np.select([job == Job.DAILY, job == Job.TEMPORARY],
                            [p["wage_daily_effect"], p["wage_temporary_effect"]], 0.0)
    log_wage = (human_capital(pop, rows, month, p) + communication(pop, rows, month, p)
                + type_effect
                + p["wage_female_effect"] * pop.female[rows]
                + p["wage_years_effect"] * settling(years_in_south(pop.arrival_month[rows],
                                                                   month), p)
                + employer_penalty(vis, prejudice, p["employer_wage_penalty"]))
    return p["wage_relative_at_start"] * np.exp(log_wage)


def log_wage_growth(pop, rows, month, p) -> np.ndarray:
    """Log of the growth of each wage with tenure (none before the job's start): the wage at hire
    times (1 + years in the job) ** ``wage_tenure_effect``."""
    return log_tenure_growth(month - pop.job_start_month[rows], p["wage_tenure_effect"])


def log_tenure_growth(tenure_months, effect) -> np.ndarray:
    """:func:`log_wage_growth` after ``tenure_months`` in the job (an array)."""
    return effect * np.log1p(np.maximum(tenure_months / MONTHS_PER_YEAR, 0.0))


@numba.njit(inline="always")
def log_wage_growth_one(tenure_months, effect):  # pragma: no cover - compiled; as log_wage_growth
    """:func:`log_wage_growth` of one wage after ``tenure_months``, for compiled kernels."""
    return effect * np.log1p(max(tenure_months / MONTHS_PER_YEAR, 0.0))


@numba.njit(inline="always")
def wage_growth_one(tenure_months, effect):  # pragma: no cover - compiled; as current_wage_mkrw
    """The growth of one wage after ``tenure_months`` in the job, for compiled kernels."""
    return np.exp(log_wage_growth_one(tenure_months, effect))


def current_wage_mkrw(pop, rows, month, p, sk_wage: float) -> np.ndarray:
    """Monthly wage in million KRW: the wage at hire grown with tenure, in this year's money."""
    return pop.wage_relative[rows] * np.exp(log_wage_growth(pop, rows, month, p)) * sk_wage


def log_relative_pay(pop, rows, month, p, employed: np.ndarray) -> np.ndarray:
    """Log of each person's pay relative to the South Korean mean wage (the wage at hire grown
    with tenure), for the ``employed``; 0 for the others."""
    out = np.zeros(rows.size)
    working = rows[employed]
    out[employed] = np.log(pop.wage_relative[working]) + log_wage_growth(pop, working, month, p)
    return out


@numba.njit(inline="always")
def log_pay_one(tenure_months, wage_relative, effect):  # pragma: no cover - as log_relative_pay
    """:func:`log_relative_pay` of one person in work, for compiled kernels."""
    return np.log(wage_relative) + log_wage_growth_one(tenure_months, effect)


class LabourMarket(Module):
    """Module for the labour-force status, jobs and wages of residents after Hanawon."""

    fields = {
        "work": Field(np.int8, int(Work.INACTIVE), "labour-force status (Work)"),
        "job": Field(np.int8, int(Job.NONE), "kind of job (Job)"),
        "job_start_month": Field(np.int32, NO_MONTH),
        "job_incentive": Field(np.bool_, False, "the job earns the employment incentive"),
        "wage_relative": Field(np.float64, 0.0, "wage at hire / South Korean mean wage"),
        "caring": Field(np.bool_, False, "a woman caring for family"),
        "left_distanced": Field(np.bool_, False, "last left the labour force because of social "
                                "distancing (drawn on every move out of it)"),
    }
    parameter_files = ("labour", "discrimination", "ties", "training", "mental_health",
                       "welfare")
    streams = ("labour.*",)
    channels = {
        "lf_entry": "the rate at which inactive adults start looking for work",
        "job_finding": "the rate at which job seekers find work",
        "separation": "the rate of losing or leaving a job",
        "prejudice": "the prejudice met when hiring, paying and meeting South Koreans",
    }
    handles = {"left_hanawon": "start", "settled_before_start": "start",
               "business_started": "start_business"}

    def __init__(self, model) -> None:
        super().__init__(model)
        self._via_buffer = np.zeros(0)  # everyone's contacts in work, zeros between months

    def start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: care of family for women who came with family (health is drawn by
        :mod:`sim.life.health`)."""
        pop = self.model.population
        pop.caring[rows] = pop.female[rows] & pop.with_family[rows]

    def step(self, month: int) -> None:
        """One month of looking for work, finding and losing jobs, and leaving the labour force:
        the rules of :meth:`reference_step`, compiled into one pass over the residents."""
        m = self.model
        pop, p = m.population, m.params
        ties = pop.ties
        via = self._via_buffer = kept_zeros(self._via_buffer, pop.n)
        # the month's kernel keeps those of working age
        able = _not_studying(m.residents(), month, pop.study_until, pop.training_until,
                             pop.work, pop.job, pop.left_distanced, ties.u, ties.v, via)
        keys = m.streams.keys(STREAMS, month)
        _month(able, month, keys, p.record(Rates), conditions(m, month),
               m.levers.factors(CHANNELS, able, month),
               self.tenure_decline, via, pop.uid, pop.birth_month, pop.female, pop.stage,
               pop.arrival_month, pop.education, pop.degree_south, pop.certified_month,
               pop.accent_factor, pop.conceals, pop.sk_ties, pop.caring, pop.poor_health,
               pop.ptsd, pop.depressed, pop.livelihood, pop.work, pop.job, pop.job_start_month,
               pop.job_incentive, pop.wage_relative, pop.left_distanced)
        _forget_contacts(ties.u, ties.v, via)

    @cached_property
    def tenure_decline(self) -> np.ndarray:
        """:func:`tenure_factor` by whole months of tenure over the horizon (a table for the
        compiled month, which would otherwise raise a power for every job every month)."""
        months = np.arange(self.model.calendar.n_months + 1)
        return tenure_table(months, self.model.params["separation_tenure_decline"])

    def reference_step(self, month: int) -> None:
        """One month of looking for work, finding and losing jobs, and leaving the labour force
        (NumPy)."""
        pop = self.model.population
        rows = self._not_studying(month)
        able = rows[pop.age_years(rows, month) >= SURVEY_AGE]
        work = pop.work[able]
        self._inactive(able[work == Work.INACTIVE], month)
        self._unemployed(able[work == Work.UNEMPLOYED], month)
        self._employed(able[work == Work.EMPLOYED], month)

    def _not_studying(self, month: int) -> np.ndarray:
        """Students and trainees leave the labour force; return the other residents. Counts each
        person's contacts in work (``_via``) once, before anyone's job changes this month (NumPy;
        the compiled month uses :func:`_not_studying`)."""
        pop, residents = self.model.population, self.model.residents()
        busy = (pop.study_until[residents] > month) | (pop.training_until[residents] > month)
        pop.work[residents[busy]] = Work.INACTIVE
        pop.job[residents[busy]] = Job.NONE
        pop.left_distanced[residents[busy]] = False
        n = pop.n
        self._via = pop.ties.neighbours_with(pop.work[:n] == Work.EMPLOYED, n)
        return residents[~busy]

    def _inactive(self, rows: np.ndarray, month: int) -> None:
        m = self.model
        pop, p = m.population, m.params
        contacts = employed_contacts(pop, rows, self._via,
                                     m.world.sk_employment_rate[m.world.index(month)])
        rate = (entry_rate(pop, rows, pop.age_years(rows, month), p, referral(contacts, p),
                           m.world.distancing[m.world.index(month)])
                * m.levers.factor("lf_entry", rows, month))
        start = competing_exits(rate[:, None], m.streams.uniforms("labour.enter", month,
                                                                  pop.uid[rows])) == 0
        pop.work[rows[start]] = Work.UNEMPLOYED

    def _unemployed(self, rows: np.ndarray, month: int) -> None:
        m = self.model
        pop, p, y = m.population, m.params, m.world.index(month)
        prejudice = m.world.prejudice[y] * m.levers.factor("prejudice", rows, month)
        vis = visibility(pop, rows, month, p)
        contacts = employed_contacts(pop, rows, self._via, m.world.sk_employment_rate[y])
        finding = job_finding_rate(pop, rows, month, p, prejudice, vis, referral(contacts, p),
                                   m.world.distancing[y])
        rates = np.column_stack([finding * m.levers.factor("job_finding", rows, month),
                                 exit_rate(pop, rows, pop.age_years(rows, month), p,
                                           m.world.distancing[y])])
        exit_ = competing_exits(rates, m.streams.uniforms("labour.search", month, pop.uid[rows]))
        left = rows[exit_ == 1]
        self._leave(left, np.full(left.size, m.world.distancing[y]), month)
        self.hire(rows[exit_ == 0], month, vis[exit_ == 0])

    def hire(self, rows: np.ndarray, month: int, vis: np.ndarray) -> None:
        """Start a job: draw its type and wage; mark it eligible for the employment incentive
        (jobs started within the protection period, from 2007, other than daily work and
        self-employment)."""
        m = self.model
        pop, p, y = m.population, m.params, m.world.index(month)
        years = years_in_south(pop.arrival_month[rows], month)
        weights = job_weights(years, human_capital(pop, rows, month, p), pop.female[rows], p)
        u = m.streams.uniforms("labour.job", month, pop.uid[rows])
        job = np.asarray(JOBS, dtype=np.int8)[categorical(u, weights)]
        pop.work[rows] = Work.EMPLOYED
        pop.job[rows] = job
        pop.job_start_month[rows] = month
        prejudice = m.world.prejudice[y] * m.levers.factor("prejudice", rows, month)
        pop.wage_relative[rows] = wage_at_hire(pop, rows, month, job, p, prejudice, vis)
        in_force = m.calendar.year_of(month) >= p["employment_incentive_start_year"]
        steady = (job == Job.REGULAR) | (job == Job.TEMPORARY)  # daily work is never a year
        pop.job_incentive[rows] = in_force & pop.in_protection(rows) & steady

    def start_business(self, rows: np.ndarray, month: int) -> None:
        """People who start a business (e.g. with a microloan) become self-employed now."""
        m = self.model
        pop, p, y = m.population, m.params, m.world.index(month)
        job = np.full(rows.size, Job.SELF_EMPLOYED, dtype=np.int8)
        prejudice = m.world.prejudice[y] * m.levers.factor("prejudice", rows, month)
        vis = visibility(pop, rows, month, p)
        pop.work[rows] = Work.EMPLOYED
        pop.job[rows] = job
        pop.job_start_month[rows] = month
        pop.job_incentive[rows] = False
        pop.wage_relative[rows] = wage_at_hire(pop, rows, month, job, p, prejudice, vis)

    def _employed(self, rows: np.ndarray, month: int) -> None:
        m = self.model
        pop, p = m.population, m.params
        tenure = month - pop.job_start_month[rows]
        distancing = m.world.distancing[m.world.index(month)]
        distanced = precarious_distanced(pop.job[rows], distancing)
        rates = np.column_stack([
            separation_rate(pop.job[rows], tenure, pop.job_incentive[rows],
                            health_factor(pop, rows, p), p, distancing)
            * m.levers.factor("separation", rows, month),
            exit_rate(pop, rows, pop.age_years(rows, month), p, distanced)])
        exit_ = competing_exits(rates, m.streams.uniforms("labour.job_end", month, pop.uid[rows]))
        ended = rows[exit_ >= 0]
        pop.job[ended] = Job.NONE
        pop.job_incentive[ended] = False
        pop.work[rows[exit_ == 0]] = Work.UNEMPLOYED
        self._leave(rows[exit_ == 1], distanced[exit_ == 1], month)

    def _leave(self, rows: np.ndarray, distanced: np.ndarray, month: int) -> None:
        """Leave the labour force, some of the ``distanced`` because of it
        (:func:`left_for_distancing`)."""
        m = self.model
        pop = m.population
        pop.work[rows] = Work.INACTIVE
        pop.left_distanced[rows] = left_for_distancing(
            distanced, m.streams.uniforms("labour.distanced", month, pop.uid[rows]), m.params)


# the compiled month (LabourMarket.step): its streams, lever channels and parameters, in order
STREAMS = ("labour.enter", "labour.search", "labour.job", "labour.job_end", "labour.distanced")
CHANNELS = ("lf_entry", "job_finding", "separation", "prejudice")
_RATES = ("lf_entry_rate", "referral_effect", "contact_saturation", "caring_entry_multiplier",
          "poor_health_work_multiplier", "mental_health_work_multiplier",
          "livelihood_work_multiplier", "older_age", "older_entry_multiplier", "lf_exit_rate",
          "caring_exit_multiplier", "older_exit_multiplier", "job_finding_rate",
          "finding_age_from", "finding_years_effect", "finding_female_effect",
          "finding_age_effect", "employer_hiring_penalty", "employer_wage_penalty",
          "settling_years", "degree_south_effect", "credential_effect", "credential_delay_months",
          "credential_ramp_months", "communication_penalty", "accent_floor",
          "accent_half_life_years", "conceal_visibility", "regular_weight",
          "regular_years_effect", "regular_female_effect", "temporary_weight", "daily_weight",
          "self_employed_weight",
          "wage_daily_effect", "wage_temporary_effect", "wage_female_effect",
          "wage_years_effect", "wage_relative_at_start", "incentive_retention_effect",
          "education_effect_college", "education_effect_university", "separation_rate_regular",
          "separation_rate_temporary", "separation_rate_daily", "separation_rate_self_employed",
          "separation_tenure_decline", "distancing_separation_multiplier",
          "distancing_finding_multiplier", "distancing_exit_multiplier",
          "distancing_return_multiplier")

Rates = parameter_record("Rates", _RATES)  # the parameters the compiled month reads
# the year's conditions the compiled month reads (conditions), by position
WORLD = ("prejudice", "sk_employment_rate", "incentive_open", "distancing")
PREJUDICE, SK_EMPLOYMENT, INCENTIVE_OPEN, DISTANCING = range(len(WORLD))


def conditions(model, month: int) -> np.ndarray:
    """The month's conditions as the compiled month reads them (:data:`WORLD`): prejudice and
    the South Korean employment rate of the world table, whether the employment incentive is
    paid yet (1 or 0) and COVID-19 distancing (1 or 0)."""
    y = model.world.index(month)
    world = np.empty(len(WORLD))
    world[PREJUDICE] = model.world.prejudice[y]
    world[SK_EMPLOYMENT] = model.world.sk_employment_rate[y]
    world[INCENTIVE_OPEN] = (model.calendar.year_of(month)
                             >= model.params["employment_incentive_start_year"])
    world[DISTANCING] = model.world.distancing[y]
    return world


INACTIVE, UNEMPLOYED, EMPLOYED = int(Work.INACTIVE), int(Work.UNEMPLOYED), int(Work.EMPLOYED)
NONE, REGULAR, TEMPORARY, DAILY = int(Job.NONE), int(Job.REGULAR), int(Job.TEMPORARY), int(
    Job.DAILY)
PROTECTED = int(Stage.PROTECTED)


@numba.njit(cache=True, nogil=True)
def _not_studying(rows, month, study_until, training_until, work, job, left_distanced, u, v,
                  via):  # pragma: no cover - compiled; tested against the reference
    """:meth:`LabourMarket._not_studying` in one pass over the residents and one over the ties:
    the residents not studying or training; everyone's number of tied people in work is added
    into ``via`` (zeros on entry; :func:`_forget_contacts` sets it back)."""
    able = np.empty(rows.size, dtype=np.int64)
    k = 0
    for r in rows:
        if study_until[r] > month or training_until[r] > month:
            work[r], job[r], left_distanced[r] = INACTIVE, NONE, False
        else:
            able[k] = r
            k += 1
    for t in range(u.size):
        via[u[t]] += work[v[t]] == EMPLOYED
        via[v[t]] += work[u[t]] == EMPLOYED
    return able[:k].copy()


@numba.njit(cache=True, nogil=True)
def _forget_contacts(u, v, via):  # pragma: no cover - compiled; tested with _not_studying
    """Set the counts :func:`_not_studying` added into ``via`` back to zero (at the ties' ends:
    the only entries it writes)."""
    for t in range(u.size):
        via[u[t]] = 0.0
        via[v[t]] = 0.0


@numba.njit(cache=True, nogil=True)
def _exit_rate(q, caring, health, older, distanced):  # pragma: no cover - compiled; as exit_rate
    """:func:`exit_rate` of one person, for the compiled month (only job seekers and the employed
    can leave the labour force, so only they need it)."""
    rate = (q.lf_exit_rate * (q.caring_exit_multiplier if caring else 1.0) / health
            * (q.older_exit_multiplier if older else 1.0))
    return rate * q.distancing_exit_multiplier if distanced else rate


@twin
def _month(rows, month, keys, record, world, f, decline, via, uid, birth_month, female, stage,
           arrival_month, education, degree_south, certified_month, accent_factor, conceals,
           sk_ties, caring, poor_health, ptsd, depressed, livelihood, work, job, job_start_month,
           job_incentive, wage_relative,
           left_distanced):  # pragma: no cover - tested against the reference
    """The rules of :meth:`LabourMarket.reference_step` for each resident not studying or
    training, in turn (``decline``: :func:`tenure_factor` by whole months of tenure)."""
    q = record[0]
    last = f.shape[1] - 1
    edu = np.array([0.0, q.education_effect_college, q.education_effect_university])
    base_separation = np.array([0.0, q.separation_rate_regular, q.separation_rate_temporary,
                                q.separation_rate_daily, q.separation_rate_self_employed])
    # the largest factor referrals can give (contacts saturate at 1): entry is computed only for
    # the inactive whose draw falls under the rate with it
    most_referral = (1.0 + max(q.referral_effect, 0.0)) * CEILING_SLACK
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r, j = rows[i], min(np.int64(i), last)
        age = (month - birth_month[r]) / MONTHS_PER_YEAR
        if not age >= SURVEY_AGE:
            continue
        health = ((q.poor_health_work_multiplier if poor_health[r] else 1.0)
                  * (q.mental_health_work_multiplier if ptsd[r] or depressed[r] else 1.0))
        older = age >= q.older_age
        status = work[r]
        if status == INACTIVE:
            u = draw(keys[0], uid[r])
            caring_ = q.caring_entry_multiplier if caring[r] else 1.0
            benefit = q.livelihood_work_multiplier if livelihood[r] else 1.0
            aged = q.older_entry_multiplier if older else 1.0
            back = (q.distancing_return_multiplier
                    if left_distanced[r] and not world[DISTANCING] > 0 else 1.0)
            if could_happen(u, q.lf_entry_rate * most_referral * back * caring_ * health
                            * benefit * aged * f[0, j]):
                contacts = via[r] + sk_ties[r] * world[SK_EMPLOYMENT] / 100.0
                referral = 1.0 + q.referral_effect * saturated(contacts, q.contact_saturation)
                rate = (q.lf_entry_rate * referral * back * caring_ * health * benefit
                        * aged) * f[0, j]
                if happens(u, rate):
                    work[r] = UNEMPLOYED
        elif status == UNEMPLOYED:
            u = draw(keys[1], uid[r])
            years = np.inf if arrival_month[r] == NO_MONTH else (month - np.int64(
                arrival_month[r])) / MONTHS_PER_YEAR
            settled = min(max(years, 0.0), q.settling_years)
            accent = accent_one(years, q.accent_floor, q.accent_half_life_years) * accent_factor[r]
            vis = accent * (q.conceal_visibility if conceals[r] else 1.0)
            prejudice = world[PREJUDICE] * f[3, j]
            capital = edu[education[r]] + q.degree_south_effect * degree_south[r]
            if certified_month[r] != NO_MONTH:
                ramp = ((month - np.int64(certified_month[r])) - q.credential_delay_months) / (
                    q.credential_ramp_months)
                capital += q.credential_effect * min(max(ramp, 0.0), 1.0)
            contacts = via[r] + sk_ties[r] * world[SK_EMPLOYMENT] / 100.0
            referral = 1.0 + q.referral_effect * saturated(contacts, q.contact_saturation)
            log_rate = (capital - q.communication_penalty * accent
                        + q.finding_years_effect * settled + q.finding_female_effect * female[r]
                        + q.finding_age_effect * max(age - q.finding_age_from, 0.0) / 10.0
                        - q.employer_hiring_penalty * prejudice * vis)
            distanced = world[DISTANCING] > 0
            finding = q.job_finding_rate * np.exp(log_rate) * health * referral * f[1, j] * (
                q.distancing_finding_multiplier if distanced else 1.0)
            exit_ = exit_of_two(u, finding, _exit_rate(q, caring[r], health, older, distanced))
            if exit_ == 1:
                work[r] = INACTIVE
                left_distanced[r] = distanced and draw(keys[4], uid[r]) < distancing_share(
                    q.distancing_exit_multiplier)
            elif exit_ == 0:
                weights = np.array([q.regular_weight * np.exp(q.regular_years_effect * settled
                                                              + capital + q.regular_female_effect
                                                              * female[r]),
                                    q.temporary_weight, q.daily_weight, q.self_employed_weight])
                cum, total, u = 0.0, weights.sum(), draw(keys[2], uid[r])
                kind = 0
                for k in range(4):
                    cum += weights[k] / total
                    kind += u >= cum
                kind = REGULAR + min(kind, 3)
                work[r], job[r], job_start_month[r] = EMPLOYED, kind, month
                type_effect = (q.wage_daily_effect if kind == DAILY else
                               q.wage_temporary_effect if kind == TEMPORARY else 0.0)
                log_wage = (capital - q.communication_penalty * accent + type_effect
                            + q.wage_female_effect * female[r] + q.wage_years_effect * settled
                            - q.employer_wage_penalty * prejudice * vis)
                wage_relative[r] = q.wage_relative_at_start * np.exp(log_wage)
                job_incentive[r] = (world[INCENTIVE_OPEN] > 0 and stage[r] == PROTECTED
                                    and (kind == REGULAR or kind == TEMPORARY))
        elif status == EMPLOYED:
            tenure = month - np.int64(job_start_month[r])
            kept = job_incentive[r] and tenure < MONTHS_PER_YEAR * INCENTIVE_YEARS
            precarious = world[DISTANCING] > 0 and job[r] != REGULAR
            shock = q.distancing_separation_multiplier if precarious else 1.0
            declined = (decline[tenure] if 0 <= tenure < decline.size
                        else tenure_factor(tenure, q.separation_tenure_decline))
            separation = (base_separation[job[r]] * declined
                          * (1.0 - q.incentive_retention_effect if kept else 1.0) * shock
                          / health) * f[2, j]
            exit_ = exit_of_two(draw(keys[3], uid[r]), separation,
                                _exit_rate(q, caring[r], health, older, precarious))
            if exit_ >= 0:
                job[r], job_incentive[r] = NONE, False
                work[r] = UNEMPLOYED if exit_ == 0 else INACTIVE
                if exit_ == 1:
                    left_distanced[r] = precarious and draw(keys[4], uid[r]) < (
                        distancing_share(q.distancing_exit_multiplier))
