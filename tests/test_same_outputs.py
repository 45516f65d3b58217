"""The model's outputs are held to a recorded ensemble: 20 seeds of the baseline at scale 10 agree
with ``tests/reference_outputs.json`` on every target of ``calibration/targets.yaml`` within Monte
Carlo error (paired by seed, |z| <= 4 for each target; about a 1% family-wise chance of a false
alarm over 128 targets). A speed-up must pass it unchanged; a change meant to move the outputs
regenerates the file (``benchmarks/same_outputs.py --write tests/reference_outputs.json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from same_outputs import THRESHOLD, child, compare  # noqa: E402

REFERENCE = json.loads((Path(__file__).parent / "reference_outputs.json").read_text())


def test_the_comparison_flags_a_shifted_target_and_passes_noise():
    rng = np.random.default_rng(3)
    old = [{"a": x, "b": y} for x, y in rng.normal(size=(20, 2))]
    noisy = [{"a": r["a"] + rng.normal(0, 0.1), "b": r["b"] + 1.0 + rng.normal(0, 0.1)}
             for r in old]
    z = {target: value for value, target, *_ in compare(noisy, old)}
    assert z["a"] < THRESHOLD < z["b"]


@pytest.mark.slow  # 20 runs at scale 10 (.ci/run runs the slow tests)
def test_twenty_seeds_at_scale_ten_agree_with_the_recorded_outputs_on_every_target():
    old = REFERENCE["values"]
    new = child(str(ROOT), REFERENCE["scale"], len(old), REFERENCE["first_seed"])
    rows = compare(new, old)
    assert len(rows) >= 100, "too few targets compared: was the targets file replaced?"
    worst = [f"{target} z={z:.1f} ({a:.4g} against {b:.4g})" for z, target, a, b in rows
             if z > THRESHOLD]
    assert not worst, (f"outputs moved from those of {REFERENCE['revision']}: "
                       + "; ".join(worst))
