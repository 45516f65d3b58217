"""Inputs and outcomes by name: one flat vocabulary for exploratory modelling (EMA Workbench,
SALib, notebooks) and the command line's ``--set``.

Inputs, as a flat mapping of dotted names to values:

- a parameter: ``job_finding_rate`` (``resettle parameters`` lists them);
- a setting of one of the scenario's levers, by its label (its ``name``, else its type):
  ``mentorship.coverage``, ``mentorship.eligibility.work``, ``mentorship.employment_multiplier``
  (an effect size: a number fixes it, a distribution is drawn from);
- a world column over years: ``world.prejudice[2027:2035]`` or ``world.prejudice[2030]``, added
  as a row after the scenario's own, so the parent's other rows stay;
- a run setting: ``scale`` or ``seed``.

Outcomes, as selectors: ``employment_rate@2030``; ``suicides@2026:2035`` (counts summed over the
years, rates averaged); ``employment_rate[female]@2030`` (by sex); and
``policy_effect:employment_rate@2030``, the scenario against the same world without its levers
(a paired run: the levers become shadows that reach the same people and change nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine.errors import InputError, nearest
from ..engine.parameters import load_specs
from ..levers import LEVERS
from ..measure.indicators import COUNT_INDICATORS, INDICATORS, SEXES
from ..scenario import Scenario, validate

SETTINGS = ("scale", "seed")
WORLD = re.compile(r"^world\.(?P<column>\w+)\[(?P<first>\d{4})(?::(?P<last>\d{4}))?\]$")
OUTCOME = re.compile(r"^(?:(?P<contrast>policy_effect):)?(?P<indicator>\w+)"
                     r"(?:\[(?P<sex>\w+)\])?@(?P<first>\d{4})(?::(?P<last>\d{4}))?$")


def input_names(scenario: Scenario) -> list[str]:
    """Every name an input may take for ``scenario`` (for help and did-you-mean)."""
    from ..engine.world import load_table

    levers = scenario.model_dump(mode="json")["levers"]
    lever_names = [f"{lv.label}.{key}" for lv, data in zip(scenario.levers, levers, strict=True)
                   for key in _keys(data) if key not in ("type", "name")]
    world = [f"world.{c}[YEAR:YEAR]" for c in load_table().columns if c != "source"]
    return [*SETTINGS, *load_specs(), *lever_names, *world]


def _keys(data: dict, prefix: str = "") -> list[str]:
    """Dotted setting names of a lever (a group such as ``eligibility`` by its members; a
    distribution is one setting)."""
    out = []
    for key, value in data.items():
        if isinstance(value, dict) and "dist" not in value:
            out += _keys(value, f"{prefix}{key}.")
        else:
            out.append(prefix + key)
    return out


def apply_inputs(scenario: Scenario, inputs: Mapping[str, Any],
                 where: str = "inputs") -> Scenario:
    """``scenario`` with the named inputs in force (validated: a value out of bounds names the
    bound; an unknown name gets the nearest valid one)."""
    from ..engine.world import load_table

    data = scenario.model_dump(mode="json")
    labels = {lv.label: i for i, lv in enumerate(scenario.levers)}
    specs = load_specs()
    columns = [c for c in load_table().columns if c != "source"]
    for name, value in inputs.items():
        if not isinstance(name, str):
            raise InputError(f"{where}: input names are strings, got {name!r}")
        world = WORLD.match(name)
        if name in SETTINGS:
            data[name] = value
        elif name in specs:
            data["parameters"] = {**data["parameters"], name: value}
        elif world:
            if world["column"] not in columns:
                raise InputError(f"{where}: {name!r}: unknown world column "
                                 f"{world['column']!r}{nearest(world['column'], columns)}")
            last = world["last"] or world["first"]
            data["world"] = [*data["world"], {"years": f"{world['first']}-{last}",
                                              world["column"]: value}]
        elif name.split(".", 1)[0] in labels and "." in name:
            label, path = name.split(".", 1)
            _set(data["levers"][labels[label]], path.split("."), value, name, where)
        elif name.split(".", 1)[0] in LEVERS and "." in name:
            have = ", ".join(labels) or "none"
            raise InputError(f"{where}: {name!r}: scenario {scenario.name!r} has no "
                             f"{name.split('.', 1)[0]!r} lever (its levers: {have}); use a "
                             "scenario with that lever, e.g. one that extends this one")
        else:
            raise InputError(f"{where}: unknown input {name!r}"
                             f"{nearest(name, input_names(scenario))}; inputs are parameters, "
                             f"lever settings (LEVER.setting), world columns "
                             f"(world.COLUMN[YEAR:YEAR]) or {', '.join(SETTINGS)}")
    try:
        return validate(data, scenario.origin)
    except InputError as exc:  # the scenario itself was valid: the inputs made it invalid
        raise InputError(f"{where} {', '.join(map(str, inputs))}: {exc}") from None


def apply_to_each(scenarios: list[Scenario], inputs: Mapping[str, Any],
                  where: str = "inputs") -> list[Scenario]:
    """Each scenario with ``inputs`` in force; a lever setting goes to the scenarios that have
    that lever, and is refused if none has."""
    if not inputs:
        return list(scenarios)
    specs = load_specs()

    def lever_of(name: str) -> str | None:
        head = name.split(".", 1)[0]
        return head if "." in name and head != "world" and head not in specs else None

    out, used = [], set()
    for scenario in scenarios:
        labels = {lv.label for lv in scenario.levers}
        mine = {k: v for k, v in inputs.items() if lever_of(k) in (None, *labels)}
        used |= mine.keys()
        out.append(apply_inputs(scenario, mine, where=where))
    for name in inputs.keys() - used:
        raise InputError(f"{where}: {name!r}: no scenario here has a {lever_of(name)!r} lever")
    return out


def _set(lever: dict, path: list[str], value: Any, name: str, where: str) -> None:
    """Set one lever setting by its dotted path (validated with the whole scenario after)."""
    node = lever
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            raise InputError(f"{where}: {name!r}: the lever has no group of settings {key!r}"
                             f"{nearest(key, node)}")
        node = node[key]
    if path[-1] in ("type", "name") and len(path) == 1:
        raise InputError(f"{where}: {name!r}: a lever's {path[-1]} is set in the scenario file, "
                         "not on the command line")
    if path[-1] not in node or path[-1] in ("type", "name"):
        raise InputError(f"{where}: {name!r}: the lever has no setting {path[-1]!r}"
                         f"{nearest(path[-1], node)}; its settings: "
                         f"{', '.join(k for k in node if k not in ('type', 'name'))}")
    node[path[-1]] = value


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome selector."""

    text: str
    indicator: str
    first: int
    last: int
    sex: str = "all"
    policy: bool = False

    @classmethod
    def parse(cls, text: str, scenario: Scenario) -> Outcome:
        """Read a selector; refuse unknown indicators, sexes, years outside the horizon, and a
        policy effect for a scenario without levers."""
        m = OUTCOME.match(str(text))
        if not m:
            raise InputError(f"outcome {text!r}: expected INDICATOR@YEAR or "
                             "INDICATOR@YEAR:YEAR, optionally INDICATOR[female] and a "
                             "'policy_effect:' prefix")
        if m["indicator"] not in INDICATORS:
            raise InputError(f"outcome {text!r}: unknown indicator {m['indicator']!r}"
                             f"{nearest(m['indicator'], INDICATORS)}")
        sex = m["sex"] or "all"
        if sex not in SEXES:
            raise InputError(f"outcome {text!r}: sex {sex!r}; expected one of {SEXES}")
        first, last = int(m["first"]), int(m["last"] or m["first"])
        if not scenario.start_year <= first <= last <= scenario.end_year:
            raise InputError(f"outcome {text!r}: years {first}-{last} are not within the "
                             f"horizon {scenario.start_year}-{scenario.end_year}")
        if m["contrast"] and not scenario.levers:
            raise InputError(f"outcome {text!r}: a policy effect needs levers; scenario "
                             f"{scenario.name!r} has none")
        return cls(str(text), m["indicator"], first, last, sex, bool(m["contrast"]))

    def value(self, indicators, shadow=None) -> float:
        """The outcome from a run's indicator table (and its shadow run's, for a policy
        effect)."""
        own = self._of(indicators)
        return own - self._of(shadow) if self.policy else own

    def _of(self, indicators) -> float:
        rows = indicators[(indicators.indicator == self.indicator)
                          & (indicators.sex == self.sex)
                          & (indicators.years_since_arrival == "all")
                          & indicators.year.between(self.first, self.last)]
        values = rows.value.to_numpy(dtype=float)
        if values.size == 0:
            return float("nan")
        return float(values.sum() if self.indicator in COUNT_INDICATORS else values.mean())


def evaluate(inputs: Mapping[str, Any], outcomes: Sequence[str],
             scenario: str | Scenario = "baseline", seed: int | None = None,
             scale: float | None = None) -> dict[str, float]:
    """Run ``scenario`` with ``inputs`` and return each outcome by its selector: the one call
    an exploratory-modelling loop needs.

    Example:
        >>> import sim
        >>> sim.evaluate({"mentorship.coverage": 0.5, "job_finding_rate": 12.0},
        ...              ["employment_rate@2030", "policy_effect:employed_count@2026:2030"],
        ...              scenario="mentorship", scale=10)
    """
    from ..scenario import resolve
    from . import api

    base = resolve(scenario)
    if scale is not None:
        base = base.with_overrides(scale=scale)
    resolved = apply_inputs(base, inputs)
    selectors = [Outcome.parse(o, resolved) for o in outcomes]
    if not selectors:
        raise InputError("outcomes: give at least one outcome, e.g. 'employment_rate@2030'")
    run = api.run(resolved, seed=seed)
    shadow = (api.run(resolved, seed=seed, shadow_levers=True).indicators
              if any(o.policy for o in selectors) else None)
    return {o.text: o.value(run.indicators, shadow) for o in selectors}


def problem(names: Sequence[str], scenario: str | Scenario = "baseline",
            quantiles: tuple[float, float] = (0.05, 0.95)) -> dict[str, Any]:
    """A SALib problem (``num_vars``, ``names``, ``bounds``) for inputs with a prior: parameters
    (their prior in ``sim/data/parameters/``), lever effect sizes (their evidence prior) and
    lever settings with bounds of their own (e.g. ``mentorship.coverage`` in [0, 1]). Bounds of
    a prior are its ``quantiles`` (a parameter's prior truncated to the parameter's bounds, as
    every draw is); EMA Workbench's ``RealParameter(name, low, high)`` takes the same bounds.

    Example:
        >>> sim.problem(["job_finding_rate", "mentorship.employment_multiplier"], "mentorship")
    """
    from ..engine.parameters import bounded_quantile
    from ..levers.effects import DISTRIBUTIONS
    from ..scenario import resolve

    base = resolve(scenario)
    specs = load_specs()
    levers = {lv.label: (lv, data) for lv, data in
              zip(base.levers, base.model_dump(mode="json")["levers"], strict=True)}
    bounds = []
    for name in names:
        if name in specs and specs[name].prior is not None:
            low, high = bounded_quantile(specs[name], list(quantiles))
            bounds.append([float(low), float(high)])
            continue
        if name in specs:
            raise InputError(f"{name!r}: a published constant has no prior to sample from")
        label, _, setting = name.partition(".")
        if label not in levers or not setting:
            raise InputError(f"unknown input {name!r}{nearest(name, input_names(base))}")
        lever, data = levers[label]
        value = data.get(setting)
        if isinstance(value, dict) and value.get("dist") in DISTRIBUTIONS:
            dist = getattr(lever, setting)
            bounds.append([float(dist.ppf(quantiles[0])), float(dist.ppf(quantiles[1]))])
            continue
        field = type(lever).model_fields.get(setting)
        limits = {type(m).__name__: m for m in (field.metadata if field else [])}
        low, high = (getattr(limits.get("Ge"), "ge", None), getattr(limits.get("Le"), "le", None))
        if low is None or high is None:
            raise InputError(f"{name!r}: no prior or bounds to sample from; give the bounds "
                             "yourself")
        bounds.append([float(low), float(high)])
    return {"num_vars": len(names), "names": list(names), "bounds": bounds}
