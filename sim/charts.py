"""Charts of ensembles and comparisons (PNG and SVG), readable in greyscale and by colour-blind
readers: Okabe-Ito colours, and line styles and hatches that differ too.

- :func:`fan_chart`: an indicator over time for each scenario: median, 50% and 90% bands, with the
  published points on the same axes.
- :func:`counterfactual_chart`: the paired difference against the baseline with its interval, in
  people and in percentage points.
- :func:`flow_chart`: the pathway from leaving North Korea to the outcomes.
- :func:`lever_chart`: the effect of each scenario on chosen outcomes, with intervals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from . import published, validation
from .plots import CAPTION

PALETTE = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
           "#F0E442"]
LINES = ["-", "--", "-.", ":"]
DPI = 120
PLAIN = {"employed_count": "People in work", "employment_rate": "Employment rate",
         "depression_prevalence": "Depression", "depressed_count": "People with depression"}
TITLES = {
    "arrivals": ("Arrivals in South Korea", "people per year"),
    "employment_rate": ("Employment rate of residents 15+", "%"),
    "depression_prevalence": ("Depression among residents 15+", "%"),
    "life_satisfaction_share": ("Satisfied with life in the South", "%"),
    "discrimination_share": ("Discriminated against in the past year", "%"),
    "suicides": ("Suicides in the South", "people per year"),
    "in_china": ("North Koreans in China (end of year)", "people"),
    "repatriated": ("Forced repatriations", "people per year"),
}


def _save(fig: Figure, stem: Path) -> list[Path]:
    fig.supxlabel(CAPTION, x=0.01, ha="left", fontsize="small", style="italic")
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=DPI)
    fig.savefig(paths[1], metadata={"Date": None})  # no time stamp: byte-stable SVG
    return paths


def _figure(size=(9, 5.5)) -> Figure:
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _rows(summary: pd.DataFrame, indicator: str, scenario: str | None = None) -> pd.DataFrame:
    keep = ((summary.indicator == indicator) & (summary.sex == "all")
            & (summary.years_since_arrival == "all"))
    if scenario is not None:
        keep &= summary.scenario == scenario
    return summary[keep].sort_values("year")


def _published(indicator: str) -> pd.Series:
    if indicator == "arrivals":
        return published.arrivals().set_index("year")["total"].dropna()
    survey = published.survey_series()
    keep = (survey.indicator == indicator) & survey.instrument.isin(validation.TARGET_INSTRUMENTS)
    return survey[keep].set_index("year")["value"]


def fan_chart(summary: pd.DataFrame, indicator: str, stem: Path,
              band_summary: pd.DataFrame | None = None) -> list[Path]:
    """Median and bands of ``indicator`` for each scenario in ``summary`` (columns of
    summary.csv, plus optional p25/p75 in ``band_summary``), with published points."""
    title, unit = TITLES.get(indicator, (indicator.replace("_", " "), ""))
    fig = _figure()
    ax = fig.add_subplot()
    for i, scenario in enumerate(summary.scenario.unique()):
        rows = _rows(summary, indicator, scenario)
        colour, style = PALETTE[i % len(PALETTE)], LINES[i % len(LINES)]
        ax.fill_between(rows.year, rows.p05, rows.p95, color=colour, alpha=0.12, linewidth=0,
                        label=f"{scenario}: 90% of replicates")
        if band_summary is not None:
            b = _rows(band_summary, indicator, scenario)
            ax.fill_between(b.year, b.p25, b.p75, color=colour, alpha=0.25, linewidth=0,
                            label=f"{scenario}: 50% of replicates")
        ax.plot(rows.year, rows.p50, color=colour, linestyle=style, linewidth=1.8,
                label=f"{scenario}: median")
    pub = _published(indicator)
    if len(pub):
        ax.plot(pub.index, pub.values, linestyle="none", marker="o", markerfacecolor="white",
                markeredgecolor="black", markeredgewidth=1.4, label="published")
    ax.set_title(title)
    ax.set_xlabel("year")
    ax.set_ylabel(unit)
    ax.set_ylim(bottom=0)
    ax.grid(color="#DDDDDD", linewidth=0.6)
    ax.legend(fontsize="x-small", frameon=False, ncols=2)
    return _save(fig, stem)


def counterfactual_chart(differences: pd.DataFrame, scenario: str, stem: Path,
                         people: str = "employed_count", points: str = "employment_rate",
                         year: int | None = None) -> tuple[list[Path], str]:
    """Paired difference against the baseline, in people and in percentage points; returns the
    paths and a plain sentence such as "N more people in work in 2030"."""
    fig = _figure((11, 4.8))
    sentence = ""
    for i, (indicator, unit) in enumerate(((people, "people"), (points, "percentage points"))):
        ax = fig.add_subplot(1, 2, i + 1)
        rows = _rows(differences, indicator, scenario)
        ax.fill_between(rows.year, rows.p05, rows.p95, color=PALETTE[1], alpha=0.25,
                        linewidth=0, label="90% of replicate pairs")
        ax.plot(rows.year, rows.p50, color=PALETTE[1], linewidth=1.8, label="median")
        ax.axhline(0, color="black", linewidth=0.8)
        label = PLAIN.get(indicator, indicator.replace("_", " "))
        ax.set_title(f"{label}: {scenario} minus baseline", fontsize="medium")
        ax.set_xlabel("year")
        ax.set_ylabel(unit)
        ax.grid(color="#DDDDDD", linewidth=0.6)
        ax.legend(fontsize="x-small", frameon=False)
        if i == 0 and len(rows):
            at = rows[rows.year == (year or int(rows.year.max()))].iloc[0]
            sentence = (f"{at.p50:+,.0f} people in work in {int(at.year)} with {scenario} "
                        f"(90% interval {at.p05:+,.0f} to {at.p95:+,.0f})")
    return _save(fig, stem), sentence


def flow_counts(summary: pd.DataFrame, scenario: str, year: int) -> dict[str, float]:
    """Where everyone who left North Korea since the start is at the end of ``year`` (medians)."""
    def stock(ind):
        return float(_rows(summary, ind, scenario).set_index("year").p50.get(year, 0.0))

    def total(ind):
        r = _rows(summary, ind, scenario)
        return float(r[r.year <= year].p50.sum())

    reached = total("arrivals")
    died_south = total("deaths_in_south")
    moved, returned = total("onward_migration_count"), total("return_to_nk_count")
    return {
        "still in China": stock("in_china"), "in transit": stock("in_transit"),
        "back in North Korea": stock("in_north_korea"),
        "died before reaching the South": max(total("deaths") - died_south, 0.0),
        "living in the South": max(reached - moved - returned - died_south, 0.0),
        "moved on to third countries": moved, "returned to North Korea": returned,
        "died in the South": died_south,
    }


def flow_chart(counts: dict[str, float], stem: Path, title: str) -> list[Path]:
    """Stacked columns joined by bands: all who left -> reached the South or not -> outcomes."""
    south = ["living in the South", "moved on to third countries", "returned to North Korea",
             "died in the South"]
    elsewhere = [k for k in counts if k not in south]
    total = sum(counts.values())
    reached = sum(counts[k] for k in south)
    fig = _figure((11, 6))
    ax = fig.add_subplot()
    x0, x1, x2, w = 0.0, 1.0, 2.0, 0.18
    ax.add_patch(Rectangle((x0, 0), w, total, color="#999999"))
    ax.text(x0 + w / 2, total + total * 0.01, f"left North Korea\n{total:,.0f}", ha="center",
            va="bottom", fontsize="small")
    stages = [("reached the South", reached, PALETTE[1]),
              ("did not (yet)", total - reached, PALETTE[2])]
    bottom = 0.0
    for name, value, colour in stages:
        ax.add_patch(Rectangle((x1, bottom), w, value, color=colour))
        ax.add_patch(Polygon([(x0 + w, bottom), (x1, bottom), (x1, bottom + value),
                              (x0 + w, bottom + value)], color=colour, alpha=0.25))
        ax.text(x1 + w / 2, bottom + value / 2, f"{name}\n{value:,.0f}", ha="center",
                va="center", fontsize="small", color="white", fontweight="bold")
        bottom += value
    bottom, hatches = 0.0, ["", "//", "..", "xx", "\\\\", "--", "++", "oo"]
    centres = []
    for i, name in enumerate(south + elsewhere):
        value = counts[name]
        colour = PALETTE[1] if name in south else PALETTE[2]
        ax.add_patch(Rectangle((x2, bottom), w, value, facecolor=colour, alpha=0.8,
                               hatch=hatches[i % len(hatches)], edgecolor="white"))
        ax.add_patch(Polygon([(x1 + w, bottom), (x2, bottom), (x2, bottom + value),
                              (x1 + w, bottom + value)], color=colour, alpha=0.15))
        centres.append(bottom + value / 2)
        bottom += value
    for name, y, centre in zip(south + elsewhere, spread(centres, 0.04 * total), centres,
                               strict=True):
        ax.annotate(f"{name}: {counts[name]:,.0f}", (x2 + w, centre), (x2 + w + 0.12, y),
                    va="center", fontsize="small",
                    arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.6})
    ax.set_xlim(-0.1, 3.2)
    ax.set_ylim(0, total * 1.12)
    ax.axis("off")
    ax.set_title(title)
    return _save(fig, stem)


def spread(positions: list[float], gap: float) -> list[float]:
    """Label positions at least ``gap`` apart, moved as little as possible upwards."""
    out: list[float] = []
    for y in positions:
        out.append(max(y, out[-1] + gap) if out else y)
    return out


def lever_chart(effects: pd.DataFrame, stem: Path, title: str) -> list[Path]:
    """Horizontal interval chart: one row per scenario, one panel per outcome (columns
    scenario, outcome, unit, p05, p50, p95)."""
    outcomes = list(dict.fromkeys(effects.outcome))
    fig = _figure((11, 1.2 + 0.5 * effects.scenario.nunique()))
    for i, outcome in enumerate(outcomes):
        ax = fig.add_subplot(1, len(outcomes), i + 1)
        rows = effects[effects.outcome == outcome].reset_index(drop=True)
        y = np.arange(len(rows))
        ax.errorbar(rows.p50, y, xerr=[rows.p50 - rows.p05, rows.p95 - rows.p50], fmt="o",
                    color=PALETTE[1], ecolor=PALETTE[0], capsize=4)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, rows.scenario if i == 0 else [""] * len(rows))
        ax.set_xlabel(rows.unit.iloc[0])
        ax.set_title(PLAIN.get(outcome, outcome.replace("_", " ")), fontsize="medium")
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    fig.suptitle(title)
    return _save(fig, stem)
