"""What every lever shares: its settings (start, end, eligibility, coverage, capacity, unit cost),
who it reaches each month, and the effect channels through which it changes the rules.

A lever reaches people, not the world at large: each month between ``start`` and ``end`` the
eligible people it has not reached yet are enrolled if their own lever draw (a counter-based
uniform keyed by lever, person and nothing else) is below ``coverage``, up to ``capacity`` people
a year. While a person's enrolment is active (``duration_months``) the lever multiplies the rates
of its channels for them (for example ``job_finding`` x 1.5). Levers that act on the whole
population (a media campaign) are active for everyone in their window. Because the draws depend
only on the person, a lever with zero coverage, or before its start, changes nothing at all:
the run is byte-identical to the same run without the lever (common random numbers).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..calendar import parse_year_month
from ..population import NO_MONTH
from ..stages import Work

FOLLOW_UP_MONTHS = (12, 18, 36)  # cohort follow-ups, as trials report them (FORWORK: 18 months)
CHANNELS = (
    "lf_entry", "job_finding", "separation", "wage", "training_start", "certification",
    "depression_onset", "recovery", "service_start", "ideation", "suicide", "prejudice",
    "sk_tie_gain", "hana_tie", "arrest", "onward",
)


class Eligibility(BaseModel):
    """Who a lever may reach (all conditions must hold; unset means any)."""

    model_config = ConfigDict(extra="forbid")
    arrived_within_years: float | None = Field(None, gt=0, description="arrived in the South "
                                               "at most this many years ago")
    sex: str = Field("all", pattern="^(all|female|male)$")
    age: tuple[float, float] = Field((15, 120), description="[min, max) age in years")
    work: str = Field("any", pattern="^(any|unemployed|not_employed|employed)$")
    depressed: bool | None = Field(None, description="screened positive for depression")
    in_protection: bool | None = Field(None, description="within the 5-year protection period")


class LeverSettings(BaseModel):
    """Settings common to every lever (see ``resettle levers``)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, description="label in reports (default: the type)")
    start: str = Field(description="first month, YYYY-MM")
    end: str | None = Field(None, description="last month, YYYY-MM (default: the horizon's end)")
    eligibility: Eligibility = Eligibility()
    coverage: float = Field(1.0, ge=0, le=1, description="share of the eligible reached")
    capacity: float | None = Field(None, gt=0, description="people reached per year at most")
    duration_months: int = Field(12, ge=1, le=600, description="months each person is served")
    unit_cost_krw: float = Field(0.0, ge=0, description="cost per person reached (KRW)")

    population_wide: ClassVar[bool] = False  # True: acts on everyone, cost per year active
    evidence: ClassVar[str] = ""
    channel_settings: ClassVar[dict[str, str]] = {}  # channel -> the setting that multiplies it

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None:
            parse_year_month(value)
        return value

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and parse_year_month(self.end) < parse_year_month(self.start):
            raise ValueError(f"end ({self.end}) must not be before start ({self.start})")
        return self

    def channels(self) -> dict[str, float]:
        """Multipliers this lever applies to the rules, by channel, while active."""
        return {channel: getattr(self, name) for channel, name in self.channel_settings.items()}


class Lever:
    """A lever at run time: enrolment, active people, channel factors and costs.

    Args:
        model: The model.
        settings: The validated settings.
        index: Position in the scenario's list (names the random stream).
        shadow: Reach the same people but do nothing to them (no effect, no cost): the
            counterfactual follow-up of a cohort in the baseline.
    """

    def __init__(self, model, settings: LeverSettings, index: int, shadow: bool = False) -> None:
        self.model = model
        self.settings = settings
        self.label = settings.name or settings.type
        self.stream = f"lever.{index}.{settings.type}"
        cal = model.calendar
        self.first = cal.month_of(*parse_year_month(settings.start))
        self.last = (cal.month_of(*parse_year_month(settings.end)) if settings.end
                     else cal.n_months - 1)
        self.enrolled = np.zeros(0, dtype=np.int32)
        self.shadow = shadow
        self.factors = {} if shadow else settings.channels()
        self.reached = np.zeros(len(cal.years))  # people reached by year (in people, not agents)
        self.cost_krw = np.zeros(len(cal.years))
        # follow-up of those reached, k months later: [people followed, employed, depressed]
        self.followup = np.zeros((len(FOLLOW_UP_MONTHS), 3))

    def _grow(self) -> None:
        n = self.model.population.n
        if self.enrolled.size < n:
            grown = np.full(max(n, 2 * self.enrolled.size), NO_MONTH, dtype=np.int32)
            grown[: self.enrolled.size] = self.enrolled
            self.enrolled = grown

    def in_window(self, month: int) -> bool:
        return self.first <= month <= self.last

    def eligible(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Mask of ``rows`` meeting the eligibility settings."""
        pop, e = self.model.population, self.settings.eligibility
        ok = np.ones(rows.size, dtype=bool)
        if e.arrived_within_years is not None:
            ok &= month - pop.arrival_month[rows].astype(np.int64) <= 12 * e.arrived_within_years
        if e.sex != "all":
            ok &= pop.female[rows] == (e.sex == "female")
        age = pop.age_years(rows, month)
        ok &= (age >= e.age[0]) & (age < e.age[1])
        work = pop.work[rows]
        ok &= {"any": True, "unemployed": work == Work.UNEMPLOYED,
               "not_employed": work != Work.EMPLOYED, "employed": work == Work.EMPLOYED}[e.work]
        if e.depressed is not None:
            ok &= pop.depressed[rows] == e.depressed
        if e.in_protection is not None:
            ok &= self.model.in_protection(rows) == e.in_protection
        return ok

    def step(self, month: int, residents: np.ndarray) -> None:
        """Follow up earlier enrolments, enrol this month's newly reached people, count costs."""
        if not self.settings.population_wide and month > self.first:
            self._follow_up(month, residents)
        if not self.in_window(month):
            return
        m, s = self.model, self.settings
        y = month // 12
        if s.population_wide:
            if (month % 12 == 0 or month == self.first) and not self.shadow:
                self.cost_krw[y] += s.unit_cost_krw
            return
        self._grow()
        rows = residents[(self.enrolled[residents] == NO_MONTH) & self.eligible(residents, month)]
        u = m.streams.uniforms(self.stream, 0, m.population.uid[rows])  # one draw per person
        rows, u = rows[u < s.coverage], u[u < s.coverage]
        if s.capacity is not None:
            room = int(s.capacity / m.scale - self.reached[y] / m.scale)
            rows = rows[np.argsort(u, kind="stable")[: max(room, 0)]]
        self.enrolled[rows] = month
        if not self.shadow:
            self.reached[y] += rows.size * m.scale
            self.cost_krw[y] += rows.size * m.scale * s.unit_cost_krw
            self.on_enrol(rows, month)

    def _follow_up(self, month: int, residents: np.ndarray) -> None:
        """Outcomes of the people reached ``FOLLOW_UP_MONTHS`` ago who still live in the South
        (a cohort comparison against the same people in the baseline)."""
        self._grow()
        pop = self.model.population
        since = month - self.enrolled[residents].astype(np.int64)
        for i, k in enumerate(FOLLOW_UP_MONTHS):
            rows = residents[since == k]
            self.followup[i] += (rows.size, np.sum(pop.work[rows] == Work.EMPLOYED),
                                 np.sum(pop.depressed[rows]))

    def on_enrol(self, rows: np.ndarray, month: int) -> None:
        """State changes when people are reached (levers that enrol into training ...)."""

    def active(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Mask of ``rows`` for whom the lever is acting this month."""
        if self.settings.population_wide:
            return np.full(rows.size, self.in_window(month))
        self._grow()
        since = month - self.enrolled[rows].astype(np.int64)
        return (self.enrolled[rows] != NO_MONTH) & (since < self.settings.duration_months)

    def factor(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray | float:
        """Multiplier of ``channel`` for ``rows`` (1 where the lever is not acting)."""
        value = self.factors.get(channel)
        if value is None:
            return 1.0
        return np.where(self.active(rows, month), value, 1.0)
