"""The audit of priors whose sources quote a calibration target's figure
(``calibration/prior_audit.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "calibration" / "prior_audit.py"


def audit():
    spec = importlib.util.spec_from_file_location("prior_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_prior_quoting_a_target_is_listed_and_years_or_covid_19_are_not(tmp_path):
    """satisfaction_base's source quotes the KHF satisfied shares of 2012 and 2024, which are
    targets. Against targets of 19 and 2012 only the sources quoting 19 months in a job match:
    not "COVID-19" (in many sources) nor a year."""
    assert audit().cited_targets()["satisfaction_base"] == ["67.4", "79.6"]
    mine = tmp_path / "targets.yaml"
    mine.write_text("targets:\n"
                    "- {id: a, indicator: arrivals, year: 2012, value: 19, tol: 1, source: s}\n"
                    "- {id: b, indicator: arrivals, year: 2013, value: 2012, tol: 1, source: s}\n")
    assert audit().cited_targets(mine) == {"separation_rate_regular": ["19"]}
