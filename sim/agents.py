"""Mesa agents: identity and inspection on top of the vectorised state.

A :class:`Person` is created for everyone who reaches South Korea (the people whose lives later
issues follow: networks, work, health). Anyone else can be inspected with
:meth:`sim.model.ResettleModel.inspect`.
"""

from __future__ import annotations

import mesa

from .stages import Job, Route, Stage, Work


class Person(mesa.Agent):
    """One person (or ``scale`` people) in the South, backed by row ``row`` of the population.

    Args:
        model: The model.
        row: Row of the person in :class:`sim.population.Population`.
    """

    def __init__(self, model, row: int) -> None:
        super().__init__(model)
        self.row = row

    def __getattr__(self, name: str):
        # attribute reads fall through to the population arrays (sex, stage, ages ...)
        from .population import FIELDS

        model = self.__dict__.get("model")
        if model is not None and name in FIELDS:
            return getattr(model.population, name)[self.row].item()
        raise AttributeError(name)

    @property
    def stage_name(self) -> str:
        """Name of the current stage."""
        return Stage(self.model.population.stage[self.row]).name

    def describe(self) -> dict:
        """Everything the model holds about this person, for inspection."""
        return self.model.inspect(self.row)


def describe_row(population, row: int) -> dict:
    """Plain dictionary of one row of the population, with names for coded fields."""
    from .population import FIELDS

    record = {name: getattr(population, name)[row].item() for name in FIELDS}
    record["stage"] = Stage(record["stage"]).name
    record["route"] = Route(record["route"]).name
    record["work"] = Work(record["work"]).name
    record["job"] = Job(record["job"]).name
    return record
