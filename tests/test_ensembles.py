"""Ensembles: replicates and summaries, byte-identical results whatever the executor, resuming
(after real interruptions: tests/test_faults.py; comparisons and the report:
tests/test_comparison.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from _shared import small_file as small
from sim import scenario
from sim.engine.errors import InputError
from sim.experiments import ensemble

ROOT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*.csv"))}


@pytest.mark.slow  # a local Dask cluster and a process pool (.ci/run runs the slow tests)
def test_serial_processes_and_a_dask_local_cluster_give_byte_identical_results(tmp_path):
    s = scenario.load(small(tmp_path))
    results = {}
    for kind, executor in (("serial", ensemble.Executor("serial")),
                           ("processes", ensemble.Executor("processes")),
                           ("dask", ensemble.Executor("dask", workers=2))):
        folder = tmp_path / kind
        ensemble.run_ensemble(s, 3, 3, folder, executor, progress=False)
        results[kind] = _files(folder)
    assert len(results["serial"]) == 6  # indicators.csv and inputs.csv of three replicates
    assert results["serial"] == results["processes"] == results["dask"]


@pytest.mark.slow  # a Dask scheduler and worker (.ci/run runs the slow tests)
def test_replicates_sent_to_an_existing_dask_scheduler_match_serial_runs(tmp_path):
    """``--scheduler tcp://HOST:PORT``: a cluster started elsewhere (here, in the test)."""
    from dask.distributed import LocalCluster

    s = scenario.load(small(tmp_path))
    ensemble.run_ensemble(s, 3, 2, tmp_path / "serial", ensemble.Executor("serial"),
                          progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        executor = ensemble.Executor.from_options(None, cluster.scheduler_address)
        ensemble.run_ensemble(s, 3, 2, tmp_path / "remote", executor, progress=False)
    assert _files(tmp_path / "serial") == _files(tmp_path / "remote")


def test_summary_has_its_columns_and_percentiles_in_order(tmp_path):
    s = scenario.load(small(tmp_path))
    ensemble.run_ensemble(s, 3, 4, tmp_path / "e", ensemble.Executor("serial"), progress=False)
    ind = ensemble.combined(tmp_path / "e", 4)
    assert sorted(ind.replicate.unique()) == [0, 1, 2, 3]
    summary = ensemble.summarise(ind, "small")
    assert list(summary.columns) == ["scenario", "year", "indicator", "sex",
                                     "years_since_arrival", "mean", "p05", "p50", "p95"]
    assert (summary.p05 <= summary.p50).all() and (summary.p50 <= summary.p95).all()
    arrivals = ind[(ind.indicator == "arrivals") & (ind.sex == "all") & (ind.year == 2002)]
    assert arrivals.value.nunique() > 1  # replicates differ
    drawn = ensemble.combined(tmp_path / "e", 4, "inputs.csv")
    # each replicate's posterior draw, and the parameters it drew from their priors
    assert set(drawn.group) == {"calibrated parameters", "parameters drawn from their priors"}
    for group in ("calibrated parameters", "parameters drawn from their priors"):
        assert drawn[drawn.group == group].groupby("name").value.nunique().max() > 1


def test_resuming_with_another_scenario_is_refused(tmp_path):
    s = scenario.load(small(tmp_path))
    folder = tmp_path / "e"
    ensemble.run_ensemble(s, 3, 2, folder, ensemble.Executor("serial"), progress=False)
    other = s.with_overrides(arrest_rate=0.2)
    with pytest.raises(InputError, match="started differently \\(the scenario content changed"):
        ensemble.run_ensemble(other, 3, 2, folder, ensemble.Executor("serial"), progress=False)


def test_a_damaged_replicate_or_record_is_refused_on_resume(tmp_path):
    """A resumed ensemble checks what it finds: a truncated replicate file, an edited one or a
    damaged ensemble record is refused with what differs, never summarised."""
    s = scenario.load(small(tmp_path))
    folder = tmp_path / "e"
    ensemble.run_ensemble(s, 3, 2, folder, ensemble.Executor("serial"), progress=False)
    assert ensemble.done_replicates(folder, 2) == {0, 1}
    indicators = ensemble.replicate_dir(folder, 1) / "indicators.csv"
    indicators.write_bytes(indicators.read_bytes()[:1000])  # truncated
    with pytest.raises(InputError, match=r"00001: indicators.csv differs from what was written"):
        ensemble.run_ensemble(s, 3, 2, folder, ensemble.Executor("serial"), progress=False)
    shutil.rmtree(ensemble.replicate_dir(folder, 1))  # as the message says: runs again
    ensemble.run_ensemble(s, 3, 2, folder, ensemble.Executor("serial"), progress=False)
    assert ensemble.done_replicates(folder, 2) == {0, 1}
    (folder / ensemble.ENSEMBLE_FILE).write_text('{"scenario": ')
    with pytest.raises(InputError, match="its record ensemble.json is damaged"):
        ensemble.run_ensemble(s, 3, 2, folder, ensemble.Executor("serial"), progress=False)


def test_the_record_of_a_folder_names_the_model_and_a_changed_data_file_is_named(
        tmp_path, monkeypatch):
    import hashlib

    import sim
    from sim.engine import files

    model = files.model_stamp()
    world = ROOT / "sim" / "data" / "world.csv"
    assert model["version"] == sim.__version__ and len(model["code_sha256"]) == 64
    assert model["data_sha256"]["data/world.csv"] == hashlib.sha256(world.read_bytes()).hexdigest()
    assert {f"data/parameters/{p.name}" for p in (world.parent / "parameters").glob("*.yaml")} \
        < set(model["data_sha256"])
    files.check_stamp(tmp_path / "record.json", {"seed": 1}, "ensemble")
    files.check_stamp(tmp_path / "record.json", {"seed": 1}, "ensemble")  # the same: resumes
    edited = {**model, "data_sha256": {**model["data_sha256"], "data/world.csv": "0" * 64}}
    monkeypatch.setattr(files, "model_stamp", lambda: edited)
    with pytest.raises(InputError, match=r"started differently \(the data file\(s\) "
                       r"data/world.csv changed\); to start afresh remove that folder"):
        files.check_stamp(tmp_path / "record.json", {"seed": 1}, "ensemble")


@pytest.mark.slow  # a Dask cluster started and stopped
def test_a_local_dask_cluster_beside_another_run_warns_nothing(tmp_path, recwarn):
    """Two runs at once (an ensemble beside a calibration) must not print Dask's warning that
    the dashboard's default port is taken: the dashboard goes on a free port."""
    import socket

    with socket.socket() as held:  # what another run's cluster would hold
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            held.bind(("127.0.0.1", 8787))
        except OSError:
            pass  # held already by another process: the same situation
        held.listen()
        s = scenario.load(small(tmp_path))
        ensemble.run_ensemble(s, 3, 1, tmp_path / "e", ensemble.Executor("dask", workers=1),
                              progress=False)
    assert not [w for w in recwarn if "8787" in str(w.message)]


@pytest.mark.slow  # 7 s: a Dask cluster started and stopped
def test_a_local_dask_cluster_leaves_no_scratch_space_behind(tmp_path, monkeypatch):
    """Dask's workers write their scratch space into a folder of the ensemble's own, removed
    after; one left by a run killed outright is removed when the ensemble resumes."""
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    stale = tmp_path / "e" / f"{ensemble.SCRATCH}killed"
    stale.mkdir(parents=True)
    tempfile.tempdir = None  # read TMPDIR again
    try:
        s = scenario.load(small(tmp_path))
        ensemble.run_ensemble(s, 3, 2, tmp_path / "e", ensemble.Executor("dask", workers=1),
                              progress=False)
    finally:
        tempfile.tempdir = None
    assert ensemble.done_replicates(tmp_path / "e", 2) == {0, 1}
    assert list((tmp_path / "tmp").iterdir()) == []  # Dask's own default: dask-scratch-space
    assert sorted(p.name for p in (tmp_path / "e").iterdir()) == [ensemble.ENSEMBLE_FILE,
                                                                  "replicates"]


def _worker_settings(job: int) -> tuple:
    import dask
    return tuple(dask.config.get(key) for key in ensemble.QUIET_WORKERS)


@pytest.mark.slow  # a Dask cluster started and stopped
def test_a_local_dask_cluster_s_workers_run_without_the_periodic_work_replicates_do_not_need(
        tmp_path):
    """The workers of a local cluster get :data:`ensemble.QUIET_WORKERS` from their nannies:
    no sampling profiler, a slow event-loop tick, slow monitors (this process's own
    configuration is left as it was)."""
    import dask
    import distributed  # noqa: F401 - loads Dask's distributed defaults into dask.config

    before = dask.config.get("distributed.worker.profile.enabled")
    seen = [settings for _, settings in ensemble.Executor("dask", workers=1).map(
        [0], _worker_settings, scratch=tmp_path)]
    assert seen == [tuple(ensemble.QUIET_WORKERS.values())]
    assert dask.config.get("distributed.worker.profile.enabled") == before


def _worker_pid(job: int) -> int:
    import os
    return os.getpid()


def test_a_kept_pool_of_workers_serves_every_map_and_stops_after():
    """A calibration maps each MCMC step: inside ``kept()`` the same worker processes run them
    all; outside it each map starts and stops its own."""
    executor = ensemble.Executor("processes", 2)
    with executor.kept():
        first = {pid for _, pid in executor.map(list(range(8)), _worker_pid)}
        second = {pid for _, pid in executor.map(list(range(8)), _worker_pid)}
        assert len(first | second) <= 2
    assert executor._pool is None
    alone = {pid for _, pid in executor.map(list(range(8)), _worker_pid)}
    assert not alone & (first | second)


def _half_sent(job: tuple[int, str]) -> int:
    """Job 0 returns at once; job 1, once told that job 0's result arrived, sends the start of a
    result and never the rest, as a worker terminated mid-send does."""
    import inspect
    import os
    import struct
    import time

    number, folder = job
    if number == 0:
        return 0
    while not os.path.exists(f"{folder}/first"):
        time.sleep(0.05)
    frame = inspect.currentframe()
    while frame.f_code.co_name != "_process_worker":  # the pool's worker loop holds the queue
        frame = frame.f_back
    os.write(frame.f_locals["result_queue"]._writer.fileno(), struct.pack("!i", 1 << 20) + b"x")
    open(f"{folder}/sent", "w").close()
    time.sleep(600)
    return 1


def test_work_stopped_while_a_worker_sends_its_result_ends_instead_of_hanging(tmp_path):
    """A Ctrl-C or SIGTERM can terminate a worker in the middle of sending its result: the
    command must still stop its pool and end (it once waited for the rest of the message)."""
    import threading
    import time

    def consume():
        for _, result in ensemble.Executor("processes", 2).map([(0, tmp_path), (1, tmp_path)],
                                                               _half_sent):
            (tmp_path / "first").touch()
            while not (tmp_path / "sent").exists():
                time.sleep(0.05)
            break  # as an interruption does: the map's generator is closed at once

    stopping = threading.Thread(target=consume, daemon=True)
    stopping.start()
    stopping.join(60)
    assert not stopping.is_alive(), "the pool's shutdown waited for a result never sent"
