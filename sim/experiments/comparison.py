"""Comparisons a ministry can defend: named contrasts, lever effects on their own outcomes,
cohort effects, and cost-effectiveness with uncertainty, from the replicates of a comparison.

Every number says which counterfactual it is against (:data:`CONTRASTS`):

- the *policy effect*: a scenario against the same world without its levers (its shadow run);
- the *world effect*: the scenario's world without levers against the baseline;
- the *total*: the scenario against the baseline, the sum of the two.

Cost-effectiveness is always a policy effect: per replicate, the levers' cost and their effect on
each measure (:data:`sim.experiments.policy.MEASURES`) against the shadow, summarised as health
economists do (:mod:`sim.experiments.economics`: ratios of means, intervals, acceptability
curves, dominance, the value of information). Functions here read and return DataFrames;
:mod:`sim.app.commands` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..engine.errors import InputError, nearest
from ..measure.indicators import COUNT_INDICATORS
from ..scenario import INTERACTION, Scenario, year_range
from . import economics, ensemble, policy

CONTRASTS = {
    "policy": "against the same world without its levers",
    "world": "its world without levers, against the baseline",
    "total": "against the baseline (policy and world together)",
}
DEFAULT_WINDOW_YEARS = 10  # a scenario without levers or world rows: its last ten years (a
# reporting choice: the decade a projection to 2035 covers)
DEFAULT_REPLICATES = 10  # replicates a comparison runs unless told: enough for bands
KEY_OUTCOMES = ("employed_count", "arrivals", "repatriated", "depressed_count", "suicides")
LEVEL = 0.90


@dataclass
class Runs:
    """The replicates of one scenario in a comparison (all replicates stacked)."""

    scenario: Scenario
    indicators: pd.DataFrame
    shadow: pd.DataFrame  # the world without the levers (the scenario itself without levers)
    costs: pd.DataFrame
    cohorts: pd.DataFrame
    effects: pd.DataFrame
    inputs: pd.DataFrame


def read_runs(folder: Path, scenario: Scenario, replicates: int,
              indicators: pd.DataFrame | None = None) -> Runs:
    """A scenario's replicate files from its ensemble folder."""
    def read(name):
        return ensemble.combined(folder, replicates, name)

    ind = read("indicators.csv") if indicators is None else indicators
    if not scenario.levers:
        empty = pd.DataFrame()
        return Runs(scenario, ind, ind, empty, empty, empty, empty)
    return Runs(scenario, ind, read("counterfactual_indicators.csv"), read("costs.csv"),
                read("cohorts.csv"), read("effects.csv"), read("inputs.csv"))


def check_scenarios(base: Scenario, others: list[Scenario]) -> list[str]:
    """The names of a comparison's scenarios, refused if the baseline has levers or two names
    are the same."""
    base.check_baseline()
    names = [base.name, *(s.name for s in others)]
    if len(set(names)) != len(names):
        raise InputError(f"compare: scenario names must differ, got {', '.join(names)}")
    for s in others:  # pairs share their draws agent by agent only at one scale
        if s.scale != base.scale:
            raise InputError(f"{s.origin}: scale: {s.scale:g} people per agent, the baseline "
                             f"{base.name!r} {base.scale:g}; expected the same scale in every "
                             "scenario of a comparison (set it in the files, or give --scale)")
    return names


def check_discount_rate(rate: float, where: str = "discount_rate") -> float:
    """An annual discount rate in [0, 1)."""
    if not 0 <= rate < 1:
        raise InputError(f"{where}: expected a rate in [0, 1), got {rate}")
    return rate


def same_world(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios differ only in their levers (their shadows are the same world)."""
    keep = ("horizon", "scale", "parameter_set", "parameters", "world")
    return all(getattr(a, k) == getattr(b, k) for k in keep)


def window(s: Scenario) -> tuple[int, int]:
    """The years a scenario's effects are summed over: from its first lever or first world row,
    whichever comes first, to the end of the horizon; otherwise its last ten years."""
    starts = [year_range(row["years"])[0] for row in s.world if "years" in row]
    if s.levers:
        starts.append(policy.first_year(s))
    first = min(starts) if starts else s.end_year - DEFAULT_WINDOW_YEARS + 1
    return max(first, s.start_year), s.end_year


def how(indicator: str) -> str:
    """'sum' for counts of people (person-years, events), 'mean' for rates and means."""
    return "sum" if indicator in COUNT_INDICATORS else "mean"


def _per_replicate(ind: pd.DataFrame, indicator: str, years: tuple[int, int]) -> pd.Series:
    rows = ind[(ind.indicator == indicator) & (ind.sex == "all")
               & (ind.years_since_arrival == "all") & ind.year.between(*years)]
    g = rows.groupby("replicate").value
    return g.sum() if how(indicator) == "sum" else g.mean()


def summary_of(values: np.ndarray) -> dict:
    """Mean, median and 90% interval of per-replicate values."""
    low, high = economics.percentile_interval(values, LEVEL)
    return dict(mean=float(np.mean(values)), p05=low, p50=float(np.median(values)), p95=high)


def sides(runs: Runs, base: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """The two runs each contrast subtracts (first minus second)."""
    return {"policy": (runs.indicators, runs.shadow), "world": (runs.shadow, base),
            "total": (runs.indicators, base)}


def differences(runs: Runs, base: pd.DataFrame) -> pd.DataFrame:
    """differences.csv: summaries of the replicate-by-replicate differences of each contrast, by
    year, indicator and sex (all years since arrival together)."""
    frames = []
    for contrast, (a, b) in sides(runs, base).items():
        keep = [x[x.years_since_arrival == "all"] for x in (a, b)]
        table = ensemble.paired_differences(*keep, runs.scenario.name)
        frames.append(table.assign(contrast=contrast))
    out = pd.concat(frames, ignore_index=True)
    return out[["scenario", "contrast", *ensemble.KEYS, "mean", "p05", "p50", "p95"]]


def outcomes_of(s: Scenario) -> list[str]:
    """The outcomes a scenario is about: its levers' targets, its expectations, key ones."""
    return list(dict.fromkeys([*policy.target_outcomes(s.levers),
                               *(e.indicator for e in s.expect), *KEY_OUTCOMES]))


def contrast_table(runs: Runs, base: pd.DataFrame,
                   outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per outcome (default: :func:`outcomes_of` the scenario): the policy effect, the world
    effect and their sum (the total) over the scenario's window, summed (counts) or averaged
    (rates), with 90% intervals."""
    s = runs.scenario
    years = window(s)
    rows = []
    for indicator in outcomes or outcomes_of(s):
        for contrast, (a, b) in sides(runs, base).items():
            diff = (_per_replicate(a, indicator, years)
                    - _per_replicate(b, indicator, years)).to_numpy()
            valid = diff[~np.isnan(diff)]  # a rate with no one to measure in a replicate
            if valid.size == 0:
                continue
            rows.append(dict(scenario=s.name, contrast=contrast, indicator=indicator,
                             first_year=years[0], last_year=years[1], summed=how(indicator),
                             pairs=valid.size, **summary_of(valid)))
    return pd.DataFrame(rows)


def lever_effects(runs: Runs) -> pd.DataFrame:
    """Each lever's policy effect on the package's outcomes: all levers together, each lever
    switched on alone (in a package), and the interaction (together minus the sum alone)."""
    s = runs.scenario
    if runs.effects.empty:
        return pd.DataFrame()
    years = window(s)
    e = runs.effects[runs.effects.year.between(*years)]
    labels = [lv.label for lv in s.levers]
    rows = []
    for indicator, per in e.groupby("indicator", sort=False):
        agg = per.groupby(["lever", "replicate"]).effect
        wide = (agg.sum() if how(indicator) == "sum" else agg.mean()).unstack("lever")
        columns = [policy.ALL, *(lb for lb in labels if lb in wide and len(labels) > 1)]
        if len(columns) == len(labels) + 1:
            wide[INTERACTION] = wide[policy.ALL] - wide[labels].sum(axis=1)
            columns.append(INTERACTION)
        for lever in columns:
            rows.append(dict(scenario=s.name, lever=lever, indicator=indicator,
                             first_year=years[0], last_year=years[1], summed=how(indicator),
                             **summary_of(wide[lever].to_numpy())))
    return pd.DataFrame(rows)


def cohort_summary(runs: Runs) -> pd.DataFrame:
    """The people each lever reached, k months later, against the same people without it:
    difference in percentage points (mean and 90% interval over replicates)."""
    if runs.cohorts.empty:
        return pd.DataFrame()
    rows = []
    keys = ["lever", "type", "run", "months_after", "outcome"]
    for key, g in runs.cohorts.groupby(keys, sort=False):
        diff = g.difference_pp.dropna().to_numpy()
        if diff.size == 0:
            continue
        rows.append(dict(zip(keys, key, strict=True), scenario=runs.scenario.name,
                         people=g.people.mean(), pct=g.pct.mean(),
                         pct_without=g.pct_without.mean(), replicates=diff.size,
                         **summary_of(diff)))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------- cost-effectiveness


@lru_cache(maxsize=1)
def _wtp_file() -> dict:
    text = resources.files("sim.data").joinpath("willingness_to_pay.yaml").read_text()
    return yaml.safe_load(text)


def wtp_settings(overrides: dict[str, tuple[float, float]] | None = None) -> dict[str, dict]:
    """Per measure: the willingness-to-pay range of the acceptability curves and the stated
    thresholds (million KRW per unit), with ``--wtp`` overrides of the ranges."""
    out = {m: {"range": tuple(v["range"]), "thresholds": v["thresholds"]}
           for m, v in _wtp_file().items()}
    for measure, span in (overrides or {}).items():
        out[measure] = {**out[measure], "range": span}
    return out


def parse_wtp(specs: list[str] | None) -> dict[str, tuple[float, float]]:
    """``--wtp MEASURE=LOW:HIGH`` options as ranges; a one-line error for anything else."""
    out = {}
    for spec in specs or []:
        measure, _, span = spec.partition("=")
        if measure not in policy.MEASURES:
            raise InputError(f"--wtp {spec}: unknown measure {measure!r}"
                             f"{nearest(measure, policy.MEASURES)}; expected one of "
                             f"{', '.join(policy.MEASURES)}")
        low, _, high = span.partition(":")
        try:
            low_v, high_v = float(low), float(high)
        except ValueError:
            raise InputError(f"--wtp {spec}: expected MEASURE=LOW:HIGH in million KRW, e.g. "
                             "employed_person_years=0:100") from None
        if not (np.isfinite(low_v) and np.isfinite(high_v)) or low_v < 0 or high_v <= low_v:
            raise InputError(f"--wtp {spec}: the range is empty or negative; expected "
                             "0 <= LOW < HIGH")
        out[measure] = (low_v, high_v)
    return out


def _discounted(table: pd.DataFrame, value: str, start: int, rate: float) -> pd.Series:
    """Per replicate: ``value`` summed over years, discounted to ``start``."""
    if table.empty:
        return pd.Series(dtype=float)
    factor = economics.discount_factors(table.year.to_numpy(), start, rate)
    return (table[value] * factor).groupby(table.replicate).sum()


def increments(runs: Runs, rate: float = 0.0, start: int | None = None) -> pd.DataFrame:
    """Per replicate, lever (all levers, and each alone in a package) and measure: the
    incremental cost (million KRW) and effect against the shadow, discounted at ``rate`` to
    ``start`` (default: the scenario's first lever year; a comparison gives every option the
    same year, so that options starting in different years can be ranked)."""
    s = runs.scenario
    if not s.levers:
        return pd.DataFrame()
    start = policy.first_year(s) if start is None else start
    reps = sorted(runs.indicators.replicate.unique())
    alone = runs.costs[runs.costs.run == "alone"]
    labels = [policy.ALL, *(lv.label for lv in s.levers if (alone.lever == lv.label).any())]
    rows = []
    for label in labels:  # all levers together, and each lever switched on alone (its own run)
        levers = s.levers if label == policy.ALL else [lv for lv in s.levers if lv.label == label]
        costs = (runs.costs[runs.costs.run == "package"] if label == policy.ALL
                 else alone[alone.lever == label])
        cost = _discounted(costs, "cost_mkrw", start, rate).reindex(reps, fill_value=0.0)
        effects = runs.effects[runs.effects.lever == label]
        for measure in policy.measures_of(levers):
            m = policy.MEASURES[measure]
            e = effects[effects.indicator == m.indicator]
            effect = m.sign * _discounted(e, "effect", start, rate).reindex(reps, fill_value=0.0)
            rows += [dict(scenario=s.name, lever=label, measure=measure, replicate=r,
                          cost=cost[r], effect=effect[r]) for r in reps]
    return pd.DataFrame(rows)


def cost_effectiveness(inc: pd.DataFrame, wtp: dict[str, dict]) -> pd.DataFrame:
    """Per scenario, lever and measure: means and 90% intervals of cost and effect, the ICER (a
    ratio of means, or words when there is none), and the probability of being cost-effective at
    each stated threshold."""
    rows = []
    for (scenario, lever, measure), g in inc.groupby(["scenario", "lever", "measure"],
                                                     sort=False):
        row = dict(scenario=scenario, lever=lever, measure=measure,
                   unit=policy.MEASURES[measure].unit, per=policy.MEASURES[measure].one,
                   **economics.summarise(g.cost.to_numpy(), g.effect.to_numpy(), LEVEL))
        for i, t in enumerate(wtp[measure]["thresholds"]):
            row[f"threshold_{i + 1}"] = t["value"]
            row[f"p_cost_effective_{i + 1}"] = float(
                economics.ceac(g.cost.to_numpy(), g.effect.to_numpy(), [t["value"]])[0])
        rows.append(row)
    return pd.DataFrame(rows)


def grid(span: tuple[float, float], points: int = 101) -> np.ndarray:
    """An even willingness-to-pay grid over a range."""
    return np.linspace(span[0], span[1], points)


def ceac_table(inc: pd.DataFrame, wtp: dict[str, dict]) -> pd.DataFrame:
    """Acceptability curves: the probability that each scenario's levers (and each lever alone)
    are cost-effective against the shadow, over the willingness-to-pay range of each measure."""
    frames = []
    for (scenario, lever, measure), g in inc.groupby(["scenario", "lever", "measure"],
                                                     sort=False):
        lam = grid(wtp[measure]["range"])
        p = economics.ceac(g.cost.to_numpy(), g.effect.to_numpy(), lam)
        frames.append(pd.DataFrame(dict(scenario=scenario, lever=lever, measure=measure,
                                        wtp=lam, probability=p)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def strategies(inc: pd.DataFrame, comparable: list[str], measure: str) -> tuple[list[str],
                                                                                np.ndarray,
                                                                                np.ndarray]:
    """The mutually exclusive options on one measure: no levers, each comparable scenario's
    levers together, and each lever of a comparable package alone ("package/lever"); their
    names and (R, S) arrays of costs and effects against the shadow."""
    rows = inc[(inc.measure == measure) & inc.scenario.isin(comparable)]
    rows = rows.assign(option=np.where(rows.lever == policy.ALL, rows.scenario,
                                       rows.scenario + "/" + rows.lever))
    names = ["no levers", *dict.fromkeys(rows.option)]
    if len(names) < 2:
        return names, np.zeros((0, 1)), np.zeros((0, 1))
    cost = rows.pivot(index="replicate", columns="option", values="cost")[names[1:]]
    effect = rows.pivot(index="replicate", columns="option", values="effect")[names[1:]]
    zero = np.zeros((len(cost), 1))
    return names, np.hstack([zero, cost.to_numpy()]), np.hstack([zero, effect.to_numpy()])


def frontier_table(inc: pd.DataFrame, comparable: list[str]) -> pd.DataFrame:
    """Dominance and extended dominance among the options, per measure (means)."""
    frames = []
    for measure in dict.fromkeys(inc.measure):
        names, cost, effect = strategies(inc, comparable, measure)
        if len(names) < 2:
            continue
        table = economics.frontier(names, cost.mean(axis=0), effect.mean(axis=0))
        frames.append(table.assign(measure=measure))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def options_ceac(inc: pd.DataFrame, comparable: list[str], wtp: dict[str, dict]) -> pd.DataFrame:
    """Acceptability curves of the mutually exclusive options: the probability that each is the
    one with the highest net benefit, over each measure's willingness-to-pay range."""
    frames = []
    for measure in dict.fromkeys(inc.measure):
        names, cost, effect = strategies(inc, comparable, measure)
        if len(names) < 3:  # with one option its curve is ceac.csv's
            continue
        lam = grid(wtp[measure]["range"])
        p = economics.ceac_multi(cost, effect, lam)
        frames += [pd.DataFrame(dict(measure=measure, option=name, wtp=lam, probability=p[:, j]))
                   for j, name in enumerate(names)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def value_of_information(inc: pd.DataFrame, inputs: pd.DataFrame, comparable: list[str],
                         wtp: dict[str, dict]) -> pd.DataFrame:
    """EVPI and EVPPI (per group of uncertain inputs: each lever's effect sizes, the calibrated
    parameters, the parameters drawn from their priors) of the choice among the comparable
    strategies, per measure, at each stated threshold; in million KRW per decision."""
    frames = []
    inputs = distinct_inputs(inputs[inputs.scenario.isin(comparable)])
    if inputs.empty:
        return pd.DataFrame()
    wide = inputs.pivot(index="replicate", columns="name", values="value")
    groups = {g: sorted(rows.name.unique()) for g, rows in inputs.groupby("group", sort=False)}
    for measure in dict.fromkeys(inc.measure):
        names, cost, effect = strategies(inc, comparable, measure)
        if len(names) < 2:
            continue
        reps = sorted(inc[inc.measure == measure].replicate.unique())
        x = wide.reindex(reps)
        for t in wtp[measure]["thresholds"]:
            nmb = t["value"] * effect - cost
            table = economics.evppi_table(nmb, {g: x[cols].to_numpy() for g, cols in
                                                groups.items()})
            frames.append(table.assign(measure=measure, threshold=t["value"],
                                       strategies=", ".join(names)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def distinct_inputs(inputs: pd.DataFrame) -> pd.DataFrame:
    """The uncertain inputs of several scenarios, each once: an input with the same values in
    every replicate of every scenario (the same draw: the same parameter, or the same lever
    effect with the same prior) is one input; one that differs between scenarios (a scenario
    with its own prior or a fixed value) is kept per scenario."""
    spread = inputs.groupby(["replicate", "name"]).value.nunique().groupby("name").max()
    differs = inputs.name.isin(spread.index[spread > 1])
    named = inputs.assign(name=inputs.name.where(~differs, inputs.scenario + ": " + inputs.name))
    return named.drop_duplicates(["replicate", "name"])


def budget_table(runs: Runs) -> pd.DataFrame:
    """Budget impact: the levers' cost by year (mean and 90% interval; undiscounted)."""
    if runs.costs.empty:
        return pd.DataFrame()
    package = runs.costs[runs.costs.run == "package"]
    costs = package.groupby(["replicate", "year"], as_index=False).cost_mkrw.sum()
    missing = sorted(set(runs.indicators.replicate) - set(costs.replicate))
    if missing:  # replicates that spent nothing still count (as zero) in every year
        costs = pd.concat([costs, pd.DataFrame(dict(replicate=missing, year=costs.year.min(),
                                                    cost_mkrw=0.0))], ignore_index=True)
    table = economics.budget_impact(costs.rename(columns={"cost_mkrw": "cost"}))
    return table.assign(scenario=runs.scenario.name)


def tables(folder: Path, base: Scenario, others: list[Scenario], inds: dict[str, pd.DataFrame],
           replicates: int, wtp: dict[str, dict], discount_rate: float = 0.0
           ) -> dict[str, pd.DataFrame]:
    """Every table of a comparison by file name, from the finished ensembles in ``folder``
    (one subfolder per scenario) and their indicators ``inds``."""
    summaries = pd.concat([pd.read_csv(folder / n / "summary.csv") for n in inds])
    runs = [read_runs(folder / s.name, s, replicates, inds[s.name]) for s in others]
    base_ind = inds[base.name]
    starts = [policy.first_year(s) for s in others if s.levers]
    origin = min(starts) if starts else None  # one year to discount every option to
    out = {
        "differences.csv": [differences(r, base_ind) for r in runs],
        "contrasts.csv": [contrast_table(r, base_ind) for r in runs],
        "lever_effects.csv": [lever_effects(r) for r in runs],
        "cohorts.csv": [cohort_summary(r) for r in runs],
        "increments.csv": [increments(r, discount_rate, origin) for r in runs],
        "budget_impact.csv": [budget_table(r) for r in runs],
    }
    out = {"summary.csv": summaries, **{name: stack(frames) for name, frames in out.items()}}
    inc = out["increments.csv"]
    comparable = [s.name for s in others if s.levers and same_world(s, base)]
    inputs = stack([r.inputs.assign(scenario=r.scenario.name) for r in runs
                    if r.scenario.levers])
    if not inc.empty:
        out["cost_effectiveness.csv"] = cost_effectiveness(inc, wtp)
        out["ceac.csv"] = ceac_table(inc, wtp)
        out["frontier.csv"] = frontier_table(inc, comparable)
        out["ceac_options.csv"] = options_ceac(inc, comparable, wtp)
        out["value_of_information.csv"] = value_of_information(inc, inputs, comparable, wtp)
    return out


def stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Non-empty tables one under the other (an empty table if none)."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
