"""Mentorship by South Korean professionals: a mentor to rely on (a tie to a South Korean, who
brings referrals), help with workplace norms and encouragement to look for work and to take it.

Evidence (transferred): FORWORK, a cluster-randomised trial of mentoring and job placement for
refugees in Piedmont (Abbiati, Battistin, Monti & Pinotti 2025, IZA DP 17859): employment +20
points at 18 months over a 33% control mean, +10 points without subsidised internships; an
early-intervention RCT in Gothenburg (Dahlberg, Egebark, Vikman & Özcan 2024, J. Econ. Behav.
Organ.): about +15 points for about three years, then fading as controls catch up; a job-matching
experiment in Munich (Battisti, Giesing & Laurentsyeva 2019, Labour Econ.): none at 6 months,
+13 points at 12 in the working paper, only marginally significant in the journal. Sweden ended
its paid "introduction guides" in 2016 after poor results. The prior on the employment multiplier
is the interval at which the model's participants gain +3 to +18 points at 18 months (centre +10:
FORWORK without internships, shrunk for transfer; calibration/lever_priors.py shows the mapping).
The white paper asks for mentors in technology, health care and logistics.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Lever, LeverSettings
from .effects import Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Mentorship with South Korean professionals."""

    type: Literal["mentorship"] = "mentorship"
    mentor_ties: int = Field(1, ge=0, le=5, description="South Koreans to rely on added (the "
                             "mentor; a design choice)")
    employment_multiplier: Distribution = effect(
        lognormal_90(1.07, 2.66), kind="transferred",
        what="starting to look for work and finding it while mentored",
        source="FORWORK RCT (Abbiati et al. 2025): +10 points at 18 months without internships "
               "(+20 with); Dahlberg et al. 2024: +15 points; the 90% interval maps onto +3 to +18 "
               "points for participants at 18 months")
    evidence: ClassVar[str] = ("FORWORK RCT (Abbiati et al. 2025): +20 points employment at 18 "
                               "months (+10 without internships); Dahlberg et al. 2024")
    acts_on_text: ClassVar[str] = "the people mentored, while mentored"
    duration_text: ClassVar[str] = ("mentoring for duration_months (12); the employment gain then "
                                    "fades as others catch up (about 3 years in Dahlberg et al.)")
    channel_settings: ClassVar[dict[str, str]] = {"job_finding": "employment_multiplier",
                                                  "lf_entry": "employment_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("employed_count", "employment_rate")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("employed",)


class Mentorship(Lever):
    """Adds the mentor as a South Korean tie on enrolment."""

    def on_enrol(self, rows, month) -> None:
        self.model.population.sk_ties[rows] += self.settings.mentor_ties
