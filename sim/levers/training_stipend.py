"""A basic income stipend during vocational training, so that people can afford to train.

Evidence (transferred): the UK Education Maintenance Allowance, paid to 16-18 year-olds who stay
in full-time education, raised participation by 4.5 points in the first year and completion of
two years by 6.7 points, most for those on the full payment (liquidity constraints; Dearden,
Emmerson, Frayne & Meghir 2009, J. Human Resources). No evaluation of South Korea's training
incentive for defectors was found; the white paper asks for basic income stipends during
training. Vocational training of 500+ hours already pays $1,070-2,141 (MOU 2012). The prior maps
onto +2 to +10 points (centre +5) of people starting training among those covered.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import LeverSettings
from .effects import Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Stipend during training."""

    type: Literal["training_stipend"] = "training_stipend"
    training_start_multiplier: Distribution = effect(
        lognormal_90(1.13, 1.82), kind="transferred",
        what="starting vocational training while covered",
        source="Dearden et al. 2009 (UK EMA): +4.5 points of participation in year 1, +6.7 "
               "completing two years; the 90% interval maps onto +2 to +10 points of people "
               "starting training")
    evidence: ClassVar[str] = "Dearden et al. 2009: UK EMA +4.5 points of participation"
    acts_on_text: ClassVar[str] = "the people covered, while covered"
    duration_text: ClassVar[str] = "while the stipend is offered (duration_months)"
    channel_settings: ClassVar[dict[str, str]] = {"training_start": "training_start_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("vocational_training_share", "employed_count")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("trained", "employed")
