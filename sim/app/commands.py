"""The commands that run the model: ``resettle run`` (one run or an ensemble), ``resettle compare``
and ``resettle report``.

Ensembles and comparisons write into a staging folder ``.NAME.partial`` beside the final folder:
each finished replicate lands there at once, an interrupted command started again resumes it
(and refuses one made differently, saying what differs), and the folder is renamed into place
only when everything, charts and report included, is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from .. import scenario as scenario_io
from ..engine import files
from ..experiments import comparison, ensemble, policy
from ..measure import published
from ..measure.indicators import COUNT_INDICATORS
from . import charts, output, plots
from .common import (
    EXIT_OK,
    OUTPUTS,
    check_replicates,
    check_seed,
    summary,
    with_inputs,
    with_inputs_each,
)

FAN_INDICATORS = ("arrivals", "employment_rate", "depression_prevalence",
                  "life_satisfaction_share", "discrimination_share", "suicides")


def run_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle run``: validate everything, run the model, write the run folder atomically."""
    seed = check_seed(args.seed)
    output.check_format(args.format)
    scenario = with_inputs(scenario_io.load(args.scenario), args)
    seed = scenario.seed if seed is None else seed
    replicates = check_replicates(args.replicates, scenario)
    if replicates > 1 or args.workers is not None or args.scheduler:
        return ensemble_run(scenario, seed, replicates, args, argv)
    if args.out is not None:
        run_dir = output.check_new(args.out)
    else:
        run_dir = output.default_run_dir(Path.cwd() / OUTPUTS, scenario.name, seed)
    started = output.utc_now()
    with output.staged_run_dir(run_dir) as staging:  # fails here, before running, if unwritable
        job = ensemble.Job(scenario.model_dump(mode="json"), scenario.origin, seed, 0)
        for name, text in ensemble.run_job(job).items():
            files.atomic_write_text(staging / name, text)
        indicators = pd.read_csv(staging / output.INDICATORS)
        plots.arrivals_chart(indicators, staging / output.ARRIVALS_CHART)
        plots.life_in_south_chart(indicators, staging / output.LIFE_CHART)
        output.write_manifest(staging, output.manifest(scenario, seed, started,
                                                       output.utc_now(), argv))
        output.as_format(staging, args.format)
    print(f"run folder: {run_dir}")
    print(summary(indicators))
    if scenario.levers:
        print(policy_summary(run_dir, scenario))
    return EXIT_OK


def policy_summary(folder: Path, scenario) -> str:
    """Costs and the policy effect on the levers' own outcomes in a single run's folder."""
    costs = output.read_table(folder, "costs.csv")
    costs = costs[costs.run == "package"]
    effects = output.read_table(folder, "effects.csv")
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


def report_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle report``: see :func:`sim.app.report.write_report`."""
    from .report import write_report

    path = write_report(args.folder)
    print(f"report: {path}")
    return EXIT_OK


def band_summary(indicators: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """The 25th and 75th percentiles over replicates (the fan charts' 50% band)."""
    out = ensemble.over_replicates(indicators, {"p25": 25, "p75": 75}, mean=False)
    return out.assign(scenario=scenario)


def _finish_ensemble(folder: Path, scenario, replicates: int) -> pd.DataFrame:
    tables = ensemble.tables(folder, scenario, replicates)
    for name, table in tables.items():
        files.write_table(folder / name, table)
    indicators = tables[output.INDICATORS]
    plots.arrivals_chart(indicators, folder / output.ARRIVALS_CHART)
    plots.life_in_south_chart(indicators, folder / output.LIFE_CHART)
    return indicators


def ensemble_run(scenario, seed: int, replicates: int, args: argparse.Namespace,
                 argv: list[str]) -> int:
    """``resettle run`` with replicates or a Dask option."""
    executor = ensemble.Executor.from_args(args)
    run_dir = args.out or Path.cwd() / OUTPUTS / f"{scenario.name}-seed{seed}-{replicates}reps"
    started = output.utc_now()
    with output.resumable_run_dir(Path(run_dir)) as staging:
        ensemble.run_ensemble(scenario, seed, replicates, staging, executor,
                              fixed_effects=args.fixed_effects)
        indicators = _finish_ensemble(staging, scenario, replicates)
        summ = pd.read_csv(staging / "summary.csv")
        bands = band_summary(indicators, scenario.name)
        for indicator in FAN_INDICATORS:
            charts.fan_chart(summ, indicator, staging / f"fan_{indicator}", bands)
        output.write_manifest(staging, output.manifest(scenario, seed, started,
                                                       output.utc_now(), argv)
                              | {"replicates": replicates, "fixed_effects": args.fixed_effects})
        output.as_format(staging, args.format)
    print(f"run folder: {run_dir}")
    print(summary(indicators))
    return EXIT_OK


def comparison_folder(names: list[str], seed: int, replicates: int) -> str:
    """The default name of a comparison's folder: its scenarios' names, cut with a digest of
    them where they would pass the file system's 255 characters (a partial folder adds 10)."""
    import hashlib

    joined, tail = "-".join(names), f"-seed{seed}-{replicates}reps"
    if len(joined) > 180:
        digest = hashlib.sha256(joined.encode()).hexdigest()[:12]
        joined = f"{joined[:160]}-{digest}"
    return f"compare-{joined}{tail}"


def compare(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle compare BASELINE SCENARIO...``: paired ensembles, the named contrasts, lever
    effects, cost-effectiveness, charts and the report."""
    from .report import write_report

    base, *others = with_inputs_each([scenario_io.load(args.baseline),
                                      *(scenario_io.load(s) for s in args.scenarios)], args)
    names = comparison.check_scenarios(base, others)
    output.check_format(args.format)
    seed = check_seed(args.seed)
    seed = base.seed if seed is None else seed
    replicates = check_replicates(args.replicates, base)
    if args.replicates is None and base.replicates == 1:
        replicates = comparison.DEFAULT_REPLICATES
        print(f"{replicates} replicates per scenario (the default, so that the differences have "
              "bands; --replicates N to change)")
    wtp = comparison.wtp_settings(comparison.parse_wtp(args.wtp))
    comparison.check_discount_rate(args.discount_rate, "--discount-rate")
    executor = ensemble.Executor.from_args(args)
    folder = Path(args.out or Path.cwd() / OUTPUTS / comparison_folder(names, seed, replicates))
    started = output.utc_now()
    options = dict(fixed_effects=args.fixed_effects, attribution=not args.no_attribution)
    with output.resumable_run_dir(folder) as staging:
        inds = {}
        for s in (base, *others):
            ensemble.run_ensemble(s, seed, replicates, staging / s.name, executor, **options)
            inds[s.name] = _finish_ensemble(staging / s.name, s, replicates)
        _comparison_tables(staging, base, others, inds, replicates, wtp, args.discount_rate)
        files.atomic_write_text(staging / "comparison.json", files.json_text(
            {"note": output.NOTE, "baseline": base.name, "scenarios": [s.name for s in others],
             "resolved": {s.name: s.resolved() for s in (base, *others)},
             "scenario_files": {s.name: output.scenario_files(s) for s in (base, *others)},
             "seed": seed, "replicates": replicates, "fixed_effects": args.fixed_effects,
             "attribution": not args.no_attribution, "discount_rate": args.discount_rate,
             "willingness_to_pay": {m: list(v["range"]) for m, v in wtp.items()},
             "started": started, "ended": output.utc_now(), "command": argv}))
        write_report(staging)
        output.as_format(staging, args.format)
    print(f"comparison folder: {folder}")
    from .report import headline_lines

    print("\n".join(headline_lines(folder)))
    return EXIT_OK


def _comparison_tables(folder: Path, base, others, inds: dict, replicates: int,
                       wtp: dict, discount_rate: float) -> None:
    """Every table and chart of a comparison (the files listed under "Reading a comparison")."""
    tables = comparison.tables(folder, base, others, inds, replicates, wtp, discount_rate)
    for name, table in tables.items():
        files.write_table(folder / name, table)
    bands = pd.concat([band_summary(ind, n) for n, ind in inds.items()])
    _comparison_charts(folder, base, others, tables["summary.csv"], bands, tables, wtp,
                       inds[base.name])


def _comparison_charts(folder: Path, base, others, summaries, bands, tables: dict,
                       wtp: dict, base_indicators: pd.DataFrame) -> None:
    for indicator in FAN_INDICATORS:
        charts.fan_chart(summaries, indicator, folder / f"fan_{indicator}", bands)
    diffs = tables["differences.csv"]
    for s in others:
        outcomes = comparison.outcomes_of(s)
        people = next(i for i in outcomes if i in COUNT_INDICATORS)
        points = next((i for i in outcomes if i not in COUNT_INDICATORS), "employment_rate")
        charts.contrast_chart(diffs, s.name, bool(s.levers), folder / f"effects_{s.name}",
                              people, points)
    year = min(int(summaries.year.max()), published.last_year())
    charts.flow_chart(charts.flow_counts(base_indicators, year), folder / "flow_baseline",
                      f"Where the people who left North Korea from {base.start_year} were at "
                      f"the end of {year} (baseline, medians of replicates)")
    effects = tables["lever_effects.csv"]
    if not effects.empty:
        charts.lever_chart(effects, folder / "lever_effects")
    inc = tables["increments.csv"]
    if not inc.empty:
        charts.ce_plane(inc, folder / "ce_plane")
        charts.ceac_chart(tables["ceac.csv"], wtp, folder / "ceac")
