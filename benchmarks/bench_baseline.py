"""Time the baseline against anchors run in the same session: ns per active agent-month.

Usage:
    .venv/bin/python benchmarks/bench_baseline.py [--rounds 3] [--against REF] [--scale 1]
        [--end 2025] [--unwatched]
    .venv/bin/python benchmarks/bench_baseline.py --scaling [--rounds 1]

Each round runs, in fresh processes and alternating their order from round to round:

- this tree's model (``ResettleModel("baseline").run_model()``, no output folder; with
  ``--unwatched``, without Mesa's views, as calibration particles and ensemble replicates run it,
  in every revision that has the option);
- the model at ``--against`` (a git revision, by default the last commit before the compiled
  kernels), unpacked with ``git archive`` into a temporary folder.

After the rounds, two floors make the model's number of draws per agent-month over the same
people month by month: a NumPy floor (each draw a SplitMix pass and a Bernoulli comparison over
arrays, as the rules did before the compiled kernels) and a compiled floor (one fused numba loop).

It prints ns per active agent-month (an active agent is alive and not gone from the pathway:
not dead, moved on or returned north), draws per agent-month, the import time and the first run of
a fresh process (1995-1996: what loading the compiled kernels costs a small run), peak memory per
peak-active agent, and the ratios within each round. ``--scaling`` times scale 10, 1, 0.5 and 0.1
and a scale-10 calibration particle (1995-2025). Writes no files outside the temporary folder.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREVIOUS = "62c1d2d"  # the last commit before the compiled kernels and the screened China exits
GONE = (10, 11, 12)  # Stage.DEAD, MOVED_ON, RETURNED_NORTH: not active


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _own_data(tree: str) -> None:
    """Make ``tree``'s scenarios and calibrated parameter set the packages ``sim.scenarios``,
    ``sim.calibration`` and ``sim.calibrated`` (an editable install maps them to the checkout
    it was made from, whose parameter set an older revision may not know)."""
    import importlib.util

    for name, folder in (("sim.scenarios", "scenarios"), ("sim.calibration", "calibration"),
                         ("sim.calibrated", "calibration/calibrated")):
        path = Path(tree) / folder
        if not (path / "__init__.py").is_file():
            continue  # not a package in that revision
        spec = importlib.util.spec_from_file_location(
            name, path / "__init__.py", submodule_search_locations=[str(path)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)


def child(tree: str, scale: float, end_year: int | None, floors: int,
          unwatched: bool = False) -> dict:
    """One measured run of the model in ``tree`` (run in a fresh process)."""
    sys.path.insert(0, tree)
    start = time.perf_counter()
    _own_data(tree)
    # the tree's own random streams: revisions before sim/engine/ kept them in sim/randomness.py
    # (importing sim.engine there would reach this tree's module and count nothing)
    old_layout = (Path(tree) / "sim" / "randomness.py").is_file()
    randomness = importlib.import_module("sim.randomness" if old_layout
                                         else "sim.engine.randomness")
    from sim.model import ResettleModel
    import_s = time.perf_counter() - start
    drawn = [0]
    uniforms = randomness.Streams.uniforms

    def counted(self, stream, month, uids):
        drawn[0] += len(uids)
        return uniforms(self, stream, month, uids)

    randomness.Streams.uniforms = counted
    below = getattr(randomness.Streams, "below", None)  # draws screened in one pass

    def counted_below(self, stream, month, uid, rows, p):
        drawn[0] += len(rows)
        return below(self, stream, month, uid, rows, p)

    if below is not None:
        randomness.Streams.below = counted_below
    end = {"horizon": {"start": 1995, "end": end_year}} if end_year else {}
    warm = {"horizon": {"start": 1995, "end": 1996}}
    start = time.perf_counter()
    _baseline(ResettleModel, scale, warm, unwatched).run_model()  # compiles (loads) the kernels
    warm_s = time.perf_counter() - start
    rss_before = _rss_bytes()  # the model's arrays, allocated when it is made, count too
    model = _baseline(ResettleModel, scale, end, unwatched)
    start = time.perf_counter()
    model.run_model()
    sim_s = time.perf_counter() - start
    counts = model.recorder.stage_counts.sum(axis=2)
    active = counts[:, [s for s in range(counts.shape[1]) if s not in GONE]].sum(axis=1)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out = dict(tree=tree, scale=scale, import_s=import_s, warm_s=warm_s, sim_s=sim_s,
               people=model.population.n, agent_months=int(active.sum()),
               peak_active=int(active.max()), draws=drawn[0],
               bytes_per_agent=(peak_rss - rss_before) / max(int(active.max()), 1))
    if floors:
        out["numpy_floor_s"] = _floor(active, floors, compiled=False)
        out["numba_floor_s"] = _floor(active, floors, compiled=True)
    return out


def _baseline(model_class, scale: float, horizon: dict, unwatched: bool = False):
    """The baseline model at ``scale``, unrun (``unwatched``: without Mesa's views, in the
    revisions that have the option; the others always kept them): revisions up to 99af029 took a
    resolved scenario and applied its parameter set in ``sim.run`` (as done here for them)."""
    for extra in ({"watched": False}, {}) if unwatched else ({},):
        try:
            return model_class("baseline", seed=1, scale=scale, **horizon, **extra)
        except TypeError:
            continue
    else:
        from sim import posterior
        from sim.api import resolve

        scenario = resolve("baseline", scale=scale, **horizon)
        if scenario.parameter_set is not None:
            values = posterior.load(scenario.parameter_set, scenario.origin).values(1, False)
            merged = scenario.model_copy(update={"parameters": {**values,
                                                                **scenario.parameters}})
            merged._origin = scenario.origin
            scenario = merged
        return model_class(scenario, seed=1)


def _floor(active, draws_per: int, compiled: bool) -> float:
    """Seconds to make ``draws_per`` Bernoulli draws for each active agent in each month."""
    import numpy as np
    from sim.engine.randomness import reference_uniforms, stream_key

    kernel = _compiled_floor()
    uids = np.arange(int(active.max()), dtype=np.int64)
    kernel(np.uint64(1), uids[:10], 2, 0.01)  # compile outside the timing
    hits, start = 0, time.perf_counter()
    for month, n in enumerate(active.tolist()):
        if compiled:
            hits += kernel(stream_key(1, "floor", month), uids[:n], draws_per, 0.01)
        else:
            for d in range(draws_per):
                hits += int((reference_uniforms(stream_key(1, f"floor{d}", month), uids[:n])
                             < 0.01).sum())
    return time.perf_counter() - start if hits >= 0 else 0.0


def _compiled_floor():
    import numba
    import numpy as np

    golden, m1, m2 = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9),
                      np.uint64(0x94D049BB133111EB))

    @numba.njit(cache=False)
    def floor(key, uids, draws_per, p):
        hits = 0
        for i in range(uids.size):
            for d in range(draws_per):
                z = (np.uint64(uids[i]) * golden) ^ key ^ np.uint64(d)
                z += golden
                z = (z ^ (z >> np.uint64(30))) * m1
                z = (z ^ (z >> np.uint64(27))) * m2
                z ^= z >> np.uint64(31)
                hits += np.float64(z >> np.uint64(11)) * 2.0**-53 < p
        return hits

    return floor


def spawn(tree: Path, scale: float, end_year: int | None = None, floors: int = 0,
          unwatched: bool = False) -> dict:
    """Run :func:`child` in a fresh interpreter and return its figures."""
    args = [sys.executable, __file__, "--child", str(tree), "--scale", str(scale)]
    args += ["--end-year", str(end_year)] if end_year else []
    args += ["--floors", str(floors)] if floors else []
    args += ["--unwatched"] if unwatched else []
    done = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def unpack(revision: str, into: Path) -> Path:
    """The tree of ``revision`` (git archive), unpacked into ``into``."""
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def revision() -> str:
    """Short commit hash, '+dirty' if tracked files changed; '?' outside git."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, text=True, capture_output=True, check=True).stdout
        return rev + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def ns(run: dict, key: str = "sim_s") -> float:
    return 1e9 * run[key] / run["agent_months"]


def compare(rounds: int, against: str, scale: float, end: int | None = None,
            unwatched: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = unpack(against, Path(tmp))
        now, old = [], []
        for r in range(rounds):
            order = [("now", ROOT), ("old", old_tree)]
            for label, tree in order if r % 2 == 0 else order[::-1]:
                run = spawn(tree, scale, end, unwatched=unwatched)
                (now if label == "now" else old).append(run)
                print(f"round {r + 1} {label}: {run['sim_s']:.2f} s, "
                      f"{ns(run):.0f} ns/agent-month", flush=True)
    # every draw of the reference revision goes through Streams.uniforms, so it is counted there
    # (compiled kernels draw inline); the floors make that many draws per agent-month
    draws_per = old[0]["draws"] / old[0]["agent_months"]
    floors = spawn(ROOT, scale, end, floors=max(1, round(draws_per)))
    med = {k: statistics.median(r[k] for r in now) for k in
           ("sim_s", "import_s", "warm_s", "bytes_per_agent")}
    old_s = statistics.median(r["sim_s"] for r in old)
    ratios = [o["sim_s"] / n["sim_s"] for n, o in zip(now, old, strict=True)]
    run = now[0]
    print(f"\nthis tree {revision()} against {against}, scale {scale}"
          f"{f', 1995-{end}' if end else ''}{', unwatched' if unwatched else ''}, {rounds} rounds, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs {platform.machine()}")
    print(f"people {run['people']:,}; active agent-months {run['agent_months']:,}; "
          f"peak active {run['peak_active']:,}; draws per agent-month {draws_per:.2f}")
    print(f"simulation: {med['sim_s']:.2f} s median ({ns(run) * med['sim_s'] / run['sim_s']:.0f}"
          f" ns/agent-month); {against}: {old_s:.2f} s "
          f"({1e9 * old_s / old[0]['agent_months']:.0f} ns)")
    print(f"speed-up against {against}, per round: "
          + ", ".join(f"{x:.2f}x" for x in ratios) + f" (median {statistics.median(ratios):.2f}x)")
    print(f"floors of {max(1, round(draws_per))} draws per agent-month: NumPy "
          f"{ns(floors, 'numpy_floor_s'):.0f} ns/agent-month (model / floor "
          f"{med['sim_s'] / floors['numpy_floor_s']:.1f}), compiled "
          f"{ns(floors, 'numba_floor_s'):.0f} ns (model / floor "
          f"{med['sim_s'] / floors['numba_floor_s']:.1f})")
    old_med = {k: statistics.median(r[k] for r in old) for k in ("import_s", "warm_s")}
    print(f"import: {med['import_s']:.2f} s ({against}: {old_med['import_s']:.2f} s); first run "
          f"of a process, 1995-1996 (kernels loaded): {med['warm_s']:.2f} s ({against}: "
          f"{old_med['warm_s']:.2f} s); memory: {med['bytes_per_agent']:.0f} bytes per "
          f"peak-active agent (peak RSS growth during the run)")


def scaling(rounds: int) -> None:
    cases = [(10.0, None), (1.0, None), (0.5, None), (0.1, None), (10.0, 2025)]
    print("| case | people | active agent-months | simulation s | ns/agent-month | "
          "bytes/peak-active agent |\n| --- | --- | --- | --- | --- | --- |")
    for scale, end in cases:
        runs = [spawn(ROOT, scale, end) for _ in range(rounds)]
        s = statistics.median(r["sim_s"] for r in runs)
        r = runs[0]
        name = f"scale {scale:g}" + (f" to {end} (a calibration particle)" if end else "")
        print(f"| {name} | {r['people']:,} | {r['agent_months']:,} | {s:.2f} | "
              f"{1e9 * s / r['agent_months']:.0f} | {r['bytes_per_agent']:.0f} |", flush=True)
        if end:
            print(f"\ncalibration particles per hour on {os.cpu_count()} cores: "
                  f"{3600 * (os.cpu_count() or 1) / s:,.0f} (one particle per core)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="alternated rounds (default 3)")
    ap.add_argument("--against", default=PREVIOUS, metavar="REF",
                    help=f"git revision to compare with (default {PREVIOUS})")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--end", type=int, metavar="YEAR",
                    help="last year simulated (2025: a calibration particle); default 2035")
    ap.add_argument("--unwatched", action="store_true",
                    help="run without Mesa's views, as calibration particles and ensemble "
                         "replicates do (revisions without the option keep them)")
    ap.add_argument("--scaling", action="store_true", help="the scaling table instead")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--end-year", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--floors", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, a.scale, a.end_year, a.floors, a.unwatched)))
    elif a.scaling:
        scaling(a.rounds)
    else:
        compare(a.rounds, a.against, a.scale, a.end, a.unwatched)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
