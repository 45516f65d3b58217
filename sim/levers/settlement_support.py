"""More settlement cash and housing subsidy for new arrivals.

Settlement cash was 37M KRW (1998-2004), cut to 10M (2005) and 6M (2007), about 7M plus 13M
housing around 2013 (MOU); the white paper asks for temporary housing subsidies. In the model the
money pays off broker debts first and the rest is saved. Brokers are paid after arrival out of the
settlement money (WaPo 2016), so while the lever pays, more journeys from China are run on credit:
the credit share of those years is taken at the table's cash plus the extra cash times the
coverage (:meth:`sim.engine.world.World.add_settlement_cash`; the housing subsidy is not cash in
hand and does not count), which brings more people out of China and more debt owed on arrival.
It assumes the brokers know of the lever and that every arrival of those years may be paid with
the chance of the coverage. Evidence on behaviour (transferred): cutting refugees' benefits by
about 40% in Denmark raised employment briefly (men) but lowered income by 20% and raised crime
and ill health (Dustmann, Landersø & Andersen 2024; Arendt 2020); Lebanese cash transfers
improved spending and coping, gains gone 4-10 months after payments stopped (Chaaban et al.
2020). So more generous support slightly slows entry into work while it
lasts: employment -2 points (90% -6 to +1) in the year the money is paid (the prior maps onto it).
Its cost per person is the money paid plus ``unit_cost_krw`` for administering it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.units import KRW_PER_MKRW
from .base import Lever, LeverSettings
from .effects import Distribution, effect, half_life, lognormal_90


class Settings(LeverSettings):
    """Extra settlement cash and housing subsidy."""

    type: Literal["settlement_support"] = "settlement_support"
    extra_cash_mkrw: float = Field(5.0, ge=0, description="extra cash per person (million KRW)")
    extra_housing_mkrw: float = Field(5.0, ge=0, description="extra housing subsidy per person")
    lf_entry_multiplier: Distribution = effect(
        lognormal_90(0.46, 1.09), kind="transferred",
        what="starting to look for work while the extra money lasts",
        source="Dustmann, Landersø & Andersen 2024; Arendt 2020 (Danish benefit cuts: employment "
               "up briefly); the 90% interval maps onto -6 to +1 points of employment")
    effect_half_life_months: Distribution = half_life(
        lognormal_90(1.5, 6.0), after="the money is spent", kind="transferred",
        source="Chaaban et al. 2020: cash gains were gone 4-10 months after payments stopped: a "
               "half-life of 1.5 to 6 months (90%)")
    evidence: ClassVar[str] = ("MOU settlement package by year; Dustmann et al. 2024 and Arendt "
                               "2020 (benefit cuts), Chaaban et al. 2020 (cash: gains fade)")
    acts_on_text: ClassVar[str] = ("the new arrivals paid, while the money lasts; and people "
                                   "hiding in China, whose brokers front more journeys on credit "
                                   "against it (WaPo 2016) in the years it is paid")
    duration_text: ClassVar[str] = ("paid on enrolment; its effect on work lasts duration_months "
                                    "(12: an assumption), then halves every "
                                    "effect_half_life_months (Chaaban et al.: gone in 4-10)")
    channel_settings: ClassVar[dict[str, str]] = {"lf_entry": "lf_entry_multiplier"}
    outcomes: ClassVar[tuple[str, ...]] = ("mean_debt_mkrw", "mean_savings_mkrw",
                                           "employed_count", "arrivals")
    cohort_outcomes: ClassVar[tuple[str, ...]] = ("employed",)
    known_miss: ClassVar[str] = (
        "its effect on starting to look for work is the same whatever the amount paid: the "
        "evidence is of benefit cuts of one size (Denmark), not of a dose")

    @model_validator(mode="after")
    def _pays(self):
        if self.extra_cash_mkrw == 0 and self.extra_housing_mkrw == 0:
            raise ValueError("extra_cash_mkrw and extra_housing_mkrw: both 0, so the lever pays "
                             "nothing; expected an amount in at least one")
        return self


class SettlementSupport(Lever):
    """Pays the extra money on enrolment (debts first, then savings); the money is its cost."""

    def __init__(self, model, settings: Settings, shadow: bool = False,
                 draw: bool = False) -> None:
        super().__init__(model, settings, shadow, draw)
        if not shadow:  # a shadow lever changes nothing
            model.world.add_settlement_cash(self.expected_extra_cash())

    def expected_extra_cash(self) -> np.ndarray:
        """Extra cash a broker can count on for a journey of each year (million KRW): the extra
        cash times the coverage, times the share of the year's months in the lever's window."""
        months = np.arange(self.model.calendar.n_months)
        paid = (months >= self.first) & (months <= self.last)
        share = paid.reshape(-1, MONTHS_PER_YEAR).mean(axis=1)
        return self.settings.coverage * self.settings.extra_cash_mkrw * share

    def cost_per_person(self) -> float:
        s = self.settings
        return s.unit_cost_krw + KRW_PER_MKRW * (s.extra_cash_mkrw + s.extra_housing_mkrw)

    def on_enrol(self, rows, month) -> None:
        pop = self.model.population
        money = self.settings.extra_cash_mkrw + self.settings.extra_housing_mkrw
        repaid = np.minimum(pop.debt_mkrw[rows], money)
        pop.debt_mkrw[rows] -= repaid
        pop.savings_mkrw[rows] += money - repaid
