"""Calendar months as integer indices (month 0 = January of the start year)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_YEARS = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")  # 2027, or 2027-2035
_YM = re.compile(r"^(\d{4})-(\d{2})$")
MONTHS_PER_YEAR = 12
PAST_YEAR = 12  # months counted as "in the past year" (the survey's wording)
SURVEY_AGE = 15  # working age in Korean labour statistics; the KHF surveys count residents 15+


FIRST_YEAR, LAST_YEAR = 1900, 2100  # the calendar years any input may name


def year_range(spec: int | str) -> tuple[int, int]:
    """``2027`` or ``"2027-2035"`` as (first, last), within 1900-2100; ValueError otherwise."""
    text = str(spec)
    match = None if len(text) > 40 else _YEARS.fullmatch(text)  # never read a cut text
    if isinstance(spec, bool) or not isinstance(spec, int | str) or not match:
        raise ValueError(f"expected a year or a range like 2027-2035, got {text[:40]!r}")
    years = int(match.group(1)), int(match.group(2) or match.group(1))
    if not all(FIRST_YEAR <= y <= LAST_YEAR for y in years):
        raise ValueError(f"expected years in {FIRST_YEAR}-{LAST_YEAR}, got {text!r}")
    if years[1] < years[0]:
        raise ValueError(f"the range {text!r} ends before it starts")
    return years


def parse_year_month(text: str) -> tuple[int, int]:
    """Parse ``"YYYY-MM"`` into (year, month); raise ValueError on anything else."""
    match = _YM.match(str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValueError(f"expected a month as YYYY-MM in {FIRST_YEAR}-{LAST_YEAR}, got "
                         f"{text!r}")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class Calendar:
    """Monthly steps from January of ``start_year`` to December of ``end_year``."""

    start_year: int
    end_year: int

    @property
    def n_months(self) -> int:
        """Number of monthly steps in the horizon."""
        return MONTHS_PER_YEAR * (self.end_year - self.start_year + 1)

    @property
    def years(self) -> range:
        """The calendar years of the horizon."""
        return range(self.start_year, self.end_year + 1)

    def year_of(self, month):
        """Calendar year of a month index (scalar or array)."""
        return self.start_year + month // MONTHS_PER_YEAR

    def decimal_year(self, month):
        """The year at the start of a month index, in years (2015.5 for July 2015)."""
        return self.year_of(month) + (month % MONTHS_PER_YEAR) / MONTHS_PER_YEAR

    def month_of(self, year: int, month: int = 1) -> int:
        """Month index of a calendar (year, month)."""
        return MONTHS_PER_YEAR * (year - self.start_year) + month - 1
