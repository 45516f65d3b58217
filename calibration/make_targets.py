"""Write calibration/targets.yaml from the published figures in sim/data/ (one target per figure).

Usage: .venv/bin/python calibration/make_targets.py [--out calibration/targets.yaml]

Every target keeps its source. Tolerances are those issues 2-4 set: arrivals within 15% to 2019
and 40% (at least 30 people) from 2020, when the numbers are small; the female share within 5
points; stocks and time abroad within their published ranges; survey series within 10 points
(5 for unemployment, 30% for wages, 12 for discrimination and livelihood benefit receipt). Survey
figures from other instruments (NKDB, KPI) have no tolerance in those issues and go to
``calibration/other_surveys.yaml``, which ``resettle validate`` can check but calibration never
uses.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import yaml

from sim import published, validation

HERE = Path(__file__).resolve().parent
MOU = "Ministry of Unification arrivals by year and sex (sim/data/arrivals_mou.csv)"


def _arrivals() -> list[dict]:
    out = []
    for _, row in published.arrivals().iterrows():
        year, total = int(row.year), float(row.total)
        if year < 2002:
            continue
        tol = 0.15 * total if year <= 2019 else max(0.40 * total, 30.0)
        out.append(dict(id=f"mou{year}_arrivals", indicator="arrivals", year=year, value=total,
                        tol=round(tol, 1), source=MOU))
        if 2003 <= year <= 2019 and not math.isnan(row.female_pct):
            out.append(dict(id=f"mou{year}_female_share", indicator="female_share_of_arrivals",
                            year=year, value=float(row.female_pct), tol=5.0, source=MOU))
    cum = published.cumulative_arrivals().set_index("year").loc[2025]
    out.append(dict(id="mou2025_cumulative_arrivals", indicator="cumulative_arrivals", year=2025,
                    value=float(cum.total), tol_rel=0.05, source=str(cum.source)))
    return out


def _ranges() -> list[dict]:
    """Published ranges become a value at the midpoint and a tolerance of half the range."""
    out = []
    for _, row in published.china_stock().iterrows():
        out.append(dict(id=f"china{int(row.year)}_stock", indicator="in_china", year=int(row.year),
                        value=(row.low + row.high) / 2, tol=(row.high - row.low) / 2,
                        source=f"{row.source} (range {row.low:,.0f}-{row.high:,.0f})"))
    for _, row in published.time_abroad().iterrows():
        high = row.high if not math.isnan(row.high) else 2 * row.value - row.low  # one-sided
        years = str(row.arrival_years)
        out.append(dict(id=f"abroad{years.replace('-', '_')}_{row.statistic}",
                        indicator=f"{row.statistic}_years_abroad_of_arrivals",
                        year=int(years) if years.isdigit() else years,
                        value=round((row.low + high) / 2, 3), tol=round((high - row.low) / 2, 3),
                        source=f"{row.source} (range {row.low:g}-{high:g} years)"))
    return out


def _surveys() -> tuple[list[dict], list[dict]]:
    targets, others = [], []
    for _, row in published.survey_series().iterrows():
        tol, relative = validation.SURVEY_TOLERANCES.get(row.indicator, (math.nan, False))
        entry = dict(id=f"{row.instrument.lower()}{int(row.year)}_{row.indicator}",
                     indicator=row.indicator, year=int(row.year), value=float(row.value),
                     source=str(row.source))
        if row.instrument in validation.TARGET_INSTRUMENTS and not math.isnan(tol):
            entry["tol_rel" if relative else "tol"] = tol
            targets.append(entry)
        else:  # another instrument: the issues set no tolerance; 10 points for validation only
            entry["tol"] = 10.0
            others.append(entry)
    return targets, others


# Issue 4's published patterns that are indicators. Depression (7 points), the suicide share
# (8-15%) and returns (half to one and a half times 31) keep issue 4's tolerances. For onward
# migration, where issue 4 accepted a factor of 3, the tolerance is +-50% (chosen here); for
# people to rely on, "fewer than two" is read as 1-2.
INNER_LIFE = [
    dict(id="lee2020_depression_years_1_3", indicator="depression_prevalence", year="2015-2018",
         years_since_arrival="1-3", value=22.3, tol=7.0,
         source="Lee et al. 2020 (n=294, up to 3 years in the South): major depression 22.3%"),
    dict(id="kostat_suicide_share_2013_2022", indicator="suicide_share_of_deaths",
         year="2013-2022", value=11.4, tol=3.6,
         source="MOU/KHF: suicide 11.4% of deaths of defectors 2013-2022 (8-15% accepted)"),
    dict(id="mou_returns_2012_2022", indicator="return_to_nk_count", year="2012-2022",
         value=31.0, tol=15.5, source="MOU: 31 confirmed returns to North Korea 2012-2022"),
    dict(id="unhcr_moved_on_1995_2011", indicator="onward_migration_count", year="1995-2011",
         value=917.0, tol_rel=0.5,
         source="UNHCR: 917 North Korean refugees and asylum seekers in third countries, 2011"),
    dict(id="uk_grants_2003_2016", indicator="onward_migration_uk_count", year="2003-2016",
         value=544.0, tol_rel=0.5,
         source="UK Home Office: 544 asylum grants to North Koreans 2003-2016 (applications more)"),
    dict(id="khf2019_people_to_rely_on", indicator="mean_ties", year=2019, value=1.5, tol=0.5,
         source="KHF 2019: on average fewer than two people to rely on (range 1-2 taken)"),
]

HEADER = """# {what}
# Written by calibration/make_targets.py from the published figures in sim/data/ (each keeps its
# source); edit that script, not this file. Format: see README "Calibration" and sim/targets.py.
"""


def _write(path: Path, what: str, targets: list[dict]) -> None:
    text = HEADER.format(what=what) + yaml.safe_dump({"targets": targets}, sort_keys=False,
                                                     width=100, allow_unicode=True)
    path.write_text(text)
    print(f"{path}: {len(targets)} targets")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "targets.yaml")
    out = ap.parse_args().out
    surveys, others = _surveys()
    _write(out, "Calibration targets: published figures from published-statistics.md.",
           _arrivals() + _ranges() + surveys + INNER_LIFE)
    _write(out.with_name("other_surveys.yaml"), "Survey figures from other instruments (NKDB, "
           "KPI): for validation only, with a 10-point tolerance chosen here.", others)


if __name__ == "__main__":
    main()
