"""A confidential helpline: people in a suicidal crisis who call are at lower risk while the
contact lasts.

Evidence (transferred, weak): a systematic review of 33 studies, most at high risk of bias, found
that "high quality evidence demonstrating crisis line effectiveness is lacking" (Hoffberg,
Stearns-Yoder & Brenner 2020, Front. Public Health); among 1,085 suicidal callers suicidality fell
during the call, with no control group (Gould et al. 2007); about a third of callers referred on
followed the referral (Kalafat et al. 2007); new crisis centres in 25 US counties in 1968-73 went
with 55% fewer suicides among young white women only, no change in other groups (Miller et al.
1984, AJPH). So the helpline acts on callers while they are in contact (a month), with a relative
risk of suicide centred near 0.9 (90% 0.7-1.05); the population-level effect is small unless many
of those at risk call. Among defectors, 17.4% reported suicidality three years on (Lee et al.
2023, JKMS). Who calls in a crisis (coverage) is an assumption.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Eligibility, LeverSettings
from .effects import Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Confidential helpline (reaches people in a suicidal crisis who call)."""

    type: Literal["helpline"] = "helpline"
    eligibility: Eligibility = Eligibility(ideation_within_months=1)
    coverage: float = Field(0.3, ge=0, le=1, description="share of people in a crisis who call "
                            "(assumption: about a third follow a referral, Kalafat et al. 2007)")
    duration_months: int = Field(1, ge=1, le=600, description="months a contact lasts (the "
                                 "3-week follow-up of Gould et al. 2007)")
    repeat: bool = Field(True, description="people may call again in a later crisis")
    suicide_multiplier: Distribution = effect(
        lognormal_90(0.7, 1.05), kind="transferred",
        what="suicide among callers while in contact",
        source="Gould et al. 2007 (suicidality fell during calls, no control group); Miller et "
               "al. 1984 (-55% in one group only); Hoffberg et al. 2020 (evidence lacking): "
               "relative risk 0.7-1.05")
    ideation_multiplier: Distribution = effect(
        lognormal_90(0.7, 1.05), kind="transferred",
        what="new episodes of suicidal ideation among callers while in contact",
        source="Gould et al. 2007: hopelessness and psychological pain kept falling over the "
               "following weeks; relative rate 0.7-1.05 (assumed as for suicide)")
    evidence: ClassVar[str] = ("Hoffberg et al. 2020 (review: evidence lacking); Gould et al. "
                               "2007; Miller et al. 1984")
    acts_on_text: ClassVar[str] = "callers in a suicidal crisis, while in contact"
    duration_text: ClassVar[str] = "while in contact (a month); callers may call again"
    channel_settings: ClassVar[dict[str, str]] = {"suicide": "suicide_multiplier",
                                                  "ideation": "ideation_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("suicides", "suicidal_ideation_share")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("suicide", "ideation")
