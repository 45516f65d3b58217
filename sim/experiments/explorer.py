"""What the browser explorer computes: a scenario with some levers switched on, against the same
world without them (the *policy effect*, paired replicate by replicate), with drawn lever effects
for the bands, the people for the pathway flow and the fit to the published figures.

The world without the levers is run once per (scenario, seed, scale, replicates) and kept (a
lever's shadow run is byte-identical to a run without it), so an update runs only the scenario
with its levers. Outputs are population-level scenario estimates, never predictions about a
person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace

import pandas as pd

from ..engine.calendar import parse_year_month
from ..engine.errors import InputError, nearest
from ..engine.files import calibration_file
from ..scenario import Scenario, library, load, validate
from . import comparison, policy

SCALE = 10  # people per agent: an update in seconds (README, "Explore in the browser")
REPLICATES = 3  # paired replicates behind the bands (the fewest that give a spread)
OUTCOMES = {"employment": "employment_rate", "depression": "depression_prevalence",
            "discrimination": "discrimination_share", "suicides": "suicides"}
COUNTERFACTUAL = ("policy effect: the scenario with the levers switched on against the same "
                  "world without them (the same people reached, nothing changed), paired "
                  "replicate by replicate")
TARGETS = calibration_file("targets.yaml")


@dataclass(frozen=True)
class Choice:
    """What the page's controls set: a scenario, the levers switched on and their settings."""

    scenario: str = "baseline"
    levers: tuple[str, ...] = ()
    coverage: float = 0.5  # share of the eligible reached (per-person levers)
    start_year: int = 2026
    effect_quantile: float | None = None  # None: effect sizes drawn from the evidence
    seed: int | None = None
    scale: float = SCALE
    replicates: int = REPLICATES


@dataclass
class Result:
    """An update of the explorer: the runs, the tables shown and how long it took."""

    scenario: Scenario
    runs: comparison.Runs
    effects: pd.DataFrame  # the policy effect over the lever years, per outcome, with bands
    by_year: pd.DataFrame  # the policy effect per year (differences.csv's rows)
    cost: dict  # cost (million KRW) of the levers over their years: mean and 90% interval
    flow_year: int  # the last year with published figures within the horizon
    fit: pd.DataFrame
    seconds: float = field(default=0.0)


@lru_cache(maxsize=1)
def lever_library() -> dict[str, dict]:
    """Each lever's settings as the scenario library's one-lever file gives them."""
    out = {}
    for path in sorted(library().glob("*.yaml")):
        levers = load(path.stem).model_dump(mode="json")["levers"]
        if len(levers) == 1:
            out.setdefault(levers[0]["type"], levers[0])
    return out


def scenario_names() -> list[str]:
    """The library's scenarios."""
    return sorted(p.stem for p in library().glob("*.yaml"))


def build(choice: Choice) -> Scenario:
    """The chosen scenario with the chosen levers (its own settings where it has the lever,
    else the library's) at the chosen coverage, start year and effect size."""
    base = load(choice.scenario).with_overrides(scale=choice.scale)
    data = base.model_dump(mode="json")
    own = {lv["type"]: lv for lv in data["levers"]}
    known = lever_library()
    levers = []
    for kind in choice.levers:
        if kind not in own and kind not in known:
            raise InputError(f"explorer: unknown lever {kind!r}{nearest(kind, known)}")
        levers.append(_with_settings(dict(own.get(kind) or known[kind]), choice))
    return validate({**data, "levers": levers}, base.origin)


def _with_settings(lever: dict, choice: Choice) -> dict:
    """One lever's settings with the chosen start (its end moved by as much), coverage and
    fixed effect sizes."""
    from ..levers import LEVERS
    from ..levers.effects import effect_fields

    settings = LEVERS[lever["type"]][0]
    year, month = parse_year_month(lever["start"])
    shift = choice.start_year - year
    lever["start"] = f"{choice.start_year}-{month:02d}"
    if lever.get("end"):
        end_year, end_month = parse_year_month(lever["end"])
        lever["end"] = f"{end_year + shift}-{end_month:02d}"
    if not settings.population_wide:
        lever["coverage"] = choice.coverage
    if choice.effect_quantile is not None:
        spec = settings.model_validate(lever)
        for name, info in effect_fields(settings).items():
            low, high = info["bounds"]
            lever[name] = min(max(float(getattr(spec, name).ppf(choice.effect_quantile)), low),
                              high)
    return lever


@lru_cache(maxsize=16)
def _without_levers(scenario: str, seed: int, scale: float, replicates: int) -> pd.DataFrame:
    """The world of ``scenario`` without levers, every replicate stacked (kept per scenario,
    seed, scale and number of replicates)."""
    world = load(scenario).with_overrides(scale=scale).without_levers()
    return pd.concat([_run(world, seed, r, replicates).indicators for r in range(replicates)],
                     ignore_index=True)


def _run(scenario: Scenario, seed: int, replicate: int, replicates: int):
    """One replicate as an ensemble runs it (parameters and effects drawn when there are
    several)."""
    from . import api

    draw = replicates > 1
    return api.run(scenario, seed=api.replicate_seed(seed, replicate), replicate=replicate,
                   posterior_draw=draw, draw_effects=draw, watched=False)


def explore(choice: Choice) -> Result:
    """Run the chosen scenario's replicates against the cached world without its levers."""
    started = time.perf_counter()
    scenario = build(choice)
    seed = scenario.seed if choice.seed is None else choice.seed
    shadow = _without_levers(choice.scenario, seed, choice.scale, choice.replicates)
    runs = [_run(scenario, seed, r, choice.replicates) for r in range(choice.replicates)
            if scenario.levers]  # without levers the scenario is its world: nothing to run
    indicators = pd.concat([r.indicators for r in runs], ignore_index=True) if runs else shadow
    paired = comparison.Runs(scenario, indicators, shadow, *_policy_tables(runs, shadow))
    effects = comparison.contrast_table(paired, shadow, list(OUTCOMES.values()))
    by_year = comparison.differences(paired, shadow)
    year = min(scenario.end_year, _last_published_year())
    fit = _fit(scenario, runs, (choice.scenario, seed, choice.scale, choice.replicates))
    return Result(scenario, paired, effects[effects.contrast == "policy"],
                  by_year[by_year.contrast == "policy"], _cost(paired),
                  year, fit, time.perf_counter() - started)


def _policy_tables(runs: list, shadow: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    """Costs, cohorts (none here), effects and inputs of the runs, as a comparison reads them."""
    if not runs:
        return (pd.DataFrame(),) * 4
    indicators = policy.effect_indicators(runs[0].scenario.levers)
    costs, effects, inputs = [], [], []
    for r in runs:
        own = SimpleNamespace(indicators=shadow[shadow.replicate == r.indicators.replicate[0]])
        effects.append(policy.effects_table(r, own, policy.ALL, indicators).assign(
            replicate=r.indicators.replicate[0]))
        costs.append(policy.costs_table(r.model).assign(replicate=r.indicators.replicate[0]))
        inputs.append(policy.inputs_table(r).assign(replicate=r.indicators.replicate[0]))
    stack = [pd.concat(t, ignore_index=True) for t in (costs, effects, inputs)]
    return stack[0], pd.DataFrame(), stack[1], stack[2]


def _cost(runs: comparison.Runs) -> dict:
    """The levers' cost over their years (million KRW): mean and 90% interval of replicates."""
    if runs.costs.empty:
        return {}
    reps = runs.indicators.replicate.unique()
    per = runs.costs.groupby("replicate").cost_mkrw.sum().reindex(reps, fill_value=0.0)
    return comparison.summary_of(per.to_numpy())


def _fit(scenario: Scenario, runs: list, world: tuple) -> pd.DataFrame:
    """The fit to the published figures (``calibration/targets.yaml``): of the world without
    levers (kept) when the levers start after the last published year, else of the runs."""
    from ..measure import targets

    target_list = _targets()
    if policy.first_year(scenario) > targets.last_year(target_list):
        return _world_fit(*world)
    return targets.fit_table(target_list, [targets.simulate(target_list, r.indicators)
                                           for r in runs])


@lru_cache(maxsize=1)
def _targets() -> list:
    from ..measure import targets

    return targets.load(TARGETS)


@lru_cache(maxsize=16)
def _world_fit(scenario: str, seed: int, scale: float, replicates: int) -> pd.DataFrame:
    from ..measure import targets

    shadow = _without_levers(scenario, seed, scale, replicates)
    return targets.fit_table(_targets(), [targets.simulate(_targets(), ind)
                                          for _, ind in shadow.groupby("replicate")])


def _last_published_year() -> int:
    from ..measure import published

    return published.last_year()
