"""A national media campaign on South Korean attitudes (defector success stories).

Evidence (transferred): a year-long radio soap opera in Rwanda changed perceived norms and
behaviour but hardly personal beliefs (Paluck 2009, JPSP); most prejudice-reduction effects decay
within days (Kalla & Broockman 2020); contact effects are weaker for ethnic prejudice (Paluck,
Green & Green 2019). So attitude d centred 0.03 (90% 0 to 0.10) for everyone reached, turned into
a ratio of discriminatory acts by a threshold model at the 20.2% of defectors discriminated
against in a year (KHF 2018), halving within weeks to months after the campaign (assumption: 2
months). Acts on everyone while it runs; costs a sum per year.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import LeverSettings
from .effects import (
    DISCRIMINATED,
    Distribution,
    effect,
    half_life,
    lognormal_90,
    probit_shift,
)


class Settings(LeverSettings):
    """National media campaign (population-wide)."""

    type: Literal["media_campaign"] = "media_campaign"
    effect_half_life_months: Distribution = half_life(
        lognormal_90(0.5, 8.0), after="the campaign",
        source="assumption: attitude effects of media last weeks to months (Kalla & Broockman "
               "2020): a half-life of half a month to 8 months (90%)")
    prejudice_multiplier: Distribution = effect(
        lognormal_90(probit_shift(DISCRIMINATED, -0.10) / DISCRIMINATED, 1.0),
        kind="transferred", bounds=(0.0, 1.0),
        what="South Korean prejudice while the campaign runs",
        source="Paluck 2009; Kalla & Broockman 2020: attitude d 0 to 0.10, as a ratio of the "
               "20.2% discriminated against (KHF 2018) by a threshold model")
    population_wide: ClassVar[bool] = True
    evidence: ClassVar[str] = "Paluck 2009; Kalla & Broockman 2020; Paluck, Green & Green 2019"
    acts_on_text: ClassVar[str] = "everyone, while the campaign runs"
    duration_text: ClassVar[str] = "while it runs, then halving within weeks to months"
    channel_settings: ClassVar[dict[str, str]] = {"prejudice": "prejudice_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("discrimination_share", "employed_count")
