"""A confidential helpline: crisis response that lowers suicide risk in the short run.

Evidence: Hoffberg et al. 2020 (review of 33 studies): short-term benefits only; Gould et al. 2007:
suicidality fell during calls; works best inside a wider programme. Available to everyone while it
runs (cost per year). Effect sizes are assumptions (ranges: suicide 0.6-0.9, ideation 0.8-1.0).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """Confidential helpline (population-wide)."""

    type: Literal["helpline"] = "helpline"
    suicide_multiplier: float = Field(0.75, gt=0, le=1, description="suicide among those with "
                                      "recent ideation (range 0.6-0.9)")
    ideation_multiplier: float = Field(0.9, gt=0, le=1, description="episodes of ideation")
    population_wide: ClassVar[bool] = True
    evidence: ClassVar[str] = "Hoffberg et al. 2020; Gould et al. 2007: short-term benefits"

    channel_settings: ClassVar[dict[str, str]] = {"suicide": "suicide_multiplier",
                                                  "ideation": "ideation_multiplier"}
