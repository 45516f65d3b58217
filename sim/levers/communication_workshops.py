"""Dialect and workplace-communication workshops: the accent and unfamiliar workplace norms fade
faster for those who take part.

Evidence: discrimination is mostly put down to speech and accent (72.8%, KHF 2023); the white paper
asks for workshops on workplace communication norms. The effect size is an assumption (range
0.5-0.9 of the remaining accent).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Lever, LeverSettings


class Settings(LeverSettings):
    """Dialect and workplace-communication workshops."""

    type: Literal["communication_workshops"] = "communication_workshops"
    accent_multiplier: float = Field(0.7, gt=0, le=1, description="remaining accent and "
                                     "communication gap after the workshop (range 0.5-0.9)")
    evidence: ClassVar[str] = "KHF 2023: speech and accent the main reason for discrimination"



class CommunicationWorkshops(Lever):
    """Lowers the remaining accent of those reached, for good."""

    def on_enrol(self, rows, month) -> None:
        self.model.population.accent_factor[rows] *= self.settings.accent_multiplier
