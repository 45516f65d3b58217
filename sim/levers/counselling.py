"""Trauma-informed counselling capacity: more people start using services, and services work
better.

Evidence: 21.0% used mental-health services, 28.8% of those with a disorder (Kim et al.); low use
of services is a risk factor for the high depression trajectory (Kim et al. 2022); Saejowi gave
dialect-sensitive counselling to over 7,500 defectors (seed 001). Effect sizes are assumptions
(ranges: uptake 1.5-4, recovery 1.0-2.0).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """Trauma-informed counselling capacity."""

    type: Literal["counselling"] = "counselling"
    service_start_multiplier: float = Field(3.0, ge=1, le=20, description="starting to use "
                                            "services (assumption; range 1.5-4)")
    recovery_multiplier: float = Field(1.5, ge=1, le=10, description="recovery from PTSD and "
                                       "depression (trauma-informed care; range 1.0-2.0)")
    evidence: ClassVar[str] = "Kim et al. 2022: low service use -> high depression trajectory"

    channel_settings: ClassVar[dict[str, str]] = {"service_start": "service_start_multiplier",
                                                  "recovery": "recovery_multiplier"}
