"""``resettle calibrate`` and ``resettle validate``.

Both write into a staging folder ``.NAME.partial`` renamed into place when everything is written;
an interrupted command started again resumes it (a calibration from its last complete
generation, a validation from its finished replicates).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .. import scenario as scenario_io
from ..engine import files
from ..engine.errors import InputError
from ..experiments import calibrate, ensemble, restart
from ..experiments.inputs import apply_inputs
from ..experiments.scheduler import Scheduler
from ..measure import targets
from ..scenario import Scenario
from . import fit_charts, output
from .common import EXIT_OK, OUTPUTS, check_replicates, check_seed, parse_inputs, with_inputs
from .output import NOTE
from .report import page

DEFAULT_VALIDATE_REPLICATES = 10


def posterior_fit(scenario: Scenario, target_list: list[targets.Target], seed: int,
                  replicates: int, folder: Path, executor: ensemble.Executor,
                  progress: bool = True, fresh: bool = False) -> pd.DataFrame:
    """Fit table of a scenario's ensemble (parameters drawn from its parameter set, if any).

    With ``fresh``, replicates left in ``folder`` from another posterior (a calibration resumed
    with a larger budget) are discarded instead of refused.
    """
    return targets.fit_table(target_list, replicate_values(
        scenario, target_list, seed, replicates, folder, executor, progress, fresh))


def replicate_values(scenario: Scenario, target_list: list[targets.Target], seed: int,
                     replicates: int, folder: Path, executor: ensemble.Executor,
                     progress: bool = True, fresh: bool = False) -> list[dict[str, float]]:
    """Each replicate's value of every target, from the scenario's ensemble run in ``folder``
    (see :func:`posterior_fit`)."""
    marker = folder / ensemble.ENSEMBLE_FILE
    if fresh and marker.is_file() and json.loads(marker.read_text()) != ensemble.fingerprint(
            scenario, seed, replicates):
        shutil.rmtree(folder)
    ensemble.run_ensemble(scenario, seed, replicates, folder, executor, progress)
    indicators = ensemble.combined(folder, replicates)
    return [targets.simulate(target_list, ind) for _, ind in indicators.groupby("replicate")]


def share_line(table: pd.DataFrame, label: str = "targets") -> str:
    """'41 of 48 targets within tolerance (85.4%) ...' with the unproduced ones named."""
    within, produced, total = targets.share_within(table)
    line = f"{label}: {within} of {total} within tolerance ({100 * within / total:.1f}%)"
    missing = table[table.within_tolerance == targets.NOT_PRODUCED]
    if len(missing):
        line += (f"; {len(missing)} not produced by the model: "
                 + "; ".join(f"{r.id} ({r.note})" for r in missing.itertuples()))
    return line


def spread_line(spread: tuple[int, int, int], replicates: int) -> str:
    """'; resampling the replicates ...': how much the count owes to the replicates drawn
    (nothing for a single replicate, which resampling cannot vary)."""
    if replicates < 2:
        return ""
    low, median, high = spread
    return (f"; resampling the {replicates} replicates, the count's median is {median} and 90% "
            f"of counts fall between {low} and {high}")


def validate_command(args: argparse.Namespace, argv: list[str]) -> int:
    """Compare any targets file with a scenario's ensemble; write the fit table and chart."""
    target_list = targets.load(args.targets)
    seed = check_seed(args.seed)
    scenario = with_inputs(scenario_io.load(args.scenario), args)
    seed = scenario.seed if seed is None else seed
    replicates = check_replicates(args.replicates, scenario)
    if args.replicates is None and scenario.replicates == 1:
        replicates = DEFAULT_VALIDATE_REPLICATES
    executor = ensemble.Executor.from_args(args)  # checked before any folder is made
    folder = Path(args.out or Path.cwd() / OUTPUTS / f"validate-{Path(args.targets).stem}-"
                  f"{scenario.name}-seed{seed}-{replicates}reps")
    started = output.utc_now()
    with output.resumable_run_dir(folder) as staging:
        values = replicate_values(scenario, target_list, seed, replicates,
                                  staging / "ensemble", executor)
        table = targets.fit_table(target_list, values)
        spread = targets.resampled_counts(target_list, values, seed)
        files.write_table(staging / "fit_table.csv", table)
        files.write_table(staging / "replicate_values.csv", pd.DataFrame(
            [{"id": k, "replicate": r, "simulated": v}
             for r, row in enumerate(values) for k, v in row.items()]))
        fit_charts.fit_chart(table, staging / "fit_chart",
                             f"{Path(args.targets).name} against {scenario.name} "
                             f"({replicates} replicates)")
        output.write_manifest(staging, output.manifest(scenario, seed, started,
                                                       output.utc_now(), argv)
                              | {"replicates": replicates, "targets": str(args.targets),
                                 "within_tolerance": {
                                     "count": targets.share_within(table)[0],
                                     "resampled": dict(zip(("p05", "p50", "p95"), spread))}})
    print(f"validation folder: {folder}")
    print(share_line(table) + spread_line(spread, replicates))
    print(f"({NOTE})")
    return EXIT_OK


def _setup(args: argparse.Namespace) -> tuple[calibrate.Setup, Path]:
    target_list = targets.load(args.targets)
    priors = calibrate.load_priors(args.priors)
    Scheduler.from_args(args)  # checked before any work
    inputs = parse_inputs(args.inputs)
    for name in inputs.keys() & {p.name for p in priors}:
        raise InputError(f"--set {name}: the calibration estimates it ({args.priors}); fix "
                         "only parameters it does not estimate")
    base = apply_inputs(scenario_io.load(args.scenario), inputs, where="--set")
    seed = check_seed(args.seed)
    seed = base.seed if seed is None else seed
    for option in ("budget", "population", "scale", "check_replicates", "runs_per_particle",
                   "workers"):
        if getattr(args, option) is not None and getattr(args, option) < 1:
            raise InputError(f"--{option.replace('_', '-')}: expected a positive integer, "
                             f"got {getattr(args, option)}")
    priors, target_list = calibrate.select_block(args.block, priors, target_list, args.priors,
                                                 args.targets)
    priors = calibrate.exclude(priors, args.exclude, f"{args.priors}, --block {args.block}")
    target_list = calibrate.from_year(target_list, args.targets_from, args.targets)
    target_list = calibrate.of_indicators(target_list, args.indicators, args.targets)
    train, test = calibrate.split(target_list, args.holdout_from)
    held = calibrate.held_at_set(base, priors) if args.nuisance == "set" else None
    drawn = calibrate.set_to_draw(base) if args.nuisance == "posterior" else None
    scenario = calibrate.calibration_scenario(base, args.scale, targets.last_year(train),
                                              args.block, held, hold_pathway=drawn is None)
    setup = calibrate.Setup(scenario, train, test, priors, seed, args.population, args.block,
                            nuisance=args.nuisance, drawn_set=drawn,
                            runs=args.runs_per_particle)
    if test:  # the held-out targets' runs, checked before the calibration's
        try:
            _test_scenario(setup)
        except InputError as exc:
            raise InputError(f"--holdout-from {args.holdout_from}: the held-out targets run to "
                             f"{targets.last_year(test)}: {exc}") from None
    if args.start_from is not None:
        begun = restart.start(args.start_from, priors, args.population, seed)
        setup.start, setup.start_record = begun.z, begun.record
    if not setup.fitted:
        raise InputError(f"{args.targets}: the model produces none of the training targets")
    name = f"calibration-{Path(args.targets).stem}" + (
        f"-{args.block}" if args.block != "all" else "") + (
        f"-holdout{args.holdout_from}" if args.holdout_from else "") + (
        f"-from{args.targets_from}" if args.targets_from else "") + (
        "-" + "-".join(dict.fromkeys(t.indicator for t in target_list))
        if args.indicators else "") + f"-seed{seed}"
    return setup, Path(args.out or Path.cwd() / OUTPUTS / name)


def calibrate_command(args: argparse.Namespace, argv: list[str]) -> int:
    """ABC-SMC against a targets file; posterior, fit tables, charts and a report."""
    setup, folder = _setup(args)
    workers = args.workers or os.cpu_count() or 1
    started, clock = output.utc_now(), time.perf_counter()
    with output.resumable_run_dir(folder) as staging:
        files.check_stamp(staging / calibrate.STAMP, setup.stamp(args.holdout_from),
                          "calibration")
        sampler = calibrate.run_abc(setup, staging, args.budget, workers,
                                    Scheduler.from_args(args))
        try:
            summary = _after_sampling(args, argv, setup, sampler, staging, workers, started,
                                      clock)
        except InputError as exc:
            raise InputError(f"{exc}; the sampler's work is kept in {staging}, and the same "
                             "command resumes it") from None
    print(f"calibration folder: {folder}")
    print(f"{summary['simulations']} simulations in {summary['generations']} generations, "
          f"final epsilon {summary['final_epsilon']:.3f}, {summary['total_wall_seconds']:.0f} s")
    for line in summary["shares"].values():
        print(line)
    if "unfinished_generation" in summary:
        print(unfinished_line(summary["unfinished_generation"]))
    return EXIT_OK


def _after_sampling(args: argparse.Namespace, argv: list[str], setup: calibrate.Setup,
                    sampler, staging: Path, workers: int, started: str, clock: float) -> dict:
    """The tables, posterior checks, charts, manifest and report of a sampler that has run in
    ``staging``; return the summary."""
    tables = calibrate.export(sampler, setup.priors)
    for name, table in tables.items():
        files.write_table(staging / name, table)
    abc_seconds = time.perf_counter() - clock
    check = setup.scenario.with_overrides(
        parameter_set=str(calibrate.check_set(setup, staging)))
    values = {"train": replicate_values(check, setup.train, setup.seed,
                                        args.check_replicates, staging / "posterior_check",
                                        _check_executor(args), fresh=True)}
    if setup.test:
        values["test"] = _test_values(setup, staging, args)
    chosen = {"train": setup.train, "test": setup.test}
    fits = {n: targets.fit_table(chosen[n], v) for n, v in values.items()}
    spreads = {n: targets.resampled_counts(chosen[n], v, setup.seed)
               for n, v in values.items()}
    fit = pd.concat([t.assign(set=name) for name, t in fits.items()], ignore_index=True)
    files.write_table(staging / "fit_table.csv", fit)
    _charts(staging, fits, tables, setup)
    last = tables["generations.csv"].iloc[-1]
    summary = {"simulations": int(sampler.simulations),
               "generations": len(sampler.log),
               "final_epsilon": float(last.epsilon),
               "effective_sample_size": round(float(last.effective_sample_size), 1),
               "distinct_particles": int(last.distinct_particles),
               "final_acceptance_rate": round(float(last.acceptance_rate), 4),
               "runs_stopped_early": int(sum(g.stopped_early for g in sampler.log)),
               "abc_wall_seconds": round(abc_seconds, 1),
               "total_wall_seconds": round(time.perf_counter() - clock, 1),
               "workers": workers, "scheduler": args.scheduler,
               "nuisance": setup.nuisance,
               **({"start_from": setup.start_record} if setup.start_record else {}),
               **({"unfinished_generation": unfinished(sampler)} if sampler.step else {}),
               "shares": {n: share_line(t, n) + spread_line(spreads[n],
                                                            args.check_replicates)
                          for n, t in fits.items()}}
    output.write_manifest(staging, output.manifest(setup.scenario, setup.seed, started,
                                                   output.utc_now(), argv) | summary)
    write_calibration_report(staging, summary)
    return summary


def unfinished(sampler) -> dict:
    """The generation the budget cut short (its runs are spent but not in the posterior), and
    about how large a budget would have finished it (its planned moves at the same cost)."""
    s = sampler.step
    left = (s["planned"] - s["done"]) * len(s["moving"])
    return {"generation": int(s["generation"]), "simulations": int(s["simulations"]),
            "moves_done": int(s["done"]), "moves_planned": int(s["planned"]),
            "budget_to_finish": int(sampler.simulations + left)}


def unfinished_line(cut: dict) -> str:
    """One line saying which generation the budget cut short and what would have finished it."""
    return (f"generation {cut['generation']} was cut short by the budget after "
            f"{cut['simulations']:,} simulations ({cut['moves_done']} of its "
            f"{cut['moves_planned']} moves): it is not in the posterior, which is generation "
            f"{cut['generation'] - 1}; a --budget of about {cut['budget_to_finish']:,} would "
            "have finished it")


def _test_values(setup: calibrate.Setup, staging: Path, args) -> list[dict[str, float]]:
    """Each check replicate's value of the held-out targets, the posterior run to their last
    year."""
    scenario = _test_scenario(setup).with_overrides(
        parameter_set=str(calibrate.check_set(setup, staging)))
    return replicate_values(scenario, setup.test, setup.seed, args.check_replicates,
                            staging / "holdout_check", _check_executor(args), fresh=True)


def _test_scenario(setup: calibrate.Setup) -> Scenario:
    """The calibration scenario run to the last year of the held-out targets."""
    return calibrate.calibration_scenario(setup.scenario, setup.scenario.scale,
                                          targets.last_year(setup.test))


def _check_executor(args) -> ensemble.Executor:
    """Where the posterior checks run: the scheduler, else local processes, as many as
    ``--workers`` (every core by default)."""
    if args.scheduler:
        return ensemble.Executor("dask", scheduler=Scheduler.from_args(args))
    return ensemble.Executor("processes", workers=args.workers)


def _charts(folder: Path, fits: dict, tables: dict, setup: calibrate.Setup) -> None:
    for name, table in fits.items():
        what = "training targets" if name == "train" and setup.test else (
            "held-out targets" if name == "test" else "targets")
        fit_charts.fit_chart(table, folder / f"fit_{name}", f"Posterior against the {what}")
    fit_charts.marginals_chart(tables["populations.csv"], setup.priors, folder / "marginals")
    fit_charts.epsilon_chart(tables["generations.csv"], folder / "epsilon")


CAPTIONS = {
    "fit_train": "Each target: the median of the posterior replicates (dot) and 90% of them (bar), "
                 "as (simulated - published) / tolerance. Inside the grey band the median is "
                 "within tolerance.",
    "fit_test": "The same for the held-out targets, which the calibration did not fit (its "
                "priors were set from the literature before it ran).",
    "marginals": "The posterior of each estimated parameter (bars, last generation, weighted) "
                 "over its prior (dashed).",
    "epsilon": "The acceptance threshold falls generation by generation as the particles get "
               "closer to the published figures; the share of MCMC moves accepted falls too, "
               "and the sampler stops when it falls below 1%.",
}


def strongest_pairs(matrix: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """The ``top`` parameter pairs by absolute posterior correlation."""
    corr = matrix.set_index("parameter")
    names = list(corr.columns)
    pairs = [(a, b, corr.loc[a, b]) for i, a in enumerate(names) for b in names[i + 1:]]
    pairs.sort(key=lambda p: -abs(p[2]) if np.isfinite(p[2]) else 0.0)
    return pd.DataFrame(pairs[:top], columns=["parameter", "with", "correlation"])


def write_calibration_report(folder: Path, summary: dict) -> Path:
    """``report.html``: fit tables, posterior marginals and thresholds, all embedded."""
    from .report import html_table, image_tag

    name = folder.name.removesuffix(".partial").lstrip(".")
    parts = [f"<h1>resettle calibration: {html.escape(name)}</h1>",
             f'<p class="note"><strong>{NOTE}</strong></p>', "<h2>Summary</h2><ul>"
             + "".join(f"<li>{html.escape(line)}</li>" for line in summary["shares"].values())
             + f"<li>{summary['simulations']} simulations in {summary['generations']} "
               f"generations; final threshold {summary['final_epsilon']:.3f}; "
               f"{summary['abc_wall_seconds']:.0f} s for ABC-SMC.</li>"
             + f"<li>Final generation: effective sample size "
               f"{summary.get('effective_sample_size', float('nan')):.1f} (equal weights), "
               f"{summary.get('distinct_particles', 'n/a')} distinct particles, "
               f"{summary.get('final_acceptance_rate', float('nan')):.3f} of the MCMC moves "
               f"accepted.</li>"
             + (f"<li>Parameters not estimated: "
                f"{html.escape(calibrate.NUISANCE[summary['nuisance']])}.</li>"
                if "nuisance" in summary else "")
             + (f"<li>{html.escape(unfinished_line(summary['unfinished_generation']))}.</li>"
                if "unfinished_generation" in summary else "") + "</ul>"]
    for stem, caption in CAPTIONS.items():
        png = folder / f"{stem}.png"
        if png.is_file():
            parts.append(f"<figure>{image_tag(png)}<figcaption>{caption}</figcaption></figure>")
    parts += ["<h2>Fit table</h2>", html_table(pd.read_csv(folder / "fit_table.csv")),
              "<h2>Acceptance threshold by generation</h2>",
              html_table(pd.read_csv(folder / "generations.csv"))]
    if (folder / "parameters.csv").is_file():
        parts += ["<h2>What the targets taught about each parameter</h2>",
                  "<p>Contraction is 1 - posterior variance / prior variance: near 0 the "
                  "targets did not inform the parameter (its band comes from the prior), near 1 "
                  "they pinned it.</p>", html_table(pd.read_csv(folder / "parameters.csv")),
                  "<h2>Strongest posterior correlations</h2>",
                  "<p>Pairs that trade off against each other: the targets fix a combination "
                  "of them rather than each one.</p>",
                  html_table(strongest_pairs(pd.read_csv(folder / "correlations.csv")))]
    path = folder / "report.html"
    files.atomic_write_text(path, page("resettle calibration", parts))
    return path
