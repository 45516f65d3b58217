"""The baseline run (seed 1, scale 1) against every target of ``calibration/targets.yaml``: the
one source of the published figures and their tolerances.

One test per target, so a miss names it. Known misses of the single seed-1 run are marked
``xfail(strict=True)`` with the measured gap: they are reported on every run, and the mark must
go as soon as the model reaches them. ``calibration/fit_table.py`` prints the whole table, and
``tests/test_calibrated_fit.py`` checks the median of an ensemble drawing from the posterior.
"""

from __future__ import annotations

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
KNOWN_MISSES: dict[str, str] = {
    "mou1998_arrivals": "the seed-1 run gives 90 against 71 (tolerance 10.7)",
    "mou1999_arrivals": "the seed-1 run gives 171 against 148 (tolerance 22.2)",
    "mou2001_arrivals": "the seed-1 run gives 476 against 583 (tolerance 87.5)",
    "mou2001_cumulative_arrivals": "the seed-1 run gives 1,876 against 1,990 (tolerance 99.5)",
    "mou2002_arrivals": "the seed-1 run gives 704 against 1,142 (tolerance 171)",
    "mou2003_arrivals": "the seed-1 run gives 1,658 against 1,285 (tolerance 193)",
    "mou2003_female_share": "the seed-1 run gives 68.76 against 63.1 (tolerance 5)",
    "mou2004_arrivals": "the seed-1 run gives 2,342 against 1,898 (tolerance 285)",
    "mou2005_arrivals": "the seed-1 run gives 1,796 against 1,384 (tolerance 208)",
    "mou2008_arrivals": "the seed-1 run gives 2,322 against 2,803 (tolerance 420)",
    "mou2012_arrivals": "the seed-1 run gives 1,760 against 1,502 (tolerance 225)",
    "mou2016_arrivals": "the seed-1 run gives 1,091 against 1,418 (tolerance 213)",
    "mou2018_arrivals": "the seed-1 run gives 933 against 1,137 (tolerance 171)",
    "mou2018_female_share": "the seed-1 run gives 80.17 against 85.2 (tolerance 5)",
    "mou2019_arrivals": "the seed-1 run gives 867 against 1,047 (tolerance 157)",
    "mou2022_arrivals": "the seed-1 run gives 50 against 67 (tolerance 10)",
    "mou2024_arrivals": "the seed-1 run gives 184 against 236 (tolerance 35.4)",
    "mou2025_arrivals": "the seed-1 run gives 178 against 223 (tolerance 33.4)",
    "official2007_livelihood_benefit_share":
        "the seed-1 run gives 52.97 against 63.5 (tolerance 6)",
    "khf2011_vocational_training_share": "the seed-1 run gives 33 against 40.4 (tolerance 6.31)",
    "china2000_stock": "the seed-1 run gives 45,433 against 100,000 (tolerance 3.2e+04)",
    "china2006_stock": "the seed-1 run gives 20,702 against 40,000 (tolerance 1.28e+04)",
    "abroad2009_mean": "the seed-1 run gives 2.475 against 1.5 (tolerance 0.5)",
    "hong2006_ptsd_2001_arrivals": "the seed-1 run gives 15.65 against 27.2 (tolerance 9.41)",
    "khf_employment_2018_2024": "the seed-1 run gives 4.999 against -0.3 (tolerance 3.42)",
    "khf_participation_2018_2024": "the seed-1 run gives 4.555 against -0.7 (tolerance 3.37)",
    "khf_participation_2018_2020": "the seed-1 run gives -1.185 against -4.7 (tolerance 3.39)",
    "khf_satisfaction_2012_2024": "the seed-1 run gives 4.906 against 12.2 (tolerance 4.7)",
}


@lru_cache(maxsize=1)
def simulated() -> dict[str, float]:
    return targets.simulate(TARGETS, baseline().indicators)


def _cases() -> list:
    return [pytest.param(t, id=t.id, marks=pytest.mark.xfail(strict=True,
                                                               reason=KNOWN_MISSES[t.id]))
            if t.id in KNOWN_MISSES else pytest.param(t, id=t.id) for t in TARGETS]


@pytest.mark.parametrize("target", _cases())
def test_the_baseline_run_is_within_each_targets_tolerance(target):
    value = simulated()[target.id]
    print(f"\n{target.id}: model {value:.4g}, published {target.observed:.4g} ± "
          f"{target.tolerance:.3g} ({target.source})")
    assert abs(value - target.observed) <= target.tolerance


def test_women_are_most_of_those_in_china():
    """80-90% of North Koreans in China are women (stated assumption from NGO and press
    reports; original source not identified); accepted 75-95, 2005-2019."""
    df = baseline().indicators
    share = 100 * series(df, "in_china", "female") / series(df, "in_china")
    print("\n" + share.loc[2005:2019].round(1).to_string())
    assert share.loc[2005:2019].between(75, 95).all()
