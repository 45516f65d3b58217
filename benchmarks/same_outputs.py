"""Check that a change left the model's outputs statistically unchanged: replicates of the
baseline in this tree and in a reference revision, compared on every target of
``calibration/targets.yaml`` within Monte Carlo error.

Usage:
    .venv/bin/python benchmarks/same_outputs.py --against 506c89c [--scale 10] [--replicates 20]
        [--first-seed 1]
    .venv/bin/python benchmarks/same_outputs.py --write tests/reference_outputs.json

``--write`` records this tree's per-seed values (scale 10, seeds 1-20 by default) for the slow test
``tests/test_same_outputs.py``, which holds later trees to them by the same rule: regenerate the
file only with a change meant to move the outputs (a mechanism or a fit), never for a speed-up.

Both trees run seeds 1..N (or from ``--first-seed``; in two processes at once); the seeds'
common random numbers pair the runs, so each target's difference is judged by its paired
standardised mean difference ``z`` (the mean of the per-seed differences over its standard
error). With 117 targets, |z| > 4 anywhere (a family-wise chance of about 1% for unchanged
outputs) fails the check (exit status 1). Writes nothing outside a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_baseline import revision, unpack  # noqa: E402

THRESHOLD = 4.0


def child(tree: str, scale: float, replicates: int, first: int = 1) -> list[dict]:
    """Every target's value in each replicate of the baseline in ``tree`` (a fresh process)."""
    sys.path.insert(0, tree)
    from sim.measure import targets
    from sim.model import ResettleModel

    wanted = targets.load(ROOT / "calibration" / "targets.yaml")
    out = []
    for seed in range(first, first + replicates):
        model = ResettleModel("baseline", seed=seed, scale=scale)
        model.run_model()
        out.append(targets.simulate(wanted, model.indicators()))
    return out


def spawn(tree: Path, scale: float, replicates: int, first: int) -> subprocess.Popen:
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from same_outputs import child; "
            f"print(json.dumps(child({str(tree)!r}, {scale}, {replicates}, {first})))")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)


def paired_z(new: np.ndarray, old: np.ndarray) -> float:
    """Mean per-seed difference over its standard error (0 when every pair is equal)."""
    diff = new - old
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    return 0.0 if se == 0 else float(diff.mean() / se)


def compare(new: list[dict], old: list[dict]) -> list[tuple[float, str, float, float]]:
    """(|z|, target, new mean, old mean) for each target either tree simulates, largest first;
    seeds where either value is missing (NaN) are left out of that target's pairs."""
    rows = []
    for target in sorted(set(new[0]) & set(old[0])):
        a = np.array([r[target] for r in new], dtype=float)
        b = np.array([r[target] for r in old], dtype=float)
        both = ~(np.isnan(a) | np.isnan(b))
        if both.sum() < 2:
            continue
        rows.append((abs(paired_z(a[both], b[both])), target, a[both].mean(), b[both].mean()))
    return sorted(rows, reverse=True)


def write(path: Path, scale: float, replicates: int, first: int) -> int:
    """Record this tree's per-seed values of every target (written whole, then renamed)."""
    values = child(str(ROOT), scale, replicates, first)
    record = {"revision": revision(), "scale": scale, "first_seed": first, "values": values,
              "command": "benchmarks/same_outputs.py --write " + str(path)}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(record, indent=0, allow_nan=True) + "\n")
    partial.replace(path)
    print(f"{path}: {len(values)} seeds x {len(values[0])} targets of {revision()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    how = ap.add_mutually_exclusive_group(required=True)
    how.add_argument("--against", help="the reference git revision")
    how.add_argument("--write", type=Path, help="record this tree's values in this JSON file")
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.write:
        return write(args.write, args.scale, args.replicates, args.first_seed)
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = unpack(args.against, Path(tmp))
        jobs = [spawn(tree, args.scale, args.replicates, args.first_seed)
                for tree in (ROOT, old_tree)]
        new, old = (json.loads(job.communicate()[0]) for job in jobs)
    rows = compare(new, old)
    print(f"this tree {revision()} against {args.against}: baseline, scale {args.scale}, "
          f"seeds {args.first_seed}-{args.first_seed + args.replicates - 1}, {len(rows)} targets")
    print(f"|z| > 3: {sum(r[0] > 3 for r in rows)}; |z| > {THRESHOLD:g}: "
          f"{sum(r[0] > THRESHOLD for r in rows)}; largest:")
    for z, target, a, b in rows[:8]:
        print(f"  {target:45s} z {z:5.2f}  mean {a:12.5g} (was {b:12.5g})")
    return 1 if rows and rows[0][0] > THRESHOLD else 0


if __name__ == "__main__":
    sys.exit(main())
