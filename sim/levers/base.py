"""What every lever shares: its settings (start, end, eligibility, coverage, capacity, costs), who
it reaches each month, and the effect channels through which it changes the rules.

A lever reaches people, not the world at large: each month between ``start`` and ``end`` the
eligible people it is not serving yet are enrolled if their own lever draw (a counter-based
uniform keyed by the lever's label and the person, nothing else) is below ``coverage``, up to
``capacity`` people a year. While a person is served (``duration_months``) the lever multiplies
the rates of its channels for them (for example ``job_finding`` x 1.8); after that the effect
fades with ``effect_half_life_months`` (0: it stops at once). A lever acts only on the people its
mechanism concerns (:meth:`Lever.acts_on`: microloans raise business failure only for the people
who started a business with the loan). Population-wide levers (a media campaign) act on everyone
in their window and cost a sum per year.

A *shadow* lever enrols exactly as the real one would, capacity included, but changes nothing and
costs nothing: the shadow run is the world without the lever (byte-identical to a run without
it), and its follow-ups are the counterfactual outcomes of the very people reached. The people
enrolled differ between the two runs only where the lever itself changes who is eligible:
spillovers (job referrals that change who is unemployed), the lever's own effect on a condition
of a lever that enrols again (a helpline open to people in crisis meets fewer crises once it
prevents some), and, under a capacity, the places such differences free or take. A lever that
changes no one's eligibility enrols the same people in the same months, person by person
(``tests/test_levers.py`` checks both).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import ConfigDict, Field, field_validator, model_validator

from ..engine.calendar import PAST_YEAR, parse_year_month
from ..engine.errors import InputError
from ..engine.schema import InputModel
from ..engine.stages import NO_MONTH, SUICIDE, Work
from .effects import effect_fields, value_of

FOLLOW_UP_MONTHS = (12, 18, 36)  # cohort follow-ups, as trials report them (FORWORK: 18 months)
# outcomes of the people reached, k months later: states of those still in the South, and
# suicides since they were reached (of everyone reached whose follow-up falls in the horizon)
STATE_OUTCOMES = ("employed", "depressed", "ideation", "discriminated", "trained")
EVENT_OUTCOMES = ("suicide",)
PER_PERSON = ("eligibility", "coverage", "capacity", "duration_months", "repeat", "unit_cost_krw")
# Misses of the model itself, by indicator: every lever with that indicator among its outcomes (or
# acting through it) carries them, with its own known miss, into each report's caveat and
# docs/levers.md.
EMPLOYMENT_MISS = (
    "the model's employment rate rises 5-7 points from 2018 to 2024 where the KHF settlement "
    "surveys stay flat, because in the model employment climbs for about ten years after arrival "
    "(slowest while people receive the livelihood benefit in the protection period) and the "
    "surveyed have settled ever longer; effects on employment rest on that climb, which no "
    "published figure by years in the South confirms")
TRAINING_MISS = (
    "the model's share of residents who have ever started vocational training is 33-39% in 2011 "
    "where the North Korean Refugees Foundation's survey of 2011 counted 40.4%, since the rate "
    "of starting a course is not estimated yet (each run draws it from its prior); effects that "
    "act through training are measured against too few people already trained")
REPATRIATION_MISS = (
    "the model's forced repatriations of 2020-2025 lie at the top of the documented range or "
    "above it (medians of 3,034-3,474 in ensembles of seeds 1-3, against at least 1,076 "
    "documented and an interval to three times that), because it holds every arrest of the "
    "COVID-19 closure and returns them all in 2023; effects on repatriations and on arrivals "
    "through China rest on that stock of people in China")
OUTCOME_MISSES = {"employed_count": EMPLOYMENT_MISS, "employment_rate": EMPLOYMENT_MISS,
                  "vocational_training_share": TRAINING_MISS, "repatriated": REPATRIATION_MISS,
                  "arrivals": REPATRIATION_MISS}


class Eligibility(InputModel):
    """Who a lever may reach (all conditions must hold; unset means any)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    arrived_within_years: float | None = Field(None, gt=0, description="arrived in the South "
                                               "at most this many years ago")
    sex: str = Field("all", pattern="^(all|female|male)$")
    age: tuple[float, float] = Field((15, 120), description="[min, max) age in years")
    work: str = Field("any", pattern="^(any|unemployed|not_employed|employed)$")
    depressed: bool | None = Field(None, description="screened positive for depression")
    in_protection: bool | None = Field(None, description="within the 5-year protection period")
    ideation_within_months: int | None = Field(None, ge=1, le=120, description="had an episode "
                                               "of suicidal ideation in the last this many "
                                               "months (1: last month, a crisis)")

    @field_validator("age")
    @classmethod
    def _ages(cls, age: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= age[0] < age[1] <= 120:
            raise ValueError(f"expected [min, max) ages with 0 <= min < max <= 120, got "
                             f"{list(age)}: no one could be reached")
        return age


class LeverSettings(InputModel):
    """Settings common to every lever (see ``resettle levers``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: str | None = Field(None, max_length=100, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                             description="label in reports (default: the type)")
    start: str = Field(description="first month, YYYY-MM")
    end: str | None = Field(None, description="last month, YYYY-MM (default: the horizon's end)")
    eligibility: Eligibility = Eligibility()
    coverage: float = Field(1.0, ge=0, le=1, description="share of the eligible reached")
    capacity: float | None = Field(None, gt=0, description="people reached per year at most")
    duration_months: int = Field(12, ge=1, le=600, description="months each person is served")
    repeat: bool = Field(False, description="people may be reached again once their service "
                                            "has ended (each contact counts and costs)")
    effect_half_life_months: float = Field(0.0, ge=0, le=600, description="after the service "
                                           "(or the window) ends the effect halves every so "
                                           "many months (0: it stops at once)")
    unit_cost_krw: float = Field(0.0, ge=0, description="cost per person reached (KRW)")
    cost_per_year_krw: float = Field(0.0, ge=0, description="fixed cost per calendar year the "
                                     "lever runs (KRW)")

    population_wide: ClassVar[bool] = False  # True: acts on everyone in its window
    evidence: ClassVar[str] = ""  # the main publications, in one line
    acts_on_text: ClassVar[str] = "the people reached, while served"
    duration_text: ClassVar[str] = ""  # what the evidence says about how long the effect lasts
    channel_settings: ClassVar[dict[str, str]] = {}  # channel -> the effect setting multiplying it
    outcomes: ClassVar[tuple[str, ...]] = ()  # the lever's own target indicators, first the main
    cohort_outcomes: ClassVar[tuple[str, ...]] = ()  # follow-up outcomes of the people reached
    # indicators it acts through that are not among its outcomes (for the model's misses on them)
    acts_through: ClassVar[tuple[str, ...]] = ()
    # where the model's effect is known to disagree with the evidence, in one sentence (every
    # report's caveat and docs/levers.md say it)
    known_miss: ClassVar[str] = ""

    @classmethod
    def known_misses(cls) -> list[str]:
        """Its own known miss and the model's misses on its outcomes and on what it acts through
        (:data:`OUTCOME_MISSES`), each once."""
        found = [cls.known_miss, *(OUTCOME_MISSES.get(o, "")
                                   for o in (*cls.outcomes, *cls.acts_through))]
        return list(dict.fromkeys(m for m in found if m))

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None:
            parse_year_month(value)
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.end is not None and parse_year_month(self.end) < parse_year_month(self.start):
            raise ValueError(f"end: {self.end} must not be before start ({self.start})")
        if self.population_wide:  # values, not fields set: a scenario survives a round trip
            fields = type(self).model_fields
            given = [k for k in PER_PERSON if getattr(self, k) != fields[k].default]
            if given:
                raise ValueError(f"{given[0]}: does not apply: this lever acts on everyone in "
                                 "its window (costs go in cost_per_year_krw)")
        if not self.channel_settings and not self.population_wide:
            self._acts_once()
        for name, info in effect_fields(type(self)).items():
            dist = getattr(self, name)
            low, high = info["bounds"]
            if dist.dist == "fixed" and not low <= dist.value <= high:
                raise ValueError(f"{name}: expected a value in [{low:g}, {high:g}], got "
                                 f"{dist.value:g}")
            if dist.dist != "fixed" and not low <= dist.centre() <= high:  # draws are clipped
                raise ValueError(f"{name}: expected a distribution whose median lies in "
                                 f"[{low:g}, {high:g}], got {dist.describe()} (median "
                                 f"{dist.centre():g})")
        return self

    def _acts_once(self) -> None:
        """A lever that acts once, when people are reached, has no service length to fade."""
        fields = type(self).model_fields
        if self.effect_half_life_months != fields["effect_half_life_months"].default:
            raise ValueError("effect_half_life_months: does not apply: this lever acts once, "
                             "when people are reached")
        if not self.repeat and self.duration_months != fields["duration_months"].default:
            raise ValueError("duration_months: does not apply: this lever acts once, when "
                             "people are reached (with repeat: true it spaces the contacts)")

    @property
    def label(self) -> str:
        """The lever's name in reports and random streams (``name``, else the type)."""
        return self.name or self.type  # type: ignore[attr-defined]

    def effect_values(self, uniforms=None) -> dict[str, float]:
        """Each effect setting's value: prior medians, or the quantiles ``uniforms(setting)``."""
        out = {}
        for name, info in effect_fields(type(self)).items():
            u = None if uniforms is None else uniforms(name)
            out[name] = value_of(getattr(self, name), u, tuple(info["bounds"]))
        return out


class Lever:
    """A lever at run time: enrolment, active people, channel factors, follow-ups and costs.

    Args:
        model: The model.
        settings: The validated settings.
        shadow: Reach the same people but do nothing to them (no effect, no cost): the
            counterfactual follow-up of a cohort.
        draw: Draw the effect sizes from their priors (an ensemble replicate) instead of using
            their medians.
    """

    def __init__(self, model, settings: LeverSettings, shadow: bool = False,
                 draw: bool = False) -> None:
        self.model = model
        self.settings = settings
        self.label = settings.label
        if settings.capacity is not None and settings.capacity < model.scale:
            raise InputError(f"{self.label}.capacity: {settings.capacity:g} people a year is "
                             f"less than one agent at scale {model.scale:g} (people per agent), "
                             "so the lever would reach no one; expected a capacity of at least "
                             "the scale, or a smaller scale")
        self.stream = f"lever.{self.label}"
        cal = model.calendar
        self.first = cal.month_of(*parse_year_month(settings.start))
        self.last = (cal.month_of(*parse_year_month(settings.end)) if settings.end
                     else cal.n_months - 1)
        streams = model.streams
        self.values = settings.effect_values(
            (lambda name: streams.uniform(f"effect.{settings.type}.{name}", 0)) if draw else None)
        # a number, or (levers that give it a prior) an effect setting drawn with the others
        self.half_life = float(self.values.get("effect_half_life_months",
                                               settings.effect_half_life_months))
        self.shadow = shadow
        self.factors = {} if shadow else {c: self.values[s]
                                          for c, s in settings.channel_settings.items()}
        self._owned: dict[str, tuple] = {}
        self.enrolled = np.zeros(0, dtype=np.int32)
        self.own("enrolled", np.int32, NO_MONTH)  # latest enrolment month by row
        self.reached = np.zeros(len(cal.years))  # people reached by year (people, not agents)
        self.cost_krw = np.zeros(len(cal.years))
        # follow-up of those reached, k months later: [people still in the South, and of them
        # each state outcome]
        self.followup = np.zeros((len(FOLLOW_UP_MONTHS), 1 + len(STATE_OUTCOMES)))

    def own(self, name: str, dtype, init) -> None:
        """Declare a per-person array this lever owns (rows of the population, grown with it)."""
        self._owned[name] = (dtype, init)
        setattr(self, name, np.full(self.enrolled.size, init, dtype=dtype))

    def _grow(self) -> None:
        n = self.model.population.n
        if self.enrolled.size >= n:
            return
        size = max(n, 2 * self.enrolled.size)
        for name, (dtype, init) in self._owned.items():
            old = getattr(self, name)
            grown = np.full(size, init, dtype=dtype)
            grown[: old.size] = old
            setattr(self, name, grown)

    def renumber(self, order: np.ndarray) -> None:
        """The population's rows were reordered (row ``i`` was ``order[i]``): so are the arrays
        this lever owns."""
        self._grow()
        for name in self._owned:
            values = getattr(self, name)
            values[: order.size] = values[order]

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
            ok &= pop.in_protection(rows) == e.in_protection
        if e.ideation_within_months is not None:
            ok &= month - pop.ideation_month[rows].astype(np.int64) <= e.ideation_within_months
        return ok

    def step(self, month: int, residents: np.ndarray) -> None:
        """Follow up earlier enrolments, enrol this month's newly reached people, count costs."""
        if not self.settings.population_wide and month > self.first:
            self._follow_up(month, residents)
        if not self.in_window(month):
            return
        s = self.settings
        y = month // 12
        if (month % 12 == 0 or month == self.first) and not self.shadow:
            self.cost_krw[y] += s.cost_per_year_krw
        if not s.population_wide:
            self._enrol(month, residents, y)

    def _enrol(self, month: int, residents: np.ndarray, y: int) -> None:
        """Enrol the eligible people not being served, by their own draw, within capacity.

        Shadows count the people they reach too, so capacity binds exactly as with the lever."""
        m, s = self.model, self.settings
        self._grow()
        since = month - self.enrolled[residents].astype(np.int64)
        free = (self.enrolled[residents] == NO_MONTH) | (s.repeat & (since >= s.duration_months))
        rows = residents[free & self.eligible(residents, month)]
        u = m.streams.uniforms(self.stream, 0, m.population.uid[rows])  # one draw per person
        rows, u = rows[u < s.coverage], u[u < s.coverage]
        if s.capacity is not None:
            room = int(s.capacity / m.scale - self.reached[y] / m.scale)
            rows = rows[np.argsort(u, kind="stable")[: max(room, 0)]]
        self.enrolled[rows] = month
        self.reached[y] += rows.size * m.scale
        if not self.shadow:
            self.cost_krw[y] += rows.size * m.scale * self.cost_per_person()
            self.on_enrol(rows, month)

    def _follow_up(self, month: int, residents: np.ndarray) -> None:
        """States of the people reached ``FOLLOW_UP_MONTHS`` ago who still live in the South."""
        self._grow()
        pop = self.model.population
        since = month - self.enrolled[residents].astype(np.int64)
        for i, k in enumerate(FOLLOW_UP_MONTHS):
            rows = residents[since == k]
            if rows.size:
                self.followup[i] += (rows.size, *(np.sum(v) for v in state_outcomes(pop, rows,
                                                                                    month)))

    def event_follow_up(self) -> np.ndarray:
        """(len(FOLLOW_UP_MONTHS), 2): people reached whose follow-up month falls within the
        horizon, and of them suicides within k months of being reached (after the run)."""
        pop, n = self.model.population, self.model.population.n
        self._grow()
        enrolled = self.enrolled[:n].astype(np.int64)
        last = self.model.calendar.n_months - 1
        reached = enrolled != NO_MONTH
        died = (pop.death_cause[:n] == SUICIDE) & reached
        delay = pop.death_month[:n].astype(np.int64) - enrolled
        out = np.zeros((len(FOLLOW_UP_MONTHS), 2))
        for i, k in enumerate(FOLLOW_UP_MONTHS):
            cohort = reached & (enrolled + k <= last)
            out[i] = (cohort.sum() * self.model.scale,
                      (cohort & died & (delay < k)).sum() * self.model.scale)
        return out

    def on_enrol(self, rows: np.ndarray, month: int) -> None:
        """State changes when people are reached (levers that enrol into training ...)."""

    def cost_per_person(self) -> float:
        """KRW per person reached (``unit_cost_krw``; levers that pay money add it)."""
        return self.settings.unit_cost_krw

    def acts_on(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray | bool:
        """Which of ``rows`` the lever's mechanism concerns for ``channel`` (all by default)."""
        return True

    def weight(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Strength of the effect (0-1, on the log scale of the multipliers) for each row: 1
        while served or in the window, then halving every ``effect_half_life_months`` (the
        value in force: its median, or this replicate's draw where the lever gives it a prior)."""
        s = self.settings
        if s.population_wide:
            after = month - self.last
            w = 1.0 if self.in_window(month) else _faded(after, self.half_life,
                                                          month >= self.first)
            return np.full(rows.size, w)
        self._grow()
        enrolled = self.enrolled[rows]
        since = month - enrolled.astype(np.int64)
        reached = (enrolled != NO_MONTH) & (since >= 0)
        w = np.where(reached & (since < s.duration_months), 1.0, 0.0)
        if self.half_life > 0:
            after = since - s.duration_months
            fading = reached & (after >= 0)
            w[fading] = 0.5 ** ((after[fading] + 1) / self.half_life)
        return w

    def active(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Mask of ``rows`` for whom the lever acts at full strength this month."""
        return self.weight(rows, month) == 1.0

    def factor(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray | float:
        """Multiplier of ``channel`` for ``rows`` (exactly 1 where the lever does not act)."""
        value = self.factors.get(channel)
        if value is None or value == 1.0:
            return 1.0
        w = self.weight(rows, month) * self.acts_on(channel, rows, month)
        return np.power(value, w)  # exactly ``value`` at full strength, exactly 1 at none

    def serving(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray:
        """Whether the lever serves each row through ``channel`` this month: reached and within
        ``duration_months`` (a fading effect afterwards is not a service, e.g. case management
        ends when its months are over)."""
        if channel not in self.factors:
            return np.zeros(rows.size, dtype=bool)
        return self.active(rows, month) & self.acts_on(channel, rows, month)


def _faded(months_after: int, half_life: float, started: bool) -> float:
    """Strength of a population-wide effect ``months_after`` its window ended."""
    if not started or half_life <= 0:
        return 0.0
    return 0.5 ** (months_after / half_life)


def state_outcomes(pop, rows: np.ndarray, month: int) -> list[np.ndarray]:
    """The follow-up states of ``rows`` in ``month``, in the order of :data:`STATE_OUTCOMES`."""
    return [pop.work[rows] == Work.EMPLOYED, pop.depressed[rows],
            month - pop.ideation_month[rows].astype(np.int64) < PAST_YEAR,
            month - pop.discriminated_month[rows].astype(np.int64) < PAST_YEAR,
            pop.trained[rows]]
