"""Trauma-informed counselling capacity: more people start using services, and the services help
them recover faster from PTSD and depression.

Evidence: psychosocial interventions for refugees and asylum seekers, 26 RCTs (Turrini et al.
2019, Epidemiol. Psychiatr. Sci.): PTSD SMD -0.71 (95% CI -1.01 to -0.41), depression -1.02
(-1.52 to -0.51), with high heterogeneity; for refugees resettled in high-income countries
(Nosè et al. 2017, PLoS ONE) PTSD SMD -1.03; narrative exposure therapy holds at follow-up (Lely
et al. 2019). Small direct trials with North Korean refugees (Park et al. 2020; Jeon et al. 2020).
Shrunk for heterogeneity and small trials to PTSD SMD -0.5 (90% -0.9 to -0.1) and depression
-0.5 (90% -1.0 to -0.1), and turned into recovery-rate multipliers by a threshold model in which
30-70% of the untreated are still ill at a trial's end (an assumption that widens the priors).
21.0% of defectors used services, 28.8% of those with a disorder (Kim et al.); low use marks the
high depression trajectory (Kim et al. 2022). How much more capacity raises use is an
assumption.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import Lever, LeverSettings
from .effects import Distribution, effect, half_life, lognormal_90, recovery_prior


class Settings(LeverSettings):
    """Trauma-informed counselling capacity."""

    type: Literal["counselling"] = "counselling"
    effect_half_life_months: Distribution = half_life(
        lognormal_90(6.0, 24.0), after="counselling", kind="transferred",
        source="Lely et al. 2019: the effect lasts at least 6-12 months; a half-life of 6 to 24 "
               "months (90%) beyond that is an assumption")
    service_start_multiplier: Distribution = effect(
        lognormal_90(1.5, 4.0), kind="assumption", what="starting to use services while offered",
        source="assumption (1.5-4): uptake of new capacity; no estimate found")
    ptsd_recovery_multiplier: Distribution = effect(
        recovery_prior(-0.1, -0.9), kind="transferred",
        what="recovery from PTSD while counselled",
        source="Turrini et al. 2019: SMD -0.71 (95% CI -1.01 to -0.41); Nosè et al. 2017: -1.03; "
               "shrunk to -0.1 to -0.9 and turned into a recovery-rate ratio by a threshold model "
               "in which 30-70% of the untreated are still ill at a trial's end (an assumption)")
    depression_recovery_multiplier: Distribution = effect(
        recovery_prior(-0.1, -1.0), kind="transferred",
        what="recovery from depression while counselled",
        source="Turrini et al. 2019: SMD -1.02 (95% CI -1.52 to -0.51); shrunk to -0.1 to -1.0 "
               "and turned into a recovery-rate ratio by a threshold model in which 30-70% of the "
               "untreated are still ill at a trial's end (an assumption)")
    evidence: ClassVar[str] = ("Turrini et al. 2019 (26 RCTs): PTSD SMD -0.71, depression "
                               "-1.02; Nosè et al. 2017; Kim et al. 2022 (low service use)")
    acts_on_text: ClassVar[str] = ("the people offered counselling (starting to use services), "
                                   "and those of them using services (recovery)")
    duration_text: ClassVar[str] = ("while offered (duration_months), then fading with "
                                    "effect_half_life_months")
    channel_settings: ClassVar[dict[str, str]] = {
        "service_start": "service_start_multiplier", "ptsd_recovery": "ptsd_recovery_multiplier",
        "depression_recovery": "depression_recovery_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("depressed_count", "depression_prevalence",
                                           "ptsd_prevalence", "mental_health_service_use_share")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("depressed", "employed")


class Counselling(Lever):
    """The services speed recovery only for the people offered counselling who use them."""

    RECOVERY = frozenset({"ptsd_recovery", "depression_recovery"})

    def acts_on(self, channel, rows, month):
        if channel not in self.RECOVERY:
            return True
        return self.model.population.service_until[rows] > month
