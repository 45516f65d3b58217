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
    """mortality_at_30's source quotes the suicide share of deaths and the deaths of 2013-2022,
    which are targets. Against targets of 19, 877 and 2012 only the source quoting 877 deaths
    matches: not "COVID-19" (in many sources) nor a year. A prior whose centre no longer comes
    from a target (satisfaction_base, since 2026-12-06) is not listed."""
    found = audit().cited_targets()
    assert found["mortality_at_30"] == ["11.4", "877"] and "satisfaction_base" not in found
    mine = tmp_path / "targets.yaml"
    mine.write_text("targets:\n"
                    "- {id: a, indicator: arrivals, year: 2012, value: 19, tol: 1, source: s}\n"
                    "- {id: b, indicator: arrivals, year: 2013, value: 2012, tol: 1, source: s}\n"
                    "- {id: c, indicator: arrivals, year: 2014, value: 877, tol: 1, source: s}\n")
    assert audit().cited_targets(mine) == {"mortality_at_30": ["877"]}


def test_a_priors_own_spread_is_not_a_quoted_figure():
    """departures_covid_closure's source gives its spread ("sigma 1.5"), chain_rate_markets's
    quotes a time abroad of about 1.5 years (a target): only the second is listed."""
    found = audit().cited_targets()
    assert found["chain_rate_markets"] == ["1.5"] and "departures_covid_closure" not in found


def test_a_parameter_estimated_in_a_block_of_its_own_is_listed_as_estimated(monkeypatch, capsys):
    """emigration_rate_unrecorded is estimated in its own block (priors-unrecorded.yaml), not in
    priors.yaml; a parameter of no priors file is drawn from its prior."""
    monkeypatch.setattr("sys.argv", ["prior_audit.py"])
    audit().main()
    rows = {line.split("|")[1].strip(" `"): line.split("|")[3].strip()
            for line in capsys.readouterr().out.splitlines()[2:]}
    assert rows["emigration_rate_unrecorded"] == "estimated"
    assert rows["training_rate"] == "drawn from its prior"


def test_the_calibration_scripts_start():
    """The scripts in calibration/ import what they use (one of them had not since a module
    moved): each answers --help."""
    import subprocess
    import sys

    for script in sorted(SCRIPT.parent.glob("*.py")):
        if script.name == "__init__.py":
            continue
        done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and "usage" in done.stdout.lower(), (script.name, done.stderr)
