"""``resettle sensitivity``: Morris screening and Sobol indices of named inputs on named
outcomes (SALib), resumable."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from sim.app import cli
from sim.experiments.sensitivity import Design

SMALL = """name: small-mentorship
extends: mentorship
horizon: {start: 1995, end: 2018}
scale: 50
"""
INPUTS = ["mentorship.employment_multiplier", "job_finding_rate", "discrimination_rate",
          "mentorship.coverage"]
OUTCOMES = ["employment_rate@2018", "policy_effect:employed_count@2016:2018"]


def args(scenario, out, size=2, method="morris"):
    return ["sensitivity", str(scenario), *[a for i in INPUTS for a in ("--input", i)],
            *[a for o in OUTCOMES for a in ("--outcome", o)], "--size", str(size),
            "--method", method, "--out", str(out)]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sensitivity")
    (tmp / "small.yaml").write_text(SMALL)
    assert cli.main(args(tmp / "small.yaml", tmp / "a")) == 0
    return tmp


@pytest.mark.slow  # a real analysis of 20 runs, shared by the tests that use it (.ci/run)
def test_morris_ranks_every_input_for_every_outcome(finished):
    table = pd.read_csv(finished / "a" / "indices.csv")
    assert set(table.outcome) == set(OUTCOMES) and len(table) == 8
    effect = table[table.outcome == OUTCOMES[1]].set_index("input")
    # only the lever's own settings can move its policy effect much; the rank follows mu*
    assert effect.mu_star.idxmax() in ("mentorship.employment_multiplier", "mentorship.coverage")
    assert (effect.sort_values("rank").mu_star.diff().dropna() <= 0).all()
    samples = pd.read_csv(finished / "a" / "samples.csv")
    assert len(samples) == 2 * (len(INPUTS) + 1) and set(INPUTS + OUTCOMES) <= set(samples)
    for name in ("sensitivity.png", "sensitivity.svg", "manifest.json", "codebook.csv"):
        assert (finished / "a" / name).is_file()


@pytest.mark.slow  # a real analysis of 20 runs, shared by the tests that use it (.ci/run)
def test_the_report_of_a_folder_with_sensitivity_results_shows_the_chart_and_the_table(
        finished):
    from sim.app.report import write_report

    shutil.copytree(finished / "a", finished / "run-with-analysis" / "sensitivity")
    run = json.loads((finished / "a" / "manifest.json").read_text())
    for key in ("method", "size", "runs", "inputs", "outcomes"):  # a run's manifest
        run.pop(key)
    (finished / "run-with-analysis" / "manifest.json").write_text(json.dumps(run))
    for folder in (finished / "a", finished / "run-with-analysis"):
        text = write_report(folder).read_text()
        section = text.split("Sensitivity: which inputs move which outcomes", 1)[1]
        assert "data:image/png;base64," in section.split("<table", 1)[0]  # the chart first
        for name in INPUTS + OUTCOMES:
            assert name in section.split("<table", 1)[1]  # then every input and outcome
        assert "mu*" in section and text.count("Sensitivity: which inputs") == 1


@pytest.mark.slow  # a real analysis of 20 runs, shared by the tests that use it (.ci/run)
def test_an_interrupted_analysis_resumes_from_the_samples_it_has(finished):
    runs = sorted((finished / "a" / "runs").glob("*.json"))
    partial = finished / ".b.partial"
    (partial / "runs").mkdir(parents=True)
    shutil.copy(finished / "a" / "sensitivity.json", partial / "sensitivity.json")
    for path in runs[:4]:  # four samples were done before the interruption
        shutil.copy(path, partial / "runs" / path.name)
    marked = json.loads(runs[0].read_text())
    marked[OUTCOMES[0]] += 1000.0  # a value only a read (not a rerun) can give
    (partial / "runs" / runs[0].name).write_text(json.dumps(marked))
    assert cli.main(args(finished / "small.yaml", finished / "b")) == 0
    a = pd.read_csv(finished / "a" / "samples.csv")
    b = pd.read_csv(finished / "b" / "samples.csv")
    assert b[OUTCOMES[0]][0] == pytest.approx(a[OUTCOMES[0]][0] + 1000.0)
    pd.testing.assert_frame_equal(a.iloc[1:], b.iloc[1:])  # the rest were run, the same


@pytest.mark.slow  # a real analysis of 20 runs, shared by the tests that use it (.ci/run)
def test_a_changed_analysis_does_not_resume_a_different_one(finished, capsys):
    partial = finished / ".c.partial"
    partial.mkdir()
    shutil.copy(finished / "a" / "sensitivity.json", partial / "sensitivity.json")
    assert cli.main(args(finished / "small.yaml", finished / "c", size=3)) == 2
    assert "was started differently" in capsys.readouterr().err


def test_bad_requests_are_refused_before_anything_runs(tmp_path, capsys):
    (tmp_path / "small.yaml").write_text(SMALL)
    bad = args(tmp_path / "small.yaml", tmp_path / "d")
    bad[bad.index(OUTCOMES[0])] = "employment_rat@2018"
    assert cli.main(bad) == 2 and not (tmp_path / "d").exists()
    assert "did you mean 'employment_rate'" in capsys.readouterr().err
    bad = args(tmp_path / "small.yaml", tmp_path / "e")
    bad[bad.index(INPUTS[2])] = "krw_per_usd"
    assert cli.main(bad) == 2 and "a published constant has no prior" in capsys.readouterr().err


def test_sobol_indices_of_a_known_function():
    """Sobol on y = x1 + 0.1 x2 over [0, 1]^2: the first input carries nearly all variance."""
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    design = Design.make(problem, "sobol", 256, seed=1)
    y = design.samples[:, 0] + 0.1 * design.samples[:, 1]
    table = design.analyse(y, seed=1).set_index("input")
    assert table.ST["a"] == pytest.approx(0.99, abs=0.05) and table.ST["b"] < 0.05
