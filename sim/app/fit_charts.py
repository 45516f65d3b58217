"""Charts of calibration and validation (PNG and SVG, colour-blind and greyscale safe):

- :func:`fit_chart`: every target's simulated median and 90% interval against the published
  value, in tolerances (0 = the published figure; the shaded band is within tolerance).
- :func:`marginals_chart`: the weighted posterior of each estimated parameter over its prior.
- :func:`epsilon_chart`: the acceptance threshold and the moves' acceptance rate by generation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..measure.targets import NOT_PRODUCED
from .charts import PALETTE, _figure, _save

WITHIN, OUTSIDE = PALETTE[1], PALETTE[2]  # blue circles, vermillion squares
Z_LIMIT = 4.0  # the axis stops at 4 tolerances; further points sit on the edge with an arrow


def _z(table: pd.DataFrame, column: str) -> np.ndarray:
    return ((table[column] - table.observed) / table.tolerance).to_numpy(dtype=float)


def fit_chart(table: pd.DataFrame, stem: Path, title: str) -> list[Path]:
    """:func:`fit_figure`, saved as PNG and SVG."""
    return _save(fit_figure(table, title), stem)


def fit_figure(table: pd.DataFrame, title: str):
    """One row per target: median and 90% interval of (simulated - observed) / tolerance."""
    n = len(table)
    fig = _figure((8.5, 1.2 + 0.19 * n))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    ax.axvspan(-1, 1, color="#dddddd", zorder=0, label="within tolerance")
    ax.axvline(0, color="black", lw=0.8)
    z50, z05, z95 = (np.clip(_z(table, c), -Z_LIMIT, Z_LIMIT)
                     for c in ("simulated_p50", "simulated_p05", "simulated_p95"))
    within = (table.within_tolerance == "yes").to_numpy()
    missing = (table.within_tolerance == NOT_PRODUCED).to_numpy()
    ax.hlines(y[~missing], z05[~missing], z95[~missing], color="#555555", lw=1)
    ax.plot(z50[within], y[within], "o", color=WITHIN, label="median within tolerance")
    ax.plot(z50[~within & ~missing], y[~within & ~missing], "s", color=OUTSIDE,
            label="median outside tolerance")
    for yi in y[missing]:
        ax.text(0, yi, "not produced by the model", ha="center", va="center", fontsize="x-small")
    labels = [f"{r.id} ({r.year})" if str(r.year) not in r.id else r.id
              for r in table.itertuples()]
    ax.set_yticks(y, labels, fontsize="x-small")
    ax.set_ylim(-1, n)
    ax.set_xlim(-Z_LIMIT - 0.2, Z_LIMIT + 0.2)
    ax.set_xlabel("(simulated - published) / tolerance   (bars: 90% of replicates)")
    ax.set_title(title)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside upper center", ncols=3,
               fontsize="small")  # above the axes: it never hides a row
    return fig


def marginals_chart(populations: pd.DataFrame, priors: list, stem: Path) -> list[Path]:
    """Weighted histogram of each parameter in the last generation, with the prior's density."""
    last = populations[populations.generation == populations.generation.max()]
    cols = 4
    rows = -(-len(priors) // cols)
    fig = _figure((11, 2.3 * rows + 0.6))
    for i, prior in enumerate(priors):
        ax = fig.add_subplot(rows, cols, i + 1)
        values, weights = last[prior.name].to_numpy(), last.weight.to_numpy()
        rv = prior.distribution()
        low, high = rv.ppf(0.005), rv.ppf(0.995)
        low, high = min(low, values.min()), max(high, values.max())
        grid = np.linspace(low, high, 200)
        ax.hist(values, bins=20, weights=weights, density=True, color=WITHIN, alpha=0.6,
                label="posterior")
        ax.plot(grid, rv.pdf(grid), color="black", ls="--", lw=1, label="prior")
        ax.set_title(prior.name, fontsize="small")
        ax.tick_params(labelsize="x-small")
        ax.set_yticks([])
        if i == 0:
            ax.legend(fontsize="x-small")
    fig.suptitle("Posterior (last generation, weighted) against the prior")
    return _save(fig, stem)


def epsilon_chart(generations: pd.DataFrame, stem: Path) -> list[Path]:
    """The acceptance threshold by generation, with the share of MCMC moves accepted."""
    fig = _figure((8, 4.5))
    ax = fig.add_subplot()
    ax.plot(generations.generation, generations.epsilon, "o-", color=PALETTE[0],
            label="acceptance threshold (epsilon)")
    ax.set_xlabel("generation")
    ax.set_ylabel("epsilon (RMS error, in tolerances)")
    ax.set_xticks(generations.generation)
    twin = ax.twinx()
    twin.plot(generations.generation, 100 * generations.acceptance_rate, "s--",
              color=PALETTE[2], label="moves accepted (%)")
    twin.set_ylabel("accepted (%)")
    twin.set_ylim(0, 100)
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right", fontsize="small")
    ax.set_title("ABC-SMC: acceptance threshold by generation")
    return _save(fig, stem)
