"""Changes to the settlement cash and housing subsidy: extra money for new arrivals.

Evidence: settlement cash was 37M KRW (1998-2004), cut to 10M (2005) and 6M (2007), ~7M plus 13M
housing (~2013) (MOU); the white paper asks for temporary housing subsidies. In the model the
money goes to savings and pays off broker debts first.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from .base import Lever, LeverSettings


class Settings(LeverSettings):
    """Extra settlement cash and housing subsidy."""

    type: Literal["settlement_support"] = "settlement_support"
    extra_cash_mkrw: float = Field(5.0, ge=0, description="extra cash per person (million KRW)")
    extra_housing_mkrw: float = Field(5.0, ge=0, description="extra housing subsidy per person")
    evidence: ClassVar[str] = "MOU settlement package by year (published-statistics.md section 4)"


class SettlementSupport(Lever):
    """Pays the extra money on enrolment (debts first, then savings)."""

    def on_enrol(self, rows, month) -> None:
        pop = self.model.population
        money = self.settings.extra_cash_mkrw + self.settings.extra_housing_mkrw
        repaid = np.minimum(pop.debt_mkrw[rows], money)
        pop.debt_mkrw[rows] -= repaid
        pop.savings_mkrw[rows] += money - repaid

