"""An interactive page of the model with Mesa's SolaraViz (needs the ``viz`` extra):

    .venv/bin/solara run sim.app.viz

Choose a scenario, a seed, the scale and the job-finding rate, then Reset, Step or Play: the
charts show the monthly indicators of the model's DataCollector. The page calls the model with
plain keyword arguments, as Mesa's tools do (``ResettleModel(scenario=..., seed=..., **values)``).
"""

from __future__ import annotations

from ..engine.parameters import Parameters
from ..model import MODEL_REPORTERS, ResettleModel
from ..scenario import library, load

DEFAULTS = {"seed": 1, "scale": 20}


def model_params() -> dict:
    """SolaraViz's inputs: the scenario from the library, the seed, the scale, one parameter."""
    names = sorted(p.stem for p in library().glob("*.yaml"))
    in_force = Parameters(overrides=load("baseline").with_parameter_set().parameters)[
        "job_finding_rate"]  # the calibrated value if it is estimated, else the file's
    return {
        "scenario_name": {"type": "Select", "value": "baseline", "values": names,
                          "label": "scenario"},
        "seed": {"type": "InputText", "value": DEFAULTS["seed"], "label": "seed"},
        "scale": {"type": "SliderInt", "value": DEFAULTS["scale"], "min": 1, "max": 50,
                  "step": 1, "label": "people per agent"},
        "job_finding_rate": {"type": "SliderFloat", "value": float(in_force), "min": 2.0,
                             "max": 30.0, "step": 0.01,
                             "label": "job finding rate (a year; starts at the baseline's)"},
    }


def make_page(model=None, params: dict | None = None):
    """The SolaraViz page: a model (or a reactive one) at the defaults unless one is given, and
    the inputs of :func:`model_params` (``params`` replaces them)."""
    from mesa.visualization import SolaraViz, make_plot_component

    model = ResettleModel("baseline", **DEFAULTS) if model is None else model
    components = [make_plot_component(name) for name in MODEL_REPORTERS]
    return SolaraViz(model, components=components, model_params=params or model_params(),
                     name="resettle: the pathways of North Korean defectors (scenario "
                          "estimates, not predictions about any person)")


def _page_component():
    import solara

    @solara.component
    def Page():
        """The page ``solara run sim.app.viz`` serves (the model is built when it is shown)."""
        model = solara.use_memo(lambda: ResettleModel("baseline", **DEFAULTS), [])
        return make_page(model)

    return Page


def __getattr__(name: str):
    if name == "Page":  # solara looks for a Page component; built only then, with solara
        return _page_component()
    raise AttributeError(name)
