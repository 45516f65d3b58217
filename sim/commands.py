"""The ensemble commands: ``resettle run`` with replicates, and ``resettle compare``.

Both write into a staging folder ``.NAME.partial`` beside the final folder: each finished
replicate lands there at once, an interrupted command started again resumes it (and refuses one
made from a different scenario, seed or number of replicates), and the folder is renamed into
place only when everything, charts and report included, is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from . import charts, ensemble, output, plots
from . import scenario as scenario_io
from .cli import EXIT_OK, OUTPUTS, check_replicates, check_seed, summary
from .errors import InputError

FAN_INDICATORS = ("arrivals", "employment_rate", "depression_prevalence",
                  "life_satisfaction_share", "discrimination_share", "suicides")
LEVER_OUTCOMES = (("employment_rate", "percentage points"),
                  ("depression_prevalence", "percentage points"),
                  ("employed_count", "people"))
DEFAULT_WINDOW_YEARS = 10  # effects of a scenario without levers: its last ten years (a choice)
POLICY_FILES = ("counterfactual_indicators.csv", "costs.csv", "cost_effectiveness.csv",
                "cohorts.csv")


def band_summary(indicators: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """The 25th and 75th percentiles over replicates (the fan charts' 50% band)."""
    g = indicators.groupby(ensemble.KEYS, sort=False)["value"]
    out = g.agg(p25=lambda v: np.percentile(v, 25), p75=lambda v: np.percentile(v, 75))
    return out.reset_index().assign(scenario=scenario)


def _finish_ensemble(folder: Path, scenario, replicates: int) -> pd.DataFrame:
    indicators = ensemble.combined(folder, replicates)
    output.write_indicators(folder, indicators)
    output.write_table(folder / "summary.csv", ensemble.summarise(indicators, scenario.name))
    if scenario.levers:
        for name in POLICY_FILES:
            output.write_table(folder / name, ensemble.combined(folder, replicates, name))
    plots.arrivals_chart(indicators, folder / output.ARRIVALS_CHART)
    plots.life_in_south_chart(indicators, folder / output.LIFE_CHART)
    return indicators


def _executor(args) -> ensemble.Executor:
    return ensemble.Executor.from_options(args.workers, args.scheduler)


def ensemble_run(scenario, seed: int, replicates: int, args: argparse.Namespace,
                 argv: list[str]) -> int:
    """``resettle run`` with replicates or a Dask option."""
    executor = _executor(args)
    run_dir = args.out or Path.cwd() / OUTPUTS / f"{scenario.name}-seed{seed}-{replicates}reps"
    started = output.utc_now()
    with output.resumable_run_dir(Path(run_dir)) as staging:
        ensemble.run_ensemble(scenario, seed, replicates, staging, executor)
        indicators = _finish_ensemble(staging, scenario, replicates)
        summ = pd.read_csv(staging / "summary.csv")
        bands = band_summary(indicators, scenario.name)
        for indicator in FAN_INDICATORS:
            charts.fan_chart(summ, indicator, staging / f"fan_{indicator}", bands)
        output.write_manifest(staging, output.manifest(scenario, seed, started,
                                                       output.utc_now(), argv)
                              | {"replicates": replicates})
    print(f"run folder: {run_dir}")
    print(summary(indicators))
    return EXIT_OK


def compare(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle compare BASELINE SCENARIO...``: paired ensembles, differences, charts, report."""
    from .report import write_report

    base = scenario_io.load(args.baseline)
    others = [scenario_io.load(s) for s in args.scenarios]
    names = [base.name, *(s.name for s in others)]
    if len(set(names)) != len(names):
        raise InputError(f"compare: scenario names must differ, got {', '.join(names)}")
    seed = check_seed(args.seed)
    seed = base.seed if seed is None else seed
    replicates = check_replicates(args.replicates, base)
    executor = _executor(args)
    folder = Path(args.out or Path.cwd() / OUTPUTS /
                  f"compare-{'-'.join(names)}-seed{seed}-{replicates}reps")
    started = output.utc_now()
    with output.resumable_run_dir(folder) as staging:
        inds = {}
        for s in (base, *others):
            ensemble.run_ensemble(s, seed, replicates, staging / s.name, executor)
            inds[s.name] = _finish_ensemble(staging / s.name, s, replicates)
        _comparison_tables(staging, base, others, inds)
        output.atomic_write_text(staging / "comparison.json", output.json_text(
            {"baseline": base.name, "scenarios": [s.name for s in others], "seed": seed,
             "replicates": replicates, "started": started, "ended": output.utc_now(),
             "command": argv}))
        write_report(staging)
    print(f"comparison folder: {folder}")
    print((pd.read_csv(folder / "cost_effectiveness.csv").round(1)).to_string(index=False))
    return EXIT_OK


def _comparison_tables(folder: Path, base, others, inds: dict) -> None:
    """summary.csv, differences.csv, lever effects and costs; all charts."""
    summaries = pd.concat([pd.read_csv(folder / n / "summary.csv") for n in inds])
    bands = pd.concat([band_summary(ind, n) for n, ind in inds.items()])
    output.write_table(folder / "summary.csv", summaries)
    diffs = pd.concat([ensemble.paired_differences(inds[s.name], inds[base.name], s.name)
                       for s in others])
    output.write_table(folder / "differences.csv", diffs)
    for indicator in FAN_INDICATORS:
        charts.fan_chart(summaries, indicator, folder / f"fan_{indicator}", bands)
    for s in others:
        charts.counterfactual_chart(diffs, s.name, folder / f"counterfactual_{s.name}")
    end = int(summaries.year.max())
    counts = charts.flow_counts(summaries, base.name, min(end, 2025))
    charts.flow_chart(counts, folder / "flow_baseline",
                      f"Where the people who left North Korea from 1995 were at the end of "
                      f"{min(end, 2025)} (baseline, medians of replicates)")
    effects = lever_effects(inds, base, others)
    output.write_table(folder / "lever_effects.csv", effects)
    charts.lever_chart(effects, folder / "lever_comparison",
                       "Effect against the baseline, mean from the first lever's start to the end "
                       "(median and 90% of replicate pairs)")
    output.write_table(folder / "cost_effectiveness.csv", cost_table(folder, others))


def _window(s, end_year: int) -> slice:
    starts = [int(lv.start[:4]) for lv in s.levers]
    return slice(min(starts) if starts else end_year - DEFAULT_WINDOW_YEARS + 1, end_year)


def lever_effects(inds: dict, base, others) -> pd.DataFrame:
    """Per scenario and outcome: the paired effect averaged over the lever years (replicates)."""
    rows = []
    for s in others:
        years = _window(s, s.end_year)
        for outcome, unit in LEVER_OUTCOMES:
            per_rep = []
            for ind in (inds[s.name], inds[base.name]):
                sel = ind[(ind.indicator == outcome) & (ind.sex == "all")
                          & (ind.years_since_arrival == "all") & ind.year.between(years.start,
                                                                                    years.stop)]
                per_rep.append(sel.groupby("replicate").value.mean())
            diff = (per_rep[0] - per_rep[1]).to_numpy()
            rows.append(dict(scenario=s.name, outcome=outcome, unit=unit,
                             first_year=years.start, last_year=years.stop,
                             p05=np.percentile(diff, 5), p50=np.percentile(diff, 50),
                             p95=np.percentile(diff, 95)))
    return pd.DataFrame(rows)


def cost_table(folder: Path, others) -> pd.DataFrame:
    """Cost-effectiveness of each scenario: replicate means of the all-levers row."""
    rows = []
    for s in others:
        path = folder / s.name / "cost_effectiveness.csv"
        if not path.is_file():
            rows.append({"scenario": s.name, "total_cost_mkrw": 0.0})
            continue
        table = pd.read_csv(path)
        mean = table[table.lever == "all levers"].mean(numeric_only=True)
        rows.append({"scenario": s.name, **mean.drop("replicate").to_dict()})
    return pd.DataFrame(rows)
