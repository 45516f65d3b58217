"""resettle: an agent-based simulation of the pathways of North Korean defectors.

Outputs are population-level scenario estimates with uncertainty, never predictions about a person.
"""

from .api import RunResult, run
from .errors import InputError
from .model import ResettleModel
from .scenario import Scenario

__all__ = ["InputError", "ResettleModel", "RunResult", "Scenario", "run"]
__version__ = "0.1.0"
