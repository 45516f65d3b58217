"""What the command-line modules share: exit codes, option checks, one-line errors, and the
short text summary of a run against the published figures."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..engine.errors import InputError, shown

if TYPE_CHECKING:  # pandas loads only when a run is summarised (the CLI starts light)
    import pandas as pd

PROG = "resettle"
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2  # EXIT_INVALID: `check` found an invalid file
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell convention
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE
CHECK_REPLICATES = 5  # replicate pairs of `check --expect` unless --replicates is given
OUTPUTS = "outputs"  # default parent of run folders, under the current folder
# Years shown after a run: one per regime of the MOU series (famine, peak, tightening, COVID, now).
REPORT_YEARS = (2000, 2005, 2009, 2015, 2019, 2021, 2025)
MAX_COLUMN = 40  # characters; longer cells overflow their column rather than widen every row


def check_seed(seed: int | None) -> int | None:
    """The ``--seed`` value, refused if negative (None means the scenario's own seed)."""
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError(f"--seed: expected an integer in 0..2**63-1, got {shown(seed)}")
    return seed


def check_replicates(replicates: int | None, scenario) -> int:
    """``--replicates`` (positive), or the scenario's own number."""
    if replicates is None:
        return scenario.replicates
    from ..scenario import MAX_REPLICATES

    if not 1 <= replicates <= MAX_REPLICATES:
        raise InputError(f"--replicates: expected an integer in 1..{MAX_REPLICATES:,}, got "
                         f"{shown(replicates)}")
    return replicates


def add_input_options(parser) -> None:
    """``--set NAME=VALUE`` (repeatable) and ``--scale X`` for commands that run a scenario."""
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        dest="inputs", help="an input by name: a parameter (job_finding_rate=12), "
                        "a lever setting (mentorship.coverage=0.5) or a world column over years "
                        "(world.prejudice[2027:2035]=0.2); repeatable")
    parser.add_argument("--scale", type=float, default=None, metavar="X",
                        help="people per agent (10 is fast and noisier; default: the scenario's)")


def add_format_option(parser) -> None:
    """``--format csv|parquet`` for the tables of a run or comparison folder."""
    parser.add_argument("--format", default="csv", choices=("csv", "parquet"),
                        help="the tables' file format (default: csv; parquet needs the parquet "
                             "extra)")


def parse_inputs(pairs: list[str]) -> dict[str, object]:
    """``NAME=VALUE`` strings as a mapping; values are read as YAML scalars (numbers, true,
    false, text) or flow lists like [18, 60]."""
    import yaml

    out: dict[str, object] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise InputError(f"--set {pair!r}: expected NAME=VALUE, e.g. --set "
                             "mentorship.coverage=0.5")
        if len(text) > 1000:
            raise InputError(f"--set {name}: the value is {len(text):,} characters; expected "
                             "at most 1,000")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputError(f"--set {name}: cannot read the value {text!r}") from None
        if isinstance(value, dict) or (isinstance(value, list)
                                       and any(isinstance(v, list | dict) for v in value)):
            raise InputError(f"--set {name}: expected a number, true/false, text or a flat list, "
                             f"got {text!r}")
        if name.strip() in out:
            raise InputError(f"--set {name}: given twice")
        if isinstance(value, str) and not _finite(value):
            raise InputError(f"--set {name}: expected a finite number, got {text.strip()!r}")
        out[name.strip()] = value
    return out


def _finite(text: str) -> bool:
    """False for text Python reads as a number that is not finite (nan, inf); True otherwise."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return True  # text, not a number


def _given_twice(inputs: dict[str, object], args) -> None:
    """An option given both as its own flag and as ``--set`` is refused (one would be lost)."""
    for flag in ("scale", "seed"):
        if getattr(args, flag, None) is not None and flag in inputs:
            raise InputError(f"--{flag} and --set {flag}=...: give one of them")


def with_inputs_each(scenarios: list, args) -> list:
    """Each scenario with the ``--set`` inputs and ``--scale`` in force (see
    :func:`sim.experiments.inputs.apply_to_each`)."""
    from ..experiments.inputs import apply_to_each

    with _scale_named(args):
        return apply_to_each(scenarios, cli_inputs(args), where="--set")


def cli_inputs(args) -> dict[str, object]:
    """The command line's ``--set`` inputs, with ``--scale`` as one of them."""
    inputs = parse_inputs(getattr(args, "inputs", []) or [])
    _given_twice(inputs, args)
    if getattr(args, "scale", None) is not None:
        inputs["scale"] = args.scale
    return inputs


def with_inputs(scenario, args):
    """``scenario`` with the command line's ``--set`` inputs and ``--scale`` in force."""
    from ..experiments.inputs import apply_inputs

    inputs = cli_inputs(args)
    with _scale_named(args):
        return apply_inputs(scenario, inputs, where="--set") if inputs else scenario


@contextmanager
def _scale_named(args) -> Iterator[None]:
    """An invalid ``--scale`` is reported as ``--scale``, not as an input of ``--set``."""
    try:
        yield
    except InputError as exc:
        text = str(exc)
        if getattr(args, "scale", None) is not None and text.startswith("--set scale: "):
            raise InputError("--scale: " + text.removeprefix("--set scale: ")) from None
        raise


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
    return "-" if value is None or value != value else f"{value:,.0f}"  # NaN != NaN


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
    replicates = indicators["replicate"].nunique() if "replicate" in indicators else 1
    lines.append("(one run of a scenario estimate: no uncertainty is shown; not a prediction "
                 "about any person)" if replicates == 1 else
                 f"(means of {replicates} replicates; scenario estimates with uncertainty, not "
                 "predictions about any person)")
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


