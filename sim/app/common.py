"""What the command-line modules share: exit codes, option checks, one-line errors, and the
short text summary of a run against the published figures."""

from __future__ import annotations

import pandas as pd

from ..engine.errors import InputError

PROG = "resettle"
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2  # EXIT_INVALID: `check` found an invalid file
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell convention
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE
OUTPUTS = "outputs"  # default parent of run folders, under the current folder
# Years shown after a run: one per regime of the MOU series (famine, peak, tightening, COVID, now).
REPORT_YEARS = (2000, 2005, 2009, 2015, 2019, 2021, 2025)
MAX_COLUMN = 40  # characters; longer cells overflow their column rather than widen every row


def check_seed(seed: int | None) -> int | None:
    """The ``--seed`` value, refused if negative (None means the scenario's own seed)."""
    if seed is not None and seed < 0:
        raise InputError(f"--seed: expected a non-negative integer, got {seed}")
    return seed


def check_replicates(replicates: int | None, scenario) -> int:
    """``--replicates`` (positive), or the scenario's own number."""
    if replicates is None:
        return scenario.replicates
    if replicates < 1:
        raise InputError(f"--replicates: expected a positive integer, got {replicates}")
    return replicates


def one_line(exc: BaseException) -> str:
    """An error message on a single line (OS errors name their file)."""
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"{exc.filename}: {exc.strerror or exc}"
    else:
        message = str(exc) or type(exc).__name__
    return " ".join(message.split())


def _value(indicators: pd.DataFrame, indicator: str, year: int) -> float | None:
    """An all-sex, all-band value of one indicator in one year (mean over replicates)."""
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["year"] == year)
                      & (indicators["sex"] == "all")
                      & (indicators["years_since_arrival"] == "all")]
    return float(rows["value"].mean()) if len(rows) else None


def _count(value: float | None) -> str:
    """A count with thousands separators, or '-' when missing."""
    return "-" if value is None or pd.isna(value) else f"{value:,.0f}"


def summary(indicators: pd.DataFrame) -> str:
    """A short text table: simulated and MOU arrivals in a few years, cumulative at end-2025."""
    from ..measure import published

    mou = published.arrivals().set_index("year")["total"]
    cumulative = published.cumulative_arrivals().set_index("year")["total"]
    lines = [f"{'year':>6}  {'simulated':>10}  {'MOU':>10}"]
    for year in REPORT_YEARS:
        simulated = _value(indicators, "arrivals", year)
        if simulated is not None:
            lines.append(f"{year:>6}  {_count(simulated):>10}  {_count(mou.get(year)):>10}")
    latest = int(cumulative.index.max())  # the latest published cumulative total
    simulated = _value(indicators, "cumulative_arrivals", latest)
    lines.append(f"cumulative arrivals to end-{latest}: simulated "
                 f"{_count(simulated) if simulated is not None else 'not in horizon'}, "
                 f"MOU {_count(cumulative.get(latest))}")
    lines += survey_summary(indicators)
    lines.append("(scenario estimates with uncertainty, not predictions about any person)")
    return "\n".join(lines)


def survey_summary(indicators: pd.DataFrame) -> list[str]:
    """Lines comparing simulated and published survey figures in the latest published year."""
    from ..measure import published

    table = published.survey_series()
    lines = [f"{'survey indicator':<28}  {'year':>4}  {'simulated':>9}  {'published':>9}"]
    for indicator, rows in table.groupby("indicator", sort=False):
        latest = rows.loc[rows["year"].idxmax()]
        simulated = _value(indicators, indicator, int(latest["year"]))
        if simulated is not None:
            lines.append(f"{indicator:<28}  {int(latest['year']):>4}  {simulated:>9.3g}  "
                         f"{latest['value']:>9.3g}")
    return lines


