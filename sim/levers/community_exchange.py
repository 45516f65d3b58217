"""Community exchange programmes: contact between defectors and South Koreans that lowers the
prejudice participants meet and gives some of them a South Korean to rely on.

Evidence (transferred): intergroup contact goes with less prejudice (Pettigrew & Tropp 2006,
meta-analysis of 515 studies, mean r = -0.21, mostly correlational); in 27 randomised studies the
effects are weaker for ethnic prejudice (Paluck, Green & Green 2019, Behav. Public Policy); field
interventions persist at least a month (Lemmer & Wagner 2015); narrative exchanges cut
exclusionary attitudes by d = 0.08 for at least four months (Kalla & Broockman 2020, APSR). So d
centred 0.10 (90% 0 to 0.30) among the South Koreans the participants meet, turned into a ratio
of discriminatory acts by a threshold model at the 20.2% of defectors discriminated against in a
year (KHF 2018), with a half-life of 6-12 months after the programme (an assumption).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Lever, LeverSettings
from .effects import (
    DISCRIMINATED,
    Distribution,
    Uniform,
    effect,
    half_life,
    lognormal_90,
    probit_shift,
)


class Settings(LeverSettings):
    """Community exchange programmes."""

    type: Literal["community_exchange"] = "community_exchange"
    duration_months: int = Field(24, ge=1, le=600, description="months of the programme")
    effect_half_life_months: Distribution = half_life(
        Uniform(low=6.0, high=12.0), after="the programme (on the prejudice met)",
        source="assumption (6 to 12 months): field interventions persist at least a month "
               "(Lemmer & Wagner 2015), narrative exchanges at least four months (Kalla & "
               "Broockman 2020)")
    tie_share: Distribution = effect(
        Uniform(low=0.0, high=0.5), kind="assumption", bounds=(0.0, 1.0),
        what="share of participants who gain a South Korean to rely on",
        source="assumption (0 to 0.5): contact programmes are studied for attitudes; no study of "
               "the lasting ties they create was found")
    prejudice_multiplier: Distribution = effect(
        lognormal_90(probit_shift(DISCRIMINATED, -0.30) / DISCRIMINATED, 1.0),
        kind="transferred", bounds=(0.0, 1.0),
        what="prejudice met by the participants",
        source="Kalla & Broockman 2020 (d 0.08 for 4+ months); Paluck, Green & Green 2019; "
               "Pettigrew & Tropp 2006: d 0 to 0.30, as a ratio of the 20.2% discriminated "
               "against (KHF 2018) by a threshold model")
    evidence: ClassVar[str] = ("Pettigrew & Tropp 2006; Paluck, Green & Green 2019; Kalla & "
                               "Broockman 2020")
    acts_on_text: ClassVar[str] = "the participants (the prejudice they meet)"
    duration_text: ClassVar[str] = "during the programme, then halving every 6-12 months"
    channel_settings: ClassVar[dict[str, str]] = {"prejudice": "prejudice_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("discrimination_share", "mean_ties_to_south_koreans")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("discriminated",)


class CommunityExchange(Lever):
    """Some participants gain a South Korean to rely on."""

    def on_enrol(self, rows, month) -> None:
        m = self.model
        u = m.streams.uniforms(self.stream + ".tie", month, m.population.uid[rows])
        m.population.sk_ties[rows[u < self.values["tie_share"]]] += 1
