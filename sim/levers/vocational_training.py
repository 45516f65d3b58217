"""Vocational training with recognised certification: people reached start a course at once, and
more of them gain a qualification that employers recognise.

Evidence: Card, Kluve & Weber 2010, 2018: about zero in the short run, positive after 2-3 years,
larger for human-capital programmes and for women; 40.4% had received training (KHF 2011). The
qualification's effect and its delay are the model's (``credential_*`` parameters).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .base import Lever, LeverSettings


class Settings(LeverSettings):
    """Vocational training with recognised certification."""

    type: Literal["vocational_training"] = "vocational_training"
    certification_share: float = Field(0.8, ge=0, le=1, description="share of trainees who gain "
                                       "a recognised qualification (nationally recognised courses)")
    evidence: ClassVar[str] = "Card, Kluve & Weber 2010, 2018: ~0 short run, positive after 2-3 years"


class VocationalTraining(Lever):
    """Starts a course for everyone reached who is not already training or studying."""

    def on_enrol(self, rows, month) -> None:
        m = self.model
        pop = m.population
        free = rows[(pop.training_until[rows] <= month) & (pop.study_until[rows] <= month)]
        m.training.begin(free, month, self.settings.certification_share)
