"""Where a run's time goes: each module's monthly step, timed over one run of the baseline, and
the labour pass over the residents with their rows as they are and copied together, and on
every core.

Usage: .venv/bin/python benchmarks/bench_modules.py [--scale 1] [--end 2025]

Prints seconds per module and per resident-month (a resident lives in the South after Hanawon),
then, at the end of the run, the compiled labour pass (best of 30) on the population's arrays, on
copies with the residents' rows first, and its two builds (serial, and on every core:
:mod:`sim.engine.kernels`) over growing numbers of residents, which shows where the parallel build
starts to pay (``PARALLEL_ROWS``) and checks that both give the same arrays. Writes no files.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.life import labour  # noqa: E402
from sim.model import ResettleModel  # noqa: E402

LABOUR_FIELDS = (  # labour._month's order
    "uid", "birth_month", "female", "stage", "arrival_month", "education", "degree_south",
    "certified_month", "accent_factor", "conceals", "sk_ties", "caring", "poor_health", "ptsd",
    "depressed", "livelihood", "work", "job", "job_start_month", "job_incentive",
    "wage_relative", "left_distanced")


def module_times(model: ResettleModel) -> tuple[Counter, int]:
    """Run the model to its end; seconds spent in each module's step, and resident-months."""
    spent, residents = Counter(), 0
    for name, module in model.modules.items():
        def timed(month, step=module.step, name=name):
            start = time.perf_counter()
            step(month)
            spent[name] += time.perf_counter() - start
        module.step = timed
    while model.running:
        residents += model.residents().size
        model.step()
    return spent, residents


def labour_inputs(model: ResettleModel) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The residents the labour pass of the model's last month visits, their contacts in work,
    and the pass's arguments before them (month, keys, parameters, conditions, lever factors)."""
    m, month = model, model.month - 1
    pop = m.population
    via = np.zeros(pop.n)
    able = labour._not_studying(m.residents(), month, pop.study_until, pop.training_until,
                                pop.work, pop.job, pop.left_distanced, pop.ties.u, pop.ties.v,
                                via)
    return able, via, (month, m.streams.keys(labour.STREAMS, month),
                       m.params.record(labour.Rates), labour.conditions(m, month),
                       m.levers.factors(labour.CHANNELS, able, month))


def labour_pass(model: ResettleModel) -> tuple[int, float, float]:
    """(residents, seconds as laid out, seconds with their rows first) of the compiled labour
    pass in the model's last month, each the best of 30 on fresh copies."""
    pop = model.population
    able, via, fixed = labour_inputs(model)

    def best(rows, arrays, via):
        times = []
        for _ in range(30):
            copies = [a.copy() for a in arrays]
            start = time.perf_counter()
            labour._month(rows, *fixed, model.modules["LabourMarket"].tenure_decline, via, *copies)
            times.append(time.perf_counter() - start)
        return min(times)

    arrays = [getattr(pop, f)[: pop.n] for f in LABOUR_FIELDS]
    order = np.concatenate([able, np.setdiff1d(np.arange(pop.n), able)])
    together = best(np.arange(able.size), [a[order] for a in arrays], via[order])
    return able.size, best(able, arrays, via), together


def labour_builds(model: ResettleModel, sizes=(512, 1024, 2048, 4096, 8192)) -> list:
    """(residents, seconds serial, seconds on every core, same arrays) of the labour pass's two
    builds (:class:`sim.engine.kernels.Twin`) in the model's last month, over the first
    ``sizes`` of its residents and over all of them, each the best of 30 on fresh copies."""
    pop = model.population
    able, via, fixed = labour_inputs(model)
    fixed = (*fixed, model.modules["LabourMarket"].tenure_decline, via)
    arrays = [getattr(pop, f)[: pop.n] for f in LABOUR_FIELDS]

    def best(kernel, rows):
        times, out = [], None
        for _ in range(30):
            out = [a.copy() for a in arrays]
            start = time.perf_counter()
            kernel(rows, *fixed, *out)
            times.append(time.perf_counter() - start)
        return min(times), out

    results = []
    for n in [k for k in sizes if k < able.size] + [able.size]:
        (serial, one), (parallel, other) = (best(labour._month.serial, able[:n]),
                                            best(labour._month.parallel, able[:n]))
        results.append((n, serial, parallel, all(np.array_equal(a, b)
                                                 for a, b in zip(one, other, strict=True))))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--end", type=int, default=2025)
    a = ap.parse_args()
    model = ResettleModel("baseline", scale=a.scale, horizon={"start": 1995, "end": a.end})
    spent, residents = module_times(model)
    print(f"baseline 1995-{a.end}, scale {a.scale}: {sum(spent.values()):.2f} s in the modules' "
          f"steps, {residents / 1e6:.2f} million resident-months")
    for name, seconds in spent.most_common():
        print(f"  {name:16s} {seconds:6.2f} s  {seconds / residents * 1e9:5.0f} ns/resident-month")
    n, laid_out, together = labour_pass(model)
    print(f"labour pass over {n:,} residents in {a.end}: {laid_out * 1e3:.2f} ms as laid out, "
          f"{together * 1e3:.2f} ms with their rows together ({laid_out / together:.2f}x)")
    same = True
    for n, serial, parallel, equal in labour_builds(model):
        print(f"labour pass over {n:,} residents on {numba.get_num_threads()} threads: "
              f"{parallel * 1e3:.3f} ms against {serial * 1e3:.3f} ms serially "
              f"({serial / parallel:.2f}x); the same arrays: {equal}")
        same &= equal
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
