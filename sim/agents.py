"""Mesa agents: identity and inspection on top of the vectorised state.

A :class:`Person` stands for everyone who reached South Korea and is still there (the people
whose lives in the South the model follows: work, health, ties). Agents are made in bulk when
someone looks (:attr:`sim.model.ResettleModel.people`, ``model.agents``) and dropped once their
person has died or left.
Agents are for inspection: every rule updates the population's arrays for everyone at once, so
agents are not stepped. Anyone else can be inspected with
:meth:`sim.model.ResettleModel.inspect`.
"""

from __future__ import annotations

import mesa

from .engine.calendar import Calendar
from .engine.population import NO_MONTH
from .engine.stages import NEVER_MONTH, Job, Route, Stage, Work

CODED = {"stage": Stage, "route": Route, "work": Work, "job": Job}  # fields with names


class Person(mesa.Agent):
    """One person (or ``scale`` people) in the South, backed by row ``row`` of the population.

    Args:
        model: The model.
        row: Row of the person in :class:`sim.engine.population.Population`.
    """

    def __init__(self, model, row: int) -> None:
        super().__init__(model)
        self.row = row

    def __getattr__(self, name: str):
        # attribute reads fall through to the population arrays (sex, stage, work ...)
        model = self.__dict__.get("model")
        if model is not None and name in model.population.fields:
            return getattr(model.population, name)[self.row].item()
        raise AttributeError(name)

    def __repr__(self) -> str:
        m = self.model
        pop, cal = m.population, m.calendar
        age = pop.age_years(self.row, max(m.month, 0))
        sex = "woman" if pop.female[self.row] else "man"
        arrived = pop.arrival_month[self.row]
        return (f"Person(uid={pop.uid[self.row]}, {sex}, {age:.0f} years, "
                f"{Stage(pop.stage[self.row]).name.lower()}"
                f"{', arrived ' + month_name(cal, arrived) if arrived != NO_MONTH else ''})")

    @property
    def stage_name(self) -> str:
        """Name of the current stage."""
        return Stage(self.model.population.stage[self.row]).name

    def describe(self) -> dict:
        """Everything the model holds about this person, months as calendar months."""
        return self.model.inspect(row=self.row)


def month_name(calendar: Calendar, month: int) -> str | None:
    """A month index as ``YYYY-MM`` (None for "never")."""
    if month == NO_MONTH or month == NEVER_MONTH:
        return None
    return f"{calendar.year_of(month)}-{month % 12 + 1:02d}"


def describe_row(population, row: int, calendar: Calendar) -> dict:
    """Plain dictionary of one row of the population: coded fields by name, month fields
    (``*_month``, ``*_until``) as ``YYYY-MM``, and None for what is not set (no month, NaN)."""
    record = {}
    for name in population.fields:
        value = getattr(population, name)[row].item()
        if name in CODED:
            value = CODED[name](value).name
        elif name.endswith(("_month", "_until")):
            value = month_name(calendar, value)
        elif isinstance(value, float) and value != value:  # NaN: not set
            value = None
        record[name] = value
    return record
