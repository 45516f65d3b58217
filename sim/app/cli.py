"""The ``resettle`` command line: the parser and the entry point; each command lives in
:mod:`sim.app.commands`, :mod:`sim.app.info_commands` or :mod:`sim.app.calibration_commands`.

Bad input (a scenario, a seed, an output folder) is reported on one line,
``resettle: error: <message>``, with exit code 2 and nothing written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

from .. import __version__
from ..engine.errors import InputError
from ..engine.files import calibration_file
from ..engine.lifetime import interrupt_on_sigterm
from ..experiments.scheduler import add_options as add_scheduler_options
from .common import (
    CHECK_REPLICATES,
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    OUTPUTS,
    PROG,
    add_format_option,
    add_input_options,
    one_line,
)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand (``run``, ``compare``, ``report``, ``check``,
    ``parameters``, ``levers``, ``calibrate``, ``validate``)."""
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
    add_input_options(run)
    add_format_option(run)
    _ensemble_options(run)
    run.set_defaults(handler="commands.run_command")

    compare = commands.add_parser("compare", help="paired ensembles of scenarios against a "
                                  "baseline: differences, charts and the report")
    compare.add_argument("baseline", metavar="BASELINE")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    add_input_options(compare)
    add_format_option(compare)
    compare.add_argument("--seed", type=int, default=None, metavar="N",
                         help="non-negative seed (default: the baseline's seed)")
    compare.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help=f"the comparison folder (default: {OUTPUTS}/compare-...)")
    _ensemble_options(compare, replicates_help="replicate runs of each scenario (default: the "
                      "baseline's `replicates`, or 10 where that is 1, so that differences have "
                      "bands)")
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
    compare.set_defaults(handler="commands.compare")

    report = commands.add_parser("report", help="write a self-contained HTML report of a run "
                                 "or comparison folder")
    report.add_argument("folder", type=Path, metavar="RUN_OR_COMPARISON")
    report.set_defaults(handler="commands.report_command")

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
    _ensemble_options(check, default_replicates=CHECK_REPLICATES)
    check.set_defaults(handler="info_commands.check_command")

    sens = commands.add_parser("sensitivity", help="which inputs move which outcomes: Morris "
                               "screening or Sobol indices (SALib), common random numbers")
    sens.add_argument("scenario", nargs="?", metavar="SCENARIO", default=None,
                      help="scenario name or YAML file (default: baseline)")
    sens.add_argument("--input", action="append", default=[], metavar="NAME",
                      help="an input to vary over its prior (a parameter, or a lever setting "
                           "such as mentorship.employment_multiplier); repeatable")
    sens.add_argument("--outcome", action="append", default=[], metavar="SELECTOR",
                      help="an outcome, e.g. employment_rate@2030 or "
                           "policy_effect:employed_count@2026:2030; repeatable")
    sens.add_argument("--method", default="morris", choices=("morris", "sobol"),
                      help="morris (screening, (k + 1) x size runs) or sobol ((2k + 2) x size)")
    sens.add_argument("--size", type=int, default=10, metavar="N",
                      help="Morris trajectories or Sobol base samples (default: 10)")
    sens.add_argument("--seed", type=int, default=None, metavar="N",
                      help="the seed of every run and of the design (default: the scenario's)")
    sens.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help=f"the folder (default: {OUTPUTS}/sensitivity-...; resumed if "
                           "interrupted)")
    add_input_options(sens)
    _ensemble_options(sens, fixed_effects=False, replicates=False)
    sens.set_defaults(handler="sensitivity_commands.sensitivity_command")

    explore = commands.add_parser("explore", help="the explorer in the browser: switch levers "
                                  "on and see their policy effect with bands (Solara)")
    explore.add_argument("--port", type=int, default=8765, metavar="N",
                         help="the port to serve on (default: 8765)")
    explore.add_argument("--host", default="127.0.0.1", metavar="HOST",
                         help="the address to serve on (default: 127.0.0.1, this machine only)")
    explore.add_argument("--no-open", action="store_true",
                         help="do not open a browser tab")
    explore.set_defaults(handler="explore.explore_command")

    params = commands.add_parser("parameters", help="list the parameters: the file value, the "
                                 "value a scenario runs with, the prior and the source")
    params.add_argument("scenario", nargs="?", metavar="SCENARIO", default=None,
                        help="the scenario whose values in force are shown (default: baseline)")
    params.set_defaults(handler="info_commands.parameters_command")

    levers = commands.add_parser("levers", help="list the policy levers, their settings, "
                                 "effect priors and evidence")
    levers.add_argument("--markdown", action="store_true",
                        help="print the evidence of every lever as Markdown (docs/levers.md)")
    levers.set_defaults(handler="info_commands.levers_command")
    _calibration_parsers(commands)
    return parser


def _calibration_parsers(commands) -> None:
    """``resettle calibrate`` and ``resettle validate``."""
    from ..experiments import defaults as c

    cal = commands.add_parser("calibrate", help="estimate the parameters with ABC-SMC (MCMC moves) "
                              "against a targets file; write the posterior and a report")
    cal.add_argument("--targets", type=Path, default=calibration_file("targets.yaml"),
                     metavar="FILE", help="targets file (default: calibration/targets.yaml, as "
                                          "shipped)")
    cal.add_argument("--priors", type=Path, default=calibration_file("priors.yaml"),
                     metavar="FILE", help="estimated parameters and priors (default: "
                                          "calibration/priors.yaml, as shipped)")
    cal.add_argument("--exclude", action="append", type=Path, default=[], metavar="FILE",
                     help="a priors file whose parameters are not estimated here, e.g. another "
                          "block's (calibration/priors-since-2020.yaml with --block pathway); "
                          "with --nuisance set they stay at the parameter set's point estimate "
                          "(repeatable)")
    cal.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="inputs",
                     help="an input held fixed during the calibration (as in `resettle run "
                          "--set`); it may not be one of the estimated parameters")
    cal.add_argument("--scenario", default=None, metavar="SCENARIO",
                     help="scenario whose parameters are calibrated (default: baseline)")
    cal.add_argument("--budget", type=int, default=c.DEFAULT_BUDGET, metavar="SIMULATIONS",
                     help=f"stop after this many simulations in all (default: {c.DEFAULT_BUDGET})")
    cal.add_argument("--population", type=int, default=c.DEFAULT_POPULATION, metavar="N",
                     help=f"particles per generation (default: {c.DEFAULT_POPULATION})")
    cal.add_argument("--scale", type=int, default=c.DEFAULT_SCALE, metavar="N",
                     help=f"people per agent during calibration (default: {c.DEFAULT_SCALE})")
    cal.add_argument("--block", choices=("all", "pathway", "life"), default="all",
                     help="what to estimate: all (default); pathway (the pathway's parameters "
                          "against the pathway's targets, stepping only the pathway: runs take "
                          "half as long); or life (the rest against the rest, with the pathway "
                          "at the point estimate of the scenario's parameter set)")
    cal.add_argument("--holdout-from", type=int, default=None, metavar="YEAR",
                     help="calibrate on targets before YEAR only and validate on the rest")
    cal.add_argument("--targets-from", type=int, default=None, metavar="YEAR",
                     help="use only the targets from YEAR on, running totals since the record "
                          "began left out (with --nuisance set or posterior, a block of "
                          "parameters that act only from then, e.g. since the COVID-19 closure)")
    cal.add_argument("--indicators", default=None, metavar="NAME[,NAME...]",
                     help="use only the targets of these indicators (a block of parameters "
                          "estimated against the figures they move, e.g. unemployment_rate)")
    cal.add_argument("--start-from", type=Path, default=None, metavar="DIR",
                     help="start from an earlier calibration's posterior (its folder), "
                          "reweighted for the present priors, instead of from the priors")
    cal.add_argument("--nuisance", choices=("prior", "centre", "set", "posterior"),
                     default="prior",
                     help="the parameters with priors that are not estimated: drawn from their "
                          "priors in each run, as ensembles draw them (prior, the default: the "
                          "posterior is marginal over them), held at their priors' centres "
                          "(centre: conditional on them), or, those the scenario's parameter set "
                          "estimates, held at its point estimate (set: a block estimated given "
                          "the others, added to the set as a block of its own) or drawn from "
                          "its posterior in each run (posterior: the same, marginal over the "
                          "other blocks, as ensembles draw them)")
    cal.add_argument("--runs-per-particle", type=int, default=1, metavar="K",
                     help="each particle's targets are the median of K runs (default 1), as "
                          "validation takes the median of replicates; the budget counts "
                          "particles, each K runs")
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
    add_scheduler_options(cal)
    cal.set_defaults(handler="calibration_commands.calibrate_command")

    val = commands.add_parser("validate", help="compare a targets file with a scenario's "
                              "ensemble: fit table, chart and the share within tolerance")
    val.add_argument("--targets", type=Path, default=calibration_file("targets.yaml"),
                     metavar="FILE", help="targets file (default: calibration/targets.yaml, as "
                                          "shipped)")
    add_input_options(val)
    val.add_argument("--scenario", default=None, metavar="SCENARIO",
                     help="scenario name or file (default: baseline)")
    val.add_argument("--seed", type=int, default=None, metavar="N",
                     help="non-negative seed (default: the scenario's seed)")
    val.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help=f"the validation folder (default: {OUTPUTS}/validate-...)")
    _ensemble_options(val, fixed_effects=False, replicates_help="replicate runs (default: the "
                      "scenario's `replicates`, or 10 where that is 1, for a median and a spread)")
    val.set_defaults(handler="calibration_commands.validate_command")


def _ensemble_options(parser: argparse.ArgumentParser, default_replicates: int | None = None,
                      fixed_effects: bool = True, replicates_help: str | None = None,
                      replicates: bool = True) -> None:
    if fixed_effects:
        parser.add_argument("--fixed-effects", action="store_true",
                            help="every replicate uses the levers' median effect sizes instead "
                                 "of drawing them from their priors (bands then leave out what "
                                 "we do not know about the levers)")
    if replicates:
        parser.add_argument("--replicates", type=int, default=default_replicates, metavar="N",
                            help=replicates_help or (
                                f"replicate runs (default: "
                                f"{default_replicates or 'the scenario'}"
                                f"{'' if default_replicates else chr(39) + 's `replicates`'})"))
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="start a local Dask cluster of N worker processes "
                             "(default: local processes on every core)")
    add_scheduler_options(parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``resettle`` executable.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code: 0 on success, 1 if ``check`` found an invalid file, 2 for bad input.
    """
    args = build_parser().parse_args(argv)
    interrupt_on_sigterm()
    command_line = list(sys.argv) if argv is None else [PROG, *argv]
    try:  # a command's modules are imported only when it runs: a light start, and a broken
        # lever module or data file is reported on one line like any bad input
        module, name = args.handler.rsplit(".", 1)
        return getattr(import_module(f".{module}", __package__), name)(args, command_line)
    except BrokenPipeError:  # e.g. `resettle parameters | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return EXIT_BROKEN_PIPE
    except (InputError, OSError) as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM; a resumable folder says so
        print(f"{PROG}: interrupted{'; ' + one_line(exc) if str(exc) else ''}", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
