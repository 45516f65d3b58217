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
KNOWN_MISSES: dict[str, str] = {  # measured with calibration/fit_table.py at the committed values
    "mou2013_arrivals": "the seed-1 run gives 1,271 against MOU 1,514 (tolerance 227): the "
                        "model's arrivals fall from 2012 to 2013 where MOU's stay level",
    "khf2019_people_to_rely_on": "the run gives 2.34 people to rely on against fewer than two "
                                 "(1.5 +- 0.5); the calibrated ensemble misses it too (README)",
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
    print(f"\n{target.id}: model {value:.4g}, published {target.value:.4g} ± "
          f"{target.tolerance:.3g} ({target.source})")
    assert abs(value - target.value) <= target.tolerance


def test_women_are_most_of_those_in_china():
    """80-90% of North Koreans in China are women (Wikipedia, 'North Korean defectors');
    accepted 75-95, 2005-2019."""
    df = baseline().indicators
    share = 100 * series(df, "in_china", "female") / series(df, "in_china")
    print("\n" + share.loc[2005:2019].round(1).to_string())
    assert share.loc[2005:2019].between(75, 95).all()
