"""Calibration and validation targets: published figures the model's indicators are checked against.

A targets file is YAML with one list, ``targets``; each entry names an indicator of
``indicators.csv``, a year or a range of years, the published value, an absolute (``tol``) or
relative (``tol_rel``) tolerance, optional ``sex`` and ``years_since_arrival`` filters, and its
source. Over a range of years counts are summed and rates averaged; a range of bands (``"1-3"``)
is averaged the same way. Researchers write their own files in this format (``resettle validate
--targets FILE``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..engine.errors import InputError, nearest
from ..engine.files import line_map, read_yaml
from .indicators import BANDS, COUNT_INDICATORS, INDICATORS, SEXES

FIT_COLUMNS = ["id", "indicator", "year", "observed", "simulated_p50", "simulated_p05",
               "simulated_p95", "within_tolerance"]
NOT_PRODUCED = "not produced"


def _span(text: str, what: str) -> tuple[str, str]:
    first, dash, last = str(text).partition("-")
    if not first.strip() or (dash and not last.strip()):
        raise ValueError(f"expected a {what} or a range like 2012-2016, got {text!r}")
    return first.strip(), (last.strip() if dash else first.strip())


class Target(BaseModel):
    """One published figure the model should reproduce within a tolerance."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    indicator: str
    year: int | str
    value: float
    tol: float | None = Field(None, gt=0)
    tol_rel: float | None = Field(None, gt=0)
    sex: str = "all"
    years_since_arrival: str = "all"
    source: str = Field(min_length=1)

    @field_validator("year")
    @classmethod
    def _years(cls, v: int | str) -> int | str:
        first, last = _span(str(v), "year")
        if not (first.isdigit() and last.isdigit()) or int(last) < int(first):
            raise ValueError(f"expected a year or a range like 2012-2016, got {v!r}")
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
        return str(v)

    @model_validator(mode="after")
    def _one_tolerance(self) -> Target:
        if (self.tol is None) == (self.tol_rel is None):
            raise ValueError("give exactly one of tol (absolute) or tol_rel (relative)")
        return self

    @property
    def years(self) -> range:
        """The calendar years the target covers."""
        first, last = _span(str(self.year), "year")
        return range(int(first), int(last) + 1)

    @property
    def bands(self) -> list[str]:
        """The years-since-arrival bands the target covers (``["all"]`` without a filter)."""
        if self.years_since_arrival in ("all", *BANDS):
            return [self.years_since_arrival]
        first, last = _span(self.years_since_arrival.rstrip("+"), "band")
        top = self.years_since_arrival.endswith("+")
        if not (first.isdigit() and last.isdigit()) or top:
            return [self.years_since_arrival]  # reported as not produced
        names = [str(b) if b < len(BANDS) - 1 else BANDS[-1]
                 for b in range(int(first), int(last) + 1)]
        return list(dict.fromkeys(names))

    @property
    def tolerance(self) -> float:
        """The absolute tolerance."""
        return self.tol if self.tol is not None else self.tol_rel * abs(self.value)

    @property
    def is_count(self) -> bool:
        """Counts are summed over years and bands; rates, shares and means are averaged."""
        return self.indicator in COUNT_INDICATORS


class TargetsFile(BaseModel):
    """The top level of a targets file."""

    model_config = ConfigDict(extra="forbid")
    targets: list[Target] = Field(min_length=1)


def _message(error: dict, origin: str, lines: dict[tuple, int]) -> str:
    loc = tuple(error["loc"])
    path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    line = next((lines[loc[:k]] for k in range(len(loc), -1, -1) if loc[:k] in lines), None)
    where = origin + (f", line {line}" if line else "")
    if error["type"] == "extra_forbidden":
        valid = list(Target.model_fields if len(loc) > 2 else TargetsFile.model_fields)
        return (f"{where}: unknown key {path!r}{nearest(str(loc[-1]), valid)}; valid keys: "
                f"{', '.join(valid)}")
    msg = error["msg"].removeprefix("Value error, ")
    got = f" (got {error['input']!r})" if error["type"] != "missing" else ""
    return f"{where}: {path}: {msg}{got}"


def load(path: str | Path) -> list[Target]:
    """Read and validate a targets file; raise InputError naming the file, line and key."""
    path = Path(path)
    data, text = read_yaml(path, "targets file")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with the key 'targets' (a list of targets)")
    try:
        targets = TargetsFile(**data).targets
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise InputError(_message(errors[0], str(path), line_map(text)) + more) from None
    seen: set[str] = set()
    for i, t in enumerate(targets):
        if t.id in seen:
            raise InputError(f"{path}: targets[{i}].id: {t.id!r} is used twice; ids must be unique")
        seen.add(t.id)
    return targets


def unproduced_reason(target: Target) -> str | None:
    """Why the model cannot produce a target (unknown indicator or filter), or None if it can."""
    if target.indicator not in INDICATORS:
        return (f"the model has no indicator {target.indicator!r}"
                f"{nearest(target.indicator, INDICATORS)}")
    bad = [b for b in target.bands if b not in ("all", *BANDS)]
    if bad or (target.bands != ["all"] and "all" in target.bands):
        return (f"years_since_arrival {target.years_since_arrival!r} is not a band the model "
                f"produces (all, {', '.join(BANDS)}, or a range like 1-3)")
    return None


@dataclass
class Lookup:
    """Fast access to one replicate's indicator table: (indicator, sex, band) -> values by year."""

    series: dict[tuple[str, str, str], pd.Series]

    @classmethod
    def of(cls, indicators: pd.DataFrame) -> Lookup:
        groups = indicators.groupby(["indicator", "sex", "years_since_arrival"], sort=False)
        return cls({key: g.set_index("year")["value"] for key, g in groups})

    def value(self, target: Target) -> float:
        """The simulated value of a target; NaN where the model has no value (e.g. a year
        outside the run, or a filter this indicator is not broken down by)."""
        values = []
        for band in target.bands:
            s = self.series.get((target.indicator, target.sex, band))
            if s is None:
                return math.nan
            values += [s.get(y, math.nan) for y in target.years]
        arr = np.asarray(values, dtype=float)
        if np.isnan(arr).any():
            return math.nan
        return float(arr.sum() if target.is_count else arr.mean())


def simulate(targets: list[Target], indicators: pd.DataFrame) -> dict[str, float]:
    """The simulated value of every target from one replicate's indicators."""
    lookup = Lookup.of(indicators)
    return {t.id: (math.nan if unproduced_reason(t) else lookup.value(t)) for t in targets}


def fit_table(targets: list[Target], per_replicate: list[dict[str, float]]) -> pd.DataFrame:
    """Observed against simulated (median and 90% interval over replicates) for every target.

    ``within_tolerance`` is ``yes``/``no`` for the median, or ``not produced`` (with the reason in
    ``note``) when the model has no such indicator, filter or year.
    """
    rows = []
    for t in targets:
        sims = np.array([r[t.id] for r in per_replicate], dtype=float)
        reason = unproduced_reason(t) or (
            "no value for these years in the run" if np.isnan(sims).all() else None)
        p05, p50, p95 = ((math.nan,) * 3 if reason else np.nanpercentile(sims, [5, 50, 95]))
        within = NOT_PRODUCED if reason else ("yes" if abs(p50 - t.value) <= t.tolerance else "no")
        rows.append({"id": t.id, "indicator": t.indicator, "year": str(t.year),
                     "observed": t.value, "simulated_p50": p50, "simulated_p05": p05,
                     "simulated_p95": p95, "within_tolerance": within, "tolerance": t.tolerance,
                     "sex": t.sex, "years_since_arrival": t.years_since_arrival,
                     "note": reason or "", "source": t.source})
    return pd.DataFrame(rows)


def share_within(table: pd.DataFrame) -> tuple[int, int, int]:
    """(within tolerance, produced, all) target counts of a fit table."""
    produced = int((table.within_tolerance != NOT_PRODUCED).sum())
    return int((table.within_tolerance == "yes").sum()), produced, len(table)


def last_year(targets: list[Target]) -> int:
    """The last calendar year any target needs (a calibration run can stop there)."""
    return max(t.years[-1] for t in targets)
