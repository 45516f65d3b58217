"""Charts of a run. Matplotlib's Agg canvas only: no display, no global pyplot state."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import published

# Okabe-Ito palette (colour-blind safe); line styles and markers also differ, for greyscale.
STYLES = {
    "female": {"color": "#D55E00", "linestyle": "-", "marker": "o"},   # vermillion
    "male": {"color": "#0072B2", "linestyle": "--", "marker": "s"},    # blue
    "total": {"color": "#000000", "linestyle": ":", "marker": "^"},    # black
}
FIRST_PUBLISHED_YEAR, LAST_PUBLISHED_YEAR = 1998, 2025  # span of the MOU arrival series
CAPTION = "Scenario estimates with uncertainty, not predictions about any person."
FIGSIZE_IN = (9, 5.5)
DPI = 120


def _simulated(indicators: pd.DataFrame) -> pd.DataFrame:
    """Simulated arrivals by year (rows) and sex (female, male, total), mean over replicates."""
    rows = indicators[(indicators["indicator"] == "arrivals")
                      & (indicators["years_since_arrival"] == "all")]
    table = rows.groupby(["year", "sex"])["value"].mean().unstack("sex")
    return table.rename(columns={"all": "total"})


def arrivals_chart(indicators: pd.DataFrame, path: str | Path) -> Path:
    """Plot simulated arrivals (lines) against the published MOU series (markers) and save a PNG.

    Args:
        indicators: The tidy indicator table of a run (``sim.indicators.COLUMNS``).
        path: Where to write the PNG.

    Returns:
        The path written.
    """
    fig = Figure(figsize=FIGSIZE_IN, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    simulated, mou = _simulated(indicators), published.arrivals().set_index("year")
    for series, style in STYLES.items():
        if series in simulated:
            ax.plot(simulated.index, simulated[series], color=style["color"],
                    linestyle=style["linestyle"], linewidth=1.8, label=f"simulated, {series}")
        observed = mou[series].dropna()
        ax.plot(observed.index, observed, linestyle="none", marker=style["marker"],
                markerfacecolor="white", markeredgecolor=style["color"], markeredgewidth=1.4,
                label=f"MOU published, {series}")
    years = [FIRST_PUBLISHED_YEAR, LAST_PUBLISHED_YEAR, *simulated.index]
    ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.set_ylim(bottom=0)
    ax.set_title("Arrivals of North Korean defectors in South Korea: simulated and published")
    ax.set_xlabel("Year of arrival")
    ax.set_ylabel("Arrivals per year (people)")
    ax.grid(color="#DDDDDD", linewidth=0.6)
    ax.legend(ncols=2, fontsize="small", frameon=False)
    fig.supxlabel(CAPTION, x=0.01, ha="left", fontsize="small", style="italic")  # laid out
    fig.savefig(path, dpi=DPI)
    return Path(path)
