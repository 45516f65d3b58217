"""Dialect and workplace-communication workshops: the accent and unfamiliar workplace norms weigh
less for those who take part.

Discrimination is mostly put down to speech and accent (72.8%, KHF 2023); the white paper asks
for workshops on workplace communication. Evidence (transferred): expanded language training for
refugees in Denmark raised earnings for good, from after the courses: about one extra year in
work and USD 50,000 by six years after arrival (Arendt, Bolvig, Foged, Hasager & Peri, NBER WP
26834); nothing was found on accent or workplace-communication training. The prior on the accent
that remains is wide and includes no effect. In the model the accent fades by itself within a
few years and weighs little on hiring, so the workshops change employment by well under a point
(calibration/lever_priors.py): their effect runs through discrimination.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import Lever, LeverSettings
from .effects import Distribution, effect, lognormal_90


class Settings(LeverSettings):
    """Dialect and workplace-communication workshops."""

    type: Literal["communication_workshops"] = "communication_workshops"
    accent_multiplier: Distribution = effect(
        lognormal_90(0.6, 1.0), kind="assumption", bounds=(0.0, 1.0),
        what="the accent and communication gap that remain after the workshop (for good)",
        source="assumption (0.6-1.0, no effect included): nothing published on accent training; "
               "language training: Arendt et al. (NBER WP 26834), +1 year in work over 6 years")
    evidence: ClassVar[str] = ("KHF 2023: speech and accent the main reason for discrimination; "
                               "Arendt et al. (language training, Denmark)")
    acts_on_text: ClassVar[str] = "the people who take part"
    duration_text: ClassVar[str] = "for good, from the workshop on (as language training)"
    outcomes: ClassVar[tuple[str, ...]] = ("discrimination_share", "employed_count")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("discriminated", "employed")


class CommunicationWorkshops(Lever):
    """Lowers the remaining accent of those reached, for good."""

    def on_enrol(self, rows, month) -> None:
        self.model.population.accent_factor[rows] *= self.values["accent_multiplier"]
