"""Which parameters move the calibration? Morris screening of every parameter with a prior.

Each parameter moves over the 5th-95th percentiles of its prior (SALib's Morris design on the
priors' quantiles, ``--trajectories`` trajectories of one-at-a-time steps); every run uses the
same seed (common random numbers), so an elementary effect is the parameter's effect, not noise.
The response is the calibration distance of ``sim.experiments.calibrate`` (the root mean square of
``(simulated - published) / tolerance`` over the targets) and, for each indicator, the root mean
square over its targets. The table ranks parameters by mu* (the mean absolute elementary effect)
on the distance; ``calibration/priors.yaml`` says which were chosen for estimation and why.

Usage: .venv/bin/python calibration/screen.py [--trajectories 5] [--workers 2]
       [--out calibration/screening.csv]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.engine.parameters import bounded_quantile, load_specs  # noqa: E402
from sim.experiments import api, calibrate  # noqa: E402
from sim.measure import targets  # noqa: E402
from sim.scenario import resolve  # noqa: E402

HERE = Path(__file__).resolve().parent
QUANTILES = (0.05, 0.95)  # the range each parameter moves over, in quantiles of its prior
SEED = 1


def _setup(target_file: Path, scale: int):
    target_list = targets.load(target_file)
    base = resolve("baseline")
    scenario = calibrate.calibration_scenario(base, scale, targets.last_year(target_list))
    return target_list, scenario


def _run(args) -> dict[str, float]:
    target_file, scale, values = args
    target_list, scenario = _setup(target_file, scale)
    result = api.run(scenario, seed=SEED, **values)
    simulated = targets.simulate(target_list, result.indicators)
    z = calibrate.errors(simulated, {t.id: t.observed for t in target_list},
                         {t.id: t.tolerance for t in target_list})
    return dict(zip((t.id for t in target_list), map(float, z), strict=True))


def responses(z: pd.DataFrame, target_list) -> pd.DataFrame:
    """The distance and, per indicator, the RMS of its targets' standardised errors."""
    out = {"distance": np.sqrt((z ** 2).mean(axis=1))}
    for indicator in dict.fromkeys(t.indicator for t in target_list):
        ids = [t.id for t in target_list if t.indicator == indicator]
        out[indicator] = np.sqrt((z[ids] ** 2).mean(axis=1))
    return pd.DataFrame(out)


def main() -> None:
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample
    from tqdm import tqdm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trajectories", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scale", type=int, default=calibrate.DEFAULT_SCALE)
    ap.add_argument("--targets", type=Path, default=HERE / "targets.yaml")
    ap.add_argument("--out", type=Path, default=HERE / "screening.csv")
    a = ap.parse_args()
    specs = {n: s for n, s in load_specs().items() if s.prior is not None}
    names = list(specs)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(QUANTILES)] * len(names)}
    q = sample.sample(problem, a.trajectories, num_levels=4, seed=SEED)
    values = np.column_stack([bounded_quantile(specs[n], q[:, i]) for i, n in enumerate(names)])
    jobs = [(a.targets, a.scale, dict(zip(names, map(float, row), strict=True)))
            for row in values]
    start = time.perf_counter()
    with ProcessPoolExecutor(a.workers) as pool:
        z = pd.DataFrame(list(tqdm(pool.map(_run, jobs, chunksize=4), total=len(jobs),
                                   desc="screen", unit="run")))
    target_list, _ = _setup(a.targets, a.scale)
    y = responses(z, target_list)
    table = pd.DataFrame({"parameter": names})
    for column in y:
        si = analyze.analyze(problem, q, y[column].to_numpy(), num_levels=4, seed=SEED)
        table[f"mu_star_{column}"] = si["mu_star"]
        if column == "distance":
            table["sigma_distance"] = si["sigma"]
            table["mu_star_conf_distance"] = si["mu_star_conf"]
    by_indicator = table.filter(like="mu_star_").drop(columns=["mu_star_distance",
                                                               "mu_star_conf_distance"])
    table["moves_most"] = by_indicator.idxmax(axis=1).str.removeprefix("mu_star_")
    table = table.sort_values("mu_star_distance", ascending=False)
    table.to_csv(a.out, index=False, float_format="%.4g")
    print(f"{len(jobs)} runs in {time.perf_counter() - start:.0f} s; wrote {a.out}")
    print(table[["parameter", "mu_star_distance", "sigma_distance", "moves_most"]]
          .head(60).to_string(index=False))


if __name__ == "__main__":
    main()
