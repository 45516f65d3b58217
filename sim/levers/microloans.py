"""Microloans for small businesses: some of the people reached start a business, which they owe
the loan for and which may fail more often while the loan runs.

Evidence (transferred): six randomised evaluations of microcredit found effects "modestly
positive, but not transformative" (Banerjee, Karlan & Zinman 2015, AEJ Applied); a Bayesian
hierarchical analysis of seven found effects on business and consumption "unlikely to be
transformative and may be negligible", larger but more variable for households that already ran
a business (Meager 2019, AEJ Applied). Self-employment is 6.1% of employed defectors against
16.2% of South Koreans (KHF 2014); the white paper asks for microloans because defectors lack
credit histories. Who starts a business and how often it fails are assumptions.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..engine.stages import NO_MONTH, Work
from .base import Lever, LeverSettings
from .effects import Beta, Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Microloans for small businesses."""

    type: Literal["microloans"] = "microloans"
    duration_months: int = Field(36, ge=1, le=600, description="months the loan runs")
    loan_mkrw: float = Field(10.0, ge=0, description="loan per business (million KRW), owed")
    start_share: Distribution = effect(
        Beta(a=3.0, b=17.0), kind="assumption", bounds=(0.0, 1.0),
        what="share of the people reached who start a business",
        source="assumption (beta, mean 0.15, 90% 0.04-0.29): business creation rose modestly in "
               "the microcredit RCTs (Banerjee, Karlan & Zinman 2015)")
    failure_multiplier: Distribution = effect(
        lognormal_90(1.0, 2.0), kind="assumption",
        what="failure of a business started with the loan, while the loan runs",
        source="assumption (1.0-2.0): inexperience; larger loans go with smaller effects "
               "(Meager 2019)")
    evidence: ClassVar[str] = ("Banerjee, Karlan & Zinman 2015: modestly positive, not "
                               "transformative; Meager 2019: possibly negligible")
    acts_on_text: ClassVar[str] = ("the people reached; failure only for the businesses started "
                                   "with the loan")
    duration_text: ClassVar[str] = "the loan's term (duration_months)"
    channel_settings: ClassVar[dict[str, str]] = {"separation": "failure_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("self_employed_share", "employed_count")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("employed",)


class Microloans(Lever):
    """Some of those reached start a business at once and owe the loan."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.own("business_month", np.int32, NO_MONTH)  # when the loan started a business

    def on_enrol(self, rows, month) -> None:
        m = self.model
        pop = m.population
        u = m.streams.uniforms(self.stream + ".start", month, pop.uid[rows])
        owners = rows[u < self.values["start_share"]]
        m.emit("business_started", owners, month)
        pop.debt_mkrw[owners] += self.settings.loan_mkrw
        self.business_month[owners] = month

    def acts_on(self, channel, rows, month):
        """Business failure concerns only the businesses the loan started (still running)."""
        pop = self.model.population
        self._grow()
        started = self.business_month[rows]
        return ((started != NO_MONTH) & (pop.job_start_month[rows] == started)
                & (pop.work[rows] == Work.EMPLOYED))
