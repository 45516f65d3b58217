"""Replicate ensembles: seeds, executors, per-replicate results written as soon as they finish,
resuming an interrupted ensemble, and summaries over replicates.

Replicate ``r`` of a scenario with seed ``s`` runs with :func:`sim.api.replicate_seed` (``s``
itself for replicate 0, then the children of ``numpy.random.SeedSequence(s)``), so a replicate's
results do not depend on how many replicates there are, nor on where it ran. Each replicate is
serialised to CSV text in the worker and written by the parent, so serial runs, local processes
and a Dask cluster give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import output, policy, posterior
from .errors import InputError
from .scenario import Scenario, validate

SUMMARY_COLUMNS = ["scenario", "year", "indicator", "sex", "years_since_arrival", "mean", "p05",
                   "p50", "p95"]
KEYS = ["year", "indicator", "sex", "years_since_arrival"]
ENSEMBLE_FILE = "ensemble.json"


@dataclass(frozen=True)
class Job:
    """One replicate to run: everything a worker needs, picklable."""

    scenario: dict
    origin: str
    seed: int
    replicate: int
    draw: bool = False  # parameters drawn from the scenario's parameter set


def run_job(job: Job) -> dict[str, str]:
    """Run one replicate (and its counterfactual if it has levers); return CSV texts by file."""
    from . import api

    scenario = validate(job.scenario, job.origin)
    seed = api.replicate_seed(job.seed, job.replicate)
    result = api.run(scenario, seed=seed, replicate=job.replicate, posterior_draw=job.draw)
    tables = {"indicators.csv": result.indicators}
    if scenario.levers:
        cf = api.run(scenario, seed=seed, replicate=job.replicate, shadow_levers=True,
                     posterior_draw=job.draw)
        tables.update({
            "counterfactual_indicators.csv": cf.indicators,
            "costs.csv": policy.costs_table(result.model),
            "cost_effectiveness.csv": policy.cost_effectiveness(result, cf),
            "cohorts.csv": policy.cohort_table(result, cf),
        })
    return {name: output.csv_text(table.assign(replicate=job.replicate)
                                  if "replicate" not in table else table)
            for name, table in tables.items()}


def fingerprint(scenario: Scenario, seed: int, replicates: int) -> dict:
    """What an ensemble folder was made from; a resumed ensemble must match it exactly."""
    resolved = scenario.resolved()
    if scenario.parameter_set is not None:  # the posterior's content, not only its name
        folder = posterior.locate(scenario.parameter_set, scenario.origin)
        resolved["posterior_sha256"] = posterior.checksum(folder)
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()
    return {"scenario": scenario.name, "scenario_sha256": digest, "seed": seed,
            "replicates": replicates}


class Executor:
    """Where replicates run: ``serial``, local ``processes`` (every core by default), or Dask
    (``workers`` starts a local Dask cluster; ``scheduler`` joins an existing one)."""

    def __init__(self, kind: str = "processes", workers: int | None = None,
                 scheduler: str | None = None) -> None:
        self.kind, self.workers, self.scheduler = kind, workers, scheduler

    @classmethod
    def from_options(cls, workers: int | None, scheduler: str | None) -> Executor:
        """The command line's choice: ``--scheduler`` > ``--workers`` (Dask) > processes."""
        if scheduler:
            return cls("dask", scheduler=scheduler)
        if workers is not None:
            if workers < 1:
                raise InputError(f"--workers: expected a positive integer, got {workers}")
            return cls("dask", workers=workers)
        return cls("processes")

    def map(self, jobs: list[Job]) -> Iterator[tuple[Job, dict[str, str]]]:
        """Run jobs; yield each with its result as soon as it finishes."""
        if not jobs:
            return
        if self.kind == "serial":
            yield from ((job, run_job(job)) for job in jobs)
        elif self.kind == "processes":
            context = multiprocessing.get_context("forkserver")  # no fork of a threaded parent
            with ProcessPoolExecutor(min(len(jobs), os.cpu_count() or 1),
                                     mp_context=context) as pool:
                futures = {pool.submit(run_job, job): job for job in jobs}
                for future in as_completed(futures):
                    yield futures[future], future.result()
        else:
            yield from self._dask(jobs)

    def _dask(self, jobs: list[Job]) -> Iterator[tuple[Job, dict[str, str]]]:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed

        cluster = None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            futures = {client.submit(run_job, job, pure=False): job for job in jobs}
            for future in dask_completed(futures):
                yield futures[future], future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def replicate_dir(folder: Path, replicate: int) -> Path:
    return folder / "replicates" / f"{replicate:05d}"


def done_replicates(folder: Path, replicates: int) -> set[int]:
    """Replicates already complete in an (interrupted) ensemble folder."""
    return {r for r in range(replicates) if (replicate_dir(folder, r) / "indicators.csv").is_file()}


def write_replicate(folder: Path, replicate: int, texts: dict[str, str]) -> None:
    """Write one replicate's files into a temporary folder, then rename it into place."""
    final = replicate_dir(folder, replicate)
    tmp = final.with_name(f".{final.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, text in texts.items():
        (tmp / name).write_text(text)
    os.replace(tmp, final)


def run_ensemble(scenario: Scenario, seed: int, replicates: int, folder: Path,
                 executor: Executor, progress: bool = True) -> None:
    """Run the missing replicates of an ensemble in ``folder`` (created or resumed)."""
    from tqdm import tqdm

    stamp = fingerprint(scenario, seed, replicates)
    folder.mkdir(parents=True, exist_ok=True)
    found = output.check_stamp(folder / ENSEMBLE_FILE, stamp)
    if found is not None:
        raise InputError(f"{folder}: this unfinished ensemble was started with a different "
                         f"scenario, seed or number of replicates ({found['scenario']}, "
                         f"seed {found['seed']}, {found['replicates']} replicates); "
                         "remove it or choose another --out")
    done = done_replicates(folder, replicates)
    data = scenario.model_dump(mode="json")
    jobs = [Job(data, scenario.origin, seed, r, draw=replicates > 1)
            for r in range(replicates) if r not in done]
    bar = tqdm(total=replicates, initial=len(done), desc=scenario.name, unit="replicate",
               disable=None if progress else True)
    with bar:
        for job, texts in executor.map(jobs):
            write_replicate(folder, job.replicate, texts)
            bar.update(1)


def combined(folder: Path, replicates: int, name: str = "indicators.csv") -> pd.DataFrame:
    """One file of every replicate, stacked in replicate order."""
    parts = [pd.read_csv(replicate_dir(folder, r) / name) for r in range(replicates)
             if (replicate_dir(folder, r) / name).is_file()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def summarise(indicators: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Mean and 5th, 50th and 95th percentiles over replicates, per indicator row."""
    grouped = indicators.groupby(KEYS, sort=False)["value"]
    out = grouped.agg(mean="mean", p05=lambda v: np.percentile(v, 5),
                      p50=lambda v: np.percentile(v, 50),
                      p95=lambda v: np.percentile(v, 95)).reset_index()
    out.insert(0, "scenario", scenario)
    return out[SUMMARY_COLUMNS]


def paired_differences(policy_ind: pd.DataFrame, base_ind: pd.DataFrame,
                       scenario: str) -> pd.DataFrame:
    """Summaries of the replicate-by-replicate differences policy - baseline."""
    merged = policy_ind.merge(base_ind, on=["replicate", *KEYS], suffixes=("", "_base"))
    merged["value"] = merged["value"] - merged["value_base"]
    return summarise(merged[["replicate", *KEYS, "value"]], scenario)
