"""Transit protection through international collaboration: fewer forced repatriations and a
safer, faster passage for people in China and on the way.

No study estimates how diplomatic or legal protection changes the chance of forced repatriation:
both effects are assumptions, stated as such in every output. The scale: more than 8,000 forced
repatriations recorded, 98% from China (NKDB database, 2023); at least 1,076 since 2020 (Human
Rights Watch, 2025). The white paper asks for international recognition of defectors as refugees.
Acts on everyone in China and in transit while it runs; costs a sum per year.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import LeverSettings
from .effects import Distribution, Uniform, effect


class Settings(LeverSettings):
    """Transit protection (acts on people in China and in transit)."""

    type: Literal["transit_protection"] = "transit_protection"
    arrest_multiplier: Distribution = effect(
        Uniform(low=0.8, high=1.0), kind="assumption", bounds=(0.0, 1.0),
        what="arrest and forced repatriation",
        source="assumption: a relative reduction of 0-20% in repatriation; no estimate exists")
    onward_multiplier: Distribution = effect(
        Uniform(low=1.0, high=1.2), kind="assumption",
        what="onward movement and the speed of the journey",
        source="assumption: 0-20% faster passage; no estimate exists")
    population_wide: ClassVar[bool] = True
    evidence: ClassVar[str] = ("no effect estimate exists (assumption); NKDB 2023: >8,000 "
                               "forced repatriations; HRW 2025: >=1,076 since 2020")
    acts_on_text: ClassVar[str] = "everyone in China and in transit, while it runs"
    duration_text: ClassVar[str] = "while it runs"
    channel_settings: ClassVar[dict[str, str]] = {"arrest": "arrest_multiplier",
                                                  "onward": "onward_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("repatriated", "arrivals")
