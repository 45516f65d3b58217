"""Peer role models: defectors who resettled earlier show what is possible (self-efficacy).

Evidence: qualitative programme reports of Liberty in North Korea (seed 004); no effect size was
found, so the defaults are assumptions to be varied (sensitivity range 1.0-1.5 for entry into work
and 0.7-1.0 for depression onset).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """Peer role models who resettled earlier."""

    type: Literal["peer_role_models"] = "peer_role_models"
    lf_entry_multiplier: float = Field(1.25, ge=1, le=5, description="starting to look for work "
                                       "(assumption; range 1.0-1.5)")
    depression_onset_multiplier: float = Field(0.85, gt=0, le=1, description="depression onset "
                                               "(assumption; range 0.7-1.0)")
    evidence: ClassVar[str] = "LiNK programme reports (seed 004); no effect size found"

    channel_settings: ClassVar[dict[str, str]] = {"lf_entry": "lf_entry_multiplier",
                                                  "depression_onset": "depression_onset_multiplier"}
