"""Microloans for small businesses, with a risk of failure and default.

Evidence: Banerjee, Karlan & Zinman 2015 (six RCTs): modestly positive, not transformative;
Meager 2019: possibly negligible, larger with prior business experience. Self-employment is 6.1%
of employed defectors against 16.2% of South Koreans (KHF 2014). The white paper asks for
microloans because defectors lack credit histories.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Lever, LeverSettings


class Settings(LeverSettings):
    """Microloans for small businesses."""

    type: Literal["microloans"] = "microloans"
    start_share: float = Field(0.15, ge=0, le=1, description="share of those reached who start "
                                "a business")
    loan_mkrw: float = Field(10.0, ge=0, description="loan per business (million KRW), owed")
    failure_multiplier: float = Field(1.5, ge=1, le=10, description="business failure while the "
                                      "loan runs (inexperience; Meager 2019)")
    evidence: ClassVar[str] = "Banerjee, Karlan & Zinman 2015: modestly positive, not transformative"

    channel_settings: ClassVar[dict[str, str]] = {"separation": "failure_multiplier"}


class Microloans(Lever):
    """Some of those reached start a business at once and owe the loan."""

    def on_enrol(self, rows, month) -> None:
        m = self.model
        pop = m.population
        u = m.streams.uniforms(self.stream + ".start", month, pop.uid[rows])
        owners = rows[u < self.settings.start_share]
        m.labour.start_business(owners, month)
        pop.debt_mkrw[owners] += self.settings.loan_mkrw
