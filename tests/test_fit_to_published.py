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
# Measured with the seed-1 run at the committed values. The stock in China, repatriations since
# 2020, PTSD at arrival, the age mix and the survey trends are mechanism
# misses that the calibration of calibration/priors.yaml is to address (README, Calibration).
KNOWN_MISSES: dict[str, str] = {
    "mou2019_arrivals": "the seed-1 run gives 1,232 against 1,047 (tolerance 157)",
    "mou2021_arrivals": "the seed-1 run gives 85 against 63 (tolerance 9.45)",
    "mou2022_arrivals": "the seed-1 run gives 97 against 67 (tolerance 10)",
    "mou2023_arrivals": "the seed-1 run gives 266 against 196 (tolerance 29.4)",
    "khf2012_labour_force_participation":
        "the seed-1 run gives 45.99 against 54.1 (tolerance 4.47)",
    "khf2018_labour_force_participation":
        "the seed-1 run gives 60.18 against 64.8 (tolerance 4.43)",
    "khf2012_employment_rate": "the seed-1 run gives 42.27 against 50 (tolerance 4.47)",
    "khf2024_employment_rate": "the seed-1 run gives 64.8 against 60.1 (tolerance 4.45)",
    "khf2020_unemployment_rate": "the seed-1 run gives 5.338 against 9.4 (tolerance 2.5)",
    "official2007_livelihood_benefit_share":
        "the seed-1 run gives 57.01 against 63.5 (tolerance 6)",
    "khf2019_people_to_rely_on": "the seed-1 run gives 2.334 against 1.5 (tolerance 0.707)",
    "china2001_stock": "the seed-1 run gives 65,133 against 40,000 (tolerance 1.28e+04)",
    "china2009_stock": "the seed-1 run gives 45,426 against 16,500 (tolerance 6.41e+03)",
    "china2013_stock": "the seed-1 run gives 48,119 against 13,062 (tolerance 5.08e+03)",
    "repatriated_2020_2025": "the seed-1 run gives 17,842 against 2,152 (tolerance 1.16e+03)",
    "abroad2002_mean": "the seed-1 run gives 3.785 against 3.17 (tolerance 0.5)",
    "mou_age_20_39": "the seed-1 run gives 50.69 against 57.2 (tolerance 4)",
    "mou_age_40_59": "the seed-1 run gives 26.9 against 22.7 (tolerance 4)",
    "khf2024_unemployment_rate_women": "the seed-1 run gives 4.681 against 7.7 (tolerance 2.59)",
    "chang2021_ptsd_resettlement_centres":
        "the seed-1 run gives 30.59 against 6.8 (tolerance 6.32)",
    "khf_employment_2018_2024": "the seed-1 run gives 8.101 against -0.3 (tolerance 3.42)",
    "khf_participation_2018_2024": "the seed-1 run gives 7.685 against -0.7 (tolerance 3.37)",
    "khf_unemployment_2018_2020": "the seed-1 run gives -0.4445 against 2.5 (tolerance 2.5)",
    "khf_unemployment_2020_2023": "the seed-1 run gives -0.5767 against -4.9 (tolerance 2.38)",
    "khf_satisfaction_2012_2024": "the seed-1 run gives 4.473 against 12.2 (tolerance 4.7)",
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
