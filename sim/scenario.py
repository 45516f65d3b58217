"""Scenario files: YAML validated against a schema (pydantic), with errors that name the file,
the key path and its line, and suggest the nearest valid key.

A scenario is valid only if its parameter and world overrides are valid too, so nothing runs
and nothing is written for an invalid file.

A file may build on another (``extends``): the parent's ``parameters`` and ``horizon`` are updated
key by key, its ``world`` rows and ``levers`` come before the child's, its ``expect`` is not
inherited and every other key is replaced. An empty ``parameters: {}``, ``world: []`` or
``levers: []`` (or ``horizon: {}``) in the child replaces the parent's: ``levers: []`` is the
parent's world without its levers.
"""

from __future__ import annotations

import re
import typing
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from .engine.calendar import parse_year_month, year_range  # noqa: F401 (re-exported)
from .engine.errors import InputError, nearest, shown
from .engine.files import PROJECT_ROOT, line_map, read_yaml  # noqa: F401 (re-exported)
from .engine.schema import InputModel, message_path
from .levers import LEVERS, LeverSpec
from .levers.effects import DISTRIBUTIONS
from .measure.indicators import INDICATORS

DEFAULT_SCENARIO = "baseline"
MAX_REPLICATES = 10_000  # in a file or on the command line
MAX_NAME = 100  # a name is part of run folder names, which the file system limits to 255
MAX_PATH = 255  # characters of a path in a file (``extends``, ``parameter_set``)
MIN_SCALE = 0.1  # ten agents per person: the benchmarks run down to it, and no further
# far more than any scenario needs: the library's largest has 5 levers and 1 world row, and each
# lever slows every run (checked before the rows and levers are validated, which takes time)
MAX_LEVERS, MAX_WORLD_ROWS = 50, 500
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Horizon(InputModel):
    """First and last calendar year of a run (January of ``start`` to December of ``end``)."""

    model_config = ConfigDict(extra="forbid")
    start: int = Field(1995, ge=1995, le=2100)
    end: int = Field(2035, ge=1995, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) must not be before start ({self.start})")
        return self


class Expectation(InputModel):
    """The direction a scenario expects an indicator to move, against a named counterfactual.

    ``contrast``: ``total`` (the scenario against the baseline), ``policy`` (against the same
    world without the scenario's levers) or ``world`` (the scenario's world without levers against
    the baseline). Count indicators are summed over ``years``, the others averaged; the mean of
    the replicate pairs must move in ``direction`` (``not_up``: down or no change, for effects
    the evidence says are reductions or nothing), and at least ``in_pairs`` of the pairs when it
    is given. ``policy`` needs levers and ``world`` a world of the scenario's own (world rows,
    parameters or a parameter set of its own).
    """

    model_config = ConfigDict(extra="forbid")
    indicator: str
    years: int | str
    direction: Literal["up", "down", "not_up", "not_down"]
    contrast: Literal["total", "policy", "world"] = "total"
    sex: Literal["all", "female", "male"] = "all"
    in_pairs: float | None = Field(None, gt=0, le=1, description="share of replicate pairs")

    @field_validator("indicator")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in INDICATORS:
            raise ValueError(f"unknown indicator {value!r}{nearest(value, INDICATORS)}; "
                             "the README lists them under indicators.csv")
        return value

    @field_validator("years")
    @classmethod
    def _years(cls, value: int | str) -> int | str:
        year_range(value)
        return value

    @property
    def span(self) -> tuple[int, int]:
        """First and last year."""
        return year_range(self.years)


INTERACTION = "interaction"  # a package's effect minus the sum of its levers alone (reports)


class Scenario(InputModel):
    """A scenario: the world, the parameters and the run settings.

    Attributes:
        name: Short name, used in run folder names.
        description: What the scenario represents.
        horizon: Calendar years to simulate.
        scale: People each agent stands for (1 = every person is an agent; 10 = one agent for
            ten people, faster and noisier; below 1, several agents for each person, for less
            Monte Carlo noise or to test the model on larger populations, down to 0.1).
        seed: Default seed (``--seed`` overrides it).
        replicates: Number of replicate runs (seeds spawned from ``seed``).
        extends: The scenario this one builds on (a library name, or a file beside this one); its
            parameters, world rows and levers come first and this file's are added.
        parameter_set: A calibrated parameter set (``calibrated``, or a folder with a
            ``posterior.csv``): single runs use its point estimate, ensemble replicates draw
            from it (see :mod:`sim.engine.posterior`). ``parameters`` still override it.
        parameters: Parameter values replacing those in ``sim/data/parameters/``.
        world: Rows overriding the world table, e.g. ``{years: 2027-2035, china_campaign:
            crackdown}``.
        levers: Policy levers (see ``resettle levers``).
        expect: The directions the scenario expects its indicators to move (checked by
            ``resettle check --expect`` and the test suite); not inherited through ``extends``.
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    description: str = Field("", max_length=5000)
    horizon: Horizon = Horizon()
    scale: float = Field(1, gt=0, le=100, allow_inf_nan=False)  # above 100 few years have agents
    seed: int = Field(0, ge=0, le=2**63 - 1, strict=True)
    replicates: int = Field(1, ge=1, le=MAX_REPLICATES)
    extends: str | None = None
    parameter_set: str | None = None
    parameters: dict[str, Any] = {}
    world: list[dict[str, Any]] = []
    levers: list[LeverSpec] = []
    expect: list[Expectation] = []
    _origin: str = PrivateAttr("<python>")
    _drawn_from_priors: tuple[str, ...] = PrivateAttr(())

    @field_validator("scale")
    @classmethod
    def _supported_scale(cls, value: float) -> float:
        if value < MIN_SCALE:
            raise ValueError(f"expected at least {MIN_SCALE:g} (ten agents for each person): the "
                             "benchmarks run down to it, the smallest scale the project supports")
        return value

    @field_validator("extends", "parameter_set")
    @classmethod
    def _path(cls, value: str | None, info) -> str | None:
        problem = None if value is None else _path_problem(value, info.field_name)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        labels = [lv.label for lv in self.levers]
        for i, label in enumerate(labels):
            if label == INTERACTION:
                raise ValueError(f"levers[{i}].name: {label!r} is reserved for the reports; "
                                 "choose another name")
            if label in labels[:i]:
                raise ValueError(f"levers[{i}]: a second {label!r} lever needs a name of its own "
                                 "(`name:`), so that reports can tell them apart")
        for i, lever in enumerate(self.levers):
            first = parse_year_month(lever.start)[0]
            last = parse_year_month(lever.end)[0] if lever.end else self.horizon.end
            if first > self.horizon.end or last < self.horizon.start:
                raise ValueError(f"levers[{i}].start: the lever's window ({lever.start} to "
                                 f"{lever.end or 'the end'}) lies outside the horizon "
                                 f"{self.horizon.start}-{self.horizon.end}: it could never act")
        for i, e in enumerate(self.expect):
            first, last = e.span
            if first < self.horizon.start or last > self.horizon.end:
                raise ValueError(f"expect[{i}].years: {e.years} is outside the horizon "
                                 f"{self.horizon.start}-{self.horizon.end}")
            if e.contrast == "policy" and not self.levers:
                raise ValueError(f"expect[{i}].contrast: 'policy' needs levers; this scenario "
                                 "has none (use total or world)")
            if e.contrast == "world" and not self.changes_world:
                raise ValueError(f"expect[{i}].contrast: 'world' needs a world of the "
                                 "scenario's own (world rows, parameters or a parameter set); "
                                 "this scenario has none (use total or policy)")
        return self

    @property
    def changes_world(self) -> bool:
        """Whether the scenario has world rows, parameters or a parameter set of its own (the
        shipped one is the baseline's)."""
        from .engine.posterior import SHIPPED

        return bool(self.world or self.parameters
                    or self.parameter_set not in (None, SHIPPED))

    def check_baseline(self) -> None:
        """Refuse to be a comparison's baseline with levers of its own: every contrast is
        against a world without levers, so its levers would hide in the world effect."""
        if self.levers:
            labels = ", ".join(lv.label for lv in self.levers)
            raise InputError(f"{self.origin}: levers: a baseline must have no levers (this one "
                             f"has {labels}); compare against a scenario without levers")

    @property
    def origin(self) -> str:
        """The file the scenario came from (for error messages)."""
        return self._origin

    @property
    def start_year(self) -> int:
        """First calendar year."""
        return self.horizon.start

    @property
    def end_year(self) -> int:
        """Last calendar year."""
        return self.horizon.end

    def without_levers(self) -> Scenario:
        """The same world and parameters with no levers: the counterfactual baseline (without
        the scenario's expectations, which are about its levers and its world)."""
        data = self.model_dump()
        data.update(levers=[], expect=[], name=f"{self.name}-without-levers")
        return validate(data, self.origin)

    def resolved(self) -> dict[str, Any]:
        """The scenario as a plain dictionary (for manifests)."""
        return self.model_dump(mode="json")

    def with_parameter_set(self, seed: int | None = None) -> Scenario:
        """The scenario with its parameter set's values in force (its own ``parameters`` still
        override them): the point estimate; or, with ``seed`` (an ensemble replicate's), a
        particle of each block of the set drawn by weight and every other parameter that has a
        prior drawn from it (:attr:`drawn_from_priors`), each draw keyed by the seed and its own
        name. The calibration's screening left those parameters out
        because they move the targets little, so the data say little about them and their prior
        is what is known: the bands carry it."""
        if self.parameter_set is None and seed is None:
            return self
        from .engine import posterior
        from .engine.parameters import draw_from_priors

        values: dict[str, float] = {}
        if self.parameter_set is not None:
            pset = posterior.load(self.parameter_set, self.origin)
            values = pset.point() if seed is None else pset.draw(seed)
        drawn: dict[str, float] = {}
        if seed is not None:
            drawn = draw_from_priors(seed, exclude={*values, *self.parameters})
        merged = self.model_copy(update={"parameters": {**drawn, **values, **self.parameters}})
        merged._origin = self.origin
        merged._drawn_from_priors = tuple(drawn)
        return merged

    @property
    def drawn_from_priors(self) -> tuple[str, ...]:
        """The parameters drawn from their priors by :meth:`with_parameter_set` (none for a
        point estimate)."""
        return self._drawn_from_priors

    def with_overrides(self, **overrides: Any) -> Scenario:
        """Copy with top-level fields or parameters replaced (unknown names go to parameters;
        ``parameters={...}`` is merged into the scenario's own parameters, not replacing them).

        A new ``horizon`` keeps only the expectations that lie within it (the others cannot be
        checked on it)."""
        from .engine.parameters import load_specs

        data = self.model_dump()
        params = dict(data["parameters"])
        names = load_specs()
        for key, value in overrides.items():
            if key == "parameters":  # merged into the scenario's own, as single names are
                if not isinstance(value, dict):
                    raise InputError(f"{self.origin}: parameters must be a mapping of names "
                                     f"to values, not {type(value).__name__}")
                for name in value:
                    if name not in names:
                        raise InputError(f"{self.origin}: unknown parameter {name!r}"
                                         f"{nearest(name, list(names))}")
                params.update(value)
            elif key in Scenario.model_fields:
                data[key] = value
            elif key in names:
                params[key] = value
            else:
                raise InputError(f"{self.origin}: unknown scenario field or parameter {key!r}"
                                 f"{nearest(key, [*Scenario.model_fields, *names])}")
        data["parameters"] = params
        if "horizon" in overrides:
            try:
                horizon = Horizon.model_validate(data["horizon"])
            except ValidationError:
                horizon = None  # validate() below names what is wrong with it
            if horizon is not None:
                data["expect"] = [e for e in data["expect"]
                                  if horizon.start <= year_range(e["years"])[0]
                                  and year_range(e["years"])[1] <= horizon.end]
        return validate(data, self.origin)


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Annotated, unions and lists)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _tags(models: list[type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """Discriminated-union members by their tag (a lever's ``type``, a distribution's ``dist``)."""
    out = {}
    for model in models:
        for key in ("type", "dist"):
            if key in model.model_fields:
                out[typing.get_args(model.model_fields[key].annotation)[0]] = model
    return out


def _path_problem(value: str, key: str) -> str | None:
    """What is wrong with the path or name written in ``extends`` or ``parameter_set`` (None if
    nothing): it must be short enough for the file system and hold no control character."""
    what, noun = (("the name or path of a scenario", "scenario name or path") if key == "extends"
                  else ("calibrated or the folder of a posterior.csv", "parameter set path"))
    if not value.strip():
        return f"expected {what}, got an empty text"
    if len(value) > MAX_PATH:
        return f"a {noun} of {len(value):,} characters; expected at most {MAX_PATH}"
    if CONTROL.search(value):
        return (f"a control character (such as a NUL or a line break); expected {what} "
                "without one")
    return None


def _schema_path(loc: tuple) -> tuple[tuple, type[BaseModel] | None, list]:
    """The key path as written in the file (union tags dropped), the model holding its last key,
    and the union members at its end (for an unknown tag)."""
    path: list = []
    model: type[BaseModel] | None = Scenario
    parent, choices = model, []
    for part in loc:
        if isinstance(part, int):
            path.append(part)
            continue
        if choices and part in _tags(choices):
            model, choices = _tags(choices)[part], []
            continue
        path.append(part)
        parent = model
        field = model.model_fields.get(part) if model is not None else None
        members = _models(field.annotation) if field is not None else []
        model = members[0] if len(members) == 1 else None
        choices = members if len(members) > 1 else []
    return tuple(path), parent, choices


Places = dict[tuple, str]  # key path -> where it is written ("FILE, line N")


def places(text: str, origin: str) -> Places:
    """Where each key path of a scenario file's ``text`` is written."""
    return {path: f"{origin}, line {line}" for path, line in line_map(text).items()}


def _where(loc: tuple, where: Places, origin: str) -> str:
    """The file and line of the nearest key of ``loc`` that is written somewhere."""
    return next((where[loc[:k]] for k in range(len(loc), -1, -1) if loc[:k] in where), origin)


def _located(message: str, origin: str, where: Places) -> str:
    """A message ``ORIGIN: KEY.PATH: ...`` with the file and line where that key is written."""
    rest = message.removeprefix(f"{origin}: ")
    loc = message_path(rest) if rest != message else ()
    return f"{_where(loc, where, origin)}: {rest}" if loc else message


def _describe(error: dict, origin: str, where: Places) -> str:
    message = error["msg"].removeprefix("Value error, ")
    loc, parent, choices = _schema_path(tuple(error["loc"]))
    named = message_path(message) if error["type"] == "value_error" else ()
    if named:  # a check of a whole model that names the key it is about
        loc, message = (*loc, *named), message.split(": ", 1)[1]
    path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    path = path or "(top level)"
    where = _where(loc, where, origin)
    if named:
        return f"{where}: {path}: {message}"
    kind = error["type"]
    if kind == "extra_forbidden" and parent is not None:
        valid = [k for k in parent.model_fields if k not in ("type", "dist")]
        hint = nearest(str(loc[-1]), valid)
        return f"{where}: unknown key {path!r}{hint}; valid keys: {', '.join(valid)}"
    lever = bool(choices) and set(_tags(choices)) <= set(LEVERS)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        got = error.get("ctx", {}).get("tag", "")
        names = list(LEVERS) if lever else list(DISTRIBUTIONS)
        what = "lever type" if lever else "distribution"
        key = "type" if lever else "dist"
        hint = nearest(str(got), names) if got else ""
        said = f"unknown {what} {got!r}{hint}" if got else f"missing {what.split()[0]} {key!r}"
        return f"{where}: {path}: {said}; valid {'types' if lever else 'dist'}: {', '.join(names)}"
    if kind == "model_attributes_type" and choices and not lever:
        return (f"{where}: {path}: expected a number or a distribution such as {{dist: "
                f"lognormal, median: 1.5, sigma: 0.3}} (got {shown(error.get('input'))})")
    return f"{where}: {path}: {message} (got {shown(error.get('input'))})"


def _key_place(key: Any, where: Places, origin: str) -> tuple[str, str]:
    """Where a top-level key that YAML read as something other than text (a number, true or
    false, a date, null) is written, and how."""
    for path, place in where.items():
        if len(path) == 1 and isinstance(path[0], str) and len(path[0]) <= 100:
            try:
                value = yaml.safe_load(path[0])
            except yaml.YAMLError:
                continue
            if type(value) is type(key) and repr(value) == repr(key):
                return place, repr(path[0])
    return origin, shown(key)


def _check_shape(data: dict, origin: str, where: Places) -> None:
    """Refuse top-level keys that are not names, and more levers or world rows than any scenario
    needs (before they are validated, which takes time for each)."""
    for key in data:
        if not isinstance(key, str):
            place, written = _key_place(key, where, origin)
            what = {bool: "true or false", int: "a number", float: "a number",
                    type(None): "empty (null)"}.get(type(key), f"a {type(key).__name__}")
            raise InputError(f"{place}: unknown key {written}: YAML reads it as {what}, not as "
                             f"a name; valid keys: {', '.join(Scenario.model_fields)}")
    limits = {"levers": (MAX_LEVERS, "levers", "each lever slows every run"),
              "world": (MAX_WORLD_ROWS, "rows", "a row covers a range of years, such as "
                        "2027-2035")}
    for key, (limit, what, why) in limits.items():
        if isinstance(data.get(key), list) and len(data[key]) > limit:
            raise InputError(f"{_where((key,), where, origin)}: {key}: {len(data[key]):,} {what}; "
                             f"expected at most {limit}, more than any scenario needs ({why})")


def validate(data: Any, origin: str, text: str = "", where: Places | None = None) -> Scenario:
    """Validate a parsed scenario, including its parameter and world overrides. Errors name the
    file and line of the key (``where``, e.g. a parent's; else from ``text``)."""
    where = places(text, origin) if where is None else where
    if not isinstance(data, dict):
        raise InputError(f"{origin}: expected a mapping of scenario keys at the top level, "
                         f"got {type(data).__name__}")
    _check_shape(data, origin, where)
    try:
        scenario = Scenario(**data)
    except ValidationError as exc:  # a misspelt key before the "Field required" it causes
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        message = _describe(errors[0], origin, where)
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise InputError(message + more) from None
    scenario._origin = origin
    try:
        _check_inputs(scenario, origin)
    except InputError as exc:
        raise InputError(_located(str(exc), origin, where)) from None
    return scenario


def _check_inputs(scenario: Scenario, origin: str) -> None:
    """The parameter set, parameters, world rows and horizon of a scenario, checked (a world row
    must change a column in a year of the horizon)."""
    from .engine import posterior
    from .engine.parameters import Parameters
    from .engine.world import apply_overrides, load_table

    if scenario.parameter_set is not None:
        posterior.load(scenario.parameter_set, origin)
    params = Parameters(overrides=scenario.parameters, where=f"{origin}: parameters")
    table = apply_overrides(load_table(), scenario.world, params, where=f"{origin}: world")
    first, last = int(table.index.min()), int(table.index.max())
    if scenario.start_year < first or scenario.end_year > last:
        raise InputError(f"{origin}: horizon: {scenario.start_year}-{scenario.end_year} reaches "
                         f"outside the world table ({first}-{last}); the model runs within "
                         "those years")
    for i, row in enumerate(scenario.world):  # each within the table, with known columns
        if not set(row) - {"years", "source"}:
            raise InputError(f"{origin}: world[{i}]: a row with years and no column changes "
                             "nothing; expected a column to change, e.g. {years: 2027-2035, "
                             "prejudice: 0.8}")
        first, last = year_range(row["years"])
        if first > scenario.end_year or last < scenario.start_year:
            raise InputError(f"{origin}: world[{i}].years: {shown(row['years'])} lies outside "
                             f"the horizon {scenario.start_year}-{scenario.end_year}: the row "
                             "could never act")


def resolve(scenario: str | Path | Scenario | None = None, **overrides: Any) -> Scenario:
    """A validated scenario from a name, a path or a Scenario, with overrides (scenario fields
    such as ``scale``, or parameter values) applied."""
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    return scenario.with_overrides(**overrides) if overrides else scenario


def library() -> Path:
    """The scenario library shipped with the package (``scenarios/`` of the repository)."""
    return Path(str(resources.files("sim.scenarios")))


def is_name(text: str) -> bool:
    """A bare scenario name (``mentorship``) rather than a path (``my.yaml``, ``dir/x``)."""
    return (not text.endswith((".yaml", ".yml")) and "/" not in text and "\\" not in text
            and text not in (".", ".."))


def find(name_or_path: str | Path | None) -> Path:
    """The scenario file: a bare name is a scenario of the library shipped with the package
    (whatever the working folder holds); anything else is a path."""
    target = str(name_or_path or DEFAULT_SCENARIO)
    if len(target) > 255:
        raise InputError(f"{target[:40]}...: a scenario name or path of {len(target):,} "
                         "characters; expected at most 255")
    path = library() / f"{target}.yaml" if is_name(target) else Path(target)
    if path.is_file():
        return path
    if is_name(target):
        hint = nearest(target, sorted(p.stem for p in library().glob("*.yaml")))
        raise InputError(f"{target}: no scenario of that name in the library{hint} (a file of "
                         f"your own is given by its path, e.g. ./{target}.yaml)")
    if path.exists():  # a folder, a device or a pipe
        raise InputError(f"{target}: not a regular file; expected a scenario file")
    raise InputError(f"{target}: scenario file not found")


MERGED = {"parameters": "update", "horizon": "update", "world": "append", "levers": "append"}
MAX_ANCESTORS = 50  # files a scenario may extend, one extending the next (more are refused)


def _merged(key: Any, parent: dict, child: dict) -> bool:
    """Whether the child's ``key`` is added to the parent's rather than replacing it (an empty
    mapping or list replaces it)."""
    kind = {"update": dict, "append": list}.get(MERGED.get(key, "")) if isinstance(
        key, str) else None
    value = child.get(key)
    return kind is not None and isinstance(value, kind) and len(value) > 0 and isinstance(
        parent.get(key) or kind(), kind)


def _merge(parent: dict, child: dict) -> dict:
    """A child scenario over its parent: parameters and horizon updated, world rows and levers
    appended (an empty one replaces the parent's), expectations never inherited, everything else
    replaced."""
    out = {k: v for k, v in parent.items() if k != "expect"}
    for key, value in child.items():
        if _merged(key, parent, child) and isinstance(value, dict):
            out[key] = {**(parent.get(key) or {}), **value}
        elif _merged(key, parent, child):
            out[key] = [*(parent.get(key) or []), *value]
        else:
            out[key] = value
    return out


def _merge_places(parent: dict, child: dict, before: Places, after: Places) -> Places:
    """Where each key of :func:`_merge`'s result is written: in the parent's file or the
    child's (a child's world rows and levers come after the parent's)."""
    out = {p: w for p, w in before.items() if p and p[0] != "expect"
           and (p[0] not in child or _merged(p[0], parent, child))}
    for path, where in after.items():
        if len(path) > 1 and isinstance(path[1], int) and _merged(path[0], parent, child):
            path = (path[0], path[1] + len(parent.get(path[0]) or []), *path[2:])
        out[path] = where
    return out


def _extends(data: Any, path: Path, text: str) -> str | None:
    """The scenario a file's ``extends`` names (None if it has none), refused if it is not a
    usable name or path."""
    value = data.get("extends") if isinstance(data, dict) else None
    if value is None:
        return None
    problem = (_path_problem(value, "extends") if isinstance(value, str)
               else "expected the name or path of a scenario")
    if problem:
        where = _where(("extends",), places(text, str(path)), str(path))
        raise InputError(f"{where}: extends: {problem} (got {shown(value)})")
    return value


def _chain(path: Path, data: Any, text: str) -> list[tuple[Path, Any, str]]:
    """A scenario file and the files it extends, child first, each with its data and text; a
    cycle, or more than :data:`MAX_ANCESTORS` files above the first, is refused."""
    chain = [(path, data, text)]
    seen = {path.resolve()}
    while True:
        child, child_data, child_text = chain[-1]
        name = _extends(child_data, child, child_text)
        if name is None:
            return chain
        parent_path = find_relative(name, child)
        if parent_path.resolve() in seen:
            where = _where(("extends",), places(child_text, str(child)), str(child))
            raise InputError(f"{where}: extends: {name!r} makes a cycle of scenarios")
        if len(chain) > MAX_ANCESTORS:
            where = _where(("extends",), places(text, str(path)), str(path))
            raise InputError(f"{where}: extends: the chain of scenarios this file builds on is "
                             f"longer than {MAX_ANCESTORS} files ({child} extends one more); "
                             f"expected at most {MAX_ANCESTORS}")
        parent, parent_text = read_yaml(parent_path)
        if not isinstance(parent, dict):
            raise InputError(f"{parent_path}: expected a mapping of scenario keys at the top "
                             "level")
        seen.add(parent_path.resolve())
        chain.append((parent_path, parent, parent_text))


def _with_parents(data: Any, path: Path, text: str) -> tuple[Any, Places]:
    """Resolve ``extends`` chains (parents first), refusing cycles and over-long chains; with
    where each key of the result is written."""
    chain = _chain(path, data, text)
    top_path, merged, top_text = chain[-1]
    where = places(top_text, str(top_path))
    for child_path, child, child_text in reversed(chain[:-1]):
        where = _merge_places(merged, child, where, places(child_text, str(child_path)))
        merged = _merge(merged, child)
    return merged, where


def ancestors(path: str | Path) -> list[Path]:
    """A scenario file and every file it extends, child first."""
    data, text = read_yaml(Path(path))
    return [p for p, _, _ in _chain(Path(path), data, text)]


def find_relative(name: str, base: Path) -> Path:
    """A parent scenario named in ``extends``: a bare name is a library scenario; a path is
    relative to the child file's folder."""
    name = str(name)
    path = None if is_name(name) or len(name) > 255 else base.parent / name
    if path is not None and path.is_file():
        return path
    try:
        return find(name) if path is None else find(path)
    except InputError as exc:
        raise InputError(f"{base}: extends: {exc}") from None


def load(name_or_path: str | Path | None = None) -> Scenario:
    """Read and validate a scenario file; raise InputError with a one-line message if bad."""
    path = find(name_or_path)
    data, text = read_yaml(path)
    data, where = _with_parents(data, path, text)
    return validate(data, str(path), where=where)
