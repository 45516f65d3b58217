"""The ``resettle`` command line: run a scenario, check scenario files, list the parameters.

Bad input (a scenario, a seed, an output folder) is reported on one line,
``resettle: error: <message>``, with exit code 2 and nothing written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from . import scenario as scenario_io
from .errors import InputError

PROG = "resettle"
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2  # EXIT_INVALID: `check` found an invalid file
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell convention
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE
OUTPUTS = "outputs"  # default parent of run folders, under the current folder
# Years shown after a run: one per regime of the MOU series (famine, peak, tightening, COVID, now).
REPORT_YEARS = (2000, 2005, 2009, 2015, 2019, 2021, 2025)
CUMULATIVE_YEAR = 2025  # latest published cumulative total
MAX_COLUMN = 40  # characters; longer cells overflow their column rather than widen every row


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its subcommands ``run``, ``check`` and ``parameters``."""
    parser = _Parser(prog=PROG, description="Agent-based simulation of the pathways of North "
                     "Korean defectors. Outputs are population-level scenario estimates with "
                     "uncertainty, never predictions about any person.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and write a new run folder")
    run.add_argument("scenario", nargs="?", metavar="SCENARIO", default=None,
                     help="scenario name in scenarios/ or path to a YAML file (default: baseline)")
    run.add_argument("--seed", type=int, default=None, metavar="N",
                     help="non-negative seed (default: the scenario's seed)")
    run.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="the run folder to create; must not exist (default: "
                          f"{OUTPUTS}/<scenario>-<UTC time>-seed<N>, or for an ensemble "
                          f"{OUTPUTS}/<scenario>-seed<N>-<R>reps, resumed if interrupted)")
    _ensemble_options(run)
    run.set_defaults(handler=run_command)

    compare = commands.add_parser("compare", help="paired ensembles of scenarios against a "
                                  "baseline: differences, charts and the report")
    compare.add_argument("baseline", metavar="BASELINE")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    compare.add_argument("--seed", type=int, default=None, metavar="N",
                         help="non-negative seed (default: the baseline's seed)")
    compare.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help=f"the comparison folder (default: {OUTPUTS}/compare-...)")
    _ensemble_options(compare)
    compare.add_argument("--wtp", action="append", default=None, metavar="MEASURE=LOW:HIGH",
                         help="willingness-to-pay range of a measure's acceptability curve, in "
                              "million KRW per unit (e.g. employed_person_years=0:100); "
                              "repeatable")
    compare.add_argument("--discount-rate", type=float, default=0.0, metavar="RATE",
                         help="annual discount rate of costs and effects from the first lever "
                              "year (default: 0, undiscounted)")
    compare.add_argument("--no-attribution", action="store_true",
                         help="do not switch each lever of a package on alone (faster; no "
                              "per-lever effects inside packages)")
    compare.set_defaults(handler=compare_command)

    report = commands.add_parser("report", help="write a self-contained HTML report of a run "
                                 "or comparison folder")
    report.add_argument("folder", type=Path, metavar="RUN_OR_COMPARISON")
    report.set_defaults(handler=report_command)

    check = commands.add_parser("check", help="validate scenario files without running them; "
                                "with --expect, check their expected effects on a paired ensemble")
    check.add_argument("files", nargs="+", metavar="FILE", help="scenario files to validate")
    check.add_argument("--expect", action="store_true",
                       help="run a paired ensemble of each file and the baseline and check the "
                            "directions in its `expect` field (exit 1 if one fails)")
    check.add_argument("--baseline", default="baseline", metavar="SCENARIO",
                       help="the baseline the `total` and `world` contrasts are against")
    check.add_argument("--scale", type=int, default=None, metavar="N",
                       help="people per agent for the check (default: each scenario's own)")
    check.add_argument("--seed", type=int, default=None, metavar="N",
                       help="non-negative seed (default: the baseline's seed)")
    _ensemble_options(check, default_replicates=5)
    check.set_defaults(handler=check_command)

    params = commands.add_parser("parameters", help="list the parameters with their sources")
    params.set_defaults(handler=parameters_command)

    levers = commands.add_parser("levers", help="list the policy levers, their settings, "
                                 "effect priors and evidence")
    levers.add_argument("--markdown", action="store_true",
                        help="print the evidence of every lever as Markdown (docs/levers.md)")
    levers.set_defaults(handler=levers_command)
    _calibration_parsers(commands)
    return parser


def _calibration_parsers(commands) -> None:
    """``resettle calibrate`` and ``resettle validate``."""
    from . import calibrate as c

    folder = scenario_io.PROJECT_ROOT / "calibration"
    cal = commands.add_parser("calibrate", help="estimate the parameters with ABC-SMC (pyABC) "
                              "against a targets file; write the posterior and a report")
    cal.add_argument("--targets", type=Path, default=folder / "targets.yaml", metavar="FILE",
                     help="targets file (default: calibration/targets.yaml)")
    cal.add_argument("--priors", type=Path, default=folder / "priors.yaml", metavar="FILE",
                     help="estimated parameters and priors (default: calibration/priors.yaml)")
    cal.add_argument("--scenario", default=None, metavar="SCENARIO",
                     help="scenario whose parameters are calibrated (default: baseline)")
    cal.add_argument("--budget", type=int, default=c.DEFAULT_BUDGET, metavar="SIMULATIONS",
                     help=f"stop after this many simulations in all (default: {c.DEFAULT_BUDGET})")
    cal.add_argument("--population", type=int, default=c.DEFAULT_POPULATION, metavar="N",
                     help=f"particles per generation (default: {c.DEFAULT_POPULATION})")
    cal.add_argument("--scale", type=int, default=c.DEFAULT_SCALE, metavar="N",
                     help=f"people per agent during calibration (default: {c.DEFAULT_SCALE})")
    cal.add_argument("--holdout-from", type=int, default=None, metavar="YEAR",
                     help="calibrate on targets before YEAR only and validate on the rest")
    cal.add_argument("--check-replicates", type=int, default=c.DEFAULT_CHECK_REPLICATES,
                     metavar="N", help="posterior replicates behind the fit tables "
                                       f"(default: {c.DEFAULT_CHECK_REPLICATES})")
    cal.add_argument("--seed", type=int, default=None, metavar="N",
                     help="non-negative seed (default: the scenario's seed)")
    cal.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help=f"the calibration folder (default: {OUTPUTS}/calibration-...; resumed "
                          "if interrupted)")
    cal.add_argument("--workers", type=int, default=None, metavar="N",
                     help="worker processes (default: every core; 1 is reproducible)")
    cal.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                     help="run the simulations on an existing Dask cluster")
    cal.set_defaults(handler=calibrate_command)

    val = commands.add_parser("validate", help="compare a targets file with a scenario's "
                              "ensemble: fit table, chart and the share within tolerance")
    val.add_argument("--targets", type=Path, required=True, metavar="FILE")
    val.add_argument("--scenario", default=None, metavar="SCENARIO",
                     help="scenario name or file (default: baseline)")
    val.add_argument("--seed", type=int, default=None, metavar="N",
                     help="non-negative seed (default: the scenario's seed)")
    val.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help=f"the validation folder (default: {OUTPUTS}/validate-...)")
    _ensemble_options(val, fixed_effects=False)
    val.set_defaults(handler=validate_command)


def calibrate_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle calibrate``: see :mod:`sim.calibration_commands`."""
    from .calibration_commands import calibrate_command as command

    return command(args, argv)


def validate_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle validate``: see :mod:`sim.calibration_commands`."""
    from .calibration_commands import validate_command as command

    return command(args, argv)


def _ensemble_options(parser: argparse.ArgumentParser, default_replicates: int | None = None,
                      fixed_effects: bool = True) -> None:
    if fixed_effects:
        parser.add_argument("--fixed-effects", action="store_true",
                            help="every replicate uses the levers' median effect sizes instead "
                                 "of drawing them from their priors (bands then leave out what "
                                 "we do not know about the levers)")
    parser.add_argument("--replicates", type=int, default=default_replicates, metavar="N",
                        help=f"replicate runs (default: {default_replicates or 'the scenario'}"
                             f"{'' if default_replicates else chr(39) + 's `replicates`'})")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="start a local Dask cluster of N worker processes "
                             "(default: local processes on every core)")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="send replicates to an existing Dask cluster")


def check_seed(seed: int | None) -> int | None:
    """The ``--seed`` value, refused if negative (None means the scenario's own seed)."""
    if seed is not None and seed < 0:
        raise InputError(f"--seed: expected a non-negative integer, got {seed}")
    return seed


def run_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle run``: validate everything, run the model, write the run folder atomically."""
    from . import ensemble, output, plots  # heavy imports only when running

    seed = check_seed(args.seed)
    scenario = scenario_io.load(args.scenario)
    seed = scenario.seed if seed is None else seed
    replicates = check_replicates(args.replicates, scenario)
    if replicates > 1 or args.workers is not None or args.scheduler:
        from .commands import ensemble_run

        return ensemble_run(scenario, seed, replicates, args, argv)
    if args.out is not None:
        run_dir = output.check_new(args.out)
    else:
        run_dir = output.default_run_dir(Path.cwd() / OUTPUTS, scenario.name, seed)
    started = output.utc_now()
    with output.staged_run_dir(run_dir) as staging:  # fails here, before running, if unwritable
        job = ensemble.Job(scenario.model_dump(mode="json"), scenario.origin, seed, 0)
        for name, text in ensemble.run_job(job).items():
            output.atomic_write_text(staging / name, text)
        indicators = pd.read_csv(staging / output.INDICATORS)
        plots.arrivals_chart(indicators, staging / output.ARRIVALS_CHART)
        plots.life_in_south_chart(indicators, staging / output.LIFE_CHART)
        output.write_manifest(staging, output.manifest(scenario, seed, started,
                                                       output.utc_now(), argv))
    print(f"run folder: {run_dir}")
    print(summary(indicators))
    if scenario.levers:
        print(policy_summary(run_dir, scenario))
    return EXIT_OK


def check_replicates(replicates: int | None, scenario) -> int:
    """``--replicates`` (positive), or the scenario's own number."""
    if replicates is None:
        return scenario.replicates
    if replicates < 1:
        raise InputError(f"--replicates: expected a positive integer, got {replicates}")
    return replicates


def compare_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle compare``: see :func:`sim.commands.compare`."""
    from .commands import compare

    return compare(args, argv)


def report_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle report``: see :func:`sim.report.write_report`."""
    from .report import write_report

    path = write_report(args.folder)
    print(f"report: {path}")
    return EXIT_OK


def policy_summary(folder: Path, scenario) -> str:
    """Costs and the policy effect on the levers' own outcomes in a single run's folder."""
    from . import policy

    costs = pd.read_csv(folder / "costs.csv")
    effects = pd.read_csv(folder / "effects.csv")
    effects = effects[effects.lever == policy.ALL]
    start = policy.first_year(scenario)
    lines = [f"levers: one run, against the same run without its levers, {start}-"
             f"{scenario.end_year} (no uncertainty shown: use --replicates N)"]
    for lever, rows in costs.groupby("lever", sort=False):
        lines.append(f"  {lever:<28} cost {rows.cost_mkrw.sum():12,.0f} million KRW  reached "
                     f"{rows.people_reached.sum():9,.0f}")
    for measure in policy.measures_of(scenario.levers):
        m = policy.MEASURES[measure]
        total = effects[effects.indicator == m.indicator].effect.sum() * m.sign
        lines.append(f"  {m.unit}: {total:+,.0f}")
    return "\n".join(lines)


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
    from . import published

    mou = published.arrivals().set_index("year")["total"]
    cumulative = published.cumulative_arrivals().set_index("year")["total"]
    lines = [f"{'year':>6}  {'simulated':>10}  {'MOU':>10}"]
    for year in REPORT_YEARS:
        simulated = _value(indicators, "arrivals", year)
        if simulated is not None:
            lines.append(f"{year:>6}  {_count(simulated):>10}  {_count(mou.get(year)):>10}")
    simulated = _value(indicators, "cumulative_arrivals", CUMULATIVE_YEAR)
    lines.append(f"cumulative arrivals to end-{CUMULATIVE_YEAR}: simulated "
                 f"{_count(simulated) if simulated is not None else 'not in horizon'}, "
                 f"MOU {_count(cumulative.get(CUMULATIVE_YEAR))}")
    lines += survey_summary(indicators)
    lines.append("(scenario estimates with uncertainty, not predictions about any person)")
    return "\n".join(lines)


def survey_summary(indicators: pd.DataFrame) -> list[str]:
    """Lines comparing simulated and published survey figures in the latest published year."""
    from . import published

    table = published.survey_series()
    lines = [f"{'survey indicator':<28}  {'year':>4}  {'simulated':>9}  {'published':>9}"]
    for indicator, rows in table.groupby("indicator", sort=False):
        latest = rows.loc[rows["year"].idxmax()]
        simulated = _value(indicators, indicator, int(latest["year"]))
        if simulated is not None:
            lines.append(f"{indicator:<28}  {int(latest['year']):>4}  {simulated:>9.3g}  "
                         f"{latest['value']:>9.3g}")
    return lines


def check_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle check``: validate each file (exit 1 if any is invalid); with ``--expect``,
    check the files' expected effects on a paired ensemble (exit 1 if any does not hold)."""
    invalid, loaded = 0, []
    for file in args.files:
        try:
            loaded.append(scenario_io.load(file))
        except InputError as exc:
            invalid += 1
            print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        else:
            print(f"ok: {file}")
    if invalid or not args.expect:
        return EXIT_INVALID if invalid else EXIT_OK
    return expect_command(args, [s for s in loaded if s.expect])


def expect_command(args: argparse.Namespace, scenarios) -> int:
    """The expectations of ``scenarios`` on a paired ensemble, as a table."""
    from . import ensemble, expectations

    if args.scale is not None and args.scale < 1:
        raise InputError(f"--scale: expected a positive integer, got {args.scale}")
    if args.replicates is None or args.replicates < 1:
        raise InputError(f"--replicates: expected a positive integer, got {args.replicates}")
    baseline = scenario_io.load(args.baseline)
    seed = check_seed(args.seed)
    seed = baseline.seed if seed is None else seed
    if not scenarios:
        print("no expectations in these files")
        return EXIT_OK
    table = expectations.check(scenarios, baseline, seed, args.replicates,
                               ensemble.Executor.from_options(args.workers, args.scheduler),
                               args.scale, args.fixed_effects)
    print(f"expected effects against {baseline.name} ({args.replicates} replicate pairs, seed "
          f"{seed}; counts summed over the years, rates averaged):")
    print(table.assign(holds=table.holds.map({True: "yes", False: "NO"}))
          .to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    return EXIT_OK if table.holds.all() else EXIT_INVALID


def _prior(prior: dict | None) -> str:
    """A prior as ``dist(arg=value, ...)``, or 'fixed (published)' for constants."""
    if prior is None:
        return "fixed (published)"
    args = ", ".join(f"{key}={value}" for key, value in prior.items() if key != "dist")
    return f"{prior['dist']}({args})"


def parameters_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle parameters``: an aligned table of file, name, value, prior, unit and source."""
    from .parameters import load_specs

    header = ("file", "name", "value", "prior", "unit", "source")
    rows = [(s.origin.removesuffix(".yaml"), s.name, f"{s.value:g}", _prior(s.prior), s.unit,
             s.source)
            for s in load_specs().values()]
    widths = [min(MAX_COLUMN, max(len(row[i]) for row in [header, *rows]))
              for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    return EXIT_OK


def levers_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle levers``: every lever type with its mechanism, who it acts on, how long, its
    evidence, its effect priors with their sources, and its other settings."""
    from .levers import LEVERS, Eligibility, evidence_markdown
    from .levers.effects import EVIDENCE_KINDS, effect_fields

    if args.markdown:
        print(evidence_markdown())
        return EXIT_OK
    for name, (settings, _) in LEVERS.items():
        module = sys.modules[settings.__module__]
        wide = "  (acts on everyone in its window; costs per year)"
        print(f"{name}{wide if settings.population_wide else ''}")
        print("  " + (module.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "))
        print(f"  acts on: {settings.acts_on_text}; lasts: {settings.duration_text}")
        print(f"  outcomes: {', '.join(settings.outcomes)}")
        effects = effect_fields(settings)
        for field, info in effects.items():
            prior = settings.model_fields[field].default
            low, high = prior.interval()
            print(f"    {field:<30} {prior.describe()}, median {prior.centre():.3g}, "
                  f"90% {low:.3g} to {high:.3g}")
            print(f"      {info['description']}; {info['kind']} "
                  f"({EVIDENCE_KINDS[info['kind']]})")
            print(f"      source: {info['source']}")
        for field, info in settings.model_fields.items():
            if field == "type" or field in effects:
                continue
            default = "required" if info.is_required() else repr(info.default)
            description = info.description or ""
            if field == "eligibility":
                default = "anyone" if info.default == Eligibility() else repr(info.default)
                description = "keys: " + ", ".join(Eligibility.model_fields)
            print(f"    {field:<30} {default:<10} {description}")
        print()
    return EXIT_OK


def one_line(exc: BaseException) -> str:
    """An error message on a single line (OS errors name their file)."""
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"{exc.filename}: {exc.strerror or exc}"
    else:
        message = str(exc) or type(exc).__name__
    return " ".join(message.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``resettle`` executable.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code: 0 on success, 1 if ``check`` found an invalid file, 2 for bad input.
    """
    args = build_parser().parse_args(argv)
    command_line = list(sys.argv) if argv is None else [PROG, *argv]
    try:
        return args.handler(args, command_line)
    except BrokenPipeError:  # e.g. `resettle parameters | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return EXIT_BROKEN_PIPE
    except (InputError, OSError) as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
