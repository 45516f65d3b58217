"""The baseline run (seed 1, scale 1) against every target of ``calibration/targets.yaml``: the
one source of the published figures and their tolerances.

One test per target, so a miss names it. Known misses of the single seed-1 run are marked
``xfail(strict=True)`` with the measured gap: they are reported on every run, and the mark must
go as soon as the model reaches them. ``calibration/fit_table.py`` prints the whole table, and
``tests/test_calibrated_fit.py`` checks the median of an ensemble drawing from the posterior.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import pytest
from _shared import baseline

from sim.measure import targets
from sim.measure.validation import series

TARGETS = targets.load(Path(__file__).resolve().parent.parent / "calibration" / "targets.yaml")
# Measured with the seed-1 run at the shipped posterior's medians. Arrivals by year (too few in
# 2001-2002, too many in 2005 and 2012, too few in 2008 and 2016), the women's share of 2018,
# benefit receipt in 2007, the stock in China in 2000 and 2006, the time abroad in 2009 and the
# survey trends (the fall of participation in the COVID-19 year too shallow, the rise of work
# since 2018 too steep, satisfaction rising too little) are misses of the model's mechanisms,
# out of tolerance with every one of seeds 1-3 (README, Calibration; docs/fit.md; the ensembles
# also miss the arrivals of 2009, which this run has within tolerance); the others (the
# arrivals of 1998-1999, 2003-2004, 2018-2019, 2022 and 2024-2025 and the running total to 2001,
# the women's share of 2003, vocational training received by 2011 and PTSD among the 2001
# arrivals) are this run's chance: the median of 20 replicates is within tolerance with at least
# one of seeds 1-3.
# Women's unemployment in 2024 and the fall of employment in 2020 came within tolerance when the
# women's effect on job finding was estimated against the unemployment figures (``sex_gap/``),
# and the residents who left the South unrecorded by 2015 when their rate was estimated against
# that count (``unrecorded/``).
KNOWN_MISSES: dict[str, float] = {  # target id: the seed-1 run's value
    "mou1998_arrivals": 90,
    "mou1999_arrivals": 171,
    "mou2001_arrivals": 476,
    "mou2001_cumulative_arrivals": 1876,
    "mou2002_arrivals": 704,
    "mou2003_arrivals": 1658,
    "mou2003_female_share": 68.76,
    "mou2004_arrivals": 2342,
    "mou2005_arrivals": 1796,
    "mou2008_arrivals": 2322,
    "mou2012_arrivals": 1760,
    "mou2016_arrivals": 1091,
    "mou2018_arrivals": 933,
    "mou2018_female_share": 80.17,
    "mou2019_arrivals": 867,
    "mou2022_arrivals": 50,
    "mou2024_arrivals": 184,
    "mou2025_arrivals": 178,
    "official2007_livelihood_benefit_share": 52.97,
    "khf2011_vocational_training_share": 33,
    "china2000_stock": 45433,
    "china2006_stock": 20702,
    "abroad2009_mean": 2.475,
    "hong2006_ptsd_2001_arrivals": 15.65,
    "khf_employment_2018_2024": 4.999,
    "khf_participation_2018_2024": 4.555,
    "khf_participation_2018_2020": -1.185,
    "khf_satisfaction_2012_2024": 4.906,
}


@lru_cache(maxsize=1)
def simulated() -> dict[str, float]:
    return targets.simulate(TARGETS, baseline().indicators)


def _miss(target) -> str:
    return (f"the seed-1 run gives {KNOWN_MISSES[target.id]:,.4g} against "
            f"{target.observed:,.4g} (tolerance {target.tolerance:.3g})")


def _cases() -> list:
    # raises=AssertionError: only the tolerance check may fail as expected; a target no longer
    # produced, an error, or a known miss grown worse fails the test
    return [pytest.param(t, id=t.id, marks=pytest.mark.xfail(
                strict=True, raises=AssertionError, reason=_miss(t)))
            if t.id in KNOWN_MISSES else pytest.param(t, id=t.id) for t in TARGETS]


@pytest.mark.parametrize("target", _cases())
def test_the_baseline_run_is_within_each_targets_tolerance(target):
    value = simulated()[target.id]
    print(f"\n{target.id}: model {value:.4g}, published {target.observed:.4g} ± "
          f"{target.tolerance:.3g} ({target.source})")
    if not math.isfinite(value):
        pytest.fail(f"{target.id}: not produced (value {value})")
    if target.id in KNOWN_MISSES:  # a known miss may not grow by more than half a tolerance
        recorded = abs(KNOWN_MISSES[target.id] - target.observed)
        if abs(value - target.observed) > recorded + target.tolerance / 2:
            pytest.fail(f"{target.id}: {value:.4g} is further from {target.observed:.4g} than "
                        f"the recorded miss ({_miss(target)})")
    assert abs(value - target.observed) <= target.tolerance


def test_every_known_miss_names_a_target():
    assert KNOWN_MISSES.keys() <= {t.id for t in TARGETS}


def test_women_are_most_of_those_in_china():
    """80-90% of North Koreans in China are women (stated assumption from NGO and press
    reports; original source not identified); accepted 75-95, 2005-2019."""
    df = baseline().indicators
    share = 100 * series(df, "in_china", "female") / series(df, "in_china")
    print("\n" + share.loc[2005:2019].round(1).to_string())
    assert share.loc[2005:2019].between(75, 95).all()
