"""``resettle report``: one self-contained HTML file (charts embedded as data URIs, no network)
for a run or comparison folder, with plain-language captions, the assumptions, the sources of the
data, and the note that these are scenario estimates with uncertainty.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from .errors import InputError
from .output import atomic_write_text

NOTE = ("These are population-level scenario estimates with uncertainty. They are never "
        "predictions about any person, and must not be used to identify, screen or judge anyone.")
CAPTIONS = {
    "fan_": "How {what} changes over time in each scenario. The line is the median of the "
            "replicate runs; the darker band holds the middle half of them and the lighter band "
            "90% of them. Replicates draw their parameters from the calibrated posterior, so "
            "the bands hold parameter uncertainty as well as chance. Circles are published "
            "figures, where there are any.",
    "counterfactual_": "The difference the policies make, year by year: each replicate of the "
                       "policy scenario minus the baseline run with the same random draws. Left: "
                       "people in work; right: the employment rate in percentage points. The band "
                       "holds 90% of the replicate pairs. When a scenario brings more people to "
                       "the South, the rate can fall while more people are in work: new arrivals "
                       "take time to find work.",
    "flow_": "Where everyone who left North Korea from 1995 was at the end of the year, in the "
             "baseline: still in China or in transit, back in North Korea, died on the way, or "
             "reached the South and then stayed, moved on, returned or died there.",
    "lever_comparison": "The effect of each scenario against the baseline, averaged from the "
                        "year its first lever starts to the end of the run: the dot is the median of the replicate pairs, the "
                        "bar holds 90% of them. A bar that crosses zero means no clear effect.",
    "arrivals": "Simulated arrivals by sex (lines) against the Ministry of Unification's "
                "published series (markers).",
    "life_in_south": "Life in the South as the Korea Hana Foundation survey measures it, by sex, "
                     "against the published surveys (circles) and South Koreans (dash-dot).",
}
ASSUMPTIONS = [
    "Arrivals are not an input: they emerge from departures, life in China and the journey.",
    "Sixteen parameters are estimated by approximate Bayesian computation (ABC-SMC) against "
    "about a hundred published figures (calibration/targets.yaml); the other pathway parameters "
    "come from an earlier least-squares fit to the arrival series, and the other life parameters "
    "sit at the centres of priors chosen to match the published surveys.",
    "Each replicate of an ensemble draws its parameters from the posterior, so the bands show the "
    "uncertainty of the calibrated parameters as well as chance; a single run uses the "
    "posterior median of each parameter.",
    "Where no effect size is published for a lever, its default is an assumption; the lever's "
    "documentation (`resettle levers`) gives the range to try.",
    "Unit costs marked as assumptions in the scenario files are placeholders.",
    "Years after 2025 repeat the conditions of 2025 unless a scenario says otherwise.",
]
SOURCES = [
    "Ministry of Unification (MOU): arrivals by year and sex, who arrives, the support package.",
    "Korea Hana Foundation (KHF) settlement surveys: work, wages, welfare, discrimination, "
    "satisfaction.",
    "NKDB, Korea Peace Institute: other surveys, reported beside the KHF series, never mixed.",
    "Clinical studies: Hong et al. 2006; Lee et al. 2020; Chang et al. 2021; Kim et al. 2022.",
    "US State Department, USCR, UNHCR, JHU/KINU: North Koreans in China; HRW, TJWG, IDEA: forced "
    "repatriations; UNHCR and MOU: onward migration and returns.",
    "Evidence for levers: FORWORK RCT; Card, Kluve & Weber; Banerjee, Karlan & Zinman; Hoffberg et "
    "al.; Gould et al.; Pettigrew & Tropp; Paluck, Green & Green; Joona & Nekby.",
    "Every figure's source is kept beside it in sim/data/ (parameters, world.csv, survey series).",
]


def image_tag(path: Path) -> str:
    """A PNG embedded as a data URI (no file or network needed to show it)."""
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _caption(stem: str) -> str:
    for prefix, text in CAPTIONS.items():
        if stem.startswith(prefix):
            return text.format(what=stem.removeprefix(prefix).replace("_", " "))
    return ""


def html_table(path: Path) -> str:
    """A CSV file as an HTML table (two decimals, underscores in headers as spaces)."""
    table = pd.read_csv(path).round(2)
    table.columns = [c.replace("_", " ") for c in table.columns]
    return table.to_html(index=False, border=0, classes="table", na_rep="")


KEY_YEAR = 2030  # the year the headline sentences speak of (or the last year if earlier)


def key_results(folder: Path) -> list[str]:
    """Plain sentences from differences.csv: people in work and with depression, with intervals."""
    path = folder / "differences.csv"
    if not path.is_file():
        return []
    d = pd.read_csv(path)
    d = d[(d.sex == "all") & (d.years_since_arrival == "all")]
    year = min(KEY_YEAR, int(d.year.max()))
    out = []
    for scenario, rows in d[d.year == year].groupby("scenario", sort=False):
        rows = rows.set_index("indicator")
        for indicator, what in (("employed_count", "people in work"),
                                ("depressed_count", "people with depression")):
            if indicator in rows.index:
                r = rows.loc[indicator]
                out.append(f"With {scenario}: {r.p50:+,.0f} {what} in {year} against the baseline "
                           f"(90% of replicate pairs between {r.p05:+,.0f} and {r.p95:+,.0f}).")
    return out


def write_report(folder: Path) -> Path:
    """Write ``report.html`` in a run or comparison folder; return its path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a run or comparison folder")
    meta = folder / "comparison.json"
    info = json.loads(meta.read_text()) if meta.is_file() else json.loads(
        (folder / "manifest.json").read_text()) if (folder / "manifest.json").is_file() else None
    if info is None:
        raise InputError(f"{folder}: no manifest.json or comparison.json; expected the folder "
                         "of `resettle run` or `resettle compare`")
    pngs = sorted(folder.glob("*.png"), key=lambda p: (not p.stem.startswith("counter"), p.stem))
    parts = [f"<h1>resettle report: {html.escape(folder.name)}</h1>",
             f'<p class="note"><strong>{NOTE}</strong></p>',
             "<h2>What was run</h2>", f"<pre>{html.escape(json.dumps(info, indent=2))}</pre>"]
    sentences = key_results(folder)
    if sentences:
        parts += ["<h2>Key results</h2><ul>" + "".join(f"<li>{html.escape(s)}</li>"
                                                      for s in sentences) + "</ul>"]
    for name, title in (("cost_effectiveness.csv", "Costs and cost-effectiveness (million KRW)"),
                        ("lever_effects.csv", "Effects against the baseline")):
        if (folder / name).is_file():
            parts += [f"<h2>{title}</h2>", html_table(folder / name)]
    parts.append("<h2>Charts</h2>")
    for png in pngs:
        parts += [f"<figure>{image_tag(png)}<figcaption>{html.escape(_caption(png.stem))}"
                  "</figcaption></figure>"]
    parts += ["<h2>Assumptions</h2><ul>" + "".join(f"<li>{html.escape(a)}</li>"
                                                    for a in ASSUMPTIONS) + "</ul>",
              "<h2>Sources of the data</h2><ul>" + "".join(f"<li>{html.escape(s)}</li>"
                                                          for s in SOURCES) + "</ul>",
              f'<p class="note">{NOTE}</p>']
    path = folder / "report.html"
    atomic_write_text(path, page(f"resettle report: {folder.name}", parts))
    return path


def page(title: str, parts: list[str]) -> str:
    """A self-contained HTML page (inline style, no external resources) around ``parts``."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}"
            "img{max-width:100%}figure{margin:2em 0}figcaption{font-size:0.95em;color:#333}"
            ".note{background:#fff4d6;padding:0.8em;border-left:4px solid #E69F00}"
            "table{border-collapse:collapse;font-size:0.85em}"
            "td,th{padding:0.2em 0.6em;border-bottom:1px solid #ddd}"
            "</style></head><body>" + "\n".join(parts) + "</body></html>\n")
