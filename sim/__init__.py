"""resettle: an agent-based simulation of the pathways of North Korean defectors.

Outputs are population-level scenario estimates with uncertainty, never predictions about a person.

The public names (``run``, ``ensemble``, ``compare``, ``evaluate``, ``problem``,
``ResettleModel``, ``Scenario``, ``RunResult``, ``InputError``) are
imported when first used, so that the command line starts light and reports a broken input
file on one line.
"""

from importlib import import_module

__all__ = ["InputError", "ResettleModel", "RunResult", "Scenario", "compare", "ensemble",
           "evaluate", "problem", "run"]
__version__ = "0.1.0"
_WHERE = {"run": ".experiments.api", "RunResult": ".experiments.api",
          "ensemble": ".experiments.batch", "compare": ".experiments.batch",
          "ResettleModel": ".model",
          "Scenario": ".scenario", "InputError": ".engine.errors",
          "evaluate": ".experiments.inputs", "problem": ".experiments.inputs"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
