"""A basic income stipend during vocational training, so that people can afford to train.

Evidence: the white paper (seed 001) asks for basic income stipends during training; vocational
training of 500+ hours already pays $1,070-2,141 (MOU 2012). The effect on uptake is an assumption
(range 1.2-3.0).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings


class Settings(LeverSettings):
    """Stipend during training."""

    type: Literal["training_stipend"] = "training_stipend"
    training_start_multiplier: float = Field(2.0, ge=1, le=10, description="starting vocational "
                                             "training (assumption; range 1.2-3.0)")
    evidence: ClassVar[str] = "White paper (seed 001) proposal; no effect size found"

    channel_settings: ClassVar[dict[str, str]] = {"training_start": "training_start_multiplier"}
