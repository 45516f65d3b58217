"""Priors that may have seen the targets: parameters whose prior's source cites a figure that is
also a calibration target, so its centre may have been set from that figure (a prior's own
spread, "sigma 1.5", is not a figure quoted). The centres of the life-in-the-South priors were
set by hand against the published series when the model was built; this lists the ones whose
sources say so by quoting a target, the work still to undo.

Usage: .venv/bin/python calibration/prior_audit.py [--targets FILE]

Prints a Markdown table (parameter, file, whether the calibration estimates it or ensembles draw it
from its prior, the target figures its source cites). Years and the numbers 1-10 are not matched.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.engine.parameters import load_specs  # noqa: E402
from sim.experiments.calibrate import load_priors  # noqa: E402
from sim.measure import targets  # noqa: E402

HERE = Path(__file__).resolve().parent
NUMBER = re.compile(r"(?<![\d.-])\d+(?:\.\d+)?(?![\d.]*\d)")
IGNORED = re.compile(r"(19|20)\d\d|10|[1-9]")  # years and small counts match too much by chance
SPREAD = re.compile(r"\b(?:sigma|sd) \d+(?:\.\d+)?")  # a prior's own spread, not a figure quoted


def cited_targets(target_file: Path = HERE / "targets.yaml") -> dict[str, list[str]]:
    """Each parameter with a prior whose source quotes a target's value, and those values."""
    values = {f"{t.observed:g}" for t in targets.load(target_file)}
    out = {}
    for spec in load_specs().values():
        if spec.prior is None:
            continue
        source = SPREAD.sub("", spec.source)
        quoted = {n for n in NUMBER.findall(source) if not IGNORED.fullmatch(n)}
        hits = sorted(quoted & values, key=float)
        if hits:
            out[spec.name] = hits
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=Path, default=HERE / "targets.yaml")
    a = ap.parse_args()
    specs = load_specs()
    # every block's priors file (priors.yaml and the blocks' priors-*.yaml)
    estimated = {p.name for path in sorted(HERE.glob("priors*.yaml")) for p in load_priors(path)}
    print("| parameter | file | in ensembles | target figures its source quotes |")
    print("|---|---|---|---|")
    for name, hits in cited_targets(a.targets).items():
        role = "estimated" if name in estimated else "drawn from its prior"
        print(f"| `{name}` | {specs[name].origin} | {role} | {', '.join(hits)} |")


if __name__ == "__main__":
    main()
