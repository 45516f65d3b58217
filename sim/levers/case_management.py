"""Longer case management at Hana Centers: more months of contact with the centre (ties with
other defectors there) and help with finding work.

Evidence: Hana Centers give about one year of case management (MOU); intensive coaching had small
but significant effects in Sweden (Joona & Nekby 2012). Effect sizes are assumptions (ranges: job
finding 1.0-1.3, Hana Center ties 1.0-2.0).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """Longer case management at Hana Centers."""

    type: Literal["case_management"] = "case_management"
    duration_months: int = Field(24, ge=1, le=600, description="months of case management")
    job_finding_multiplier: float = Field(1.15, ge=1, le=5, description="job finding while managed "
                                          "(Joona & Nekby 2012: small; range 1.0-1.3)")
    hana_tie_multiplier: float = Field(1.5, ge=1, le=5, description="ties formed at the centre")
    evidence: ClassVar[str] = "Joona & Nekby 2012: intensive coaching, small but significant"

    channel_settings: ClassVar[dict[str, str]] = {"job_finding": "job_finding_multiplier",
                                                  "hana_tie": "hana_tie_multiplier"}
