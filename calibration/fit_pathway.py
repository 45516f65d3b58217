"""Fit the pathway parameters to the published arrival series and transit figures.

A penalised least-squares fit (scipy.optimize.least_squares) of the parameters listed in FITTED,
in transformed space (log for rates, logit for shares), with a weak penalty towards each prior's
centre. It gives the central values written into ``sim/data/parameters/pathway.yaml``; the full Bayesian
calibration with a posterior is ``resettle calibrate`` (pyABC). Targets come from
``sim/published.py``.

Usage: .venv/bin/python calibration/fit_pathway.py [--scale 4] [--max-evals 40] [--workers 2] [--write]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

import sim
from sim.engine.parameters import load_specs, prior_centre
from sim.measure import published
from sim.measure.validation import series

FITTED = [
    "departures_famine", "departures_post_famine", "departures_markets",
    "departures_kju_border_control", "departures_covid_closure", "departures_post_covid",
    "female_share_famine", "female_share_post_famine", "female_share_markets",
    "female_share_kju_border_control", "female_share_covid_closure", "female_share_post_covid",
    "chain_rate_post_famine", "chain_rate_markets", "chain_rate_kju_border_control",
    "onward_rate", "sponsored_rate_china", "broker_network_midyear",
    "broker_network_spread_years", "arrest_rate", "voluntary_return_rate",
    "onward_married_multiplier", "onward_multiplier_covid_closure",
    "onward_multiplier_counter_espionage", "onward_multiplier_tightened",
    "campaign_onward_multiplier_crackdown", "campaign_onward_multiplier_olympics", "marriage_rate",
    "sponsor_again_share", "savings_usd_per_month", "onward_settled_multiplier",
    "settle_rate", "arrest_married_multiplier", "redeparture_rate",
    "journey_months_laos_thailand", "detention_months", "direct_crossings_per_year",
    "campaign_arrest_multiplier_crackdown", "arrest_male_multiplier", "arrest_multiplier_tightened",
    "arrest_multiplier_famine_tolerance", "settle_rate_male", "onward_multiplier_reopening",
]
PARAMETERS = Path(__file__).resolve().parent.parent / "sim" / "data" / "parameters" / "pathway.yaml"


def to_free(name: str, value: float, spec) -> float:
    """Map a parameter into unbounded space."""
    if spec.high <= 1.0:
        v = min(max(value, 1e-6), 1 - 1e-6)
        return math.log(v / (1 - v))
    if name.endswith("midyear"):
        return value - 2000.0
    return math.log(max(value, 1e-9))


def from_free(name: str, x: float, spec) -> float:
    """Inverse of :func:`to_free`."""
    if spec.high <= 1.0:
        return 1.0 / (1.0 + math.exp(-x))
    if name.endswith("midyear"):
        return x + 2000.0
    return math.exp(x)


INNER = 0.6  # share of a tolerance inside which misfit costs little (fitting choice, not data)
STEEP = 0.05  # beyond it, one unit of residual per 5% of the tolerance
TIGHT = 0.6  # inner share for near-missed checks, to leave room for noise (fitting choice)
# 80-90% women (Wikipedia, 'North Korean defectors' (accessed 2026)); 75-95 accepted
WOMEN_IN_CHINA_PCT, WOMEN_IN_CHINA_TOL = 85.0, 10.0
STOCK_MARGIN = 0.04
DIFF_STEP = 0.05  # forward-difference step in free space  # aim 4% inside each published stock range, so noise keeps it inside


def hinge(error: float, tolerance: float, inner: float = INNER) -> list[float]:
    """Residuals that grow gently inside ``inner * tolerance`` and steeply beyond it."""
    excess = max(0.0, abs(error) - inner * tolerance) / (STEEP * tolerance)
    return [error / tolerance, math.copysign(excess, error)]


def residuals_of(df) -> np.ndarray:
    """Weighted residuals of a run against the published figures and the pathway's tolerances.

    Figures without a set tolerance get loose scales (fitting choices, not data):
    1999-2001 arrivals 0.3 on the log scale, 2020-2025 female shares 20 points, the stock ranges
    0.005 on the log scale outside the range, and the 2023-2025 median time abroad 0.2 years
    below 6.
    """
    res: list[float] = []
    arr = published.arrivals().set_index("year")
    sim_arr = series(df, "arrivals")
    for year, row in arr.iterrows():
        if year < 1999:
            continue
        if 2002 <= year <= 2019:
            res += hinge(sim_arr[year] - row.total, 0.15 * row.total)
        elif year >= 2020:
            res += hinge(sim_arr[year] - row.total, max(0.4 * row.total, 30))
        else:
            res.append(math.log((sim_arr[year] + 1) / (row.total + 1)) / 0.3)
    fshare = series(df, "female_share_of_arrivals")
    for year, row in arr.iterrows():
        if 2003 <= year <= 2019:
            res += hinge(fshare.get(year, 50.0) - row.female_pct, 5.0)
        elif year >= 2020 and not math.isnan(row.female_pct):
            res.append((fshare.get(year, 50.0) - row.female_pct) / 20.0)
    cum = series(df, "cumulative_arrivals")
    for _, row in published.cumulative_arrivals().iterrows():
        tol = 0.03 * row.total if row.year == 2025 else 0.1 * row.total
        res += hinge(cum[row.year] - row.total, tol)
    stock = series(df, "in_china")
    for _, row in published.china_stock().iterrows():
        s, low, high = stock[row.year], row.low * (1 + STOCK_MARGIN), row.high * (1 - STOCK_MARGIN)
        res.append((math.log(s / low) if s < low else
                    math.log(s / high) if s > high else 0.0) / 0.005)
    mean_abroad = series(df, "mean_years_abroad_of_arrivals")
    med_abroad = series(df, "median_years_abroad_of_arrivals")
    res += hinge(mean_abroad[2002] - 3.5, 0.5) + hinge(mean_abroad[2003] - 3.5, 0.5)
    res += hinge(mean_abroad[2009] - 1.5, 0.5, inner=TIGHT)
    women = 100 * series(df, "in_china", "female") / series(df, "in_china")
    for year in range(2005, 2020):
        res += hinge(women[year] - WOMEN_IN_CHINA_PCT, WOMEN_IN_CHINA_TOL, inner=TIGHT)
    res.append(min(0.0, np.median([med_abroad[y] for y in (2023, 2024, 2025)]) - 6.0) / 0.2)
    return np.array(res)


def prior_residual(name: str, x: float, spec) -> float:
    """Standardised distance of a free-space value from its prior's centre (a MAP penalty)."""
    prior = spec.prior
    centre = to_free(name, max(prior_centre(prior), 1e-6), spec)
    if prior["dist"] == "lognormal":
        return (x - centre) / prior["sigma"]
    if prior["dist"] == "normal":
        return (x - centre) / prior["sd"]
    return (x - centre) / 1.0  # uniform and beta priors: a unit-width pull in free space


class Objective:
    """Residuals (data and prior) of a parameter vector in free space; picklable for a pool."""

    def __init__(self, scale: int, seed: int) -> None:
        self.specs = load_specs()
        self.base = sim.api.resolve("baseline", scale=scale, horizon={"start": 1995, "end": 2025})
        self.seed = seed

    def values(self, x) -> dict[str, float]:
        return {n: from_free(n, xi, self.specs[n]) for n, xi in zip(FITTED, x, strict=True)}

    def __call__(self, x) -> np.ndarray:
        df = sim.run(self.base.with_overrides(**self.values(x)), seed=self.seed).indicators
        prior = [prior_residual(n, xi, self.specs[n]) for n, xi in zip(FITTED, x, strict=True)]
        return np.concatenate([residuals_of(df), prior])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-evals", type=int, default=400)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--write", action="store_true", help="write fitted values to sim/data/parameters/pathway.yaml")
    args = ap.parse_args(argv)
    objective = Objective(args.scale, args.seed)
    specs = objective.specs
    x0 = np.array([to_free(n, specs[n].value, specs[n]) for n in FITTED])
    started, calls = time.time(), [0]

    with ProcessPoolExecutor(args.workers) as pool:
        def fun(x):
            calls[0] += 1
            r = objective(x)
            print(f"step {calls[0]:4d}  {time.time() - started:6.0f}s  cost {0.5 * r @ r:10.1f}",
                  flush=True)
            return r

        def jac(x):
            """Forward differences, the columns evaluated in parallel."""
            f0 = objective(x)
            points = [x + DIFF_STEP * np.eye(x.size)[i] for i in range(x.size)]
            cols = list(pool.map(objective, points))
            return np.column_stack([(c - f0) / DIFF_STEP for c in cols])

        fit = least_squares(fun, x0, jac=jac, max_nfev=args.max_evals, method="trf")
    best = objective.values(fit.x)
    for name, value in best.items():
        print(f"{name:40s} {specs[name].value:12.6g} -> {value:12.6g}")
    print(f"final cost {fit.cost:.1f} after {calls[0]} steps")
    if args.write:
        write_values(best)
    return 0


def write_values(values: dict[str, float]) -> None:
    """Replace the ``value:`` line of each parameter in pathway.yaml, keeping comments."""
    text = PARAMETERS.read_text()
    for name, value in values.items():
        pattern = re.compile(rf"(\n  {re.escape(name)}:\n    value: )([^\n]+)")
        text, n = pattern.subn(lambda m: m.group(1) + f"{value:.6g}", text)
        if n != 1:
            raise SystemExit(f"parameter {name} not found once in {PARAMETERS}")
    PARAMETERS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
