"""Print the baseline's fit to the published series as Markdown (the README's fit table).

Usage: .venv/bin/python calibration/fit_table.py [--seed N]
"""

from __future__ import annotations

import argparse

import sim
from sim import validation


def _markdown(table, columns, formats) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    body = "".join("| " + " | ".join(fmt(row[c]) for c, fmt in zip(columns, formats, strict=True))
                   + " |\n" for _, row in table.iterrows())
    return head + body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=None)
    result = sim.run("baseline", seed=ap.parse_args().seed)
    ind = result.indicators
    count, pct = (lambda v: f"{v:,.0f}"), (lambda v: "" if v != v else f"{v:.1f}")
    num = lambda v: "" if v != v else f"{v:.3g}"  # noqa: E731
    yes = lambda v: "" if v is None else ("yes" if v else "**no**")  # noqa: E731
    arrivals = validation.arrivals_table(ind)
    print(f"Baseline, seed {result.seed}, scale {result.scenario.scale}.\n")
    print(_markdown(arrivals, ["year", "mou", "model", "within", "mou_female_pct",
                               "model_female_pct", "female_within"],
                    [str, count, count, yes, pct, pct, yes]))
    cum = validation.series(ind, "cumulative_arrivals")[2025]
    print(f"Cumulative arrivals at end-2025: model {cum:,.0f}, MOU 34,537 "
          f"({100 * (cum / 34537 - 1):+.1f}%).\n")
    print(_markdown(validation.time_abroad_table(ind),
                    ["arrival_years", "statistic", "published", "low", "high", "model", "within"],
                    [str, str, pct, pct, pct, pct, yes]))
    print(_markdown(validation.china_stock_table(ind), ["year", "low", "high", "model", "within"],
                    [str, count, count, count, yes]))
    survey = validation.survey_table(ind)
    print("Life in the South (survey-style, July; issue 3 tolerances; blank: no tolerance set).\n")
    print(_markdown(survey, ["indicator", "year", "published", "model", "tolerance", "within",
                             "instrument"], [str, str, num, num, num, yes, str]))


if __name__ == "__main__":
    main()
