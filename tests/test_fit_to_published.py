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
# China in 2000 and 2006, the time abroad, PTSD at arrival for recent cohorts and the survey
# trends are misses of the model's mechanisms, not of chance (README, Calibration; docs/fit.md).
KNOWN_MISSES: dict[str, str] = {
    "mou2002_arrivals": "the seed-1 run gives 816 against 1,142 (tolerance 171)",
    "mou2005_arrivals": "the seed-1 run gives 1,707 against 1,384 (tolerance 208)",
    "mou2008_arrivals": "the seed-1 run gives 2,326 against 2,803 (tolerance 420)",
    "mou2010_arrivals": "the seed-1 run gives 2,842 against 2,402 (tolerance 360)",
    "mou2012_arrivals": "the seed-1 run gives 1,834 against 1,502 (tolerance 225)",
    "mou2016_arrivals": "the seed-1 run gives 1,180 against 1,418 (tolerance 213)",
    "mou2023_arrivals": "the seed-1 run gives 136 against 196 (tolerance 29.4)",
    "mou2024_arrivals": "the seed-1 run gives 181 against 236 (tolerance 35.4)",
    "mou2025_arrivals": "the seed-1 run gives 167 against 223 (tolerance 33.4)",
    "khf2014_mean_job_tenure_months": "the seed-1 run gives 22.67 against 19 (tolerance 2.28)",
    "official2007_livelihood_benefit_share":
        "the seed-1 run gives 50.92 against 63.5 (tolerance 6)",
    "china2000_stock": "the seed-1 run gives 42,107 against 100,000 (tolerance 3.2e+04)",
    "china2006_stock": "the seed-1 run gives 20,146 against 40,000 (tolerance 1.28e+04)",
    "abroad2003_mean": "the seed-1 run gives 3.357 against 3.92 (tolerance 0.5)",
    "abroad2009_mean": "the seed-1 run gives 2.333 against 1.5 (tolerance 0.5)",
    "chang2021_ptsd_resettlement_centres":
        "the seed-1 run gives 19.16 against 6.8 (tolerance 6.32)",
    "khf_employment_2018_2024": "the seed-1 run gives 5.402 against -0.3 (tolerance 3.42)",
    "khf_participation_2018_2024": "the seed-1 run gives 4.962 against -0.7 (tolerance 3.37)",
    "khf_satisfaction_2012_2024": "the seed-1 run gives 4.784 against 12.2 (tolerance 4.7)",
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
