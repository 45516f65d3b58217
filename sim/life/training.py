"""School, university and vocational training in the South.

- Young arrivals study until ``school_leaving_age``; school leavers and arrivals younger than
  ``university_young_age`` (25) enrol at university with ``university_entry_share_young``, those
  older but under ``free_study_age`` with ``university_entry_share_adult`` (study is free up to
  ``free_study_age``, MOU 2021); a degree takes ``university_years``.
- Adults from ``school_leaving_age`` to ``older_age`` not in work during their first
  ``settling_years`` start vocational training at ``training_rate`` (40.4% had received training,
  KHF 2011); a course lasts ``training_months`` and ends with a recognised qualification for
  ``certification_share`` of trainees (courses run by the vocational-training lever set their own
  share and end with the trainee looking for work).
- A qualification helps little in the first year and more after two or three (Card, Kluve & Weber
  2010, 2018): its effect grows linearly from zero after ``credential_delay_months`` to full
  strength ``credential_ramp_months`` later.
"""

from __future__ import annotations

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.hazards import happens, monthly_probability
from ..engine.kernels import twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.population import NO_MONTH, years_since
from ..engine.randomness import draw
from ..engine.stages import Work


def credential_strength(certified_month: np.ndarray, month: int, p) -> np.ndarray:
    """Share (0-1) of the full effect of a qualification obtained in ``certified_month``."""
    since = month - certified_month.astype(np.int64)
    ramp = (since - p["credential_delay_months"]) / p["credential_ramp_months"]
    return np.where(certified_month == NO_MONTH, 0.0, np.clip(ramp, 0.0, 1.0))


def university_share(age: np.ndarray, p) -> np.ndarray:
    """Probability of enrolling at university for someone leaving school or arriving at ``age``."""
    return np.where(age < p["university_young_age"], p["university_entry_share_young"],
                    np.where(age < p["free_study_age"], p["university_entry_share_adult"], 0.0))


class Training(Module):
    """Module for school, university and vocational training of residents."""

    fields = {
        "study_until": Field(np.int32, NO_MONTH, "at school or university until"),
        "at_university": Field(np.bool_, False),
        "degree_south": Field(np.bool_, False, "a degree from a South Korean university"),
        "trained": Field(np.bool_, False, "has started vocational training"),
        "training_until": Field(np.int32, NO_MONTH, "in a vocational course until"),
        "certified_month": Field(np.int32, NO_MONTH, "month of a recognised qualification"),
        "course_certification": Field(np.float64, np.nan, "certification share of a lever's "
                                                          "course (NaN: the usual share)"),
    }
    parameter_files = ("training", "labour")
    streams = ("training.*",)
    channels = {"training_start": "the rate of starting vocational training"}
    handles = {"left_hanawon": "start", "settled_before_start": "start", "course_started": "begin"}

    def start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: the young go (back) to school, some adults to university (the
        rules of :meth:`reference_start` in one compiled pass)."""
        m = self.model
        pop, p = m.population, m.params
        school = p["school_leaving_age"]
        _start(rows, month, m.streams.key("training.university", month),
               float(school), int(round(MONTHS_PER_YEAR * school)),
               float(p["university_young_age"]), float(p["university_entry_share_young"]),
               float(p["free_study_age"]), float(p["university_entry_share_adult"]),
               int(round(MONTHS_PER_YEAR * p["university_years"])), pop.uid, pop.birth_month,
               pop.study_until, pop.at_university)

    def reference_start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: the young go (back) to school, some adults to university (NumPy)."""
        m = self.model
        pop, p = m.population, m.params
        age = pop.age_years(rows, month)
        young = age < p["school_leaving_age"]
        school = rows[young]
        pop.study_until[school] = pop.birth_month[school] + int(
            round(MONTHS_PER_YEAR * p["school_leaving_age"]))
        self._maybe_university(rows[~young], month)

    def _maybe_university(self, rows: np.ndarray, month: int) -> None:
        if rows.size == 0:
            return
        m = self.model
        pop, p = m.population, m.params
        u = m.streams.uniforms("training.university", month, pop.uid[rows])
        enrol = rows[u < university_share(pop.age_years(rows, month), p)]
        pop.at_university[enrol] = True
        pop.study_until[enrol] = month + int(round(MONTHS_PER_YEAR * p["university_years"]))

    def step(self, month: int) -> None:
        """Finish school or university, start and finish vocational courses: the rules of
        :meth:`reference_step`, the start of courses compiled into one pass."""
        m = self.model
        pop, residents = m.population, m.residents()
        self._finish(*_ending(residents, month, pop.study_until, pop.training_until), month)
        _start_courses(residents, month, m.streams.key("training.start", month),
                       m.params.record(Rates), int(round(m.params["training_months"])),
                       m.levers.factors(("training_start",), residents, month), pop.uid,
                       pop.birth_month, pop.arrival_month, pop.trained, pop.work,
                       pop.study_until, pop.training_until)

    def reference_step(self, month: int) -> None:
        """Finish school or university, start and finish vocational courses (NumPy)."""
        pop, residents = self.model.population, self.model.residents()
        self._finish(residents[pop.study_until[residents] == month],
                     residents[pop.training_until[residents] == month], month)
        self._start_courses(residents, month)

    def _finish(self, done: np.ndarray, courses_done: np.ndarray, month: int) -> None:
        """Graduates and university after school (``done``: school or university ends this
        month), and the end of vocational courses (``courses_done``)."""
        pop = self.model.population
        graduates = done[pop.at_university[done]]
        pop.degree_south[graduates] = True
        pop.at_university[graduates] = False
        self._maybe_university(done[~pop.degree_south[done]], month)
        self._finish_courses(courses_done, month)

    def _start_courses(self, residents: np.ndarray, month: int) -> None:
        m = self.model
        pop, p = m.population, m.params
        age = pop.age_years(residents, month)
        years = years_since(pop.arrival_month[residents], month)
        eligible = residents[(age >= p["school_leaving_age"]) & (age < p["older_age"])
                             & (pop.arrival_month[residents] != NO_MONTH)
                             & (years < p["settling_years"]) & ~pop.trained[residents]
                             & (pop.work[residents] != Work.EMPLOYED)
                             & (pop.study_until[residents] <= month)]
        u = m.streams.uniforms("training.start", month, pop.uid[eligible])
        rate = p["training_rate"] * m.levers.factor("training_start", eligible, month)
        self.begin(eligible[u < monthly_probability(rate)], month)

    def begin(self, rows: np.ndarray, month: int, certification_share: float | None = None) -> None:
        """Start a vocational course now (a lever's course sets its own certification share)."""
        pop, p = self.model.population, self.model.params
        pop.trained[rows] = True
        pop.training_until[rows] = month + int(round(p["training_months"]))
        if certification_share is not None:
            pop.course_certification[rows] = certification_share

    def _finish_courses(self, rows: np.ndarray, month: int) -> None:
        if rows.size == 0:
            return
        m = self.model
        pop, p = m.population, m.params
        u = m.streams.uniforms("training.certified", month, pop.uid[rows])
        special = pop.course_certification[rows]
        share = np.where(np.isnan(special), p["certification_share"], special)
        pop.certified_month[rows[u < share]] = month
        pop.course_certification[rows] = np.nan
        pop.work[rows[~np.isnan(special)]] = Work.UNEMPLOYED  # a lever's course ends in placement
        pop.savings_mkrw[rows] += p["training_bonus_mkrw"]


Rates = parameter_record("Rates", (  # the parameters the compiled pass reads
    "school_leaving_age", "older_age", "settling_years", "training_rate"))
EMPLOYED = int(Work.EMPLOYED)


@twin
def _start_courses(rows, month, key, record, months, f, uid, birth_month, arrival_month, trained,
                   work, study_until, training_until):  # pragma: no cover - tested vs the reference
    """Residents of working age, arrived within ``settling_years``, not yet trained, employed
    or studying, start a vocational course of ``months`` at ``training_rate`` (times the lever
    factor)."""
    last = f.shape[1] - 1
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r = rows[i]
        age = (month - birth_month[r]) / MONTHS_PER_YEAR
        if not (age >= q.school_leaving_age and age < q.older_age
                and arrival_month[r] != NO_MONTH
                and (month - np.int64(arrival_month[r])) / MONTHS_PER_YEAR < q.settling_years
                and not trained[r] and work[r] != EMPLOYED and study_until[r] <= month):
            continue
        if happens(draw(key, uid[r]), q.training_rate * f[0, min(np.int64(i), last)]):
            trained[r] = True
            training_until[r] = month + months


@numba.njit(cache=True, nogil=True)
def _start(rows, month, key, school_age, school_months, young_age, share_young, free_age,
           share_adult, study_months, uid, birth_month, study_until,
           at_university):  # pragma: no cover - compiled; tested against the reference
    """:meth:`Training.reference_start`: school until ``school_months`` of age for the young,
    university for ``study_months`` for a share of the others (:func:`university_share`)."""
    for r in rows:
        age = (month - birth_month[r]) / MONTHS_PER_YEAR
        if age < school_age:
            study_until[r] = birth_month[r] + school_months
            continue
        share = share_young if age < young_age else share_adult if age < free_age else 0.0
        if draw(key, uid[r]) < share:
            at_university[r] = True
            study_until[r] = month + study_months


@numba.njit(cache=True, nogil=True)
def _ending(rows, month, study_until, training_until):  # pragma: no cover - vs the reference
    """The rows whose school or university, and whose vocational course, end this month."""
    study = np.empty(rows.size, dtype=np.int64)
    course = np.empty(rows.size, dtype=np.int64)
    n_study = n_course = 0
    for r in rows:
        if study_until[r] == month:
            study[n_study] = r
            n_study += 1
        if training_until[r] == month:
            course[n_course] = r
            n_course += 1
    return study[:n_study].copy(), course[:n_course].copy()
