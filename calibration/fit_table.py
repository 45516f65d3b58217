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


def inner_life(result) -> str:
    """Issue 4's published patterns that are not survey series, as Markdown."""
    model, ind = result.model, result.indicators
    at_exit, later = validation.ptsd_cohort(model, 2001, 36)
    start = model.calendar.start_year
    depression = [model.survey.ratio("depression_prevalence", y - start, ("1", "2", "3"))
                  for y in range(2015, 2019)]
    events = {k: model.recorder.events[k].reshape(-1, 12, 2).sum(axis=(1, 2))
              for k in ("suicides", "deaths_in_south")}
    window = slice(2013 - start, 2023 - start)
    share = 100 * events["suicides"][window].sum() / events["deaths_in_south"][window].sum()
    s = validation.series
    rows = [
        ("full PTSD on leaving Hanawon, 2001 arrivals (%)", "27.2 (Hong et al. 2006)", at_exit),
        ("full PTSD three years later (%)", "4.0 (Hong et al. 2006)", later),
        ("depression, 1-3 years in the South, 2015-2018 (%)", "22.3 (Lee et al. 2020)",
         sum(depression) / len(depression)),
        ("suicides, % of deaths in the South 2013-2022", "11.4 (8-15 accepted)", share),
        ("returns to North Korea 2012-2022", "31 (MOU)",
         s(ind, "return_to_nk_count").loc[2012:2022].sum()),
        ("moved on to third countries by 2011", "917 (UNHCR)",
         s(ind, "onward_migration_count").loc[:2011].sum()),
        ("moved on to the UK 2003-2016", "544 grants",
         s(ind, "onward_migration_uk_count").loc[2003:2016].sum()),
        ("people to rely on, mean, 2019", "fewer than two (KHF 2019)", s(ind, "mean_ties")[2019]),
    ]
    lines = ["Mental health, ties and belonging (issue 4).\n", "| pattern | published | model |",
             "|---|---|---|"]
    lines += [f"| {name} | {pub} | {value:.3g} |" for name, pub, value in rows]
    return "\n".join(lines) + "\n"


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
    print(inner_life(result))
    survey = validation.survey_table(ind)
    print("Life in the South (survey-style, July; issue 3 tolerances; blank: no tolerance set).\n")
    print(_markdown(survey, ["indicator", "year", "published", "model", "tolerance", "within",
                             "instrument"], [str, str, num, num, num, yes, str]))


if __name__ == "__main__":
    main()
