"""Transit protection through international collaboration: fewer forced repatriations and a
safer, faster passage for people in China and on the way.

Evidence: more than 8,000 forced repatriations recorded, 98% from China (NKDB 2023); the white
paper asks for international recognition of defectors as refugees; LiNK resettled over 1,382
people since 2004 (seed 001). Effect sizes are assumptions (ranges: arrest 0.3-0.9, onward
1.0-1.5). Acts on everyone in China and in transit while it runs (cost per year).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """Transit protection (acts on people in China and in transit)."""

    type: Literal["transit_protection"] = "transit_protection"
    arrest_multiplier: float = Field(0.6, gt=0, le=1, description="arrest and forced repatriation "
                                     "(range 0.3-0.9)")
    onward_multiplier: float = Field(1.2, ge=1, le=5, description="onward movement and speed of "
                                     "the journey (range 1.0-1.5)")
    population_wide: ClassVar[bool] = True
    evidence: ClassVar[str] = "NKDB 2023: >8,000 forced repatriations; white paper section 8"

    channel_settings: ClassVar[dict[str, str]] = {"arrest": "arrest_multiplier",
                                                  "onward": "onward_multiplier"}
