"""``resettle sensitivity``: which inputs move which outcomes (SALib, common random numbers).

The folder holds ``runs/`` (one small JSON file per sample, so an interrupted analysis started
again with the same command resumes), ``samples.csv`` (every sample's inputs and outcomes),
``indices.csv`` (the indices ranked per outcome), ``sensitivity.png``/``.svg`` and the manifest.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .. import scenario as scenario_io
from ..engine import files
from ..engine.errors import InputError
from ..experiments import ensemble
from ..experiments.inputs import Outcome, problem
from ..experiments.sensitivity import STAMP, Design, indices
from . import output
from .charts import PALETTE, _figure, _save
from .common import EXIT_OK, OUTPUTS, check_seed, with_inputs

RUNS = "runs"


def _evaluate_job(job: tuple) -> dict[str, float]:
    """One sample: the scenario (as JSON data) with the sample's inputs, the outcomes."""
    from ..experiments.inputs import evaluate
    from ..scenario import validate

    data, origin, inputs, outcomes, seed, _ = job
    return evaluate(inputs, outcomes, scenario=validate(data, origin), seed=seed)


def sensitivity_command(args: argparse.Namespace, argv: list[str]) -> int:
    """Sample the inputs, run every sample (resumable), write the indices and the chart."""
    scenario = with_inputs(scenario_io.load(args.scenario), args)
    seed = check_seed(args.seed)
    seed = scenario.seed if seed is None else seed
    if not args.input or not args.outcome:
        raise InputError("sensitivity: give at least one --input and one --outcome")
    for text in args.outcome:
        Outcome.parse(text, scenario)
    design = Design.make(problem(args.input, scenario), args.method, args.size, seed)
    folder = Path(args.out or Path.cwd() / OUTPUTS /
                  f"sensitivity-{scenario.name}-{args.method}-seed{seed}")
    started = output.utc_now()
    data = scenario.model_dump(mode="json")
    stamp = {"scenario": data, "inputs": args.input, "outcomes": args.outcome,
             "method": args.method, "size": args.size, "seed": seed}
    executor = ensemble.Executor.from_args(args)  # checked before any folder is made
    with output.resumable_run_dir(folder) as staging:
        files.check_stamp(staging / STAMP, stamp, "analysis")
        results = _run_samples(design, data, scenario.origin, args, seed, staging / RUNS,
                               executor)
        table = indices(design, results, args.outcome, seed)
        samples = pd.concat([pd.DataFrame(design.samples, columns=args.input), results
                             .sort_values("sample").reset_index(drop=True)], axis=1)
        files.write_table(staging / "samples.csv", samples)
        files.write_table(staging / "indices.csv", table)
        sensitivity_chart(table, design.method, staging / "sensitivity")
        output.write_manifest(staging, output.manifest(scenario, seed, started,
                                                       output.utc_now(), argv)
                              | {"method": args.method, "size": args.size,
                                 "runs": len(design.samples), "inputs": args.input,
                                 "outcomes": args.outcome})
    print(f"sensitivity folder: {folder}")
    key = "mu_star" if design.method == "morris" else "ST"
    for outcome, rows in table.groupby("outcome", sort=False):
        ranked = ", ".join(f"{r.input} {getattr(r, key):.3g}" for r in rows.itertuples())
        print(f"{outcome}: {ranked} ({key})")
    print(f"({output.NOTE})")
    return EXIT_OK


def _run_samples(design: Design, data: dict, origin: str, args, seed: int, runs: Path,
                 executor: ensemble.Executor) -> pd.DataFrame:
    """Every sample's outcomes; samples already in ``runs/`` are read, not run again."""
    runs.mkdir(exist_ok=True)
    done = {}
    for path in runs.glob("*.json"):
        done[int(path.stem)] = json.loads(path.read_text())
    jobs = [(data, origin, design.inputs(i), args.outcome, seed, i)
            for i in range(len(design.samples)) if i not in done]
    for job, result in executor.map(jobs, _evaluate_job):
        files.atomic_write_text(runs / f"{job[-1]:06d}.json", json.dumps(result))
        done[job[-1]] = result
    return pd.DataFrame([{"sample": i, **done[i]} for i in sorted(done)])


def sensitivity_chart(table: pd.DataFrame, method: str, stem: Path) -> list[Path]:
    """One panel per outcome: each input's mu* (Morris) or total Sobol index, with its
    confidence interval, largest on top."""
    key, conf = ("mu_star", "mu_star_conf") if method == "morris" else ("ST", "ST_conf")
    outcomes = list(dict.fromkeys(table.outcome))
    fig = _figure((8.5, 1.4 + 0.35 * len(table)))
    axes = np.atleast_1d(fig.subplots(len(outcomes), 1))
    for ax, outcome in zip(axes, outcomes, strict=True):
        rows = table[table.outcome == outcome].iloc[::-1]
        ax.barh(rows.input, rows[key], xerr=rows[conf], color=PALETTE[1], hatch="//",
                edgecolor="white")
        ax.set_title(outcome, loc="left", fontsize="medium")
        ax.set_xlabel("mu* (mean absolute elementary effect, outcome units)" if key == "mu_star"
                      else "total Sobol index (share of the outcome's variance)")
    return _save(fig, stem)
