"""Employer wage subsidies or tax incentives for hiring defectors.

Rules: half the wage, up to 500k KRW a month, for up to four years (summary of MOU rules, 2024);
the white paper asks for tax incentives for firms that recruit defectors. Evidence (transferred):
subsidised private-sector jobs were the programme most clearly linked to faster entry into regular
work for immigrants in Denmark (Clausen et al. 2009, Labour Econ.; Heinesen, Husted & Rosholm
2013, IZA J. Migration), sizes not retrieved; a Swedish tax deduction largely failed to raise
refugee hiring (Rickne 2021). No evaluation of the Korean subsidy was found. The priors are
assumptions anchored on direction only. In the model most job seekers find work within months,
so faster hiring adds at most a few points for those covered (calibration/lever_priors.py); the
subsidy's larger effect is on keeping the job.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Lever, LeverSettings
from .effects import Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Employer wage subsidy or tax incentive."""

    type: Literal["wage_subsidy"] = "wage_subsidy"
    duration_months: int = Field(48, ge=1, le=600, description="months a person's hiring and "
                                 "job are subsidised (MOU: up to four years)")
    job_finding_multiplier: Distribution = effect(
        lognormal_90(1.15, 2.4), kind="assumption",
        what="hiring of the people covered",
        source="assumption anchored on direction only (Clausen et al. 2009; Heinesen et al. "
               "2013: subsidised jobs help most; Rickne 2021: little); an assumed +3 to +20 "
               "points cannot come from hiring alone here, where most job seekers find work "
               "within months: this interval gives +1 to +4 points at 18 months")
    separation_multiplier: Distribution = effect(
        lognormal_90(0.6, 1.0), kind="assumption",
        what="leaving a job found while subsidised",
        source="assumption: employers keep subsidised hires longer (0.6-1.0)")
    evidence: ClassVar[str] = ("Clausen et al. 2009; Heinesen, Husted & Rosholm 2013: subsidised "
                               "jobs the most effective programme; sizes not retrieved")
    acts_on_text: ClassVar[str] = ("job seekers covered (hiring), and the jobs they find while "
                                   "covered (keeping them)")
    duration_text: ClassVar[str] = "while subsidised (up to four years); part of the gain stays"
    channel_settings: ClassVar[dict[str, str]] = {"job_finding": "job_finding_multiplier",
                                                  "separation": "separation_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("employed_count", "employment_rate")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("employed",)


class WageSubsidy(Lever):
    """Keeping a job is subsidised only for jobs started while covered."""

    def acts_on(self, channel, rows, month):
        if channel != "separation":
            return True
        return self.model.population.job_start_month[rows] >= self.enrolled[rows]
