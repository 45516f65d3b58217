"""The resettle model: people leaving North Korea and moving, month by month, along the pathway.

The model is a Mesa model whose population lives in NumPy arrays (:mod:`sim.population`); each
domain module updates everyone in its stages at once:

- :mod:`sim.departures`: leaving North Korea (push, chain defection, leaving again)
- :mod:`sim.china`: hiding, marriage and trafficking, arrest and repatriation, brokers
- :mod:`sim.journey`: the onward route and third-country detention
- :mod:`sim.reception`: NIS screening, Hanawon, residence protection

and, for residents after Hanawon, life in the South:

- :mod:`sim.discrimination`: experiences of discrimination (attitudes, visibility of origin)
- :mod:`sim.training`: school, university and vocational training
- :mod:`sim.labour`: looking for work, jobs, wages
- :mod:`sim.welfare`: settlement money, incentives, benefits, debts, savings, remittances
- :mod:`sim.ties`: social ties among defectors (a graph) and with South Koreans
- :mod:`sim.mental_health`: PTSD, depression, suicidal ideation and suicide, services
- :mod:`sim.belonging`: satisfaction, the wish to leave, onward migration, return
- :mod:`sim.survey`: the July survey that the KHF-style indicators come from

Policy levers (:mod:`sim.levers`) enrol people each month and change the rules' rates through
named channels (``model.levers.factor``).
"""

from __future__ import annotations

import mesa
import numpy as np

from .agents import describe_row
from .calendar import Calendar
from .china import China
from .demographics import AttributeTables, draw_attributes
from .belonging import Belonging
from .departures import Departures
from .discrimination import Discrimination
from .indicators import Recorder, indicator_table
from .journey import Journey
from .labour import LabourMarket
from .levers import LeverSet
from .mental_health import MentalHealth
from .parameters import Parameters
from .population import NATURAL, SUICIDE, Population
from .randomness import Streams
from .reception import Reception
from .scenario import Scenario
from .stages import IN_SOUTH, RESIDENTS, Stage
from .survey import Survey
from .ties import SocialTies
from .training import Training
from .welfare import Welfare
from .world import World, apply_overrides, load_table


EXIT_EVENTS = {Stage.MOVED_ON: "moved_on", Stage.RETURNED_NORTH: "returned_north"}


class ResettleModel(mesa.Model):
    """Agent-based model of the pathways of North Korean defectors.

    Args:
        scenario: A validated scenario (see :mod:`sim.scenario`).
        seed: Non-negative integer seed; the same scenario and seed give identical results.
        shadow_levers: Run the levers as shadows: they reach the same people but change nothing
            (for the counterfactual follow-up of the people a lever reaches). True for all, or
            the set of lever indices to shadow (the others act).
        draw_effects: Draw the levers' effect sizes from their priors with ``seed`` (an
            ensemble replicate) instead of using their medians.
    """

    def __init__(self, scenario: Scenario, seed: int = 0,
                 shadow_levers: bool | frozenset[int] = False, draw_effects: bool = False) -> None:
        super().__init__(rng=seed)
        self.config = scenario
        self.calendar = Calendar(scenario.start_year, scenario.end_year)
        self.scale = scenario.scale
        self.params = Parameters(overrides=scenario.parameters,
                                 where=f"{scenario.origin}: parameters")
        table = apply_overrides(load_table(), scenario.world, self.params,
                                where=f"{scenario.origin}: world")
        self.world = World(table, self.params, self.calendar)
        self.streams = Streams(seed)
        self.tables = AttributeTables.load()
        self.population = Population(self.calendar.n_months)
        self.recorder = Recorder(self.calendar.n_months, self.population)
        self.people: dict[int, mesa.Agent] = {}  # row -> Person, for everyone in the South
        self.departures = Departures(self)
        self.china = China(self)
        self.journey = Journey(self)
        self.reception = Reception(self)
        self.modules = (self.departures, self.china, self.journey, self.reception)
        self.discrimination = Discrimination(self)
        self.ties = SocialTies(self)
        self.mental_health = MentalHealth(self)
        self.training = Training(self)
        self.labour = LabourMarket(self)
        self.welfare = Welfare(self)
        self.belonging = Belonging(self)
        self.life_modules = (self.discrimination, self.ties, self.mental_health, self.training,
                             self.labour, self.welfare, self.belonging)
        self.removing_modules = (self.mental_health, self.belonging)  # suicides, leaving
        self.survey = Survey(len(self.calendar.years))
        self.levers = LeverSet(self, scenario.levers, shadow_levers, draw_effects)
        self.month = 0
        self.datacollector = mesa.DataCollector(model_reporters={
            stage.name.lower(): (lambda m, s=stage: int(m.recorder.stage_counts[m.month - 1, s].sum()))
            for stage in Stage
        })
        self._seed_residents()
        self._groups, _ = self.population.snapshot()

    def _seed_residents(self) -> None:
        """People who arrived before the start and still live in the South (MOU 2002 ratio)."""
        p = self.params
        alive = p["pre_1995_arrivals"] * p["pre_1995_share_alive_in_south"] / self.scale
        n = int(round(alive))
        uids = np.arange(n, dtype=np.int64)
        female = self.streams.uniforms("initial.sex", -1, uids) < p["pre_1995_female_share"]
        attrs = draw_attributes(self.tables, p, self.streams, -1, self.calendar.start_year,
                                uids, female)
        rows = self.population.add(-1, Stage.RESETTLED, uid=uids, female=female, **attrs)
        self.start_life_in_south(rows, -1)

    def step(self) -> None:
        """Advance one calendar month: every module updates its stages from a snapshot."""
        for module in self.modules:
            module.step(self.month, self._groups)
        residents = self.residents(self._groups)
        self.levers.step(self.month, residents)
        for module in self.life_modules:
            module.step(self.month, residents)
            if module in self.removing_modules:
                residents = self._still_resident(residents)  # after suicides and departures
        self.survey.record(self, self.month, residents)
        self._groups, counts = self.population.snapshot()
        self.recorder.end_of_month(self.month, counts, self._groups)
        self.month += 1
        self.datacollector.collect(self)
        if self.month >= self.calendar.n_months:
            self.running = False

    def run(self) -> ResettleModel:
        """Run to the end of the horizon; return self."""
        while self.running:
            self.step()
        return self

    def residents(self, groups: list[np.ndarray]) -> np.ndarray:
        """Rows of people living in the community after Hanawon who are still alive."""
        return self._still_resident(np.concatenate([groups[s] for s in RESIDENTS]))

    def _still_resident(self, rows: np.ndarray) -> np.ndarray:
        stage = self.population.stage[rows]
        return rows[(stage == Stage.PROTECTED) | (stage == Stage.RESETTLED)]

    def start_life_in_south(self, rows: np.ndarray, month: int) -> None:
        """People leaving Hanawon: who they are in the South, their health, ties, school, money."""
        pop, p = self.population, self.params
        pop.left_hanawon_month[rows] = month
        u = {name: self.streams.uniforms(f"south.{name}", month, pop.uid[rows])
             for name in ("health", "conceal")}
        pop.poor_health[rows] = u["health"] < p["poor_health_share"]
        pop.conceals[rows] = u["conceal"] < p["conceal_share"]
        pop.caring[rows] = pop.female[rows] & pop.with_family[rows]
        self.mental_health.start(rows, month)
        self.ties.start(rows, month)
        sponsor = pop.sponsor_row[rows]
        joined = (sponsor >= 0) & np.isin(pop.stage[np.maximum(sponsor, 0)], RESIDENTS)
        self.ties.family(sponsor[joined], rows[joined], month)
        self.training.start(rows, month)
        self.welfare.start(rows, month)

    def in_protection(self, rows: np.ndarray) -> np.ndarray:
        """Whether each person is within the 5-year residence-protection period."""
        return self.population.stage[rows] == Stage.PROTECTED

    def repatriate(self, rows: np.ndarray, month: int) -> None:
        """Forced repatriation to North Korea (counted as an event; people may leave again)."""
        self.population.repatriations[rows] += 1
        self.population.move(rows, Stage.IN_NORTH_KOREA, month)
        self.recorder.event("repatriated", month, rows)

    def die(self, rows: np.ndarray, month: int, cause: int = NATURAL) -> None:
        """Deaths in any stage (``cause``: a code of :data:`sim.population.DEATH_CAUSES`)."""
        in_south = rows[np.isin(self.population.stage[rows], IN_SOUTH)]
        self.recorder.event("deaths_in_south", month, in_south)
        if cause == SUICIDE:
            self.recorder.event("suicides", month, in_south)
        self.population.death_month[rows] = month
        self.population.death_cause[rows] = cause
        self.population.move(rows, Stage.DEAD, month)
        self._remove_agents(rows)

    def leave_south(self, rows: np.ndarray, month: int, stage: Stage,
                    destination: str | None = None) -> None:
        """Residents who move on to a third country (``destination``) or return to North Korea."""
        self.recorder.event(EXIT_EVENTS[stage], month, rows)
        if destination is not None:
            self.recorder.event(f"moved_on_{destination}", month, rows)
        self.population.move(rows, stage, month)
        self._remove_agents(rows)

    def _remove_agents(self, rows: np.ndarray) -> None:
        for row in rows[self.population.arrival_month[rows] >= 0].tolist():
            self.people.pop(row).remove()  # only people who reached the South have agents

    def indicators(self, replicate: int = 0):
        """The yearly indicator table (tidy DataFrame)."""
        return indicator_table(self, replicate)

    def inspect(self, row: int) -> dict:
        """Everything the model holds about the person in ``row`` (anyone, any stage)."""
        if not 0 <= row < self.population.n:
            raise IndexError(f"no person in row {row}; rows are 0..{self.population.n - 1}")
        return describe_row(self.population, row)

    @property
    def alive(self) -> np.ndarray:
        """Rows of everyone not dead."""
        return np.flatnonzero(self.population.stage[: self.population.n] != Stage.DEAD)

