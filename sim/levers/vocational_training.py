"""Vocational training with recognised certification: people reached start a course at once, and
more of them gain a qualification that employers recognise.

Evidence (transferred): active labour-market programme meta-analyses (Card, Kluve & Weber 2010,
Econ. J.; 2018, JEEA): training is about zero or negative in the first year (lock-in) and more
positive two to three years later, more so for human-capital programmes and for women; US CETA
training +2 to +5 points of employment over three years (Card & Sullivan 1988, Econometrica);
early on-the-job training for refugees in Denmark helped only briefly (Arendt & Bolvig 2020). In
the model the course keeps trainees out of the labour force while it lasts, and a qualification
raises job finding and wages after a delay (the ``credential_*`` parameters); 40.4% of defectors
had received training (KHF 2011). The share of trainees who gain a qualification is uncertain (an
assumption centred on 0.8 for nationally recognised courses).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import Lever, LeverSettings
from .effects import Beta, Distribution, effect


class Settings(LeverSettings):
    """Vocational training with recognised certification."""

    type: Literal["vocational_training"] = "vocational_training"
    certification_share: Distribution = effect(
        Beta(a=8.0, b=2.0), kind="assumption", bounds=(0.0, 1.0),
        what="share of trainees who gain a recognised qualification",
        source="assumption (beta, mean 0.8, 90% 0.55-0.96) for nationally recognised courses; "
               "the employment effect it gives is compared with Card, Kluve & Weber 2018 "
               "(about 0 in year 1, positive after 2-3 years) and Card & Sullivan 1988 (+2 to +5 "
               "points)")
    evidence: ClassVar[str] = ("Card, Kluve & Weber 2010, 2018: ~0 in the short run, positive "
                               "after 2-3 years; Card & Sullivan 1988: +2 to +5 points")
    acts_on_text: ClassVar[str] = "the people trained (a course, then a qualification)"
    duration_text: ClassVar[str] = ("a course of training_months; the qualification's effect "
                                    "grows over two to three years and then lasts")
    outcomes: ClassVar[tuple[str, ...]] = ("employed_count", "employment_rate",
                                           "mean_monthly_wage_mkrw")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("employed",)
    acts_through: ClassVar[tuple[str, ...]] = ("vocational_training_share",)
    known_miss: ClassVar[str] = (
        "its gain in work for the people trained is about flat from 12 to 36 months (+3.5 and "
        "+3.6 points at the calibrated medians, the mean of seeds 1-6), where the meta-analyses "
        "find it grows: without the course the unemployed it reaches find work within months, so "
        "the course's lock-in is over by the first follow-up")


class VocationalTraining(Lever):
    """Reaches only people not already training or studying, and starts a course for them."""

    def eligible(self, rows, month):
        pop = self.model.population
        free = (pop.training_until[rows] <= month) & (pop.study_until[rows] <= month)
        return super().eligible(rows, month) & free

    def on_enrol(self, rows, month) -> None:
        self.model.emit("course_started", rows, month,
                        certification_share=self.values["certification_share"])
