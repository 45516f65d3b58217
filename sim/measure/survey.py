"""Survey-style measurement of life in the South, as the Korea Hana Foundation measures it.

For year Y the survey is taken in July of Y among residents aged 15+ (19+ in 2012 and 2013)
who arrived before 1 January of Y (Korea Hana Foundation settlement surveys). Rates follow
Statistics Korea's definitions: participation = labour force / surveyed population,
employment = employed / surveyed population, unemployment = unemployed / labour force; the wage
is the mean monthly wage of wage workers in million KRW; job shares are of the employed; tenure
is the months in the present job of the employed. Daily work is work on contracts of less than a
month (Statistics Korea's classification of employment status, which the surveys follow), so a
daily worker's present job has lasted at most :data:`DAILY_CONTRACT_MONTHS`, however long the
run of daily contracts (the model's daily job) has gone on. Mental health, ties and belonging
are measured on the same people; "in the past year" means the last twelve months, "ever" since
arrival; ``life_satisfaction_share`` is the expected share satisfied.
"""

from __future__ import annotations

import numba
import numpy as np

from ..engine.calendar import PAST_YEAR, SURVEY_AGE
from ..engine.module import Module
from ..engine.population import NO_MONTH
from ..engine.stages import Job, Work
from ..life.belonging import Rates as SatisfactionRates
from ..life.belonging import satisfaction_one, satisfied
from ..life.labour import current_wage_mkrw, log_pay_one, wage_growth_one
from ..life.ties import lonely
from .indicators import BANDS, years_since_arrival_band

SURVEY_MONTH = 6  # July (0-based month of the year)
DAILY_CONTRACT_MONTHS = 1  # daily work: contracts of less than a month (Statistics Korea)
# The settlement surveys of 2012 and 2013 counted adults only: "19+ or 20+" in the Korea Hana
# Foundation's reports; 19, the Korean age of majority, is used. Other years count residents 15+.
ADULT_SURVEYS = {2012: 19, 2013: 19}


def survey_age(year: int) -> int:
    """The youngest age the settlement survey of ``year`` counts."""
    return ADULT_SURVEYS.get(year, SURVEY_AGE)


QUANTITIES = ("population", "labour_force", "employed", "unemployed", "wage_workers", "wage_sum",
              "regular", "daily", "self_employed", "tenure_sum", "livelihood", "discriminated",
              "remitted", "ptsd", "depressed", "ideation", "service", "lonely", "ties", "sk_ties",
              "no_one", "satisfied", "considering", "debt", "savings", "trained", "ideation_ever")
Q = {name: i for i, name in enumerate(QUANTITIES)}

# indicator -> (numerator, denominator, factor): percentages have factor 100
RATIOS = {
    "labour_force_participation": ("labour_force", "population", 100.0),
    "employment_rate": ("employed", "population", 100.0),
    "unemployment_rate": ("unemployed", "labour_force", 100.0),
    "mean_monthly_wage_mkrw": ("wage_sum", "wage_workers", 1.0),
    "regular_job_share": ("regular", "employed", 100.0),
    "daily_job_share": ("daily", "employed", 100.0),
    "self_employed_share": ("self_employed", "employed", 100.0),
    "mean_job_tenure_months": ("tenure_sum", "employed", 1.0),
    "livelihood_benefit_share": ("livelihood", "population", 100.0),
    "discrimination_share": ("discriminated", "population", 100.0),
    "remittance_share": ("remitted", "population", 100.0),
    "ptsd_prevalence": ("ptsd", "population", 100.0),
    "depression_prevalence": ("depressed", "population", 100.0),
    "suicidal_ideation_share": ("ideation", "population", 100.0),
    "suicidal_ideation_ever_share": ("ideation_ever", "population", 100.0),
    "mental_health_service_use_share": ("service", "population", 100.0),
    "loneliness_share": ("lonely", "population", 100.0),
    "mean_ties": ("ties", "population", 1.0),
    "mean_ties_to_south_koreans": ("sk_ties", "population", 1.0),
    "no_one_to_rely_on_share": ("no_one", "population", 100.0),
    "life_satisfaction_share": ("satisfied", "population", 100.0),
    "considered_return_share": ("considering", "population", 100.0),
    "mean_debt_mkrw": ("debt", "population", 1.0),
    "mean_savings_mkrw": ("savings", "population", 1.0),
    "vocational_training_share": ("trained", "population", 100.0),
}

# survey-style counts of people (for costs per person): indicator -> quantity
COUNTS = {"surveyed_count": "population", "employed_count": "employed",
          "depressed_count": "depressed", "discriminated_count": "discriminated",
          "ideation_count": "ideation"}
# the columns of the sums each ratio and count reads, in order (for all of them at once)
_NUMERATORS = np.array([Q[num] for num, _, _ in RATIOS.values()])
_DENOMINATORS = np.array([Q[den] for _, den, _ in RATIOS.values()])
_FACTORS = np.array([factor for _, _, factor in RATIOS.values()])
_COUNTED = np.array([Q[quantity] for quantity in COUNTS.values()])


class Survey(Module):
    """Sums of the surveyed quantities by year, band of years since arrival, and sex (a module
    that only measures: it owns no field and changes nothing)."""

    parameter_files = ("labour", "ties", "belonging")  # wages, loneliness, satisfaction

    def __init__(self, model) -> None:
        super().__init__(model)
        self.sums = np.zeros((len(model.calendar.years), len(QUANTITIES), len(BANDS), 2))

    def step(self, month: int) -> None:
        """Take the survey if ``month`` is a survey month: :meth:`reference_step`'s sums, made
        in one compiled pass over the residents."""
        if month % 12 != SURVEY_MONTH:
            return
        m = self.model
        pop, y = m.population, month // 12
        self.sums[y] = 0.0
        _survey(m.residents(), month, month - SURVEY_MONTH, survey_age(m.calendar.year_of(month)),
                m.params.record(SatisfactionRates),
                m.params["wage_tenure_effect"], float(m.world.sk_mean_wage_mkrw[y]),
                self.sums[y], pop.birth_month, pop.arrival_month, pop.female, pop.work, pop.job,
                pop.job_start_month, pop.wage_relative, pop.livelihood, pop.discriminated_month,
                pop.remitted_month, pop.ptsd, pop.depressed, pop.ideation_month,
                pop.service_month, pop.rely_on, pop.sk_ties, pop.family_left_behind,
                pop.considering_leaving, pop.debt_mkrw, pop.savings_mkrw, pop.trained)

    def reference_step(self, month: int) -> None:
        """Take the survey if ``month`` is a survey month (NumPy)."""
        if month % 12 != SURVEY_MONTH:
            return
        model, residents = self.model, self.model.residents()
        pop, y = model.population, month // 12
        first_of_year = month - SURVEY_MONTH
        youngest = survey_age(model.calendar.year_of(month))
        rows = residents[(pop.age_years(residents, month) >= youngest)
                         & (pop.arrival_month[residents] < first_of_year)]
        work, job = pop.work[rows], pop.job[rows]
        employed = work == Work.EMPLOYED
        wage_workers = employed & (job != Job.SELF_EMPLOYED)
        wages = np.zeros(rows.size)
        wages[wage_workers] = current_wage_mkrw(pop, rows[wage_workers], month, model.params,
                                                model.world.sk_mean_wage_mkrw[y])
        values = np.column_stack([
            np.ones(rows.size), work != Work.INACTIVE, employed, work == Work.UNEMPLOYED,
            wage_workers, wages, job == Job.REGULAR, job == Job.DAILY, job == Job.SELF_EMPLOYED,
            np.where(employed, present_job_months(month - pop.job_start_month[rows], job), 0),
            pop.livelihood[rows],
            month - pop.discriminated_month[rows].astype(np.int64) < PAST_YEAR,
            month - pop.remitted_month[rows].astype(np.int64) < PAST_YEAR,
            *self._inner_life(model, rows, month),
        ]).astype(np.float64)
        cell = years_since_arrival_band(pop.arrival_month[rows], month) * 2 + pop.female[rows]
        k, n_cells = len(QUANTITIES), 2 * len(BANDS)  # one bincount over (quantity, cell)
        index = (np.arange(k) * n_cells)[None, :] + cell[:, None]
        self.sums[y] = np.bincount(index.ravel(), weights=values.ravel(),
                                   minlength=k * n_cells).reshape(k, len(BANDS), 2)

    @staticmethod
    def _inner_life(model, rows: np.ndarray, month: int) -> list[np.ndarray]:
        """Columns for mental health, ties and belonging (the expected share satisfied)."""
        pop, p = model.population, model.params
        ties = pop.rely_on[rows]
        return [pop.ptsd[rows], pop.depressed[rows],
                month - pop.ideation_month[rows].astype(np.int64) < PAST_YEAR,
                month - pop.service_month[rows].astype(np.int64) < PAST_YEAR,
                lonely(ties, p), ties, pop.sk_ties[rows], ties == 0,
                satisfied(pop, rows, month, p), pop.considering_leaving[rows],
                pop.debt_mkrw[rows], pop.savings_mkrw[rows], pop.trained[rows],
                pop.ideation_month[rows] != NO_MONTH]

    def ratio(self, name: str, year_index: int, bands: tuple[str, ...], sex: str = "all") -> float:
        """One indicator pooled over several bands of years since arrival in one survey year."""
        num, den, factor = RATIOS[name]
        cols = [BANDS.index(b) for b in bands]
        sexes = {"all": [0, 1], "female": [1], "male": [0]}[sex]
        table = self.sums[year_index][:, cols][:, :, sexes].sum(axis=(1, 2))
        return factor * table[Q[num]] / table[Q[den]]

    def indicators(self, scale: int = 1) -> dict[tuple[str, str, str], np.ndarray]:
        """Ratios (and counts, in people) by (indicator, sex, band) as arrays over years (NaN
        where nobody was surveyed)."""
        out = {}
        sexes = {"all": self.sums.sum(axis=3), "female": self.sums[..., 1],
                 "male": self.sums[..., 0]}
        for sex, s in sexes.items():
            bands = {"all": s.sum(axis=2), **{b: s[:, :, i] for i, b in enumerate(BANDS)}}
            for band, table in bands.items():
                with np.errstate(invalid="ignore", divide="ignore"):  # every ratio at once
                    ratios = _FACTORS * table[:, _NUMERATORS] / table[:, _DENOMINATORS]
                for k, name in enumerate(RATIOS):
                    out[(name, sex, band)] = ratios[:, k]
                counts = scale * table[:, _COUNTED]
                for k, name in enumerate(COUNTS):
                    out[(name, sex, band)] = counts[:, k]
        return out


EMPLOYED, UNEMPLOYED, INACTIVE = int(Work.EMPLOYED), int(Work.UNEMPLOYED), int(Work.INACTIVE)
REGULAR, DAILY, SELF_EMPLOYED = int(Job.REGULAR), int(Job.DAILY), int(Job.SELF_EMPLOYED)


def present_job_months(months_in_job: np.ndarray, job: np.ndarray) -> np.ndarray:
    """Months in the present job as the survey counts them: a daily worker's present contract
    is under a month (:data:`DAILY_CONTRACT_MONTHS`), however long their run of daily work."""
    return np.where(job == DAILY, np.minimum(months_in_job, DAILY_CONTRACT_MONTHS), months_in_job)


@numba.njit(inline="always")
def present_job_months_one(months_in_job, job):  # pragma: no cover - compiled; as above
    """:func:`present_job_months` of one job, for the compiled survey."""
    return min(months_in_job, DAILY_CONTRACT_MONTHS) if job == DAILY else months_in_job


LAST_BAND = len(BANDS) - 1


@numba.njit(cache=True, nogil=True)
def _survey(rows, month, first_of_year, youngest, record, wage_tenure_effect, sk_wage, sums,
            birth_month, arrival_month, female, work, job, job_start_month, wage_relative,
            livelihood, discriminated_month, remitted_month, ptsd, depressed, ideation_month,
            service_month, rely_on, sk_ties, family_left_behind, considering_leaving, debt_mkrw,
            savings_mkrw, trained):  # pragma: no cover - tested against the reference
    """Add each surveyed resident's :data:`QUANTITIES` to ``sums[quantity, band, sex]``, in
    the order :meth:`Survey.reference_step` adds them."""
    q = record[0]
    v = np.empty(sums.shape[0])  # one resident's quantities
    for r in rows:
        if not ((month - birth_month[r]) / 12.0 >= youngest
                and arrival_month[r] < first_of_year):
            continue
        if arrival_month[r] == NO_MONTH:
            band = LAST_BAND
        else:
            band = min(max(month // 12 - arrival_month[r] // 12, 0), LAST_BAND)
        sex = 1 if female[r] else 0
        employed = work[r] == EMPLOYED
        wage_worker = employed and job[r] != SELF_EMPLOYED
        wage = 0.0
        if wage_worker:
            wage = (wage_relative[r] * wage_growth_one(month - job_start_month[r],
                                                       wage_tenure_effect) * sk_wage)
        discriminated = month - np.int64(discriminated_month[r]) < PAST_YEAR
        ties = rely_on[r]
        v[0], v[1], v[2], v[3] = 1.0, work[r] != INACTIVE, employed, work[r] == UNEMPLOYED
        v[4], v[5], v[6], v[7] = wage_worker, wage, job[r] == REGULAR, job[r] == DAILY
        v[8] = job[r] == SELF_EMPLOYED
        v[9] = present_job_months_one(month - job_start_month[r], job[r]) if employed else 0
        v[10], v[11] = livelihood[r], discriminated
        v[12] = month - np.int64(remitted_month[r]) < PAST_YEAR
        v[13], v[14] = ptsd[r], depressed[r]
        v[15] = month - np.int64(ideation_month[r]) < PAST_YEAR
        v[16] = month - np.int64(service_month[r]) < PAST_YEAR
        v[17], v[18], v[19], v[20] = ties < q.lonely_below_ties, ties, sk_ties[r], ties == 0
        log_pay = log_pay_one(month - np.int64(job_start_month[r]), wage_relative[r],
                              q.wage_tenure_effect) if employed else 0.0
        v[21] = satisfaction_one(q, employed, log_pay, ties, depressed[r], discriminated,
                                 family_left_behind[r])
        v[22], v[23], v[24], v[25] = (considering_leaving[r], debt_mkrw[r], savings_mkrw[r],
                                      trained[r])
        v[26] = ideation_month[r] != NO_MONTH  # ever since arrival (ideation starts in the South)
        for k in range(v.size):
            sums[k, band, sex] += v[k]
