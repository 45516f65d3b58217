"""Early rejection: a calibration run stops as soon as the targets it has already produced put it
beyond the threshold, which no later year can undo.

The distance (:func:`sim.experiments.calibrate.distance`) is the root mean square of the
standardised errors over the N fitted targets, so a run is accepted when their sum of squares is
at most N times the threshold squared. Each term is at least 0: once the targets whose years are
over give more than that, the run is rejected whatever its later years give, and the rest of it
would be wasted. The run is therefore checked at a few year ends (:func:`checkpoints`) and
stopped there when it already exceeds the bound. Stopping only where rejection is certain leaves
the sampler's outcome exactly as it was (the stopping rule of Prangle D (2016), "Lazy ABC",
Statistics and Computing 26: 171-185, with a continuation chance of 0 only where the acceptance
chance is 0): the same particles, fewer simulated years.
"""

from __future__ import annotations

import math
from typing import Callable

from ..measure import targets

QUANTILES = (0.25, 0.5, 0.75)  # checked at the years by which these shares of the targets are
# known, a stated choice: each check reads the indicators (1-2% of a run at scale 10), and
# two checks (a third and two thirds) saved less (benchmarks/README.md, "Early rejection")
REJECTED = math.inf  # the distance reported for a run stopped early (beyond any threshold)


def checkpoints(fitted: list[targets.Target], last_year: int) -> dict[int, list[targets.Target]]:
    """The years after which a run is checked, each with the targets known by the end of it:
    the years by which :data:`QUANTILES` of the targets are known, before the run's last."""
    ends = sorted(t.years[-1] for t in fitted)
    years = sorted({ends[int(q * len(ends))] for q in QUANTILES} if ends else ())
    return {y: [t for t in fitted if t.years[-1] <= y] for y in years if y < last_year}


def run_unless_beyond(model, checks: dict[int, list[targets.Target]], n_targets: int,
                      epsilon: float, squares: Callable[[list[targets.Target], object], float]
                      ) -> bool:
    """Step ``model`` to its end, checking it after each year of ``checks``; False (the model
    left where it stopped) once ``squares(known, model)``, the sum of the squared standardised
    errors of the targets known then, exceeds ``n_targets`` times ``epsilon`` squared, True for
    a run that went to its end."""
    bound = n_targets * epsilon * epsilon
    start = model.calendar.start_year
    for year, known in sorted(checks.items()):
        december = 12 * (year - start) + 11  # the month index that ends the year
        if december < 0:  # targets of years before the run: known to be missing, not checked
            continue
        while model.running and model.month < december:
            model.step()
        if not model.running:
            break
        if squares(known, model) > bound:
            return False
    model.run_model()
    return True
