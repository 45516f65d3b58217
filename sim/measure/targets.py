"""Calibration and validation targets: published figures the model's indicators are checked against.

A targets file is YAML with a list, ``targets``, and a table, ``discrepancy``. Each target names an
indicator of ``indicators.csv``, a year or a range of years, the published value, optional ``sex``
and ``years_since_arrival`` filters, and its source. Over a range of years counts are summed and
rates averaged; a range of bands (``"1-3"``) is averaged the same way. A trend target
(``change_from: {year, value}``) compares the change between two survey years instead of a level.

Tolerances are derived, by one rule for every target: ``tol = 2 * sqrt(s**2 + d**2)`` (two
standard deviations), where ``s`` is the sampling error of the published figure and ``d`` the
model discrepancy of its kind:

- ``s`` comes from the survey's sample size ``n`` (a percentage p: ``100 sqrt(p (1 - p) / n)``;
  for a trend, the two years' errors combined), or from a published ``interval [low, high]``
  read as +-2 standard deviations; a register count (neither) has none;
- ``d`` is the ``discrepancy`` entry of the indicator (``<indicator>_change`` for trends): an
  absolute (``abs``) or relative (``rel``) allowance with its ``reason`` (definition changes,
  what the model leaves out), the same for every target of that kind.

A target may instead give its tolerance outright (``tol`` or ``tol_rel``); researchers' own files
can do that (``resettle validate --targets FILE``). A target gives at most one of ``n``,
``interval`` and a given tolerance.

Values are checked against what the model can produce: years within its world table's, a
percentage (``percent`` in the codebook) within 0-100, a count of people 0 or more, and every
``discrepancy`` entry used by some target.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
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

from ..engine.errors import InputError, nearest, shown
from ..engine.files import FAST_LOADER, line_map, read_yaml
from ..engine.schema import InputModel, message_path
from .indicators import BANDS, COUNT_INDICATORS, INDICATORS, SEXES

FIT_COLUMNS = ["id", "indicator", "year", "observed", "simulated_p50", "simulated_p05",
               "simulated_p95", "within_tolerance"]
NOT_PRODUCED = "not produced"
Z = 2.0  # a derived tolerance is two standard deviations of sampling error and discrepancy
RESAMPLES = 2000  # bootstrap resamples of the replicates behind the spread of a fit count
YEAR = re.compile(r"[0-9]{4}")
BAND_TEXT = (f"all, a band ({', '.join(BANDS)}: full years since arrival) or a range of bands "
             f"like 1-3 or 4-{BANDS[-1]}")


def _span(text: str) -> tuple[str, str]:
    first, dash, last = str(text).partition("-")
    return first.strip(), (last.strip() if dash else first.strip())


@lru_cache(maxsize=1)
def model_years() -> tuple[int, int]:
    """The first and last calendar year the model can run (its world table's)."""
    from ..engine.world import load_table

    years = load_table().index
    return int(years.min()), int(years.max())


def _modelled(year: int) -> None:
    first, last = model_years()
    if not first <= year <= last:
        raise ValueError(f"expected years the model covers ({first}-{last}, the years of its "
                         "world table)")


@lru_cache(maxsize=1)
def _units() -> dict[str, str]:
    """Indicator -> unit, from the codebook."""
    with resources.files("sim.data").joinpath("codebook.csv").open() as handle:
        return {row["indicator"]: row["unit"] for row in csv.DictReader(handle)}


def is_percentage(indicator: str) -> bool:
    """Whether an indicator is a percentage (a rate or share, 0-100)."""
    return _units().get(indicator) == "percent"


class _Input(InputModel):
    """An input model that also refuses true/false for a number and an empty (null) key."""

    expected: ClassVar[dict[str, str]] = {}  # what a key holds, for its messages
    numbers: ClassVar[tuple[str, ...]] = ()  # the keys that hold numbers

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_or_empty(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            if not isinstance(name, str) or name not in cls.model_fields:
                continue  # refused as an unknown key
            what = cls.expected.get(name, "a value")
            if value is None and not cls.model_fields[name].is_required():
                raise ValueError(f"{name}: empty; remove the key or give {what}")
            items = value if isinstance(value, list | tuple) else [value]
            flag = next((v for v in items if isinstance(v, bool)), None)
            if name in cls.numbers and flag is not None:
                raise ValueError(f"{name}: expected {what}, got {str(flag).lower()}")
        return data


class Discrepancy(_Input):
    """What the model may differ from one kind of published figure by, and why."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    expected: ClassVar[dict[str, str]] = {"abs": "a number", "rel": "a number"}
    numbers: ClassVar[tuple[str, ...]] = ("abs", "rel")
    abs: float | None = Field(None, gt=0)
    rel: float | None = Field(None, gt=0)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one(self) -> Discrepancy:
        if (self.abs is None) == (self.rel is None):
            raise ValueError("give exactly one of abs (absolute) or rel (relative)")
        return self

    def of(self, value: float) -> float:
        """The allowance for a published ``value``."""
        return self.abs if self.abs is not None else self.rel * abs(value)


class Baseline(_Input):
    """The published level a trend target's change is measured from."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    expected: ClassVar[dict[str, str]] = {"year": "a year like 2012", "value": "a number"}
    numbers: ClassVar[tuple[str, ...]] = ("year", "value")
    year: int
    value: float

    @field_validator("year")
    @classmethod
    def _year(cls, v: int) -> int:
        _modelled(v)
        return v


class Target(_Input):
    """One published figure the model should reproduce within a tolerance."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    expected: ClassVar[dict[str, str]] = {
        "year": "a year like 2018 or a range like 2012-2016", "value": "a number",
        "n": "a sample size", "interval": "[low, high]", "change_from": "{year, value}",
        "tol": "a number", "tol_rel": "a number", "sex": "one of all, female, male",
        "years_since_arrival": BAND_TEXT}
    numbers: ClassVar[tuple[str, ...]] = ("year", "value", "n", "interval", "tol", "tol_rel")
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    indicator: str
    year: int | str
    value: float
    n: int | None = Field(None, gt=0, le=100_000_000)
    interval: tuple[float, float] | None = None
    change_from: Baseline | None = None
    tol: float | None = Field(None, gt=0)
    tol_rel: float | None = Field(None, gt=0)
    sex: str = "all"
    years_since_arrival: str = "all"
    source: str = Field(min_length=1)
    _derived: tuple[float, str] | None = PrivateAttr(None)  # (tolerance, origin) from the file

    @field_validator("year")
    @classmethod
    def _years(cls, v: int | str) -> int | str:
        first, last = _span(str(v))
        if len(str(v)) > 40 or not (YEAR.fullmatch(first) and YEAR.fullmatch(last)):
            raise ValueError("expected a year like 2018 or a range like 2012-2016")
        if int(last) < int(first):
            raise ValueError(f"the range ends before it starts; write {last}-{first}")
        _modelled(int(first))
        _modelled(int(last))
        return v

    @field_validator("sex")
    @classmethod
    def _sex(cls, v: str) -> str:
        if v not in SEXES:
            raise ValueError(f"expected one of {', '.join(SEXES)}, got {v!r}")
        return v

    @field_validator("years_since_arrival", mode="before")
    @classmethod
    def _band(cls, v: Any) -> str:
        text = str(v).strip()
        first, last = _span(text)
        if text in ("all", *BANDS):
            return text
        if "-" in text and first in BANDS and last in BANDS and (
                BANDS.index(first) <= BANDS.index(last)):
            return f"{first}-{last}"
        if "-" in text and first in BANDS and last in BANDS:
            raise ValueError(f"the range runs backwards; write {last}-{first}")
        raise ValueError(f"expected {BAND_TEXT}")

    @model_validator(mode="after")
    def _one_tolerance(self) -> Target:
        given = [k for k in ("n", "interval", "tol", "tol_rel") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"{given[1]}: give one of n (a sample size), interval (a published "
                             f"range), tol or tol_rel (a tolerance outright), not both "
                             f"{given[0]} and {given[1]}")
        if self.interval is not None:
            low, high = self.interval
            if low > high:
                raise ValueError(f"interval: low {low:g} is above high {high:g}; write "
                                 "[low, high]")
            if not low <= self.value <= high:
                raise ValueError(f"interval: [{low:g}, {high:g}] must contain the value "
                                 f"{self.value:g}")
        self._possible()
        if self.change_from is not None and self.change_from.year >= self.years[0]:
            raise ValueError(f"change_from.year: {self.change_from.year} must be before the "
                             f"target's year {self.year}")
        if not math.isfinite(self.observed):
            raise ValueError(f"change_from.value: the change {self.value:g} - "
                             f"{self.change_from.value:g} is not a finite number")
        return self

    def _possible(self) -> None:
        """Refuse levels the indicator cannot take, and n on what is not a percentage."""
        levels = [("value", self.value)]
        levels += [("interval", v) for v in self.interval or ()]
        levels += [("change_from.value", self.change_from.value)] if self.change_from else []
        percentage = is_percentage(self.indicator)
        for key, v in levels:
            if percentage and not 0 <= v <= 100:
                raise ValueError(f"{key}: {self.indicator} is a percentage: expected 0-100, "
                                 f"got {v:g}")
            if self.n is not None and self.indicator not in INDICATORS and not 0 <= v <= 100:
                raise ValueError(f"{key}: n (a sample size) is for percentages: expected 0-100, "
                                 f"got {v:g}")
            if self.is_count and v < 0:
                raise ValueError(f"{key}: {self.indicator} is a count of people: expected 0 "
                                 f"or more, got {v:g}")
        if self.n is not None and self.indicator in INDICATORS and not percentage:
            raise ValueError(f"n: a sample size gives the sampling error of a percentage, and "
                             f"{self.indicator} is not one; give interval instead")

    @property
    def kind(self) -> str:
        """The discrepancy entry this target's derived tolerance uses."""
        return f"{self.indicator}_change" if self.change_from else self.indicator

    @property
    def observed(self) -> float:
        """The published figure compared with the model: the level, or for a trend target the
        change since ``change_from``."""
        return (round(self.value - self.change_from.value, 9) if self.change_from
                else self.value)

    def sampling_sd(self) -> float:
        """The published figure's sampling standard deviation (0 for a register count)."""
        if self.interval is not None:
            return (self.interval[1] - self.interval[0]) / (2 * Z)
        if self.n is None:
            return 0.0
        levels = [self.value] + ([self.change_from.value] if self.change_from else [])
        return math.sqrt(sum(v * (100 - v) / self.n for v in levels))

    def derive(self, discrepancy: dict[str, Discrepancy]) -> None:
        """Set the tolerance from the sampling error and the discrepancy of this kind."""
        if self.tol is not None or self.tol_rel is not None:
            return
        s, d = self.sampling_sd(), discrepancy[self.kind].of(self.observed)
        sampling = (f"n={self.n:,}" if self.n else "interval" if self.interval
                    else "no sampling error")
        self._derived = (Z * math.hypot(s, d), f"{sampling} (s={s:.3g}) + {self.kind} "
                                              f"discrepancy (d={d:.3g})")

    @property
    def years(self) -> range:
        """The calendar years the target covers."""
        first, last = _span(str(self.year))
        return range(int(first), int(last) + 1)

    @property
    def bands(self) -> list[str]:
        """The years-since-arrival bands the target covers (``["all"]`` without a filter)."""
        if self.years_since_arrival in ("all", *BANDS):
            return [self.years_since_arrival]
        first, last = _span(self.years_since_arrival)
        return list(BANDS[BANDS.index(first):BANDS.index(last) + 1])

    @property
    def tolerance(self) -> float:
        """The absolute tolerance: given, or derived (:meth:`derive`)."""
        if self.tol is not None:
            return self.tol
        if self.tol_rel is not None:
            return self.tol_rel * abs(self.observed)
        if self._derived is None:
            raise ValueError(f"target {self.id!r}: no tolerance (give tol, or load it from a "
                             "file with a discrepancy table)")
        return self._derived[0]

    @property
    def origin(self) -> str:
        """Where the tolerance comes from."""
        if self._derived is not None:
            return self._derived[1]
        return "given (tol)" if self.tol is not None else "given (tol_rel)"

    @property
    def is_count(self) -> bool:
        """Counts are summed over years and bands; rates, shares and means are averaged."""
        return self.indicator in COUNT_INDICATORS


class TargetsFile(BaseModel):
    """The top level of a targets file."""

    model_config = ConfigDict(extra="forbid")
    discrepancy: dict[str, Discrepancy] = Field(default_factory=dict)
    targets: list[Target] = Field(min_length=1)


def _message(error: dict, origin: str, lines: dict[tuple, int]) -> str:
    msg = error["msg"].removeprefix("Value error, ")
    named = message_path(msg) if error["type"] == "value_error" else ()
    if named:  # a check of a whole target that names the key it is about
        error = {**error, "loc": (*error["loc"], *named), "type": "named"}
        msg = msg.split(": ", 1)[1]
    loc = tuple(error["loc"])
    path = _path(loc)
    line = next((lines[loc[:k]] for k in range(len(loc), -1, -1) if loc[:k] in lines), None)
    where = origin + (f", line {line}" if line else "")
    if error["type"] == "extra_forbidden":
        model = (Baseline if "change_from" in loc else Target if loc[0] == "targets"
                 else Discrepancy)
        valid = list(model.model_fields if len(loc) > 2 else TargetsFile.model_fields)
        return (f"{where}: unknown key {path!r}{nearest(str(loc[-1]), valid)}; valid keys: "
                f"{', '.join(valid)}")
    whole = isinstance(error["input"], dict)  # a whole target or entry: named by its line
    got = "" if error["type"] in ("missing", "named") or whole else (
        f" (got {shown(error['input'])})")
    return f"{where}: {path}: {msg}{got}"


def _path(loc: tuple) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


OCTAL = re.compile(r"[-+]?0[0-7_]+")


def _yaml_numbers(text: str, origin: str) -> None:
    """Refuse numbers YAML 1.1 reads in another base: ``1:30`` (base 60: 90) and ``0100``
    (octal: 64)."""
    def walk(node, loc):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*loc, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*loc, i))
        elif node.tag.endswith((":int", ":float")) and (
                ":" in node.value or OCTAL.fullmatch(node.value)):
            base = "in base 60" if ":" in node.value else "in octal, for the leading 0"
            raise InputError(f"{origin}, line {node.start_mark.line + 1}: {_path(loc)}: "
                             f"expected a number, got {node.value}, which YAML reads as "
                             f"{yaml.safe_load(node.value)} ({base}); write the number itself")

    try:
        root = yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        return
    if root is not None:
        walk(root, ())


def load(path: str | Path) -> list[Target]:
    """Read and validate a targets file; raise InputError naming the file, line and key."""
    path = Path(path)
    data, text = read_yaml(path, "targets file")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with the key 'targets' (a list of targets)")
    lines = line_map(text)
    _yaml_numbers(text, str(path))
    try:
        parsed = TargetsFile(**data)
    except ValidationError as exc:  # a misspelt key before the "Field required" it causes
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise InputError(_message(errors[0], str(path), lines) + more) from None
    seen: set[str] = set()
    for i, t in enumerate(parsed.targets):
        where = f"{path}, line {lines.get(('targets', i), '?')}: targets[{i}]"
        if t.id in seen:
            raise InputError(f"{where}.id: {t.id!r} is used twice; ids must be unique")
        seen.add(t.id)
        if t.tol is None and t.tol_rel is None and t.kind not in parsed.discrepancy:
            hint = nearest(t.kind, parsed.discrepancy)
            raise InputError(f"{where}: no tolerance: give tol, or a discrepancy entry for "
                             f"{t.kind!r} (abs or rel, and its reason){hint}")
        t.derive(parsed.discrepancy)
        if not t.tolerance > 0:  # relative to a value (or change) of 0
            raise InputError(f"{where}: the tolerance comes to 0 ({t.origin}, relative to a "
                             "value of 0); give tol (absolute) instead")
        if not math.isfinite(t.tolerance):
            raise InputError(f"{where}: the tolerance is not a finite number ({t.origin})")
    used = {t.kind for t in parsed.targets if t.tol is None and t.tol_rel is None}
    unused = [kind for kind in parsed.discrepancy if kind not in used]
    if unused:
        kind, more = unused[0], f" (and {len(unused) - 1} more)" if len(unused) > 1 else ""
        kinds = {*INDICATORS, *(f"{name}_change" for name in INDICATORS), *used}
        raise InputError(f"{path}, line {lines.get(('discrepancy', kind), '?')}: "
                         f"discrepancy.{kind}: no target uses this entry"
                         f"{'' if kind in kinds else nearest(kind, kinds)}{more}; a target "
                         "without tol or tol_rel uses the entry of its indicator "
                         "(<indicator>_change for a trend): remove the entry")
    return parsed.targets


def unproduced_reason(target: Target) -> str | None:
    """Why the model cannot produce a target (an unknown indicator), or None if it can."""
    if target.indicator not in INDICATORS:
        return (f"the model has no indicator {target.indicator!r}"
                f"{nearest(target.indicator, INDICATORS)}")
    return None


@dataclass
class Lookup:
    """Fast access to one replicate's indicator table: (indicator, sex, band) -> values by year."""

    series: dict[tuple[str, str, str], dict[int, float]]

    @classmethod
    def of(cls, indicators: pd.DataFrame) -> Lookup:
        """One pass over the table's columns as plain arrays (a pandas group per series cost
        a calibration particle as much time as its run)."""
        columns = [indicators[c].to_numpy(dtype=object) for c in
                   ("indicator", "sex", "years_since_arrival")]
        years = indicators["year"].to_numpy()
        values = indicators["value"].to_numpy(dtype=float)
        series: dict[tuple[str, str, str], dict[int, float]] = {}
        for key, year, value in zip(zip(*columns), years.tolist(), values.tolist()):
            series.setdefault(key, {})[year] = value
        return cls(series)

    @classmethod
    def of_series(cls, rows: list[tuple[str, str, str, np.ndarray]], years: np.ndarray,
                  indicators: set[str] | None = None) -> Lookup:
        """From :func:`sim.measure.indicators.indicator_series`, as :meth:`of` reads the table
        made of them (which keeps only the finite values); only the ``indicators`` named, if
        given."""
        years = years.tolist()
        series: dict[tuple[str, str, str], dict[int, float]] = {}
        for name, sex, band, values in rows:
            if indicators is not None and name not in indicators:
                continue
            finite = np.where(np.isfinite(values), values, np.nan).tolist()
            series.setdefault((name, sex, band), {}).update(zip(years, finite))
        return cls(series)

    def value(self, target: Target) -> float:
        """The simulated value of a target (for a trend, the change since ``change_from``); NaN
        where the model has no value (e.g. a year outside the run, or a filter this indicator
        is not broken down by)."""
        level = self._level(target, target.years)
        if target.change_from is None:
            return level
        return level - self._level(target, [target.change_from.year])

    def _level(self, target: Target, years) -> float:
        values = []
        for band in target.bands:
            s = self.series.get((target.indicator, target.sex, band))
            if s is None:
                return math.nan
            values += [s.get(y, math.nan) for y in years]
        arr = np.asarray(values, dtype=float)
        if np.isnan(arr).any():
            return math.nan
        return float(arr.sum() if target.is_count else arr.mean())


def simulate(targets: list[Target], indicators: pd.DataFrame | Lookup) -> dict[str, float]:
    """The simulated value of every target from one replicate's indicators (the table, or a
    :class:`Lookup` of them)."""
    lookup = indicators if isinstance(indicators, Lookup) else Lookup.of(indicators)
    return {t.id: (math.nan if unproduced_reason(t) else lookup.value(t)) for t in targets}


def simulate_run(targets: list[Target], model) -> dict[str, float]:
    """The simulated value of every target from a model's run so far (as :func:`simulate` of its
    indicator table, without building the table)."""
    from .indicators import indicator_series

    lookup = Lookup.of_series(*indicator_series(model), {t.indicator for t in targets})
    return simulate(targets, lookup)


def fit_table(targets: list[Target], per_replicate: list[dict[str, float]]) -> pd.DataFrame:
    """Observed against simulated (median and 90% interval over replicates) for every target.

    ``within_tolerance`` is ``yes``/``no`` for the median, or ``not produced`` (with the reason in
    ``note``) when the model has no such indicator, filter or year; ``z`` is the median's error in
    standard deviations (``2 (simulated - observed) / tolerance``) and ``tolerance_origin`` says
    where the tolerance comes from.
    """
    rows = []
    for t in targets:
        sims = np.array([r[t.id] for r in per_replicate], dtype=float)
        reason = unproduced_reason(t) or (
            "no value for these years in the run" if np.isnan(sims).all() else None)
        p05, p50, p95 = ((math.nan,) * 3 if reason else np.nanpercentile(sims, [5, 50, 95]))
        within = NOT_PRODUCED if reason else (
            "yes" if abs(p50 - t.observed) <= t.tolerance else "no")
        year = f"{t.change_from.year} to {t.year}" if t.change_from else str(t.year)
        rows.append({"id": t.id, "indicator": t.indicator, "year": year,
                     "observed": t.observed, "simulated_p50": p50, "simulated_p05": p05,
                     "simulated_p95": p95, "within_tolerance": within, "tolerance": t.tolerance,
                     "z": Z * (p50 - t.observed) / t.tolerance, "tolerance_origin": t.origin,
                     "sex": t.sex, "years_since_arrival": t.years_since_arrival,
                     "note": reason or "", "source": t.source})
    return pd.DataFrame(rows)


def resampled_counts(targets: list[Target], per_replicate: list[dict[str, float]], seed: int,
                     resamples: int = RESAMPLES, level: float = 0.9) -> tuple[int, int, int]:
    """The within-tolerance count over the ensemble's replicates resampled with replacement (a
    percentile bootstrap, Efron & Tibshirani 1993, by ``scipy.stats.bootstrap``): the low end,
    median and high end of the ``level`` interval of the count another draw of as many replicates
    would give. Targets the fit table reports as not produced are left out, as there.

    The count is not a smooth statistic: a median drawn a little off moves targets near their
    tolerance out more often than in when most are in, so the resampled counts sit below the
    ensemble's own count when it was a lucky draw (or a chosen one)."""
    from scipy import stats

    sims = np.array([[r[t.id] for t in targets] for r in per_replicate], dtype=float)
    kept = [j for j, t in enumerate(targets)
            if not unproduced_reason(t) and not np.isnan(sims[:, j]).all()]
    sims = sims[:, kept]
    observed = np.array([targets[j].observed for j in kept])
    tolerance = np.array([targets[j].tolerance for j in kept])

    def count(rows, axis=-1):  # rows: replicate indices, (resamples, replicates) when vectorised
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a resample of NaNs only
            median = np.nanmedian(sims[np.asarray(rows, dtype=np.int64)], axis=-2)
        return (np.abs(median - observed) <= tolerance).sum(axis=-1).astype(float)

    if len(per_replicate) < 2:
        n = int(count(np.arange(len(per_replicate))))
        return n, n, n
    found = stats.bootstrap((np.arange(len(per_replicate)),), count, vectorized=True,
                            n_resamples=resamples, confidence_level=level, method="percentile",
                            rng=np.random.default_rng(seed))
    low, high = found.confidence_interval
    return (int(math.floor(low)), int(np.median(found.bootstrap_distribution)),
            int(math.ceil(high)))


def share_within(table: pd.DataFrame) -> tuple[int, int, int]:
    """(within tolerance, produced, all) target counts of a fit table."""
    produced = int((table.within_tolerance != NOT_PRODUCED).sum())
    return int((table.within_tolerance == "yes").sum()), produced, len(table)


def last_year(targets: list[Target]) -> int:
    """The last calendar year any target needs (a calibration run can stop there)."""
    return max(t.years[-1] for t in targets)
