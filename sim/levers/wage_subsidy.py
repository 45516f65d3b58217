"""Employer wage subsidies or tax incentives for hiring defectors.

Evidence: an employer wage subsidy of half the wage, up to 500k KRW a month, for up to 4 years
(summary of MOU rules, 2024; unverified against the official text); the white paper (seed 001)
asks for tax incentives for companies that recruit defectors. The effect on hiring is an
assumption (range 1.2-2.0).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """Employer wage subsidy or tax incentive."""

    type: Literal["wage_subsidy"] = "wage_subsidy"
    job_finding_multiplier: float = Field(1.5, ge=1, le=10, description="hiring of the people "
                                          "covered (assumption; range 1.2-2.0)")
    separation_multiplier: float = Field(0.8, gt=0, le=1, description="leaving a subsidised job")
    evidence: ClassVar[str] = "MOU: half the wage up to 500k KRW a month for up to 4 years"

    channel_settings: ClassVar[dict[str, str]] = {"job_finding": "job_finding_multiplier",
                                                  "separation": "separation_multiplier"}
