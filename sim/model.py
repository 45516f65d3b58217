"""The resettle model: people leaving North Korea and moving, month by month, along the pathway.

A Mesa model whose population lives in NumPy arrays (:class:`sim.engine.population.Population`).
Each domain module (:mod:`sim.engine.module`) declares the fields it owns, its random streams,
the lever channels it reads and the events it handles, and updates everyone in its stages at once;
the model assembles the population from those declarations and steps the modules in one declared
order (:data:`STEP_ORDER`):

- pathway (:mod:`sim.pathway`): departures, life in China, the journey, reception in the South;
- the policy levers (:mod:`sim.levers`) enrol this month's people;
- life in the South (:mod:`sim.life`): discrimination, ties, health, mental health, training, work,
  money, belonging;
- the July survey (:mod:`sim.measure.survey`).

Modules talk through the population and the model's events (:data:`EVENTS`), never by calling
each other. Deaths, forced repatriations, returns to North Korea and departures from the South are
the model's own transitions (:meth:`ResettleModel.die` ...), which any module may request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from .agents import Person, describe_row
from .engine.calendar import SURVEY_AGE, Calendar
from .engine.module import assemble_fields, check_streams
from .engine.parameters import Parameters
from .engine.population import NATURAL, SUICIDE, Population
from .engine.randomness import Streams
from .engine.stages import (IN_CHINA, IN_SOUTH, IN_TRANSIT, IS_IN_SOUTH, IS_RESIDENT, RESIDENTS,
                            Stage, Work)
from .engine.world import World, apply_overrides, load_table
from .levers import LeverSet
from .life.belonging import Belonging
from .life.discrimination import Discrimination
from .life.health import Health
from .life.labour import LabourMarket
from .life.mental_health import MentalHealth
from .life.ties import SocialTies, graph
from .life.training import Training
from .life.welfare import Welfare
from .measure.indicators import Recorder, indicator_table
from .measure.survey import Survey
from .pathway.china import China
from .pathway.demographics import AttributeTables, Demographics, draw_attributes
from .pathway.departures import Departures
from .pathway.journey import Journey
from .pathway.reception import Reception
from .scenario import Scenario, resolve

# the modules in the order they step each month (LeverSet enrols between pathway and life)
STEP_ORDER = (Departures, China, Journey, Reception, LeverSet, Discrimination, SocialTies,
              Health, MentalHealth, Training, LabourMarket, Welfare, Belonging, Survey)
PATHWAY = (Departures, China, Journey, Reception, LeverSet)  # what ``pathway_only`` steps
MODULES = (Demographics, *(m for m in STEP_ORDER if m is not LeverSet))
EVENTS = {
    "departed": "people left North Korea (counted)",
    "entered_china": "new departures reached China",
    "started_journey": "people set off from China (or North Korea) with a broker",
    "arrived": "people reached South Korea",
    "left_hanawon": "people left Hanawon to live in the community",
    "settled_before_start": "people who arrived before the model starts join the community, "
                            "long settled (no Hanawon, settlement money or recent trauma)",
    "broker_paid": "relatives in the South paid a broker (fee_mkrw)",
    "back_in_north_korea": "people forcibly repatriated or returning from China (they may leave "
                           "again)",
    "business_started": "people started a business (a lever)",
    "course_started": "people started a vocational course (a lever; certification_share)",
}
REORDER_MONTHS = 24  # how often the population's rows are regrouped (Population.reorder): every
# two years took 2.11-2.12 s for the baseline at scale 1 against 2.26 s every year, 2.57-2.68 s
# every six months and 2.60-3.08 s never, when the gathered rows were also sorted by stage and
# sex (the results are the same; benchmarks/README.md)
REORDER_ROWS = 1 << 16  # and only once the population has this many rows: a particle at scale
# 10 (15,000 rows to 2025, a few MB, within the caches) ran 0.39-0.40 s with and without it
MAX_ROWS_UP_FRONT = 1 << 26  # no more allocated at once, whatever the scale (the arrays grow on)
EXIT_EVENTS = {Stage.MOVED_ON: "moved_on", Stage.RETURNED_NORTH: "returned_north"}


class RunScenario(MesaScenario):
    """What a run was asked for, as a Mesa scenario: the scenario's name or file, and the
    overrides of scenario fields or parameters (e.g. ``job_finding_rate``); ``rng`` is the
    seed. ``model.spec`` holds the full, validated specification."""

    scenario_name: str = "baseline"


class ResettleModel(mesa.Model):
    """Agent-based model of the pathways of North Korean defectors (Mesa: ``model.scenario``,
    ``model.rng``, ``model.steps``, ``run_model()``, a DataCollector and ``Person`` agents;
    NumPy: the population's state, updated for everyone at once).

    Args:
        scenario: A scenario name in ``scenarios/``, a path to a YAML file, a validated
            :class:`sim.scenario.Scenario`, or a :class:`RunScenario` (as SolaraViz passes one).
        seed: Non-negative integer seed; ``None`` draws one (as Mesa does). The same scenario
            and seed give identical results.
        shadow_levers: Run the levers as shadows: they reach the same people but change nothing
            (the counterfactual follow-up of the people a lever reaches). True for all, or the
            set of lever indices to shadow (the others act).
        draw_effects: Draw the levers' effect sizes from their priors with ``seed`` (an
            ensemble replicate) instead of using their medians.
        posterior_draw: Draw the calibrated parameters from the scenario's parameter set, and
            every other parameter with a prior from its prior, each with a uniform keyed by
            ``seed`` and its own name (an ensemble replicate) instead of using the point
            estimate.
        compiled: Run the modules' compiled monthly passes (the default); False runs their
            NumPy rules (``reference_step``) instead: slower, the same results to rounding, for
            checking the kernels.
        pathway_only: Step only the pathway (:data:`PATHWAY`: departures to reception, and the
            levers): about half the time of a full run, for calibrating the pathway against its
            own figures (arrivals, the stock in China, repatriations, time abroad). Residents
            still age, end their protection and die of natural causes, but nothing of life in
            the South happens (no work, suicides or departures from the South), so only the
            pathway's indicators (:data:`~sim.measure.indicators.PATHWAY_INDICATORS`) are
            produced.
        watched: Keep Mesa's views of the run (the default): a ``Person`` agent for everyone
            who reaches the South, for inspection, and the DataCollector's monthly series.
            Runs nobody watches (ensemble replicates, calibration particles) turn them off:
            the outputs are the same, without their cost.
        reorder: Gather the rows of the people the monthly passes visit at the end of the
            population every :data:`REORDER_MONTHS` once there are :data:`REORDER_ROWS` (the
            default), so that the passes read adjacent memory; False keeps them in the order
            people entered: the same results to rounding, slower at scale 1.
        **overrides: Scenario fields or parameter values, e.g. ``scale=10,
            job_finding_rate=12`` (plain keyword arguments, as ``mesa.batch_run`` passes them).

    Example:
        >>> model = ResettleModel("baseline", seed=1, scale=10)
        >>> model.run_model()
        >>> model.datacollector.get_model_vars_dataframe().tail()
    """

    def __init__(self, scenario: str | Path | Scenario | RunScenario = "baseline",
                 seed: int | None = None, *, shadow_levers: bool | frozenset[int] = False,
                 draw_effects: bool = False, posterior_draw: bool = False,
                 compiled: bool = True, pathway_only: bool = False, watched: bool = True,
                 reorder: bool = True, **overrides: Any) -> None:
        if isinstance(scenario, MesaScenario):  # SolaraViz passes its scenario on reset
            overrides = {**_scenario_values(scenario), **overrides}
            seed = scenario.rng if seed is None else seed
            scenario = overrides.pop("scenario_name", "baseline")
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
        name = scenario.name if isinstance(scenario, Scenario) else str(scenario)
        super().__init__(scenario=RunScenario(rng=seed, scenario_name=name, **overrides))
        spec = resolve(scenario, **overrides)
        self.seed = int(seed)
        self.compiled, self.pathway_only, self.watched = compiled, pathway_only, watched
        self.reorder = reorder
        self.spec = spec.with_parameter_set(self.seed if posterior_draw else None)
        self.calendar = Calendar(spec.start_year, spec.end_year)
        self.scale = spec.scale
        self.params = Parameters(overrides=self.spec.parameters,
                                 where=f"{spec.origin}: parameters")
        table = apply_overrides(load_table(), spec.world, self.params,
                                where=f"{spec.origin}: world")
        self.world = World(table, self.params, self.calendar)
        self.streams = Streams(self.seed)
        self.tables = AttributeTables.load()
        check_streams([*MODULES, LeverSet])
        self.population = Population(self.calendar.n_months, assemble_fields(MODULES),
                                     {k: v for m in MODULES for k, v in m.relations.items()},
                                     capacity=self._expected_people())
        self.recorder = Recorder(self.calendar.n_months, self.population)
        self.levers = LeverSet(self, spec.levers, shadow_levers, draw_effects)
        self.modules = {cls.__name__: (self.levers if cls is LeverSet else cls(self))
                        for cls in (PATHWAY if pathway_only else STEP_ORDER)}
        self._handlers = self._collect_handlers()
        self._people: dict[int, Person] = {}  # row -> Person, made when first looked at
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self._seed_residents()
        self.groups, _ = self.population.snapshot()
        self._residents: np.ndarray | None = None
        self._adults_of_month: tuple[int, np.ndarray] | None = None  # for the reporters

    def _expected_people(self) -> int:
        """Room for the people a run is expected to hold (the arrays then grow less often): the
        residents before the start, the push departures and direct crossings of the world table,
        and a quarter more for the relatives sponsored from the South (about a tenth at the
        baseline) and for chance; the arrays double if more come."""
        p = self.params
        years = self.calendar.n_months / 12
        expected = (p["pre_1995_arrivals"] + self.world.push_departures.sum()
                    + p["direct_crossings_per_year"] * years) / self.scale
        return int(min(1.25 * expected, MAX_ROWS_UP_FRONT)) + 1024

    def _collect_handlers(self) -> dict[str, list]:
        """Event -> the bound handlers of the modules that declare it, in step order; a model
        running the NumPy rules (``compiled=False``) takes a handler's ``reference_`` twin where
        it has one, as it takes ``reference_step`` for the monthly step."""
        handlers: dict[str, list] = {name: [] for name in EVENTS}
        for participant in (*self.modules.values(), self.recorder):
            for event, method in type(participant).handles.items():
                if event not in EVENTS:
                    raise ValueError(f"{type(participant).__name__} handles unknown event "
                                     f"{event!r}; events: {', '.join(EVENTS)}")
                handler = getattr(participant, method)
                if not self.compiled:
                    handler = getattr(participant, f"reference_{method}", handler)
                handlers[event].append(handler)
        return handlers

    def emit(self, event: str, rows: np.ndarray, month: int, **payload: Any) -> None:
        """Tell the modules that handle ``event`` that it happened to ``rows`` this month."""
        if rows.size == 0:
            return
        for handler in self._handlers[event]:
            handler(rows, month, **payload)

    @property
    def month(self) -> int:
        """The month index of the current (or, between steps, the last) step: Mesa's ``steps``
        count the months begun, so month 0 is January of the first year."""
        return self.steps - 1

    def _seed_residents(self) -> None:
        """People who arrived before the start and still live in the South (MOU 2002 ratio)."""
        p = self.params
        alive = p["pre_1995_arrivals"] * p["pre_1995_share_alive_in_south"] / self.scale
        n = int(round(alive))
        uids = np.arange(n, dtype=np.int64)
        female = self.streams.uniforms("initial.sex", -1, uids) < p["pre_1995_female_share"]
        attrs = draw_attributes(self.tables, p, self.streams, -1, self.calendar.start_year,
                                uids, female, at_entry=True)
        rows = self.population.add(-1, Stage.RESETTLED, uid=uids, female=female, **attrs)
        self.emit("settled_before_start", rows, -1)

    def step(self) -> None:
        """Advance one calendar month: every module in :data:`STEP_ORDER` updates its people,
        from the stage snapshot taken at the start of the month."""
        month = self.month
        self._residents = None
        for module in self.modules.values():
            step = module.step if self.compiled else getattr(module, "reference_step",
                                                             module.step)
            step(month)
        self.groups, counts = self.population.snapshot()
        self._residents = None  # listed from the new snapshot at the next look
        self.recorder.end_of_month(month, counts, self.groups)
        if (self.reorder and month % REORDER_MONTHS == REORDER_MONTHS - 1
                and self.population.n >= REORDER_ROWS):
            self._reorder()
        if self.watched:
            self.datacollector.collect(self)
        if month + 1 >= self.calendar.n_months:
            self.running = False

    def _reorder(self) -> None:
        """The listed rows last (:meth:`Population.reorder`); the modules, the snapshot's groups
        and the agents follow."""
        renumbered = self.population.reorder()
        if renumbered is None:
            return
        order, new = renumbered
        for module in self.modules.values():
            module.renumber(order, new)
        self.groups, _ = self.population.snapshot()  # the same people, in their new row order
        self._residents = None
        people = self._people
        self._people = {}
        for row, person in people.items():
            person.row = int(new[row])
            self._people[person.row] = person

    def residents(self) -> np.ndarray:
        """Rows of the people living in the community after Hanawon who are still alive and in
        the South (from this month's snapshot; recounted after deaths and departures)."""
        if self._residents is None:
            self._residents = self.population.resident(*(self.groups[s] for s in RESIDENTS))
        return self._residents

    @property
    def people(self) -> dict[int, Person]:
        """Row -> :class:`~sim.agents.Person` for everyone who reached the South and is still
        there (none in runs nobody watches). Agents are for inspection (rules update the arrays
        and never step them), so they are made, in bulk, when someone looks: ``people``,
        ``agents`` and ``agents_by_type`` bring them up to date with the population."""
        if self.watched:
            self._sync_people()
        return self._people

    @property
    def agents(self):
        """Mesa's set of all agents (the people in the South; see :attr:`people`)."""
        if self.watched:
            self._sync_people()
        return super().agents

    @property
    def agents_by_type(self):
        """Mesa's agents by type (see :attr:`people`)."""
        if self.watched:
            self._sync_people()
        return super().agents_by_type

    def _sync_people(self) -> None:
        """Agents for people who reached the South since the last look, in row order; those
        who have since died or left lose theirs."""
        pop = self.population
        there = (pop.arrival_month[: pop.n] >= 0) & IS_IN_SOUTH[pop.stage[: pop.n]]
        had = np.fromiter(self._people, dtype=np.int64, count=len(self._people))
        for row in had[~there[had]].tolist():
            self._people.pop(row).remove()
        there[had] = False
        rows = np.flatnonzero(there).tolist()
        if rows:
            self._people.update(zip(rows, Person.create_agents(self, len(rows), rows),
                                    strict=True))

    def repatriate(self, rows: np.ndarray, month: int) -> None:
        """Forced repatriation to North Korea (counted as an event; people may leave again).
        While North Korea takes no one back (``north_takes_returns`` in the world table), China
        holds them (:class:`~sim.pathway.china.China` returns them once it does)."""
        if rows.size == 0:
            return
        if not self.world.north_takes_returns[self.world.index(month)]:
            self.population.move(rows, Stage.DETAINED_IN_CHINA, month)
            return
        self.population.repatriations[rows] += 1
        self.recorder.event("repatriated", month, rows)
        self.return_north(rows, month)

    def return_north(self, rows: np.ndarray, month: int) -> None:
        """People back in North Korea, forced or by choice (they may leave again)."""
        if rows.size == 0:
            return
        self.population.move(rows, Stage.IN_NORTH_KOREA, month)
        self.emit("back_in_north_korea", rows, month)

    def die(self, rows: np.ndarray, month: int, cause: int = NATURAL) -> None:
        """Deaths in any stage (``cause``: a code of :data:`sim.engine.population.DEATH_CAUSES`)."""
        if rows.size == 0:
            return
        in_south = rows[IS_IN_SOUTH[self.population.stage[rows]]]
        self.recorder.event("deaths_in_south", month, in_south)
        if cause == SUICIDE:
            self.recorder.event("suicides", month, in_south)
        self.population.death_month[rows] = month
        self.population.death_cause[rows] = cause
        self._gone(rows)
        self.population.move(rows, Stage.DEAD, month)

    def leave_south(self, rows: np.ndarray, month: int, stage: Stage,
                    destination: str | None = None) -> None:
        """Residents who move on to a third country (``destination``) or return to North Korea."""
        if rows.size == 0:
            return
        self.recorder.event(EXIT_EVENTS[stage], month, rows)
        if destination is not None:
            self.recorder.event(f"moved_on_{destination}", month, rows)
        self._gone(rows)
        self.population.move(rows, stage, month)

    def _gone(self, rows: np.ndarray) -> None:
        """People about to die or leave: if any of them is a resident, the residents are counted
        again at the next look."""
        if IS_RESIDENT[self.population.stage[rows]].any():
            self._residents = None

    def indicators(self, replicate: int = 0):
        """The yearly indicator table (tidy DataFrame)."""
        return indicator_table(self, replicate)

    def ties_graph(self):
        """The ties among defectors now in the South as a networkx graph (nodes are uids)."""
        return graph(self.population)

    def inspect(self, uid: int | None = None, *, row: int | None = None) -> dict:
        """Everything the model holds about one person (anyone, any stage), by the person's
        ``uid`` (the id agents and outputs carry; a :class:`Person` agent also works) or, for
        array work, by ``row`` of the population (a row is a person's only until the model next
        regroups the rows, :data:`REORDER_MONTHS`; a uid is theirs for the run)."""
        pop = self.population
        if (uid is None) == (row is None):
            raise TypeError("inspect: give the person's uid, or row=")
        if uid is not None:
            if isinstance(uid, Person):
                uid = uid.uid
            found = np.flatnonzero(pop.uid[: pop.n] == uid)
            if found.size == 0:
                raise KeyError(f"no person with uid {uid} in this run")
            row = int(found[0])
        if not 0 <= row < pop.n:
            raise IndexError(f"no person in row {row}; rows are 0..{pop.n - 1}")
        return describe_row(pop, row, self.calendar)

    @property
    def alive(self) -> np.ndarray:
        """Rows of everyone not dead."""
        return np.flatnonzero(self.population.stage[: self.population.n] != Stage.DEAD)


def _scenario_values(scenario: MesaScenario) -> dict[str, Any]:
    """A Mesa scenario's parameters (class defaults and values given), without its seed."""
    values = {**getattr(scenario, "_scenario_defaults", {}), **vars(scenario)}
    return {k: v for k, v in values.items() if k not in ("rng", "model") and not k.startswith("_")}


def _share(model: ResettleModel, flag: np.ndarray) -> float:
    """Percent of residents aged 15+ with ``flag`` (a boolean over those residents)."""
    return float(100 * flag.mean()) if flag.size else float("nan")


def _adults(model: ResettleModel) -> np.ndarray:
    """Residents aged 15+ at the end of this month (made once a month for the reporters)."""
    cached = model._adults_of_month
    if cached is None or cached[0] != model.month:
        rows = model.residents()
        cached = model.month, rows[model.population.age_years(rows, model.month) >= SURVEY_AGE]
        model._adults_of_month = cached
    return cached[1]


MODEL_REPORTERS = {  # monthly, at the end of each month (people, not agents)
    "in_china": lambda m: int(m.recorder.stage_counts[m.month, list(IN_CHINA)].sum()) * m.scale,
    "in_transit": lambda m: int(m.recorder.stage_counts[m.month, list(IN_TRANSIT)].sum())
    * m.scale,
    "in_south": lambda m: int(m.recorder.stage_counts[m.month, list(IN_SOUTH)].sum()) * m.scale,
    "employment_rate": lambda m: _share(m, m.population.work[_adults(m)] == Work.EMPLOYED),
    "depression_prevalence": lambda m: _share(m, m.population.depressed[_adults(m)]),
    "people_reached_by_levers": lambda m: int(sum(lv.reached.sum() for lv in m.levers.levers)),
}
