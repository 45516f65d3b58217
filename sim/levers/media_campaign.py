"""A national media campaign on South Korean attitudes (defector success stories).

Evidence: Paluck, Green & Green 2019: prejudice-reduction effects are weaker for ethnic prejudice;
Lemmer & Wagner 2015: effects persist at least a month. Acts on everyone while it runs (cost per
year). The size is an assumption (range 0.85-1.0 of prejudice).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """National media campaign (population-wide)."""

    type: Literal["media_campaign"] = "media_campaign"
    prejudice_multiplier: float = Field(0.9, gt=0, le=1, description="South Korean prejudice "
                                        "while the campaign runs (range 0.85-1.0)")
    population_wide: ClassVar[bool] = True
    evidence: ClassVar[str] = "Paluck, Green & Green 2019; Lemmer & Wagner 2015"

    channel_settings: ClassVar[dict[str, str]] = {"prejudice": "prejudice_multiplier"}
