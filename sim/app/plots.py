"""Charts of a run. Matplotlib's Agg canvas only: no display, no global pyplot state."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..engine.files import naming
from ..measure import published, validation

# Okabe-Ito palette (colour-blind safe); line styles and markers also differ, for greyscale.
STYLES = {
    "female": {"color": "#D55E00", "linestyle": "-", "marker": "o"},   # vermillion
    "male": {"color": "#0072B2", "linestyle": "--", "marker": "s"},    # blue
    "total": {"color": "#000000", "linestyle": ":", "marker": "^"},    # black
}
CAPTION = "Scenario estimates with uncertainty, not predictions about any person."
FIGSIZE_IN = (9, 5.5)
DPI = 120


def mark_projection(ax) -> None:
    """A dotted line after the last year of published data, labelled on the right."""
    year = published.last_year() + 0.5
    lo, hi = ax.get_xlim()
    if not lo < year < hi:
        return
    ax.axvline(year, color="#555555", linestyle=":", linewidth=1.0)
    ax.text(year, 1.0, " projection \u2192", transform=ax.get_xaxis_transform(), ha="left",
            va="top", fontsize="x-small", color="#333333")
    ax.text(year, 1.0, "published data \u2190 ", transform=ax.get_xaxis_transform(), ha="right",
            va="top", fontsize="x-small", color="#333333")


def _simulated(indicators: pd.DataFrame) -> pd.DataFrame:
    """Simulated arrivals by year (rows) and sex (female, male, total), mean over replicates."""
    rows = indicators[(indicators["indicator"] == "arrivals")
                      & (indicators["years_since_arrival"] == "all")]
    table = rows.groupby(["year", "sex"])["value"].mean().unstack("sex")
    return table.rename(columns={"all": "total"})


def arrivals_chart(indicators: pd.DataFrame, path: str | Path) -> Path:
    """Plot simulated arrivals (lines) against the published MOU series (markers) and save a PNG.

    Args:
        indicators: The tidy indicator table of a run (``sim.measure.indicators.COLUMNS``).
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
    years = [*mou["total"].dropna().index, *simulated.index]
    ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.set_ylim(bottom=0)
    ax.set_title("Arrivals of North Korean defectors in South Korea: simulated and published")
    ax.set_xlabel("Year of arrival")
    ax.set_ylabel("Arrivals per year (people)")
    ax.grid(color="#DDDDDD", linewidth=0.6)
    mark_projection(ax)
    ax.legend(ncols=2, fontsize="small", frameon=False, loc="upper left")
    fig.supxlabel(CAPTION, x=0.01, ha="left", fontsize="small", style="italic")  # laid out
    with naming(path):
        fig.savefig(path, dpi=DPI)
    return Path(path)


# the survey panels of the life-in-the-South chart: indicator -> (title, y-axis label)
SURVEY_PANELS = {
    "labour_force_participation": ("Labour-force participation", "% of residents 15+"),
    "employment_rate": ("Employment rate", "% of residents 15+"),
    "unemployment_rate": ("Unemployment rate", "% of the labour force"),
    "mean_monthly_wage_mkrw": ("Mean monthly wage (wage workers)", "million KRW"),
    "livelihood_benefit_share": ("Receiving the basic livelihood benefit", "% of residents 15+"),
    "discrimination_share": ("Discriminated against in the past year", "% of residents 15+"),
    "life_satisfaction_share": ("Satisfied with life in the South", "% of residents 15+"),
    "depression_prevalence": ("Depression", "% of residents 15+"),
    "mean_ties": ("People to rely on", "mean number"),
}
SK_COMPARATOR = {"labour_force_participation": "sk_labour_force_participation",
                 "employment_rate": "sk_employment_rate",
                 "unemployment_rate": "sk_unemployment_rate",
                 "mean_monthly_wage_mkrw": "sk_mean_wage_mkrw"}
SK_STYLE = {"color": "#009E73", "linestyle": "-."}  # bluish green
LEGEND_PANEL = "employment_rate"  # a panel with every kind of line


def _line(indicators: pd.DataFrame, indicator: str, sex: str) -> pd.Series:
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["sex"] == sex)
                      & (indicators["years_since_arrival"] == "all")]
    return rows.groupby("year")["value"].mean()


def life_in_south_chart(indicators: pd.DataFrame, path: str | Path) -> Path:
    """Nine panels of survey-style indicators (simulated by sex; published surveys; South Korean
    comparators) and save a PNG."""
    fig = Figure(figsize=(13, 10.5), layout="constrained")
    FigureCanvasAgg(fig)
    survey = published.survey_series()
    for i, (indicator, (title, unit)) in enumerate(SURVEY_PANELS.items()):
        ax = fig.add_subplot(3, 3, i + 1)
        for sex, key in (("all", "total"), ("female", "female"), ("male", "male")):
            line = _line(indicators, indicator, sex).dropna()
            ax.plot(line.index, line, color=STYLES[key]["color"],
                    linestyle=STYLES[key]["linestyle"], linewidth=1.5, label=f"simulated, {sex}")
        if indicator in SK_COMPARATOR:
            sk = _line(indicators, SK_COMPARATOR[indicator], "all")
            ax.plot(sk.index, sk, linewidth=1.2, label="South Koreans", **SK_STYLE)
        pub = survey[(survey.indicator == indicator)
                     & survey.instrument.isin(validation.TARGET_INSTRUMENTS)]
        ax.plot(pub.year, pub.value, linestyle="none", marker="o", markerfacecolor="white",
                markeredgecolor="black", markeredgewidth=1.4, label="published survey")
        ax.set_title(title, fontsize="medium")
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        ax.grid(color="#DDDDDD", linewidth=0.6)
        mark_projection(ax)
        if indicator == LEGEND_PANEL:
            ax.legend(fontsize="x-small", frameon=False)
    fig.suptitle("Life in South Korea, measured as the Korea Hana Foundation survey does "
                 "(July, residents 15+ who arrived before that year)")
    fig.supxlabel(CAPTION, x=0.01, ha="left", fontsize="small", style="italic")
    with naming(path):
        fig.savefig(path, dpi=DPI)
    return Path(path)
