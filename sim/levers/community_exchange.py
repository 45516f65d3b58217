"""Community exchange programmes: contact between defectors and South Koreans that lowers
prejudice and builds ties.

Evidence: Pettigrew & Tropp 2006 (meta-analysis): contact reduces prejudice; Paluck, Green & Green
2019: weaker for ethnic prejudice; Lemmer & Wagner 2015: effects persist at least a month. The
size of the reduction is an assumption (range 0.7-0.95 of prejudice met by participants).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Lever, LeverSettings


class Settings(LeverSettings):
    """Community exchange programmes."""

    type: Literal["community_exchange"] = "community_exchange"
    new_ties: int = Field(1, ge=0, le=5, description="South Koreans to rely on added")
    prejudice_multiplier: float = Field(0.8, gt=0, le=1, description="prejudice met by "
                                        "participants (range 0.7-0.95)")
    duration_months: int = Field(24, ge=1, le=600)
    evidence: ClassVar[str] = "Pettigrew & Tropp 2006; Paluck, Green & Green 2019"

    channel_settings: ClassVar[dict[str, str]] = {"prejudice": "prejudice_multiplier"}


class CommunityExchange(Lever):
    """Adds South Korean ties on enrolment."""

    def on_enrol(self, rows, month) -> None:
        self.model.population.sk_ties[rows] += self.settings.new_ties
