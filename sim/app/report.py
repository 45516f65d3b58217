"""``resettle report``: one self-contained HTML file (charts embedded as data URIs, no network)
for a run or comparison folder.

It leads with the answer: one plain-language page per scenario with the policy effect on the
levers' own outcomes (and the world effect, for a scenario that changes the world), the people
reached and their outcomes months later, the cost and the cost per unit of effect with
intervals, the probability of being cost-effective at stated thresholds, and the main caveat.
Then what was run (a table), the value of information, the charts (time charts mark where
published data end), the assumptions and sources, and the raw settings in an appendix. A single
run says that it shows one run; intervals appear only where replicates make them.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import scenario as scenario_io
from ..engine.errors import InputError
from ..engine.files import atomic_write_text
from ..experiments import comparison, policy
from ..levers.base import REPATRIATION_MISS
from ..levers.effects import effect_fields
from ..measure.indicators import COUNT_INDICATORS
from . import output
from .output import NOTE

# replicate pairs under which brackets and the value of information are called rough: from 20,
# the 5th and 95th percentiles lie between the two lowest and the two highest pairs; with fewer
# they lean on a single extreme pair
ROUGH_BELOW = 20
MAIN_OUTCOMES = 4  # columns of a first-page table: the levers' main outcomes (a page fits four)
SENSITIVITY_CHART = "sensitivity.png"  # resettle sensitivity's chart (its own section)
CAPTIONS = {
    "fan_": "The course of {what} over time in each scenario. The line is the median of the "
            "replicate runs; the darker band holds the middle half of them and the lighter band "
            "90% of them. {uncertainty} Circles are published figures; the dotted line marks "
            "where published data end and the projection begins.",
    "effects_": ("The named contrasts over time, for the scenario's main outcome counted in "
                 "people (left) and as a rate (right): the policy effect (the scenario against "
                 "the same world without its levers), the world effect (its world without "
                 "levers against the baseline) and their sum. Lines are medians of the "
                 "replicate pairs, bands hold 90% of them. When a scenario brings more people "
                 "to the South, the rate can fall while more people are in work: new arrivals "
                 "take time to find work."),
    "flow_": ("Where everyone who left North Korea since the model's start was at the end of "
              "the last published year, in the baseline (medians of the replicates): still in "
              "China or in transit, back in North Korea, died on the way, or reached the South "
              "and then stayed, moved on, returned or died there."),
    "lever_effects": "Each lever's policy effect on its outcomes from its first year to the end: "
                     "all levers together, each lever switched on alone (the others as "
                     "shadows), and the interaction (together minus the sum alone). The dot is "
                     "the median of the replicate pairs, the bar holds 90% of them; a bar that "
                     "crosses zero means no clear effect.",
    "ce_plane": "The cost-effectiveness plane: each small point is one replicate's incremental "
                "effect and cost against the same world without the levers; the large point is "
                "the mean. Points to the left of the vertical axis are replicates in which the "
                "outcome got worse.",
    "ceac": "Cost-effectiveness acceptability curves: the share of replicates in which the "
            "levers' net benefit is positive at each willingness to pay per unit of effect. "
            "Dotted lines are the stated thresholds.",
    "arrivals": "Simulated arrivals by sex (lines) against the Ministry of Unification's "
                "published series (markers). The dotted line marks where published data end.",
    "life_in_south": "Life in the South as the Korea Hana Foundation survey measures it, by sex, "
                     "against the published surveys (circles) and South Koreans (dash-dot).",
}
ASSUMPTIONS = [
    "Arrivals are not an input: they emerge from departures, life in China and the journey.",
    "{calibration}",
    "{uncertainty}",
    "Lever effect sizes come from published trials and reviews, mostly of other refugee and "
    "migrant populations; where none exists the prior is a wide, labelled assumption "
    "(`resettle levers` shows each prior and its source).",
    "Costs are the levers' programme costs only (no savings elsewhere); unit costs marked as "
    "assumptions in the scenario files are placeholders.",
    "Years after the last published year repeat its conditions unless a scenario says otherwise.",
]
SOURCES = [
    "Ministry of Unification (MOU): arrivals by year and sex, who arrives, the support package.",
    "Korea Hana Foundation (KHF) settlement surveys: work, wages, welfare, discrimination, "
    "satisfaction.",
    "NKDB, Korea Peace Institute: other surveys, reported beside the KHF series, never mixed.",
    "Clinical studies: Hong et al. 2006; Lee et al. 2020; Chang et al. 2021; Kim et al. 2022.",
    "US State Department, USCR, UNHCR, JHU/KINU: North Koreans in China; HRW, TJWG, IDEA: forced "
    "repatriations; UNHCR and MOU: onward migration and returns.",
    "Evidence for levers: Abbiati et al. 2025 (FORWORK); Dahlberg et al. 2024; Card, Kluve & "
    "Weber 2018; Turrini et al. 2019; Pfeiffer et al. 2011; Gould et al. 2007; Hoffberg et al. "
    "2020; Kalla & Broockman 2020; Paluck 2009; Banerjee, Karlan & Zinman 2015; Meager 2019; "
    "Dearden et al. 2009; Dustmann et al. 2024; Joona & Nekby 2012 (`resettle levers`).",
    "Every figure's source is kept beside it in the model's data files (parameters, the world "
    "table, the survey series; `resettle parameters` lists them).",
]
OUTCOME_WORDS = {
    "employed_count": ("people in work", "person-years"),
    "employment_rate": ("the employment rate", "points"),
    "depressed_count": ("people with depression", "person-years"),
    "depression_prevalence": ("depression prevalence", "points"),
    "ptsd_prevalence": ("PTSD prevalence", "points"),
    "suicides": ("suicides", "deaths"),
    "suicidal_ideation_share": ("suicidal ideation in the past year", "points"),
    "suicidal_ideation_ever_share": ("suicidal ideation since arrival", "points"),
    "discrimination_share": ("discrimination in the past year", "points"),
    "mean_ties_to_south_koreans": ("South Koreans to rely on", "per person"),
    "mean_ties": ("people to rely on", "per person"),
    "self_employed_share": ("the self-employed share of workers", "points"),
    "vocational_training_share": ("people who have trained", "points"),
    "mean_debt_mkrw": ("mean debt", "million KRW"),
    "mean_savings_mkrw": ("mean savings", "million KRW"),
    "mental_health_service_use_share": ("use of mental-health services", "points"),
    "mean_monthly_wage_mkrw": ("the mean monthly wage", "million KRW"),
    "repatriated": ("forced repatriations", "people"),
    "arrivals": ("arrivals in the South", "people"),
    "departures": ("departures from North Korea", "people"),
    "in_china": ("North Koreans in China (end of year)", "people"),
}
COHORT_WORDS = {"employed": "in work", "depressed": "with depression", "suicide":
                "died by suicide", "ideation": "with suicidal ideation in the past year",
                "discriminated": "discriminated against in the past year",
                "trained": "who have trained"}


def image_tag(path: Path) -> str:
    """A PNG embedded as a data URI (no file or network needed to show it)."""
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _caption(stem: str, uncertainty: str = "") -> str:
    for prefix, text in CAPTIONS.items():
        if stem.startswith(prefix):
            return text.format(what=stem.removeprefix(prefix).replace("_", " "),
                               uncertainty=uncertainty)
    return ""


def uncertainty_text(info: dict) -> str:
    """What the bands of a run or comparison hold, from what was actually run."""
    reps = info.get("replicates", 1)
    resolved = info["resolved"].values() if "resolved" in info else [info["scenario"]]
    if reps == 1:
        return ("One run: parameters at their posterior medians (or the scenario's values) and "
                "lever effects at their prior medians; nothing here shows uncertainty.")
    calibrated = any(s.get("parameter_set") for s in resolved)
    params = ("draw their parameters from the calibrated posterior, and every other parameter "
              "with a prior from its prior" if calibrated
              else "draw every parameter with a prior from it")
    effects = ("fix each lever's effect sizes at their prior medians, so the bands leave out "
               "what we do not know about the levers" if info.get("fixed_effects")
               else "draw each lever's effect sizes from their priors (the same draws for the "
                    "same replicate in every scenario)")
    return f"The {reps} replicates {params}; they {effects}; chance varies too."


def calibration_text() -> str:
    """How the parameters were estimated, from the calibrated set shipped with the package."""
    from ..engine import posterior

    folder = posterior.locate(posterior.SHIPPED, "<python>")
    setup = json.loads((folder / "calibration.json").read_text())
    return (f"{len(setup['priors'])} parameters are estimated by approximate Bayesian "
            f"computation (ABC-SMC) against {len(setup['targets'])} published figures. The "
            "other parameters are published figures, or have priors from the literature and "
            "stated assumptions that the calibration does not estimate (its screening found "
            "them to move the figures less): a single run sets them at their priors' centres, "
            "and every replicate of an ensemble draws them from their priors.")


def html_table(table: pd.DataFrame) -> str:
    """A table as HTML (three significant digits, underscores in headers as spaces)."""
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else _num(v))
    shown.columns = [str(c).replace("_", " ") for c in shown.columns]
    return shown.to_html(index=False, border=0, classes="table", na_rep="", escape=True)


def _num(v: float) -> str:
    """A number for reading: thousands separators, three significant digits below 1000."""
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _read(folder: Path, name: str) -> pd.DataFrame:
    return output.read_table(folder, name)


def _interval(row) -> str:
    """'+1,234 (+567 to +2,345)': the mean and the 90% interval of a summary row."""
    return f"{_signed(row['mean'])} ({_signed(row['p05'])} to {_signed(row['p95'])})"


def _reading(row) -> str:
    """How to read a summary row's interval: its direction, or that it shows none."""
    low, high = float(row["p05"]), float(row["p95"])
    if low == high == 0:
        return "none the model shows at this scale"
    if low > 0 or high < 0:
        return "up" if low > 0 else "down"
    return "unclear: the interval spans 0"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _signed(v: float) -> str:
    v = float(v) + 0.0  # no "-0"
    return ("+" if v > 0 else "") + _num(v)


@dataclass
class Page:
    """The first page of one scenario: what it shows, small tables, and the main caveat."""

    title: str
    question: str
    intro: str
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _scenarios(info: dict) -> dict[str, scenario_io.Scenario]:
    return {name: scenario_io.validate(data, f"<{name}>")
            for name, data in info.get("resolved", {}).items()}


def _caveat(s: scenario_io.Scenario) -> str:
    """The main caveat of a scenario's answer, from the evidence behind its levers."""
    if not s.levers:
        through_china = {e.indicator for e in s.expect} & {"repatriated", "arrivals",
                                                          "departures"}
        return ("Caveat: the world changes are assumptions about the future; the answer is what "
                "follows from them in the model, not a forecast"
                + (f"; a known miss of the model: {REPATRIATION_MISS}" if through_china else "")
                + ".")
    kinds: dict[str, list[str]] = {}
    for lv in s.levers:
        for name, info in effect_fields(type(lv)).items():
            if getattr(lv, name) != type(lv).model_fields[name].default:
                kinds.setdefault("set in the scenario", []).append(f"{lv.label}.{name}")
            else:
                kinds.setdefault(info["kind"], []).append(lv.label)
    parts = []
    if "assumption" in kinds:
        parts.append("no published estimate exists for (part of) the effect of "
                     f"{', '.join(dict.fromkeys(kinds['assumption']))}: a wide, labelled "
                     "assumption")
    if "transferred" in kinds:
        parts.append("the effect of " + ", ".join(dict.fromkeys(kinds["transferred"]))
                     + " is transferred from trials in other refugee, migrant or general "
                       "populations")
    if "set in the scenario" in kinds:
        parts.append("effect sizes set in the scenario: "
                     + ", ".join(kinds["set in the scenario"]))
    misses: dict[str, list[str]] = {}  # each known miss -> the levers it concerns
    for lv in s.levers:
        for miss in type(lv).known_misses():
            misses.setdefault(miss, []).append(lv.label)
    parts += [f"a known miss of the model for {', '.join(dict.fromkeys(labels))}: {miss}"
              for miss, labels in misses.items()]
    return ("Caveat: " + "; ".join(parts) + ". Costs are programme costs only, and unit costs "
            "are assumptions.")


def scenario_pages(folder: Path) -> list[Page]:
    """One page per compared scenario: its effect on its own outcomes (policy effect, or world
    effect for a scenario without levers), the people reached, costs, and the main caveat."""
    info = json.loads((folder / "comparison.json").read_text())
    scenarios = _scenarios(info)
    data = {name: _read(folder, f"{name}.csv") for name in
            ("contrasts", "cohorts", "cost_effectiveness", "lever_effects")}
    reps = info["replicates"]
    pages = []
    for name in info["scenarios"]:
        s = scenarios[name]
        first, last = comparison.window(s)
        shown = "policy" if s.levers else "world"
        held = ("the parameters and chance (the levers' effect sizes at their medians)"
                if info.get("fixed_effects") else
                "the parameters, the levers' effect sizes and chance")
        intro = (f"{'Policy effect' if s.levers else 'World effect'} of {name} "
                 f"({comparison.CONTRASTS[shown]}), {first}-{last}: the mean of {reps} "
                 "replicate pairs and, in brackets, their 5th to 95th percentile, which carries "
                 f"what is not known of {held}; counts are summed over the years, rates "
                 f"averaged. Each agent stands for {s.scale:g} people, so an effect on fewer "
                 "people than that is below what the model can show.")
        page = Page(f"{name}: what it would change", s.description.strip() or name, intro)
        page.tables.append(("Effect on its own outcomes", _effects(data["contrasts"], s,
                                                                   shown)))
        same = comparison.same_world(s, scenarios[info["baseline"]])
        if s.levers and not same:
            page.tables.append(("Its world also differs from the baseline: the world effect "
                                "and the total (policy plus world)",
                                _world_and_total(data["contrasts"], s)))
        page.tables.append(("The people reached, months later, against the same people "
                            "without the lever (points)", _cohorts(data["cohorts"], s)))
        costs = _costs(data["cost_effectiveness"], s)
        page.tables.append(("Cost and cost per unit of effect (million KRW)", costs))
        if len(s.levers) > 1 and info.get("attribution", True):
            page.tables.append(("Each lever's own contribution (switched on alone) and the "
                                "interaction", _contributions(data["lever_effects"], s)))
        page.tables = [(title, table) for title, table in page.tables if not table.empty]
        if reps == 1:
            page.notes.append("This comparison has one replicate: it shows one run, and the "
                              "brackets hold that run's values, not uncertainty.")
        elif reps < ROUGH_BELOW:
            page.notes.append(f"With {reps} replicate pairs the brackets are rough (interpolated "
                              f"between few values); {ROUGH_BELOW} or more give steadier ones.")
        if not costs.empty:
            page.notes.append("Each cost per unit charges the levers' whole cost to that one "
                              "outcome; 'probability cost-effective' is the share of replicates "
                              "whose net benefit is positive at the stated threshold, a value "
                              f"judgement in million KRW per unit: {_thresholds()}.")
        page.notes.append(_caveat(s))
        pages.append(page)
    return pages


def _thresholds() -> str:
    """The stated willingness-to-pay thresholds with their reasons, in a sentence."""
    out = [f"{_num(t['value'])} per {measure.replace('_person_years', ' person-year')
                                        .replace('_', ' ')} ({' '.join(t['reason'].split())})"
           for measure, v in comparison.wtp_settings().items() for t in v["thresholds"]]
    return "; ".join(out) or "none is stated"


def _words(indicator: str) -> tuple[str, str]:
    return OUTCOME_WORDS.get(indicator, (indicator.replace("_", " "), ""))


def _effects(contrasts: pd.DataFrame, s, shown: str) -> pd.DataFrame:
    """The scenario's own outcomes under one contrast."""
    if contrasts.empty:
        return contrasts
    targets = policy.target_outcomes(s.levers) or list(dict.fromkeys(
        e.indicator for e in s.expect)) or list(comparison.KEY_OUTCOMES)
    c = contrasts[(contrasts.scenario == s.name) & (contrasts.contrast == shown)]
    rows = [{"outcome": _first_upper(_words(i)[0]), "effect": _interval(r), "unit": _words(i)[1],
             "reading": _reading(r)}
            for i in targets for _, r in c[c.indicator == i].iterrows()]
    return pd.DataFrame(rows)


def _world_and_total(contrasts: pd.DataFrame, s) -> pd.DataFrame:
    c = contrasts[contrasts.scenario == s.name]
    rows = []
    for indicator in policy.target_outcomes(s.levers)[:MAIN_OUTCOMES]:
        row = {"outcome": _first_upper(_words(indicator)[0])}
        for contrast in ("policy", "world", "total"):
            r = c[(c.indicator == indicator) & (c.contrast == contrast)]
            row[f"{contrast} effect" if contrast != "total" else "total"] = (
                _interval(r.iloc[0]) if len(r) else "")
        rows.append(row)
    return pd.DataFrame(rows)


def _cohorts(cohorts: pd.DataFrame, s) -> pd.DataFrame:
    """Per lever and outcome: the difference at 12, 18 and 36 months (each lever alone in a
    package, unless the comparison ran without attribution)."""
    if cohorts.empty or not s.levers:
        return pd.DataFrame()
    mine = cohorts[cohorts.scenario == s.name]
    run = "alone" if (mine.run == "alone").any() else "package"
    rows = []
    for lv in s.levers:
        for outcome in lv.cohort_outcomes:
            g = cohorts[(cohorts.scenario == s.name) & (cohorts.lever == lv.label)
                        & (cohorts.run == run) & (cohorts.outcome == outcome)]
            if g.empty:
                continue
            where = {"alone": " (alone)", "package": " (in the package)"}[run]
            row = {"lever": lv.label + (where if len(s.levers) > 1 else ""),
                   "share of the people reached": COHORT_WORDS.get(outcome, outcome)}
            row.update({f"{int(r.months_after)} months": _interval(r) for _, r in g.iterrows()})
            rows.append(row)
    return pd.DataFrame(rows)


def _costs(ce: pd.DataFrame, s) -> pd.DataFrame:
    """Per measure: effect, cost, cost per unit (or words), probability cost-effective."""
    if ce.empty or not s.levers:
        return pd.DataFrame()
    rows = []
    for _, r in ce[(ce.scenario == s.name) & (ce.lever == policy.ALL)].iterrows():
        if r.verdict == "ratio":
            high = "no upper bound" if np.isinf(r.icer_high) else _num(r.icer_high)
            per = f"{_num(r.icer)} ({_num(r.icer_low)} to {high}) per {r.per}"
        else:
            per = r.verdict_text
        probs = [(r[c], r[c.replace("p_cost_effective", "threshold")]) for c in r.index
                 if c.startswith("p_cost_effective") and not pd.isna(r[c])]
        rows.append({"outcome": _first_upper(r.unit),
                     "effect": f"{_signed(r.effect_mean)} ({_signed(r.effect_low)} to "
                               f"{_signed(r.effect_high)})",
                     "cost": f"{_num(r.cost_mean)} ({_num(r.cost_low)} to {_num(r.cost_high)})",
                     "cost per unit of effect": per,
                     "probability cost-effective": "; ".join(
                         f"{p:.0%} at {_num(t)} per {r.per}" for p, t in probs)
                     or "no stated threshold"})
    return pd.DataFrame(rows)


def _contributions(effects: pd.DataFrame, s) -> pd.DataFrame:
    if effects.empty:
        return effects
    rows = effects[effects.scenario == s.name]
    main = [i for i in policy.target_outcomes(s.levers)
            if i in set(rows.indicator)][:MAIN_OUTCOMES]
    order = [policy.ALL, *(lv.label for lv in s.levers), comparison.INTERACTION]
    out = []
    for lever in order:
        row = {"lever": lever}
        for indicator in main:
            r = rows[(rows.lever == lever) & (rows.indicator == indicator)]
            row[_words(indicator)[0]] = _interval(r.iloc[0]) if len(r) else ""
        out.append(row)
    return pd.DataFrame(out)


def headline_lines(folder: Path) -> list[str]:
    """The first pages as plain text (printed by ``resettle compare``)."""
    out = []
    for p in scenario_pages(Path(folder)):
        out += [f"== {p.title}", f"  {p.intro}"]
        for title, table in p.tables:
            out += [f"  {title}:", *("    " + line for line in
                                     table.to_string(index=False).splitlines())]
        out += [f"  {note}" for note in p.notes]
    return [*out, f"({NOTE})"]


def _what_was_run(info: dict) -> pd.DataFrame:
    rows = []
    for name, s in _scenarios(info).items():
        rows.append({"scenario": name, "question": s.description.strip(),
                     "levers": ", ".join(f"{lv.label} from {lv.start}" for lv in s.levers)
                     or "none",
                     "world changes": "; ".join(", ".join(f"{k}: {v}" for k, v in row.items())
                                                for row in s.world) or "none",
                     "parameters": ", ".join(f"{k}={v}" for k, v in s.parameters.items())
                     or "calibrated"})
    return pd.DataFrame(rows)


def write_report(folder: Path) -> Path:
    """Write ``report.html`` in a run or comparison folder; return its path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a run or comparison folder")
    meta, manifest = folder / "comparison.json", folder / "manifest.json"
    if (folder / "calibration.json").is_file():
        raise InputError(f"{folder}: a calibration folder: `resettle calibrate` wrote its "
                         "report.html; expected the folder of `resettle run` or `resettle compare`")
    if not meta.is_file() and not manifest.is_file():
        raise InputError(f"{folder}: no manifest.json or comparison.json; expected the folder "
                         "of `resettle run` or `resettle compare`")
    record = meta if meta.is_file() else manifest
    try:
        return _write_report(folder, json.loads(record.read_text()), meta.is_file())
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:  # damaged
        raise InputError(f"{record}: cannot make a report of this folder: its files are damaged "
                         f"or not as `resettle` writes them ({type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:80]})") from None


def _write_report(folder: Path, info: dict, comparison: bool) -> Path:
    """The report of a run (``comparison`` false) or comparison folder, from its record."""
    u = uncertainty_text(info)
    if "method" in info:  # the folder of `resettle sensitivity`
        title = (f"resettle: which inputs move which outcomes in {info['scenario']['name']} "
                 f"({info['method']}, {info['runs']} runs)")
        parts = []
    elif comparison:
        title = (f"resettle: {', '.join(info['scenarios'])} against {info['baseline']} "
                 f"({info['replicates']} replicate pairs)")
        parts = _comparison_parts(folder, info)
    else:
        reps = info.get("replicates", 1)
        name = info["scenario"]["name"]
        title = f"resettle: {name} ({'one run' if reps == 1 else f'{reps} replicates'})"
        parts = _run_parts(folder, info, reps)
    parts = [f"<h1>{html.escape(title)}</h1>", f'<p class="note"><strong>{NOTE}</strong></p>',
             *parts, *sensitivity_parts(folder), *_charts(folder, u),
             "<h2>Assumptions</h2><ul>" + "".join(
                 f"<li>{html.escape(a.format(calibration=calibration_text(), uncertainty=u))}"
                 "</li>" for a in ASSUMPTIONS) + "</ul>",
             "<h2>Sources of the data</h2><ul>" + "".join(f"<li>{html.escape(s)}</li>"
                                                         for s in SOURCES) + "</ul>",
             f'<p class="note">{NOTE}</p>',
             "<h2>Appendix: the settings as run (JSON)</h2>",
             f"<pre>{html.escape(json.dumps(info, indent=2))}</pre>"]
    path = folder / "report.html"
    atomic_write_text(path, page(title, parts))
    return path


def _comparison_parts(folder: Path, info: dict) -> list[str]:
    parts, reps = [], info["replicates"]
    for p in scenario_pages(folder):
        parts.append(f'<section class="page"><h2>{html.escape(p.title)}</h2>'
                     f"<p><em>{html.escape(p.question)}</em></p>"
                     f"<p>{html.escape(p.intro)}</p>"
                     + "".join(f"<h3>{html.escape(t)}</h3>{html_table(table)}"
                               for t, table in p.tables)
                     + "".join(f'<p class="small">{html.escape(n)}</p>' for n in p.notes)
                     + "</section>")
    effects = ("fixed at their medians" if info.get("fixed_effects")
               else "drawn from their priors")
    parts += ["<h2>What was run</h2>", html_table(_what_was_run(info)),
              f"<p>Seed {info['seed']}, {info['replicates']} replicates; lever effects "
              f"{effects}; discount rate {info.get('discount_rate', 0):g}.</p>"]
    frontier = _read(folder, "frontier.csv")
    if not frontier.empty:
        parts += ["<h2>Which option is efficient (dominance, means of the replicates)</h2>",
                  "<p>Only scenarios that share the baseline's world are compared here, each "
                  "against the world without levers.</p>", html_table(frontier)]
    voi = _read(folder, "value_of_information.csv")
    if not voi.empty:
        parts += ["<h2>Which evidence matters: the value of information</h2>",
                  "<p>The expected value of perfect information (EVPI) is what removing all "
                  "uncertainty would be worth to the choice among the options above, in million "
                  "KRW, at the stated threshold; the partial values (EVPPI) say which group of "
                  "uncertain inputs a new study should target. Estimated from the replicates "
                  "with a Gaussian-process metamodel (Strong, Oakley & Brennan 2014): with few "
                  "replicates, read them as rough. Each partial value is a share of the whole "
                  "on its own, so the shares need not add up to 1.</p>",
                  *([f"<p class=\"note\">With {reps} replicates a metamodel of many inputs "
                     "fits their noise, and the partial values mean little: run "
                     f"{ROUGH_BELOW} or more before reading them.</p>"]
                    if reps < ROUGH_BELOW else []),
                  html_table(voi)]
    return parts


def _run_parts(folder: Path, info: dict, reps: int) -> list[str]:
    s = info["scenario"]
    parts = [f"<p><em>{html.escape(str(s.get('description', '')).strip())}</em></p>"]
    if reps == 1:
        parts.append("<p>This report shows one run: no uncertainty bands or intervals are "
                     "drawn. Use <code>--replicates N</code> for them.</p>")
    effects = _read(folder, "effects.csv")
    if not effects.empty:
        all_levers = effects[effects.lever == policy.ALL]
        rows = []
        for i, g in all_levers.groupby("indicator", sort=False):
            words, unit = _words(i)
            counted = i in COUNT_INDICATORS
            value = g.groupby("replicate").effect.agg("sum" if counted else "mean").mean()
            rows.append({"outcome": _first_upper(words), "effect": _signed(value), "unit": unit,
                         "over the years": "summed" if counted else "averaged"})
        parts += [f"<h2>Policy effect (against the same run without its levers), "
                  f"{int(all_levers.year.min())}-{int(all_levers.year.max())}</h2>",
                  html_table(pd.DataFrame(rows))]
    costs = _read(folder, "costs.csv")
    if not costs.empty:
        paid = costs[costs.run == "package"].groupby("lever", sort=False)[
            ["cost_mkrw", "people_reached"]].sum() / max(reps, 1)
        parts += ["<h2>Costs (programme costs only; unit costs are assumptions)</h2>",
                  html_table(pd.DataFrame(
                      [{"lever": lever, "cost (million KRW)": _num(r.cost_mkrw),
                        "people reached": _num(r.people_reached)}
                       for lever, r in paid.iterrows()]))]
    parts += ["<h2>What was run</h2>", html_table(pd.DataFrame(
        [{"scenario": s["name"], "seed": info.get("seed"), "replicates": reps,
          "levers": ", ".join(lv["type"] for lv in s.get("levers", [])) or "none"}]))]
    return parts


def sensitivity_parts(folder: Path) -> list[str]:
    """A section per sensitivity analysis in ``folder`` (or in a folder inside it): the chart of
    mu* or the total Sobol index, and the table of indices ranked per outcome."""
    parts = []
    for where in [folder, *sorted(p.parent for p in folder.glob("*/indices.csv"))]:
        table = _read(where, "indices.csv")
        if table.empty or not (where / "manifest.json").is_file():
            continue
        info = json.loads((where / "manifest.json").read_text())
        key = "mu* (the mean absolute elementary effect, Morris screening)" if info.get(
            "method") == "morris" else "the total Sobol index (the share of the variance)"
        parts += ["<h2>Sensitivity: which inputs move which outcomes</h2>",
                  f"<p>{len(info.get('inputs', []))} inputs varied over their priors (5th to "
                  f"95th percentile) in {info.get('runs')} runs of "
                  f"{html.escape(info['scenario']['name'])} with common random numbers; "
                  f"inputs are ranked per outcome by {key}, with its confidence interval."
                  "</p>"]
        chart = where / SENSITIVITY_CHART
        if chart.is_file():
            parts.append(f"<figure>{image_tag(chart)}<figcaption>Inputs ranked by their "
                         "effect on each outcome, largest on top.</figcaption></figure>")
        parts.append(html_table(table))
    return parts


def _charts(folder: Path, uncertainty: str) -> list[str]:
    pngs = sorted((p for p in folder.glob("*.png") if p.name != SENSITIVITY_CHART),
                  key=lambda p: (not p.stem.startswith("effects"), p.stem))
    parts = ["<h2>Charts</h2>"] if pngs else []
    for png in pngs:
        caption = html.escape(_caption(png.stem, uncertainty))
        parts.append(f"<figure>{image_tag(png)}<figcaption>{caption}</figcaption></figure>")
    return parts


def page(title: str, parts: list[str]) -> str:
    """A self-contained HTML page (inline style, no external resources) around ``parts``."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}"
            "img{max-width:100%}figure{margin:2em 0}figcaption{font-size:0.95em;color:#333}"
            ".note{background:#fff4d6;padding:0.8em;border-left:4px solid #E69F00}"
            ".page{border:1px solid #ccc;padding:0.5em 1.2em;margin:1.5em 0;"
            "break-after:page}"
            "table{border-collapse:collapse;font-size:0.85em}"
            "td,th{padding:0.2em 0.6em;border-bottom:1px solid #ddd;text-align:left}"
            ".small{font-size:0.9em;color:#333}"
            "</style></head><body>" + "\n".join(parts) + "</body></html>\n")


