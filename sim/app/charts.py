"""Charts of ensembles and comparisons (PNG and SVG), readable in greyscale and by colour-blind
readers: Okabe-Ito colours, and line styles and hatches that differ too.

- :func:`fan_chart`: an indicator over time for each scenario: median, 50% and 90% bands, with the
  published points on the same axes and a line where published data end.
- :func:`contrast_chart`: a scenario's policy effect, world effect and their sum over time, each
  with its interval, in people and in percentage points.
- :func:`flow_chart`: the pathway from leaving North Korea to the outcomes.
- :func:`lever_chart`: each lever's policy effect on its own outcomes, with intervals.
- :func:`ce_plane` and :func:`ceac_chart`: the cost-effectiveness plane (one point per replicate)
  and the acceptability curves.
Time charts mark the last year of published data: later years are projections.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from ..engine.files import naming
from ..experiments.policy import ALL
from ..measure import published, validation
from .plots import CAPTION, mark_projection

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
    with naming(paths[0]):
        fig.savefig(paths[0], dpi=DPI)
    with rc_context({"svg.hashsalt": "resettle"}), naming(paths[1]):  # fixed element ids and
        fig.savefig(paths[1], metadata={"Date": None})  # no time stamp: the same bytes
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
    mark_projection(ax)
    ax.legend(fontsize="x-small", frameon=False, ncols=2, loc="upper left")
    return _save(fig, stem)


CONTRAST_STYLE = {"policy": (PALETTE[1], "-"), "world": (PALETTE[2], "--"),
                  "total": (PALETTE[0], ":")}
CONTRAST_LABEL = {"policy": "policy effect (against the same world without the levers)",
                  "world": "world effect (the scenario's world against the baseline)",
                  "total": "total (against the baseline)"}


def contrast_chart(differences: pd.DataFrame, scenario: str, has_levers: bool, stem: Path,
                   people: str = "employed_count",
                   points: str = "employment_rate") -> list[Path]:
    """A scenario's named contrasts over time, in people and in percentage points: the policy
    effect and the world effect with their 90% intervals, and their sum (the total)."""
    fig = _figure((11, 4.8))
    shown = ("policy", "world", "total") if has_levers else ("world",)
    for i, (indicator, unit) in enumerate(((people, "people"), (points, "percentage points"))):
        ax = fig.add_subplot(1, 2, i + 1)
        for contrast in shown:
            rows = _rows(differences[differences.contrast == contrast], indicator, scenario)
            colour, style = CONTRAST_STYLE[contrast]
            if contrast != "total":
                ax.fill_between(rows.year, rows.p05, rows.p95, color=colour, alpha=0.18,
                                linewidth=0)
            ax.plot(rows.year, rows.p50, color=colour, linestyle=style, linewidth=1.8,
                    label=CONTRAST_LABEL[contrast])
        ax.axhline(0, color="black", linewidth=0.8)
        label = PLAIN.get(indicator, indicator.replace("_", " "))
        ax.set_title(f"{label}: {scenario}", fontsize="medium")
        ax.set_xlabel("year")
        ax.set_ylabel(unit)
        ax.grid(color="#DDDDDD", linewidth=0.6)
        mark_projection(ax)
        ax.legend(fontsize="x-small", frameon=False, loc="lower left")
    fig.suptitle("Medians of replicate pairs; bands hold 90% of them", fontsize="small")
    return _save(fig, stem)


def flow_counts(indicators: pd.DataFrame, year: int) -> dict[str, float]:
    """Where everyone who left North Korea since the start is at the end of ``year``: each
    count worked out per replicate, then the median over replicates."""
    rows = indicators[(indicators.sex == "all") & (indicators.years_since_arrival == "all")]

    def per_replicate(ind: str, cumulative: bool) -> pd.Series:
        r = rows[(rows.indicator == ind)
                 & (rows.year <= year if cumulative else rows.year == year)]
        return r.groupby("replicate").value.sum()

    def stock(ind):
        return per_replicate(ind, False)

    def total(ind):
        return per_replicate(ind, True)

    died_south = total("deaths_in_south")
    moved, returned = total("onward_migration_count"), total("return_to_nk_count")
    counts = {
        "still in China": stock("in_china") + stock("detained_in_china"),
        "in transit": stock("in_transit"),
        "back in North Korea": stock("in_north_korea"),
        "died before reaching the South": (total("deaths") - died_south).clip(lower=0.0),
        "living in the South": (total("arrivals") - moved - returned - died_south).clip(
            lower=0.0),
        "moved on to third countries": moved, "returned to North Korea": returned,
        "died in the South": died_south,
    }
    return {name: float(values.median()) for name, values in counts.items()}


def flow_chart(counts: dict[str, float], stem: Path, title: str) -> list[Path]:
    """:func:`flow_figure`, saved as PNG and SVG."""
    return _save(flow_figure(counts, title), stem)


def flow_figure(counts: dict[str, float], title: str) -> Figure:
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
    return fig


def spread(positions: list[float], gap: float) -> list[float]:
    """Label positions at least ``gap`` apart, moved as little as possible upwards."""
    out: list[float] = []
    for y in positions:
        out.append(max(y, out[-1] + gap) if out else y)
    return out


def lever_chart(effects: pd.DataFrame, stem: Path) -> list[Path]:
    """Each lever's policy effect on its outcomes over the lever years: one panel per outcome,
    one row per scenario and lever (all levers, each alone, the interaction), median and 90%."""
    outcomes = list(dict.fromkeys(effects.indicator))
    labels = effects.scenario + ": " + effects.lever
    rows_n = labels.nunique()
    cols = min(3, len(outcomes))
    panels = int(np.ceil(len(outcomes) / cols))
    fig = _figure((12, 0.9 + panels * (0.8 + 0.32 * rows_n)))
    order = list(dict.fromkeys(labels))
    for i, outcome in enumerate(outcomes):
        ax = fig.add_subplot(panels, cols, i + 1)
        rows = effects[effects.indicator == outcome].assign(label=labels)
        y = np.array([order.index(lb) for lb in rows.label])
        ax.errorbar(rows.p50, y, xerr=[rows.p50 - rows.p05, rows.p95 - rows.p50], fmt="o",
                    color=PALETTE[1], ecolor=PALETTE[0], capsize=3, markersize=4)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(order)), order if i % cols == 0 else [""] * len(order),
                      fontsize="x-small")
        ax.set_ylim(len(order) - 0.5, -0.5)
        summed = rows.summed.iloc[0] == "sum"
        ax.set_xlabel(("people (summed over the years)" if summed
                       else "mean difference over the years"), fontsize="x-small")
        ax.set_title(PLAIN.get(outcome, outcome.replace("_", " ")), fontsize="small")
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    first, last = int(effects.first_year.min()), int(effects.last_year.max())
    fig.suptitle(f"Policy effects against the same world without the levers, {first}-{last} "
                 "(median and 90% of replicate pairs)", fontsize="medium")
    return _save(fig, stem)


def _by_measure(data: pd.DataFrame, panel_height: float):
    """A figure with one panel per measure (three a row); yields the figure, then each panel
    with its measure and the scenarios' rows."""
    measures = list(dict.fromkeys(data.measure))
    cols = min(3, len(measures))
    rows = int(np.ceil(len(measures) / cols))
    fig = _figure((12, panel_height * rows))
    yield fig
    for i, measure in enumerate(measures):
        groups = data[data.measure == measure].groupby("scenario", sort=False)
        yield fig.add_subplot(rows, cols, i + 1), measure, list(groups)


def ce_plane(increments: pd.DataFrame, stem: Path) -> list[Path]:
    """The cost-effectiveness plane of each measure: one point per replicate (incremental effect
    against incremental cost) for each scenario's levers together, and the mean."""
    panels = _by_measure(increments[increments.lever == ALL], 3.8)
    fig = next(panels)
    for ax, measure, groups in panels:
        for j, (scenario, g) in enumerate(groups):
            colour = PALETTE[(j + 1) % len(PALETTE)]
            ax.scatter(g.effect, g.cost, s=14, color=colour, alpha=0.6,
                       marker="osD^v"[j % 5], label=scenario)
            ax.scatter([g.effect.mean()], [g.cost.mean()], s=90, color=colour,
                       edgecolor="black", marker="osD^v"[j % 5])
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(measure.replace("_", " "), fontsize="small")
        ax.set_ylabel("cost (million KRW)", fontsize="small")
        ax.grid(color="#DDDDDD", linewidth=0.6)
        ax.legend(fontsize="x-small", frameon=False)
    fig.suptitle("Cost-effectiveness plane: one small point per replicate, the large point is the "
                 "mean (against the same world without the levers)", fontsize="medium")
    return _save(fig, stem)


def ceac_chart(ceac: pd.DataFrame, wtp: dict, stem: Path) -> list[Path]:
    """Acceptability curves: the probability that the levers are cost-effective against the
    same world without them, over a range of willingness to pay, with the stated thresholds."""
    panels = _by_measure(ceac[ceac.lever == ALL], 3.6)
    fig = next(panels)
    for ax, measure, groups in panels:
        for j, (scenario, g) in enumerate(groups):
            ax.plot(g.wtp, g.probability, color=PALETTE[(j + 1) % len(PALETTE)],
                    linestyle=LINES[j % len(LINES)], linewidth=1.6, label=scenario)
        for t in wtp[measure]["thresholds"]:
            ax.axvline(t["value"], color="#777777", linestyle=":", linewidth=1.0)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(f"willingness to pay, million KRW per unit\n"
                      f"({measure.replace('_', ' ')})", fontsize="small")
        ax.set_ylabel("probability cost-effective", fontsize="small")
        ax.grid(color="#DDDDDD", linewidth=0.6)
        ax.legend(fontsize="x-small", frameon=False)
    fig.suptitle("Cost-effectiveness acceptability curves (dotted: stated thresholds)",
                 fontsize="medium")
    return _save(fig, stem)
