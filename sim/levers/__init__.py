"""Policy levers: one small module per lever, each with typed settings (defaults and the evidence
behind them) and a mechanism that acts through the model's rules.

The scenario schema accepts a list of levers told apart by ``type``; :class:`LeverSet` runs them
and answers the rules' question "by how much do the levers change this rate for these people?"
(:meth:`LeverSet.factor`), which is exactly 1 wherever no lever acts.
"""

from __future__ import annotations

from importlib import import_module
from typing import Annotated, Union

import numpy as np
from pydantic import Field

from .base import CHANNELS, Eligibility, Lever, LeverSettings

MODULES = ("mentorship", "peer_role_models", "vocational_training", "wage_subsidy", "microloans",
           "training_stipend", "settlement_support", "counselling", "helpline",
           "communication_workshops", "community_exchange", "media_campaign", "case_management",
           "transit_protection")


def _registry() -> dict[str, tuple[type[LeverSettings], type[Lever]]]:
    out = {}
    for name in MODULES:
        module = import_module(f".{name}", __name__)
        runtime = next((v for v in vars(module).values()  # a module's own mechanism, if any
                        if isinstance(v, type) and issubclass(v, Lever) and v is not Lever), Lever)
        out[name] = (module.Settings, runtime)
    return out


LEVERS = _registry()
LeverSpec = Annotated[Union[tuple(s for s, _ in LEVERS.values())],  # noqa: UP007
                      Field(discriminator="type")]


class LeverSet:
    """The levers of a run."""

    def __init__(self, model, specs: list[LeverSettings], shadow: bool = False) -> None:
        self.levers = [LEVERS[s.type][1](model, s, i, shadow) for i, s in enumerate(specs)]
        self._by_channel = {c: [lv for lv in self.levers if c in lv.factors] for c in CHANNELS}

    def step(self, month: int, residents: np.ndarray) -> None:
        """Enrol this month's people for every lever."""
        for lever in self.levers:
            lever.step(month, residents)

    def factor(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray | float:
        """Product of the levers' multipliers of ``channel`` for ``rows`` (1.0 if none acts)."""
        out: np.ndarray | float = 1.0
        for lever in self._by_channel[channel]:
            out = out * lever.factor(channel, rows, month)
        return out

    def acting(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray:
        """Whether any lever with ``channel`` acts on each row this month."""
        out = np.zeros(rows.size, dtype=bool)
        for lever in self._by_channel[channel]:
            out |= lever.active(rows, month)
        return out

    def followups(self) -> list[dict]:
        """Rows of cohort follow-ups: people reached, and of them employed and depressed, k
        months after they were reached."""
        from .base import FOLLOW_UP_MONTHS

        return [dict(lever=lv.label, type=lv.settings.type, months_after=k,
                     people=lv.followup[i, 0], employed=lv.followup[i, 1],
                     depressed=lv.followup[i, 2])
                for lv in self.levers for i, k in enumerate(FOLLOW_UP_MONTHS)]

    def costs(self, years) -> list[dict]:
        """Rows of people reached and cost (million KRW) by lever and year."""
        return [dict(lever=lv.label, type=lv.settings.type, year=int(y),
                     people_reached=float(lv.reached[i]), cost_mkrw=lv.cost_krw[i] / 1e6)
                for lv in self.levers for i, y in enumerate(years)
                if lv.reached[i] or lv.cost_krw[i]]


__all__ = ["CHANNELS", "LEVERS", "Eligibility", "Lever", "LeverSet", "LeverSettings", "LeverSpec"]
