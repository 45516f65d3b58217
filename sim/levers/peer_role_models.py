"""Peer role models: defectors who resettled earlier show what is possible and support newer
arrivals (self-efficacy, peer support).

Evidence: for depression, peer support against usual care SMD -0.59 (95% CI -0.98 to -0.21;
Pfeiffer et al. 2011, Gen. Hosp. Psychiatry, 7 RCTs) and d = 0.20 against no treatment (Bryan &
Arkowitz 2015, Am. J. Community Psychol.); shrunk to SMD -0.25 (90% -0.5 to 0) for small trials
and a different population, and turned into a multiplier of depression onset by a threshold model
at the 22.3% prevalence of the first years in the South (Lee et al. 2020). Nothing was found on
peer role models and job search (an assumption: 0 to +3 points of employment); programme reports
of Liberty in North Korea describe the approach.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import LeverSettings
from .effects import (
    DEPRESSION_SHARE,
    Distribution,
    Uniform,
    effect,
    half_life,
    lognormal_90,
    probit_shift,
)


class Settings(LeverSettings):
    """Peer role models who resettled earlier."""

    type: Literal["peer_role_models"] = "peer_role_models"
    lf_entry_multiplier: Distribution = effect(
        Uniform(low=1.0, high=1.2), kind="assumption",
        what="starting to look for work while in the programme",
        source="assumption: no study of peer role models and job search; the 90% interval maps "
               "onto 0 to +3 points of employment for participants at 18 months")
    depression_onset_multiplier: Distribution = effect(
        lognormal_90(probit_shift(DEPRESSION_SHARE, -0.5) / DEPRESSION_SHARE, 1.0),
        kind="transferred", what="onset of depression while in the programme",
        source="Pfeiffer et al. 2011: SMD -0.59 (95% CI -0.98 to -0.21); Bryan & Arkowitz 2015: "
               "d 0.20 against no treatment; shrunk to SMD 0 to -0.5 and turned into a ratio of "
               "the 22.3% depression prevalence (Lee et al. 2020) by a threshold model")
    evidence: ClassVar[str] = ("Pfeiffer et al. 2011 (peer support for depression, SMD -0.59); "
                               "employment effect an assumption")
    acts_on_text: ClassVar[str] = "the people in the programme, while in it"
    duration_text: ClassVar[str] = ("while in the programme (duration_months), then halving "
                                    "every effect_half_life_months (median 6, an assumption: "
                                    "Bryan & Arkowitz 2015 found benefits maintained at short "
                                    "follow-up)")
    channel_settings: ClassVar[dict[str, str]] = {"lf_entry": "lf_entry_multiplier",
                                                  "depression_onset": "depression_onset_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("depressed_count", "depression_prevalence",
                                           "employed_count")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("depressed", "employed")
    effect_half_life_months: Distribution = half_life(
        lognormal_90(3.0, 12.0), after="the programme",
        source="assumption: Bryan & Arkowitz 2015 found benefits maintained at short follow-up; "
               "a half-life of 3 to 12 months (90%)")
