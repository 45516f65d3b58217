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
# Measured with the seed-1 run at the shipped posterior's medians. Arrivals by year, the stock in
# China before 2013, the time abroad, PTSD at arrival for recent cohorts, the age mix and the
# survey trends are misses of the model's mechanisms, not of chance (README, Calibration).
KNOWN_MISSES: dict[str, str] = {
    "mou2002_arrivals": "the seed-1 run gives 595 against 1,142 (tolerance 171)",
    "mou2003_arrivals": "the seed-1 run gives 1,033 against 1,285 (tolerance 193)",
    "mou2003_female_share": "the seed-1 run gives 70.38 against 63.1 (tolerance 5)",
    "mou2004_female_share": "the seed-1 run gives 72.81 against 67 (tolerance 5)",
    "mou2005_arrivals": "the seed-1 run gives 2,024 against 1,384 (tolerance 208)",
    "mou2006_arrivals": "the seed-1 run gives 2,408 against 2,028 (tolerance 304)",
    "mou2008_arrivals": "the seed-1 run gives 2,299 against 2,803 (tolerance 420)",
    "mou2010_arrivals": "the seed-1 run gives 2,824 against 2,402 (tolerance 360)",
    "mou2011_female_share": "the seed-1 run gives 75.64 against 70.6 (tolerance 5)",
    "mou2012_arrivals": "the seed-1 run gives 1,858 against 1,502 (tolerance 225)",
    "mou2013_female_share": "the seed-1 run gives 81 against 75.6 (tolerance 5)",
    "mou2016_arrivals": "the seed-1 run gives 1,071 against 1,418 (tolerance 213)",
    "mou2017_arrivals": "the seed-1 run gives 955 against 1,127 (tolerance 169)",
    "mou2018_arrivals": "the seed-1 run gives 861 against 1,137 (tolerance 171)",
    "mou2019_arrivals": "the seed-1 run gives 802 against 1,047 (tolerance 157)",
    "mou2020_arrivals": "the seed-1 run gives 270 against 229 (tolerance 34.4)",
    "mou2022_arrivals": "the seed-1 run gives 55 against 67 (tolerance 10)",
    "mou2023_arrivals": "the seed-1 run gives 79 against 196 (tolerance 29.4)",
    "mou2024_arrivals": "the seed-1 run gives 78 against 236 (tolerance 35.4)",
    "mou2025_arrivals": "the seed-1 run gives 71 against 223 (tolerance 33.4)",
    "khf2023_labour_force_participation": "the seed-1 run gives 67.9 against 63.4 (tolerance 4.44)",
    "khf2020_employment_rate": "the seed-1 run gives 59.01 against 54.4 (tolerance 4.47)",
    "khf2024_employment_rate": "the seed-1 run gives 64.79 against 60.1 (tolerance 4.45)",
    "khf2022_mean_monthly_wage_mkrw": "the seed-1 run gives 2.092 against 2.384 (tolerance 0.286)",
    "official2007_livelihood_benefit_share":
        "the seed-1 run gives 56.09 against 63.5 (tolerance 6)",
    "kostat_suicide_share_2013_2022": "the seed-1 run gives 6.302 against 11.4 (tolerance 3.6)",
    "china2000_stock": "the seed-1 run gives 36,536 against 100,000 (tolerance 3.2e+04)",
    "china2001_stock": "the seed-1 run gives 25,837 against 40,000 (tolerance 1.28e+04)",
    "china2006_stock": "the seed-1 run gives 14,139 against 40,000 (tolerance 1.28e+04)",
    "china2009_stock": "the seed-1 run gives 8,418 against 16,500 (tolerance 6.41e+03)",
    "china2013_stock": "the seed-1 run gives 4,709 against 13,062 (tolerance 5.08e+03)",
    "abroad2002_mean": "the seed-1 run gives 2.161 against 3.17 (tolerance 0.5)",
    "abroad2003_mean": "the seed-1 run gives 2.304 against 3.92 (tolerance 0.5)",
    "abroad2023_2025_median": "the seed-1 run gives 1.556 against 10 (tolerance 5.1)",
    "mou_age_0_19": "the seed-1 run gives 20.04 against 15.1 (tolerance 4)",
    "mou_age_20_39": "the seed-1 run gives 52.27 against 57.2 (tolerance 4)",
    "chang2021_ptsd_resettlement_centres":
        "the seed-1 run gives 24.25 against 6.8 (tolerance 6.32)",
    "khf_employment_2018_2024": "the seed-1 run gives 5.916 against -0.3 (tolerance 3.42)",
    "khf_participation_2018_2024": "the seed-1 run gives 5.566 against -0.7 (tolerance 3.37)",
    "khf_satisfaction_2012_2024": "the seed-1 run gives 5.441 against 12.2 (tolerance 4.7)",
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
