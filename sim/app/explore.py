"""``resettle explore``: the explorer in the browser, a Solara page in Mesa's convention (needs the
``viz`` extra). Pick a scenario, switch levers on, move coverage, start year and effect size, and
see the policy effect with its bands, the pathway flow and the fit to the published figures
(:mod:`sim.experiments.explorer` computes them; the world without the levers is kept between
updates).

The server runs on this machine only and fetches nothing: Solara's browser assets come from the
``solara-assets`` package, and its telemetry is off.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..engine.errors import InputError
from ..experiments import explorer
from .common import EXIT_OK

NOTE = ("Outputs are population-level scenario estimates with uncertainty, never predictions "
        "about a person.")
UPDATE_SECONDS = ("about 3 s of computing on an idle machine, 10-16 s on a busy one")  # measured at
# scale 10 with 3 replicates, from a click to the new charts (README, "Explore in the browser")
UNITS = {"employment_rate": "points", "depression_prevalence": "points",
         "discrimination_share": "points", "suicides": "people"}


def explore_command(args: argparse.Namespace, argv: list[str]) -> int:
    """Serve the explorer with ``solara run`` until interrupted (this process becomes the
    server: stopping it stops the server)."""
    for module, why in (("solara", "the page"), ("solara_assets", "its offline browser assets")):
        try:
            __import__(module)
        except ImportError:
            raise InputError(f"explore: {module} is missing ({why}); install the viz extra: "
                             "pip install 'resettle[viz]'") from None
    if not 0 < args.port < 65536:
        raise InputError(f"--port: expected 1..65535, got {args.port}")
    command = [sys.executable, "-m", "solara", "run", "sim.app.explore", "--host", args.host,
               "--port", str(args.port), "--production"]
    if args.no_open:
        command.append("--no-open")
    print(f"explorer: http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command, server_environment())  # this process becomes the server
    return EXIT_OK


def server_environment() -> dict[str, str]:
    """The environment of the Solara server: no telemetry, and a CDN that cannot be reached, so
    that a browser asset missing from ``solara-assets`` fails here instead of being fetched."""
    return {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}


def effect_figure(by_year, start: int):
    """The policy effect per year on each outcome: median and 90% band of the replicate pairs."""
    from .charts import PALETTE, TITLES, _figure
    from .plots import mark_projection

    fig = _figure((9, 5.5))
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (name, indicator) in zip(axes.flat, explorer.OUTCOMES.items(), strict=True):
        rows = by_year[(by_year.indicator == indicator) & (by_year.sex == "all")
                       & (by_year.year >= start - 3)]
        ax.fill_between(rows.year, rows.p05, rows.p95, color=PALETTE[1], alpha=0.25, lw=0,
                        label="90% of replicate pairs")
        ax.plot(rows.year, rows.p50, color=PALETTE[1], label="median")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(start - 0.5, color="#777777", ls=":", lw=0.8)
        ax.set_title(f"{TITLES.get(indicator, (name,))[0]}", fontsize="small")
        ax.set_ylabel(f"policy effect ({UNITS[indicator]})", fontsize="x-small")
        ax.grid(color="#DDDDDD", linewidth=0.6)
        mark_projection(ax)
    axes.flat[0].legend(fontsize="x-small", frameon=False, loc="upper left")
    fig.suptitle("Policy effect by year (levers on minus the same world without them)",
                 fontsize="small")
    return fig


def effect_table(result: explorer.Result) -> str:
    """The table under the chart, as HTML: each outcome's policy effect over the lever years,
    and the cost, with 90% bands."""
    import pandas as pd

    rows = []
    for name, indicator in explorer.OUTCOMES.items():
        r = result.effects[result.effects.indicator == indicator]
        if not r.empty:
            r = r.iloc[0]
            how = "summed" if r.summed == "sum" else "mean of the years"
            rows.append((f"{name} ({UNITS[indicator]})", f"{r['mean']:+.3g}",
                         f"{r.p05:+.3g} to {r.p95:+.3g}", f"{r.first_year}-{r.last_year}, {how}"))
    if result.cost:
        c = result.cost
        rows.append(("cost (million KRW)", f"{c['mean']:,.0f}",
                     f"{c['p05']:,.0f} to {c['p95']:,.0f}", "the lever years, summed"))
    table = pd.DataFrame(rows, columns=["outcome", "policy effect", "90% band", "over"])
    return table.to_html(index=False, border=0, classes="effects")


def _text(html: str):
    """A block of text (HTML: solara's Markdown would load KaTeX from a CDN)."""
    import solara

    return solara.HTML(tag="div", unsafe_innerHTML=html)


def _page_component():
    import solara

    from .charts import flow_counts, flow_figure
    from .fit_charts import fit_figure

    kinds = sorted(explorer.lever_library())
    scenarios = explorer.scenario_names()

    @solara.component
    def Page():
        """The explorer: controls on the left, the estimates on the right."""
        scenario = solara.use_reactive("baseline")
        switched = solara.use_reactive(frozenset())
        coverage = solara.use_reactive(0.5)
        start = solara.use_reactive(2026)
        drawn = solara.use_reactive(True)
        quantile = solara.use_reactive(0.5)
        choice = explorer.Choice(scenario.value, tuple(sorted(switched.value)), coverage.value,
                                 start.value, None if drawn.value else quantile.value)
        result = solara.use_thread(lambda: explorer.explore(choice), dependencies=[choice])
        solara.Title("resettle explorer")
        with solara.Sidebar():
            solara.Select("scenario", values=scenarios, value=scenario)
            _text("<b>Levers</b>")
            for kind in kinds:
                solara.Switch(label=kind, value=kind in switched.value,
                              on_value=lambda on, k=kind: switched.set(
                                  switched.value | {k} if on else switched.value - {k}))
            solara.SliderFloat("coverage", value=coverage, min=0.05, max=1.0, step=0.05)
            solara.SliderInt("start year", value=start, min=2000, max=2034)
            solara.Switch(label="draw effect sizes from the evidence", value=drawn)
            solara.SliderFloat("effect size (quantile of the evidence)", value=quantile,
                               min=0.05, max=0.95, step=0.05, disabled=drawn.value)
        _Results(result, choice)

    @solara.component
    def _Results(result, choice):
        _text(f"<h2>resettle explorer</h2><p><b>{NOTE}</b></p><p>Counterfactual shown: "
              f"{explorer.COUNTERFACTUAL}. {choice.replicates} replicates at scale "
              f"{choice.scale:g} (people per agent); an update takes {UPDATE_SECONDS}.</p>")
        if result.state == solara.ResultState.ERROR:
            solara.Error(f"{result.error}")
            return
        if result.value is None or result.state == solara.ResultState.RUNNING:
            solara.ProgressLinear(True)
            solara.Info("running the scenario's replicates ...")
            if result.value is None:
                return
        r = result.value
        levers = ", ".join(lv.label for lv in r.scenario.levers) or "none (switch one on)"
        _text(f"<p><b>{r.scenario.name}</b>, levers: {levers}. This update took "
              f"{r.seconds:.1f} s.</p>{effect_table(r)}")
        solara.FigureMatplotlib(effect_figure(r.by_year, choice.start_year), format="png")
        flow = flow_counts(r.runs.indicators, r.flow_year)
        solara.FigureMatplotlib(flow_figure(flow, f"Where the people who left North Korea were "
                                f"at the end of {r.flow_year} (medians of replicates)"),
                                format="png")
        within = int((r.fit.within_tolerance == "yes").sum())
        _text(f"<p><b>Fit to published data</b>: {within} of {len(r.fit)} published figures "
              "(calibration/targets.yaml, each with its source) within tolerance.</p>")
        with solara.Details("the fit, figure by figure"):
            _Fit(r.fit)

    @solara.component
    def _Fit(fit):
        """The fit chart, drawn again only when the fit changes (levers before the last
        published year)."""
        figure = solara.use_memo(lambda: fit_figure(fit, "Simulated against published"),
                                 dependencies=[id(fit)])
        solara.FigureMatplotlib(figure, dependencies=[id(fit)], format="png")

    return Page


def __getattr__(name: str):
    if name == "Page":  # solara looks for a Page component; built only then, with solara
        return _page_component()
    raise AttributeError(name)
