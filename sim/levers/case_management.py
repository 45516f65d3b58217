"""Longer case management at Hana Centers: more months of contact with the centre (ties with
other defectors there) and help with finding work.

Hana Centers give about one year of case management (MOU). Evidence (transferred): intensive
caseworker coaching of new immigrants in Sweden (caseloads of 35-40 against 200-250) had small
but significant effects on regular work (Joona & Nekby 2012, Scand. J. Econ.); an
early-intervention RCT in Gothenburg gave about +15 points for about three years (Dahlberg et
al. 2024); Finland's individual integration plans raised earnings by 47% (Sarvimäki & Hämäläinen
2016, J. Labor Econ.). The prior maps onto +2 to +15 points (centre +8) of employment during the
extra management; do not add it to mentorship's in a package without reason (the RCT bundles
gave +15-20 together). How much more contact builds ties is an assumption.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import LeverSettings
from .effects import Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Longer case management at Hana Centers."""

    type: Literal["case_management"] = "case_management"
    duration_months: int = Field(24, ge=1, le=600, description="months of case management")
    employment_multiplier: Distribution = effect(
        lognormal_90(1.11, 1.96), kind="transferred",
        what="starting to look for work and finding it while managed",
        source="Joona & Nekby 2012; Dahlberg et al. 2024 (+15 points for ~3 years); the 90% "
               "interval maps onto +2 to +15 points of employment while managed")
    hana_tie_multiplier: Distribution = effect(
        lognormal_90(1.0, 2.0), kind="assumption", what="ties formed at the centre",
        source="assumption (1.0-2.0): more months of contact with the centre")
    evidence: ClassVar[str] = ("Joona & Nekby 2012: intensive coaching, small but significant; "
                               "Dahlberg et al. 2024: +15 points for about three years")
    acts_on_text: ClassVar[str] = "the people managed, while managed"
    duration_text: ClassVar[str] = ("while managed (duration_months); the gain fades as others "
                                    "catch up (Dahlberg et al.: after about three years)")
    channel_settings: ClassVar[dict[str, str]] = {"job_finding": "employment_multiplier",
                                                  "lf_entry": "employment_multiplier",
                                                  "hana_tie": "hana_tie_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("employed_count", "employment_rate", "mean_ties")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("employed",)
