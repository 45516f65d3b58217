"""Cost-effectiveness analysis of a probabilistic (paired) ensemble, as health economists do it.

Pure functions over NumPy arrays and pandas DataFrames: no model code, no file I/O. The methods
follow the R packages dampack, BCEA, heemod and voi. Inputs are per-replicate results: the
incremental cost (million KRW) and incremental effect (oriented so that larger is better) of an
intervention against its comparator, or, for several strategies, arrays of shape (R, S) of costs,
effects or net monetary benefits (NMB = wtp * effect - cost) per replicate and strategy.

Bad input raises :class:`ValueError` with a one-line message.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

VERDICTS = ("dominant", "ratio", "harms", "unclear")  # the values of the verdict column
STATUSES = ("reference", "frontier", "dominated", "extendedly dominated")  # frontier status
EVPI_ROW = "all uncertainty (EVPI)"


# ----------------------------------------------------------------------------------- input checks


def _array(x: ArrayLike, name: str, ndim: int) -> np.ndarray:
    """A non-empty, finite float array of ``ndim`` dimensions (2: replicates x strategies)."""
    a = np.asarray(x, dtype=float)
    if a.ndim != ndim:
        shape = "one-dimensional" if ndim == 1 else "two-dimensional (replicates x strategies)"
        raise ValueError(f"{name} must be {shape}, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has non-finite values")
    return a


def _vector(x: ArrayLike, name: str) -> np.ndarray:
    return _array(x, name, 1)


def _matrix(x: ArrayLike, name: str) -> np.ndarray:
    return _array(x, name, 2)


def _same_length(a: np.ndarray, b: np.ndarray, names: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{names} have different lengths ({len(a)} and {len(b)})")


def _pair(delta_cost: ArrayLike, delta_effect: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Checked incremental costs and effects of the same length."""
    dc, de = _vector(delta_cost, "delta_cost"), _vector(delta_effect, "delta_effect")
    _same_length(dc, de, "delta_cost and delta_effect")
    return dc, de


def _wtp(wtp: ArrayLike) -> np.ndarray:
    """A checked willingness-to-pay grid (a scalar is a grid of one)."""
    w = np.atleast_1d(np.asarray(wtp, dtype=float))
    if w.ndim != 1:
        raise ValueError(f"wtp must be one-dimensional, got shape {w.shape}")
    if w.size == 0:
        raise ValueError("wtp is empty")
    if not np.isfinite(w).all():
        raise ValueError("wtp has non-finite values")
    if (w < 0).any():
        raise ValueError("wtp has negative values")
    return w


def _level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (exclusive), got {level}")
    return float(level)


def _percent(level: float) -> str:
    """0.9 -> '90%', 0.975 -> '97.5%'."""
    return f"{100 * level:g}%"


# ----------------------------------------------------------------------------- basic summaries


def percentile_interval(x: ArrayLike, level: float = 0.90) -> tuple[float, float]:
    """Equal-tailed ``level`` interval of ``x`` (numpy percentile, default linear method)."""
    a = _vector(x, "x")
    tail = 50.0 * (1.0 - _level(level))
    low, high = np.percentile(a, [tail, 100.0 - tail])
    return float(low), float(high)


def discount_factors(years: ArrayLike, first_year: int | float, rate: float) -> np.ndarray:
    """Discount factors 1 / (1 + rate) ** (year - first_year); 1 for years before ``first_year``.

    ``rate`` must be in [0, 1); rate 0 gives ones.
    """
    if not (math.isfinite(rate) and 0.0 <= rate < 1.0):
        raise ValueError(f"discount rate must be in [0, 1), got {rate}")
    y = _vector(years, "years")
    if not math.isfinite(first_year):
        raise ValueError(f"first_year must be finite, got {first_year}")
    return (1.0 + rate) ** -np.maximum(y - first_year, 0.0)


# --------------------------------------------------------------------------------------- CEACs


def ceac(delta_cost: ArrayLike, delta_effect: ArrayLike, wtp: ArrayLike) -> np.ndarray:
    """Cost-effectiveness acceptability curve (Fenwick, O'Brien & Briggs 2004).

    For each willingness to pay lambda in ``wtp``: the share of replicates whose net monetary
    benefit lambda * dE - dC is positive, a replicate with a net benefit of exactly zero (a tie
    with the comparator) counting half, as in :func:`ceac_multi`. Returns an array of length
    ``len(wtp)``.
    """
    dc, de = _pair(delta_cost, delta_effect)
    w = _wtp(wtp)
    nmb = np.outer(de, w) - dc[:, None]  # R x len(wtp)
    return ((nmb > 0) + 0.5 * (nmb == 0)).mean(axis=0)


def ceac_multi(costs: ArrayLike, effects: ArrayLike, wtp: ArrayLike) -> np.ndarray:
    """Multi-strategy CEACs: share of replicates in which each strategy has the highest NMB.

    ``costs`` and ``effects`` have shape (R, S). Returns shape (len(wtp), S); a replicate in which
    several strategies tie for the highest NMB is split equally among them, so rows sum to 1.
    """
    c, e = _matrix(costs, "costs"), _matrix(effects, "effects")
    if c.shape != e.shape:
        raise ValueError(f"costs and effects have different shapes ({c.shape} and {e.shape})")
    w = _wtp(wtp)
    out = np.empty((w.size, c.shape[1]))
    for i, lam in enumerate(w):  # one R x S slice at a time keeps memory at O(R * S)
        nmb = lam * e - c
        best = nmb == nmb.max(axis=1, keepdims=True)
        out[i] = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
    return out


# ---------------------------------------------------------------------------------------- ICERs


def _order_rank(p: float, n: int) -> int:
    """k = ceil(p * n), the 1-based rank of the inverted-CDF p-quantile (float noise rounded)."""
    return max(1, math.ceil(round(p * n, 9)))


def _first_reach(dc: np.ndarray, de: np.ndarray, p: float) -> float:
    """Smallest lambda >= 0 (an infimum) at which the exact CEAC step function reaches ``p``."""
    need = _order_rank(p, dc.size)  # CEAC >= p  <=>  count of cost-effective replicates >= need
    pos = np.sort(dc[de > 0] / de[de > 0])  # cost-effective iff lambda > threshold
    neg = np.sort(dc[de < 0] / de[de < 0])  # cost-effective iff lambda < threshold
    always = int(((de == 0) & (dc < 0)).sum())
    cuts = np.unique(np.concatenate([pos, neg]))
    cuts = cuts[cuts > 0]
    # the CEAC is constant on each piece of [0], (0, t1), [t1], (t1, t2), ..., [tm], (tm, inf)
    left = np.repeat(np.concatenate([[0.0], cuts]), 2)
    right = np.repeat(np.concatenate([cuts, [np.inf]]), 2)
    is_point = np.arange(left.size) % 2 == 0
    right[is_point] = left[is_point]
    # a point lambda: pos thresholds < lambda, neg thresholds > lambda
    # an open interval (a, b): pos thresholds <= a, neg thresholds >= b
    below = np.where(is_point, np.searchsorted(pos, left, "left"),
                     np.searchsorted(pos, left, "right"))
    above = neg.size - np.where(is_point, np.searchsorted(neg, right, "right"),
                                np.searchsorted(neg, right, "left"))
    reached = np.flatnonzero(below + above + always >= need)
    return float(left[reached[0]]) if reached.size else math.inf


def icer_interval(
    delta_cost: ArrayLike, delta_effect: ArrayLike, level: float = 0.90
) -> tuple[float, float]:
    """Interval of the ICER from the inverted CEAC (Fenwick, O'Brien & Briggs 2004).

    The bounds are the smallest lambda >= 0 (infimum) at which the exact CEAC step function first
    reaches p = (1 - level) / 2 and 1 - p: a replicate with dE > 0 is cost-effective iff
    lambda > dC/dE, with dE < 0 iff lambda < dC/dE, with dE == 0 iff dC < 0. A bound is 0.0 when the
    CEAC already reaches it at lambda = 0 and math.inf when it never does.

    When every dE > 0 the bound for p is max(0, r_(k)), the k-th smallest of the R ratios dC/dE
    with k = ceil(p * R) (1-based): numpy's quantile of the ratios with method="inverted_cdf".
    """
    dc, de = _pair(delta_cost, delta_effect)
    tail = (1.0 - _level(level)) / 2.0
    return _first_reach(dc, de, tail), _first_reach(dc, de, 1.0 - tail)


def _format_ratio(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _verdict(mean_c: float, de: np.ndarray, low_e: float, high_e: float, level: float):
    """(verdict, text) from the mean cost, the effects and the effect interval."""
    pct = _percent(level)
    mean_e = float(de.mean())
    if not de.any():
        return "unclear", "no clear effect: the effect is zero in every replicate"
    if low_e <= 0 <= high_e:
        text = f"no clear effect: the {pct} interval of the effect spans zero"
        return "unclear", text + ("; the mean effect is negative" if mean_e < 0 else "")
    if mean_e == 0 or (mean_e > 0) != (low_e > 0):  # extreme replicates pull the mean across
        return "unclear", f"no clear effect: the mean effect and its {pct} interval disagree"
    if mean_e < 0:
        return "harms", "the outcome gets worse on average: no cost per unit of effect"
    if mean_c <= 0:
        return "dominant", "saves money and improves the outcome (dominant)"
    return "ratio", f"{_format_ratio(mean_c / mean_e)} per unit of effect (ratio of the means)"


def summarise(delta_cost: ArrayLike, delta_effect: ArrayLike, level: float = 0.90) -> dict:
    """Means, equal-tailed intervals, the ICER and a verdict for one intervention.

    The ICER is the ratio of means, mean dC / mean dE over all replicates (never the mean of
    per-replicate ratios, never dropping replicates), and is printed (not NaN) only for the
    verdict "ratio": mean dE > 0, its interval above zero, and mean dC > 0. Its interval comes
    from :func:`icer_interval`. Verdicts: "dominant", "ratio", "harms", "unclear".
    """
    dc, de = _pair(delta_cost, delta_effect)
    level = _level(level)
    c_low, c_high = percentile_interval(dc, level)
    e_low, e_high = percentile_interval(de, level)
    mean_c, mean_e = float(dc.mean()), float(de.mean())
    verdict, text = _verdict(mean_c, de, e_low, e_high, level)
    icer = icer_low = icer_high = math.nan
    if verdict == "ratio":
        icer = mean_c / mean_e
        icer_low, icer_high = icer_interval(dc, de, level)
    return {
        "replicates": int(dc.size),
        "cost_mean": mean_c,
        "cost_low": c_low,
        "cost_high": c_high,
        "effect_mean": mean_e,
        "effect_low": e_low,
        "effect_high": e_high,
        "icer": icer,
        "icer_low": icer_low,
        "icer_high": icer_high,
        "verdict": verdict,
        "verdict_text": text,
    }


# ------------------------------------------------------------------------------------ frontier


def _strongly_dominated(cost: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """Dominated: another strategy costs no more and is at least as effective, strictly better in
    one; of exact duplicates all but the first in input order are marked dominated too."""
    n = cost.size
    out = np.zeros(n, dtype=bool)
    for i in range(n):
        no_worse = (cost <= cost[i]) & (effect >= effect[i])
        strictly = (cost < cost[i]) | (effect > effect[i])
        same_before = (cost == cost[i]) & (effect == effect[i]) & (np.arange(n) < i)
        out[i] = (no_worse & strictly).any() or same_before.any()
    return out


def frontier(names: list[str], cost_means: ArrayLike, effect_means: ArrayLike) -> pd.DataFrame:
    """Efficiency frontier with dominance and extended dominance, as dampack's calculate_icers.

    Strategies are sorted by cost (then effect, descending); strongly dominated ones are removed,
    then extendedly dominated ones (ICER higher than that of the next more effective strategy on
    the remaining frontier), one at a time until the ICERs increase. The cheapest remaining is the
    "reference"; the others are "frontier" with the ICER against the previous frontier strategy.
    Columns: strategy, cost, effect, status, icer, compared_with; rows in input order.
    """
    names = [str(n) for n in names]
    cost, effect = _vector(cost_means, "cost_means"), _vector(effect_means, "effect_means")
    _same_length(cost, effect, "cost_means and effect_means")
    if len(names) != cost.size:
        raise ValueError(f"names and cost_means have different lengths ({len(names)} and "
                         f"{cost.size})")
    if len(set(names)) != len(names):
        raise ValueError("strategy names are not unique")
    status = np.where(_strongly_dominated(cost, effect), "dominated", "frontier").astype(object)
    keep = [int(i) for i in np.lexsort((-effect, cost)) if status[i] == "frontier"]
    while True:
        icers = [(cost[b] - cost[a]) / (effect[b] - effect[a]) for a, b in zip(keep, keep[1:])]
        worse = next((k for k in range(len(icers) - 1) if icers[k] > icers[k + 1]), None)
        if worse is None:
            break
        status[keep[worse + 1]] = "extendedly dominated"
        del keep[worse + 1]
    status[keep[0]] = "reference"
    icer = np.full(cost.size, math.nan)
    compared = [""] * cost.size
    for a, b in zip(keep, keep[1:]):
        icer[b] = (cost[b] - cost[a]) / (effect[b] - effect[a])
        compared[b] = names[a]
    return pd.DataFrame({"strategy": names, "cost": cost, "effect": effect,
                         "status": list(status), "icer": icer, "compared_with": compared})


# --------------------------------------------------------------------------- value of information


def evpi(nmb: ArrayLike) -> float:
    """Expected value of perfect information: E[max_s NMB] - max_s E[NMB] (never negative).

    ``nmb`` has shape (R, S): net monetary benefit per replicate and strategy.
    """
    v = _matrix(nmb, "nmb")
    return max(0.0, float(v.max(axis=1).mean() - v.mean(axis=0).max()))


def _gp_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fitted values of a Gaussian-process metamodel of ``y`` on standardised ``x``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    # start values and bounds of hyperparameters estimated by maximum likelihood (as Strong,
    # Oakley & Brennan 2014 do); on standardised inputs and outputs the bounds only keep the
    # optimiser away from degenerate fits, and restarts from random starts guard local optima
    kernel = ConstantKernel(1.0, (1e-4, 1e4)) * RBF(
        length_scale=np.ones(x.shape[1]), length_scale_bounds=(1e-2, 1e3)
    ) + WhiteKernel(noise_level=0.1, noise_level_bounds=(1e-6, 1e1))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=3, random_state=0)
    # one BLAS thread: small matrices gain nothing from more, and a busy machine makes
    # spinning BLAS threads ten times slower; hyperparameters at a bound (no noise) are expected
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(x, y)
        return gp.predict(x)


def evppi(nmb: ArrayLike, inputs: ArrayLike) -> float:
    """Expected value of partial perfect information on a group of inputs.

    Regression (metamodel) method of Strong, Oakley & Brennan (2014): the incremental NMB of each
    strategy against column 0 is regressed on the standardised inputs with a Gaussian process
    (scikit-learn: ConstantKernel * ARD RBF + WhiteKernel, normalize_y, fixed seed); with fitted
    values g_s (g_0 = 0), EVPPI = mean_r max_s g_s - max_s mean_r g_s, clipped to [0, EVPI].
    Inputs with zero variance are dropped (none left: 0.0). The GP costs O(R^3): fine for R up to
    a couple of thousand replicates.
    """
    v = _matrix(nmb, "nmb")
    x = np.asarray(inputs, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"inputs must have shape (R,) or (R, k), got {np.shape(inputs)}")
    if x.shape[0] != v.shape[0]:
        raise ValueError(f"nmb and inputs have different numbers of replicates ({v.shape[0]} and "
                         f"{x.shape[0]})")
    if not np.isfinite(x).all():
        raise ValueError("inputs has non-finite values")
    x = x[:, x.std(axis=0) > 0]
    if x.shape[1] == 0 or v.shape[1] < 2:
        return 0.0
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    g = np.zeros_like(v)
    for s in range(1, v.shape[1]):
        inc = v[:, s] - v[:, 0]
        g[:, s] = inc if np.ptp(inc) == 0 else _gp_fit(x, inc)
    value = float(g.max(axis=1).mean() - g.mean(axis=0).max())
    return min(max(0.0, value), evpi(v))


def evppi_table(nmb: ArrayLike, groups: dict[str, np.ndarray]) -> pd.DataFrame:
    """EVPPI of each named group of inputs, after a first row for all uncertainty (the EVPI).

    Columns: group, evppi, share_of_evpi (evppi / evpi; NaN when the EVPI is 0).
    """
    total = evpi(nmb)
    rows = [(EVPI_ROW, total)] + [(name, evppi(nmb, x)) for name, x in groups.items()]
    table = pd.DataFrame(rows, columns=["group", "evppi"])
    table["share_of_evpi"] = table["evppi"] / total if total > 0 else math.nan
    return table


# ------------------------------------------------------------------------------- budget impact


def budget_impact(costs: pd.DataFrame, level: float = 0.90) -> pd.DataFrame:
    """Yearly budget impact over an ensemble: mean and equal-tailed interval (90% by default)
    per year.

    ``costs`` has columns replicate, year, cost, one row per replicate and year; a replicate with
    no row for a year had no cost then (0), so every replicate appearing anywhere in the input
    counts in every year. Output columns: year, mean, low, high, for the years in the input.
    """
    if not isinstance(costs, pd.DataFrame):
        raise ValueError("costs must be a DataFrame with columns replicate, year, cost")
    missing = [c for c in ("replicate", "year", "cost") if c not in costs.columns]
    if missing:
        raise ValueError(f"costs lacks the columns {', '.join(missing)}")
    _vector(costs["cost"].to_numpy(dtype=float), "cost")
    if costs[["replicate", "year"]].isna().any().any():
        raise ValueError("costs has missing replicate or year values")
    if costs.duplicated(["replicate", "year"]).any():
        raise ValueError("costs has more than one row for the same replicate and year")
    wide = costs.pivot(index="replicate", columns="year", values="cost").fillna(0.0)
    rows = []
    for year in wide.columns:
        values = wide[year].to_numpy(dtype=float)
        low, high = percentile_interval(values, level)
        rows.append({"year": year, "mean": float(values.mean()), "low": low, "high": high})
    return pd.DataFrame(rows, columns=["year", "mean", "low", "high"])
