"""Replicate ensembles: seeds, executors, per-replicate results written as soon as they finish,
resuming an interrupted ensemble, and summaries over replicates.

Replicate ``r`` of a scenario with seed ``s`` runs with the seed of
:func:`sim.experiments.api.replicate_seed` (``s`` itself for replicate 0, then the children of
``numpy.random.SeedSequence(s)``), so a replicate's
results do not depend on how many replicates there are, nor on where it ran. Each replicate is
serialised to CSV text in the worker and written by the parent, so serial runs, local processes
and a Dask cluster give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engine import files, kernels, lifetime, posterior
from ..engine.errors import InputError
from ..scenario import Scenario, validate
from . import policy
from .scheduler import Scheduler

WAIT_SECONDS = 0.25  # longest wait on worker processes before a Ctrl-C or SIGTERM is seen

SUMMARY_COLUMNS = ["scenario", "year", "indicator", "sex", "years_since_arrival", "mean", "p05",
                   "p50", "p95"]
KEYS = ["year", "indicator", "sex", "years_since_arrival"]
ENSEMBLE_FILE = "ensemble.json"
SCRATCH = ".dask-scratch-"  # a local Dask cluster's scratch space, in the ensemble's folder


@dataclass(frozen=True)
class Job:
    """One replicate to run: everything a worker needs, picklable."""

    scenario: dict
    origin: str
    seed: int
    replicate: int
    draw: bool = False  # parameters drawn from the parameter set and the priors
    draw_effects: bool = False  # lever effect sizes drawn from their priors
    attribution: bool = True  # in a package, each lever also switched on alone


def replicate_tables(job: Job) -> dict[str, pd.DataFrame]:
    """Run one replicate: the scenario and, if it has levers, its shadow run and (in a package)
    each lever alone; return its tables by file name."""
    from . import api

    scenario = validate(job.scenario, job.origin)
    seed = api.replicate_seed(job.seed, job.replicate)
    options = dict(seed=seed, replicate=job.replicate, posterior_draw=job.draw,
                   draw_effects=job.draw_effects, watched=False)
    result = api.run(scenario, **options)
    tables = {"indicators.csv": result.indicators}
    if job.draw or scenario.parameter_set is not None or scenario.levers:  # what it drew
        tables["inputs.csv"] = policy.inputs_table(result)
    if not scenario.levers:
        return tables
    shadow = api.run(scenario, shadow_levers=True, **options)
    indicators = policy.effect_indicators(scenario.levers)
    cohorts = [policy.cohort_table(result.model, shadow.model)]
    effects = [policy.effects_table(result, shadow, policy.ALL, indicators)]
    costs = [policy.costs_table(result.model)]
    everyone = frozenset(range(len(scenario.levers)))
    if job.attribution and len(scenario.levers) > 1:
        for j, lever in enumerate(scenario.levers):
            alone = api.run(scenario, shadow_levers=everyone - {j}, **options)
            cohorts.append(policy.cohort_table(alone.model, shadow.model, "alone", lever.label))
            effects.append(policy.effects_table(alone, shadow, lever.label, indicators))
            costs.append(policy.costs_table(alone.model, "alone", lever.label))
    tables.update({
        "counterfactual_indicators.csv": shadow.indicators,
        "costs.csv": pd.concat(costs, ignore_index=True),
        "cohorts.csv": pd.concat(cohorts, ignore_index=True),
        "effects.csv": pd.concat(effects, ignore_index=True),
    })
    return tables


def run_job(job: Job) -> dict[str, str]:
    """Run one replicate (see :func:`replicate_tables`); return CSV texts by file name."""
    return {name: files.csv_text(table.assign(replicate=job.replicate)
                                  if "replicate" not in table else table)
            for name, table in replicate_tables(job).items()}


def fingerprint(scenario: Scenario, seed: int, replicates: int, fixed_effects: bool = False,
                attribution: bool = True) -> dict:
    """What an ensemble folder was made from; a resumed ensemble must match it exactly."""
    resolved = scenario.resolved()
    if scenario.parameter_set is not None:  # the posterior's content, not only its name
        folder = posterior.locate(scenario.parameter_set, scenario.origin)
        resolved["posterior_sha256"] = posterior.checksum(folder)
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()
    return {"scenario": scenario.name, "scenario_sha256": digest, "seed": seed,
            "replicates": replicates, "fixed_effects": fixed_effects, "attribution": attribution}


class Executor:
    """Where replicates run: ``serial``, local ``processes`` (``workers`` of them, every core by
    default), or Dask (``workers`` starts a local Dask cluster; ``scheduler`` joins an existing
    one)."""

    def __init__(self, kind: str = "processes", workers: int | None = None,
                 scheduler: Scheduler | str | None = None) -> None:
        self.kind, self.workers = kind, workers
        self.scheduler = Scheduler.of(scheduler)
        self._keep, self._pool = False, None

    @contextmanager
    def kept(self) -> Iterator[Executor]:
        """Keep one pool of local worker processes for every :meth:`map` inside the block, and
        stop it at the end. A calibration maps each MCMC step, and starting workers (each
        imports the model) for every step would cost seconds each time. Other kinds of
        executor start as before."""
        self._keep = True
        try:
            yield self
        finally:
            self._keep = False
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    @classmethod
    def from_options(cls, workers: int | None, scheduler: Scheduler | str | None) -> Executor:
        """The command line's choice: ``--scheduler`` > ``--workers`` (Dask) > processes."""
        if scheduler:
            return cls("dask", scheduler=scheduler)
        if workers is not None:
            if workers < 1:
                raise InputError(f"--workers: expected a positive integer, got {workers}")
            return cls("dask", workers=workers)
        return cls("processes")

    @classmethod
    def from_args(cls, args: Any) -> Executor:
        """The command line's ``--workers``, ``--scheduler`` and TLS options."""
        return cls.from_options(args.workers, Scheduler.from_args(args))

    def map(self, jobs: list, work: Callable = run_job,
            scratch: Path | None = None) -> Iterator[tuple[Any, Any]]:
        """Run ``work(job)`` for each job (a picklable top-level function); yield each job with
        its result as soon as it finishes. A local Dask cluster keeps its scratch space in a
        hidden folder under ``scratch`` (default: the system's temporary folder), removed
        after."""
        if not jobs:
            return
        if self.kind == "serial":
            yield from ((job, work(job)) for job in jobs)
        elif self.kind == "processes":
            yield from self._processes(jobs, work)
        else:
            yield from self._dask(jobs, work, scratch)

    def _processes(self, jobs: list, work: Callable) -> Iterator[tuple[Any, Any]]:
        """Local worker processes, children of this one (spawned: no fork of a threaded
        parent) that end with it, and are stopped at once if the work stops early."""
        cores = self.workers or os.cpu_count() or 1
        pool = self._pool or ProcessPoolExecutor(
            cores if self._keep else min(len(jobs), cores),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker_start, initargs=(os.getpid(),))
        if self._keep:
            self._pool = pool
        try:
            with lifetime.signals_held():
                futures = {pool.submit(work, job): i for i, job in enumerate(jobs)}
            pending = set(futures)
            while pending:  # Ctrl-C and SIGTERM reach this loop between waits, never inside
                with lifetime.signals_held():
                    done, pending = wait(pending, timeout=WAIT_SECONDS,
                                         return_when=FIRST_COMPLETED)
                for future in sorted(done, key=futures.get):
                    yield jobs[futures[future]], future.result()
        except BaseException:  # an error, Ctrl-C or SIGTERM: running replicates are not awaited
            self._pool = None  # a pool stopped midway is never used again
            _stop(pool)
            raise
        if not self._keep:
            pool.shutdown(wait=True, cancel_futures=True)

    def _dask(self, jobs: list, work: Callable,
              scratch_in: Path | None) -> Iterator[tuple[Any, Any]]:
        import dask
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed

        cluster, scratch = None, None
        if self.scheduler:
            client = self.scheduler.client()
        else:  # workers' scratch space in a folder of this run's own, removed after
            scratch = tempfile.mkdtemp(prefix=SCRATCH, dir=scratch_in)
            with dask.config.set(worker_config() | {"temporary-directory": scratch}):
                # the dashboard on a free port: None means the default 8787, and a warning
                # on stderr when another run's cluster holds it
                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                       processes=True, dashboard_address=":0",
                                       local_directory=scratch)
            client = Client(cluster)
        try:
            futures = {client.submit(work, job, pure=False): job for job in jobs}
            for future in dask_completed(futures):
                yield futures[future], future.result()
        except BaseException:  # stopped early: no warning per cancelled task while closing,
            # nor the scheduler's error for a result it had forgotten when the run was stopped
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            raise
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)


def worker_start(parent: int) -> None:
    """Initializer of local worker processes: they end with ``parent`` and run one job at a
    time on one core (:func:`sim.engine.kernels.one_core`)."""
    lifetime.die_with_parent(parent)
    kernels.one_core()


def _stop(pool: ProcessPoolExecutor) -> None:
    """End ``pool`` at once: its workers terminated, its queued work cancelled, its threads
    joined.

    A worker terminated while sending a result leaves part of a message in the result pipe. The
    pool's thread would then wait for the rest for ever, because this process holds the pipe's
    write end too (Python 3.12's pool never closes it), and the shutdown, which joins that
    thread, would hang the command. Closing this process's write end first lets the pipe report
    the end of input once the workers have gone; this process never writes there."""
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


# Dask's periodic work in each worker that a local cluster of replicates does not need: the
# sampling profiler of the tasks (every 10 ms) and the event loop's health tick (every 20 ms),
# which take the GIL from the task's thread, and the system and memory monitors (every 0.5 s
# and 0.1 s) that feed the dashboard and the memory limit (a replicate uses well under it).
# Measured on 2 cores, 4 replicates at scale 1 on one worker, 10 alternated rounds: the runs
# took less time in 9 (medians of the 4 runs' sums 11.1 s against 12.2 s, 9% less;
# benchmarks/README.md, "Ensembles").
QUIET_WORKERS = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.tick.interval": "500ms",
                 "distributed.admin.system-monitor.interval": "5s",
                 "distributed.worker.memory.monitor-interval": "5s"}


def worker_config() -> dict:
    """The Dask configuration of a local cluster's workers (passed on by their nannies): the
    environment of :func:`worker_environment`, the preload that leaves Ctrl-C to the parent,
    and :data:`QUIET_WORKERS`."""
    return {"distributed.nanny.pre-spawn-environ": worker_environment(),
            "distributed.worker.preload": [lifetime.__name__]} | QUIET_WORKERS


def worker_environment() -> dict:
    """The environment a local Dask nanny gives its workers, without ``MALLOC_TRIM_THRESHOLD_``.

    Dask sets it to 64 KiB to return memory to the system sooner; setting it at all turns off
    glibc's sliding mmap threshold, so every array above 128 KiB is mapped and unmapped afresh,
    and a replicate took 1.8-2.3 times as long on a Dask worker as in a plain process (system
    time 0.5 s -> 16 s). The thread limits (``OMP_NUM_THREADS`` ...) are kept. Workers log
    critical failures only: an interrupted run says so on one line, without a warning per
    cancelled task or a worker's error when its heartbeat meets the closed scheduler (a task's
    own error reaches the parent, which reports it).
    """
    import dask
    import distributed  # noqa: F401 - loads Dask's distributed defaults into dask.config

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ | {"DASK_LOGGING__DISTRIBUTED": "critical"}


def replicate_dir(folder: Path, replicate: int) -> Path:
    return folder / "replicates" / f"{replicate:05d}"


CHECKSUMS = "checksums.json"  # sha256 of each file of a finished replicate


def done_replicates(folder: Path, replicates: int) -> set[int]:
    """Replicates already complete in an (interrupted) ensemble folder, each checked against
    the checksums written with it: a damaged one is refused, never summarised."""
    done = set()
    for r in range(replicates):
        where = replicate_dir(folder, r)
        if not (where / CHECKSUMS).is_file():
            continue  # never finished: it runs again
        try:
            sums = json.loads((where / CHECKSUMS).read_text())
            damaged = [name for name, digest in sums.items()
                       if _sha256((where / name).read_bytes()) != digest]
        except (OSError, ValueError, AttributeError) as exc:
            damaged = [f"{CHECKSUMS} ({type(exc).__name__})"]
        if damaged:
            raise InputError(f"{where}: {', '.join(damaged)} differs from what was written "
                             f"(damaged or edited); remove {where} to run that replicate again, "
                             "or the whole folder to start fresh")
        done.add(r)
    return done


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_replicate(folder: Path, replicate: int, texts: dict[str, str]) -> None:
    """Write one replicate's files and their checksums into a temporary folder, flushed to
    disk, then rename it into place."""
    final = replicate_dir(folder, replicate)
    tmp = final.with_name(f".{final.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sums = {}
    for name, text in {**texts, CHECKSUMS: None}.items():
        if name == CHECKSUMS:
            text = json.dumps(sums, indent=1, sort_keys=True)
        data = text.encode()
        sums[name] = _sha256(data)
        files.write_synced(tmp / name, data)
    os.replace(tmp, final)
    descriptor = os.open(final.parent, os.O_RDONLY)  # the rename itself, on disk
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def run_ensemble(scenario: Scenario, seed: int, replicates: int, folder: Path,
                 executor: Executor, progress: bool = True, fixed_effects: bool = False,
                 attribution: bool = True) -> None:
    """Run the missing replicates of an ensemble in ``folder`` (created or resumed).

    With more than one replicate each draws its parameters from the scenario's parameter set,
    every other parameter with a prior from its prior and, unless ``fixed_effects``, its lever
    effect sizes from their priors."""
    from tqdm import tqdm

    stamp = fingerprint(scenario, seed, replicates, fixed_effects, attribution)
    folder.mkdir(parents=True, exist_ok=True)
    files.check_stamp(folder / ENSEMBLE_FILE, stamp, "ensemble")
    done = done_replicates(folder, replicates)
    for stale in folder.glob(f"{SCRATCH}*"):  # left by a run killed outright (SIGKILL)
        shutil.rmtree(stale, ignore_errors=True)
    data = scenario.model_dump(mode="json")
    draw = replicates > 1
    jobs = [Job(data, scenario.origin, seed, r, draw=draw, draw_effects=draw and not fixed_effects,
                attribution=attribution) for r in range(replicates) if r not in done]
    bar = tqdm(total=replicates, initial=len(done), desc=scenario.name, unit="replicate",
               disable=None if progress else True)
    with bar:
        for job, texts in executor.map(jobs, scratch=folder):
            write_replicate(folder, job.replicate, texts)
            bar.update(1)


def combined(folder: Path, replicates: int, name: str = "indicators.csv") -> pd.DataFrame:
    """One file of every replicate, stacked in replicate order (an error if one is missing:
    a summary never silently leaves a replicate out)."""
    paths = [replicate_dir(folder, r) / name for r in range(replicates)]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"{missing[0]}: missing ({len(missing)} of {replicates} replicates "
                         f"lack {name}); run the same command again to finish the ensemble")
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


POLICY_FILES = ("counterfactual_indicators.csv", "costs.csv", "cohorts.csv", "effects.csv",
                "inputs.csv")


def tables(folder: Path, scenario: Scenario, replicates: int) -> dict[str, pd.DataFrame]:
    """The tables of a finished ensemble by file name: every replicate's indicators, their
    summary, and the policy files (with levers) or the parameters drawn (without)."""
    indicators = combined(folder, replicates)
    out = {"indicators.csv": indicators, "summary.csv": summarise(indicators, scenario.name)}
    if scenario.levers:
        out |= {name: combined(folder, replicates, name) for name in POLICY_FILES}
    elif scenario.parameter_set is not None:  # each replicate's draw from the posterior
        out["inputs.csv"] = combined(folder, replicates, "inputs.csv")
    return out


def over_replicates(table: pd.DataFrame, percentiles: dict[str, float],
                    mean: bool = True) -> pd.DataFrame:
    """Per indicator row (:data:`KEYS`, in order of first appearance): the mean and the given
    percentiles (``name -> q``, NumPy's linear interpolation) over the replicates that have the
    row (a row is absent where it is undefined, e.g. a wage with no one in work). Vectorised: a
    rows x replicates matrix, with only incomplete rows done one by one."""
    gid = table.groupby(KEYS, sort=False).ngroup().to_numpy()
    reps, col = np.unique(table["replicate"].to_numpy(), return_inverse=True)
    n = int(gid.max()) + 1 if gid.size else 0
    values = np.full((n, reps.size), np.nan)
    values[gid, col] = table["value"].to_numpy(dtype=float)
    first = np.unique(gid, return_index=True)[1]
    out = table.iloc[first][KEYS].reset_index(drop=True)
    if mean:  # pandas' grouped mean (missing values skipped), in the same group order
        out["mean"] = table.groupby(KEYS, sort=False)["value"].mean().to_numpy()
    complete = ~np.isnan(values).any(axis=1)
    rows = [values[i][~np.isnan(values[i])] for i in np.flatnonzero(~complete)]
    for name, q in percentiles.items():
        column = np.full(n, np.nan)
        column[complete] = np.percentile(values[complete], q, axis=1)
        column[~complete] = [np.percentile(row, q) if row.size else np.nan for row in rows]
        out[name] = column
    return out


def summarise(indicators: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Mean and 5th, 50th and 95th percentiles over replicates, per indicator row."""
    out = over_replicates(indicators, {"p05": 5, "p50": 50, "p95": 95})
    out.insert(0, "scenario", scenario)
    return out[SUMMARY_COLUMNS]


def paired_differences(a: pd.DataFrame, b: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Summaries of the replicate-by-replicate differences ``a - b`` (the two runs a contrast
    subtracts, e.g. a scenario and its shadow)."""
    merged = a.merge(b, on=["replicate", *KEYS], suffixes=("", "_b"))
    merged["value"] = merged["value"] - merged["value_b"]
    return summarise(merged[["replicate", *KEYS, "value"]], scenario)
