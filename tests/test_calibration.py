"""Calibration and validation commands, end to end on a small world: a researcher's own
targets file, a reproducible single-worker calibration, and resuming after a real SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine.files import calibration_file
from sim.experiments import calibrate, smc
from sim.measure import targets
from sim.measure.targets import FIT_COLUMNS

RESETTLE = [sys.executable, "-m", "sim"]
SMALL = """name: small
extends: baseline
horizon: {start: 1995, end: 2003}
scale: 50
seed: 3
"""
MY_TARGETS = """targets:
  - {id: arrivals2002, indicator: arrivals, year: 2002, value: 1142, tol_rel: 0.3, source: MOU}
  - {id: stock2002, indicator: in_china, year: 2002, value: 155000, tol: 145000, source: USCR}
  - {id: female2003, indicator: female_share_of_arrivals, year: 2003, value: 63.1, tol: 8,
     source: MOU}
"""
PRIORS = """parameters:
  onward_rate: {reason: arrivals}
  arrest_rate: {reason: the stock in China}
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("small.yaml", SMALL), ("targets.yaml", MY_TARGETS),
                       ("priors.yaml", PRIORS)):
        out[name] = tmp_path / name
        out[name].write_text(text)
    return out


def resettle(*args, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*RESETTLE, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def calibrate_args(files, out: Path, budget: int = 24, population: int = 6,
                   where: tuple = ("--workers", 1)) -> list:
    return ["calibrate", "--targets", files["targets.yaml"], "--priors", files["priors.yaml"],
            "--scenario", files["small.yaml"], "--budget", budget, "--population", population,
            "--scale", 50, "--check-replicates", 2, *where, "--out", out]


@pytest.mark.slow  # 13 s: the command end to end
def test_a_researcher_validates_their_own_targets_file_without_code(files, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(MY_TARGETS + "  - {id: typo, indicator: employment_rat, year: 2003, value: 40,"
                    " tol: 10, source: me}\n")
    done = resettle("validate", "--targets", mine, "--scenario", files["small.yaml"],
                    "--replicates", 2, "--out", tmp_path / "v", cwd=tmp_path)
    fit = pd.read_csv(tmp_path / "v" / "fit_table.csv")
    assert list(fit.columns[:len(FIT_COLUMNS)]) == FIT_COLUMNS
    assert list(fit.id) == ["arrivals2002", "stock2002", "female2003", "typo"]
    assert fit.set_index("id").within_tolerance["typo"] == targets.NOT_PRODUCED
    within = int((fit.within_tolerance == "yes").sum())
    assert f"targets: {within} of 4 within tolerance" in done.stdout
    spread = json.loads((tmp_path / "v" / "manifest.json").read_text())[
        "within_tolerance"]["resampled"]
    assert 0 <= spread["p05"] <= spread["p50"] <= spread["p95"] <= 3  # of the 3 produced
    assert (f"resampling the 2 replicates, the count's median is {spread['p50']} and 90% of "
            f"counts fall between {spread['p05']} and {spread['p95']}") in done.stdout
    values = pd.read_csv(tmp_path / "v" / "replicate_values.csv")
    assert len(values) == 4 * 2 and set(values.replicate) == {0, 1}
    median = values.groupby("id").simulated.median()
    assert median["arrivals2002"] == pytest.approx(fit.set_index("id").simulated_p50[
        "arrivals2002"])
    assert "typo (the model has no indicator 'employment_rat'" in done.stdout
    assert (tmp_path / "v" / "fit_chart.png").stat().st_size > 10_000
    bad = resettle("validate", "--targets", tmp_path / "none.yaml", cwd=tmp_path, check=False)
    assert bad.returncode == 2 and "none.yaml: targets file not found" in bad.stderr


@pytest.mark.slow  # a real ABC-SMC run (.ci/run runs the slow tests)
def test_a_calibration_is_reproducible_on_any_number_of_workers_and_complete(files, tmp_path):
    for name, workers in (("a", 1), ("b", 2)):
        resettle(*calibrate_args(files, tmp_path / name, where=("--workers", workers)),
                 cwd=tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    assert (a / "posterior.csv").read_bytes() == (b / "posterior.csv").read_bytes()
    post = pd.read_csv(a / "posterior.csv")
    assert set(post.columns) == {"onward_rate", "arrest_rate", "weight"}
    assert len(post) == 6 and post.weight.sum() == pytest.approx(1.0)
    gens = pd.read_csv(a / "generations.csv")
    assert gens.epsilon.is_monotonic_decreasing and gens.simulations.sum() <= 24
    assert (gens.effective_sample_size == 6).all() and gens.distinct_particles.between(1, 6).all()
    distinct = len(post.drop(columns="weight").drop_duplicates())
    assert gens.distinct_particles.iloc[-1] == distinct  # counted from the particles written
    learnt = pd.read_csv(a / "parameters.csv").set_index("parameter")
    assert list(learnt.index) == ["onward_rate", "arrest_rate"]
    for name, row in learnt.iterrows():  # the summary is of the particles written
        x, w = post[name].to_numpy(), post.weight.to_numpy()
        sd = np.sqrt(np.sum(w * (x - np.sum(w * x)) ** 2))
        assert row.posterior_sd == pytest.approx(sd, rel=1e-9)
        assert x.min() <= row.posterior_p05 <= row.posterior_median <= row.posterior_p95 <= x.max()
    corr = pd.read_csv(a / "correlations.csv").set_index("parameter")
    assert np.allclose(np.diag(corr.to_numpy()), 1.0)
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["effective_sample_size"] == pytest.approx(gens.effective_sample_size.iloc[-1],
                                                              abs=0.1)
    assert gens.stopped_early.iloc[0] == 0  # generation 0 has no threshold to stop a run at
    assert manifest["runs_stopped_early"] == gens.stopped_early.sum() <= gens.simulations.sum()
    fit = pd.read_csv(a / "fit_table.csv")
    assert list(fit.id) == ["arrivals2002", "stock2002", "female2003"]
    assert "resampling the 2 replicates, the count's median is" in manifest["shares"]["train"]
    for name in ("report.html", "fit_train.png", "marginals.png", "epsilon.svg"):
        assert (a / name).is_file()
    assert "never predictions about any person" in (a / "report.html").read_text()


@pytest.mark.slow  # a real ABC-SMC run (.ci/run runs the slow tests)
def test_an_interrupted_calibration_resumes_and_a_mismatched_one_is_refused(files, tmp_path):
    out = tmp_path / "cal"
    staging = tmp_path / ".cal.partial"
    args = calibrate_args(files, out, budget=90, population=6)
    proc = subprocess.Popen([*RESETTLE, *map(str, args)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    first = None
    while time.time() < deadline and proc.poll() is None:
        log = staging / smc.LOG
        try:  # the first generation and a step of the second are saved: kill now
            if json.loads(log.read_text())["step"].get("done", 0) >= 1:
                with np.load(staging / smc.STATE) as state:
                    first = state["generation0"]
                break
        except (OSError, ValueError, KeyError):  # not written yet
            pass
        time.sleep(0.02)
    assert first is not None and proc.poll() is None, "the calibration ended before the kill"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists() and staging.is_dir()
    wrong = resettle(*calibrate_args(files, out, budget=90, population=7), cwd=tmp_path,
                     check=False)
    assert wrong.returncode == 2 and "started differently (population was 6, now 7)" in wrong.stderr
    resettle(*args, cwd=tmp_path)
    populations = pd.read_csv(out / "populations.csv")
    again = populations[populations.generation == 0][["onward_rate", "arrest_rate"]]
    priors = {p.name: p for p in calibrate.load_priors(files["priors.yaml"])}
    ran = calibrate.values(priors, {k: first[:, i] for i, k in enumerate(priors)})
    np.testing.assert_allclose(again.to_numpy(), np.column_stack(list(ran.values())),
                               rtol=1e-9)  # the generation before the kill is kept as it was
    resettle(*args[:-1], tmp_path / "uninterrupted", cwd=tmp_path)
    assert (out / "posterior.csv").read_bytes() == \
        (tmp_path / "uninterrupted" / "posterior.csv").read_bytes()  # resumed = uninterrupted
    runs = [json.loads((folder / "manifest.json").read_text())["simulations"]
            for folder in (out, tmp_path / "uninterrupted")]
    assert runs[0] == runs[1] <= 90  # the budget is a ceiling


@pytest.mark.slow  # a real ABC-SMC run (.ci/run runs the slow tests)
def test_a_calibration_runs_on_an_existing_dask_cluster(files, tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        done = resettle(*calibrate_args(files, tmp_path / "d", budget=12, population=4,
                                        where=("--scheduler", cluster.scheduler_address)),
                        cwd=tmp_path)
    assert "within tolerance" in done.stdout
    assert len(pd.read_csv(tmp_path / "d" / "posterior.csv")) == 4


@pytest.mark.slow  # a real ABC-SMC run (.ci/run runs the slow tests)
def test_a_larger_budget_continues_the_same_history(files, tmp_path):
    resettle(*calibrate_args(files, tmp_path / "first", budget=12, population=4), cwd=tmp_path)
    before = pd.read_csv(tmp_path / "first" / "generations.csv")
    (tmp_path / "first").rename(tmp_path / ".more.partial")  # as if it had been interrupted
    resettle(*calibrate_args(files, tmp_path / "more", budget=30, population=4), cwd=tmp_path)
    after = pd.read_csv(tmp_path / "more" / "generations.csv")
    assert len(after) > len(before)
    pd.testing.assert_frame_equal(after.head(len(before)), before)  # earlier generations kept
    # the posterior check left by the first posterior was redone, not refused as a mismatch
    more = json.loads((tmp_path / "more" / "manifest.json").read_text())["simulations"]
    assert before.simulations.sum() < more <= 30  # the budget is a ceiling
    assert len(pd.read_csv(tmp_path / "more" / "fit_table.csv")) == 3


@pytest.mark.slow  # a real ABC-SMC run (.ci/run runs the slow tests)
def test_an_out_of_sample_calibration_checks_the_held_out_targets(files, tmp_path):
    """``--holdout-from``: trained on the targets before the cut year, the posterior is checked
    on those after it too, each set's count given with its spread over resampled replicates."""
    resettle(*calibrate_args(files, tmp_path / "h"), "--holdout-from", 2003, cwd=tmp_path)
    fit = pd.read_csv(tmp_path / "h" / "fit_table.csv")
    assert fit.groupby("set").id.apply(list).to_dict() == {
        "train": ["arrivals2002", "stock2002"], "test": ["female2003"]}
    shares = json.loads((tmp_path / "h" / "manifest.json").read_text())["shares"]
    assert shares["test"].startswith("test: ") and "of 1 within tolerance" in shares["test"]
    assert "the count's median is" in shares["test"]


def test_the_spread_of_a_count_is_given_only_where_replicates_can_be_resampled():
    from sim.app.calibration_commands import spread_line

    assert spread_line((3, 3, 3), replicates=1) == ""
    assert spread_line((1, 2, 4), replicates=5) == (
        "; resampling the 5 replicates, the count's median is 2 and 90% of counts fall "
        "between 1 and 4")


def test_the_calibration_report_shows_the_fit_and_the_generations(tmp_path):
    """Written from the folder's CSV files (fast: no simulation); the folder's name is text."""
    from sim.app.calibration_commands import write_calibration_report

    tmp_path = tmp_path / "<b>cal&"
    tmp_path.mkdir()
    pd.DataFrame([{"id": "arrivals2002", "indicator": "arrivals", "observed": 1142.0,
                   "simulated_p50": 1120.5, "within_tolerance": "yes"}]).to_csv(
        tmp_path / "fit_table.csv", index=False)
    pd.DataFrame({"generation": [0, 1], "epsilon": [2.5, 1.25]}).to_csv(
        tmp_path / "generations.csv", index=False)
    summary = {"shares": {"train": "targets: 1 of 1 within tolerance (100.0%)"},
               "simulations": 40, "generations": 2, "final_epsilon": 1.25,
               "abc_wall_seconds": 12.0}
    page = write_calibration_report(tmp_path, summary).read_text()
    assert "arrivals2002" in page and "<td>1,120</td>" in page  # read as numbers are
    assert page.index("Fit table") < page.index("arrivals2002") < page.index("Acceptance")
    assert "1.25" in page and "never predictions about any person" in page
    assert "<h1>resettle calibration: &lt;b&gt;cal&amp;</h1>" in page and "<b>cal" not in page


def test_contraction_and_correlations_read_the_weighted_posterior():
    """A posterior pinned to one value has contraction 1; one spread like its prior about 0;
    two parameters that move together correlate."""

    rng = np.random.default_rng(3)
    n = 4000
    spread = rng.lognormal(np.log(0.5), 0.7, n)
    posterior = pd.DataFrame({"a": np.full(n, 0.3), "b": spread, "c": 2 * spread + 1,
                              "weight": np.full(n, 1 / n)})
    priors = [calibrate.Prior(name, {"dist": "lognormal", "median": 0.5, "sigma": 0.7}, "r")
              for name in ("a", "b", "c")]
    table = calibrate.contraction(posterior, priors).set_index("parameter")
    assert table.contraction["a"] == pytest.approx(1.0)
    assert table.contraction["b"] == pytest.approx(0.0, abs=0.15)
    assert table.posterior_median["b"] == pytest.approx(0.5, rel=0.05)
    corr = calibrate.correlations(posterior.drop(columns="a")).set_index("parameter")
    assert corr.loc["b", "c"] == pytest.approx(1.0)


def test_the_same_chart_gives_the_same_svg_bytes(tmp_path):
    """SVGs carry no time stamp and no random element ids, so identical runs give identical
    files (matplotlib draws random ids unless given a salt)."""
    from sim.app import fit_charts

    table = pd.DataFrame({"id": ["a", "b"], "year": ["2010", "2012"], "observed": [1.0, 2.0],
                          "simulated_p50": [1.1, 2.5],
                          "simulated_p05": [0.9, 2.0], "simulated_p95": [1.3, 3.0],
                          "tolerance": [0.5, 0.4], "within_tolerance": ["yes", "no"]})
    for name in ("one", "two"):
        fit_charts.fit_chart(table, tmp_path / name, "title")
    assert (tmp_path / "one.svg").read_bytes() == (tmp_path / "two.svg").read_bytes()


def test_the_pathway_block_estimates_pathway_parameters_against_pathway_targets():
    """--block pathway keeps the parameters of pathway.yaml and the targets the pathway alone
    produces, and refuses a priors file with none of them."""
    from sim.engine.errors import InputError

    priors = [calibrate.Prior(name, {"dist": "uniform", "low": 0, "high": 1}, "test")
              for name in ("onward_rate", "job_finding_rate", "arrest_rate")]
    listed = targets.load(calibration_file("targets.yaml"))
    kept_priors, kept = calibrate.select_block("pathway", priors, listed, "p.yaml", "t.yaml")
    assert [p.name for p in kept_priors] == ["onward_rate", "arrest_rate"]
    assert {t.indicator for t in kept} >= {"arrivals", "in_china", "repatriated"}
    assert not {t.indicator for t in kept} & {"employment_rate", "ptsd_prevalence"}
    assert calibrate.select_block("all", priors, listed, "p.yaml", "t.yaml") == (priors, listed)
    with pytest.raises(InputError, match="--block pathway: p.yaml estimates no parameter of "
                                         "sim/data/parameters/pathway.yaml"):
        calibrate.select_block("pathway", priors[1:2], listed, "p.yaml", "t.yaml")
    with pytest.raises(InputError, match=r"--block pathway: t.yaml has no target of the "
                                         r"pathway \(indicators arrivals, "):
        calibrate.select_block("pathway", priors, listed[-1:], "p.yaml", "t.yaml")


def test_excluding_another_blocks_priors_file_leaves_this_block_its_own_parameters(tmp_path):
    """--exclude FILE drops the parameters that another priors file estimates: the shipped
    pathway block less the block since 2020 is the pathway's parameters without those years'
    (one source of priors, no copied file); an exclusion that drops nothing, or everything, or
    names a missing file is a one-line error."""
    from sim.engine.errors import InputError

    folder = calibration_file("priors.yaml").parent
    every = calibrate.load_priors(folder / "priors.yaml")
    since = folder / "priors-since-2020.yaml"
    listed = targets.load(calibration_file("targets.yaml"))
    pathway, _ = calibrate.select_block("pathway", every, listed, "p.yaml", "t.yaml")
    kept = calibrate.exclude(pathway, [since], "here")
    dropped = {p.name for p in calibrate.load_priors(since)}
    assert [p for p in pathway if p.name not in dropped] == kept
    assert 0 < len(kept) < len(pathway)
    with pytest.raises(InputError, match=r"--exclude .*priors-since-2020.yaml: none of its "
                                         r"parameters is estimated here \(life\)"):
        calibrate.exclude(kept, [since], "life")
    only = tmp_path / "only.yaml"
    only.write_text("parameters:\n  onward_rate:\n    reason: test\n")
    one = [p for p in pathway if p.name == "onward_rate"]
    with pytest.raises(InputError, match=r"--exclude: every parameter estimated here \(x\)"):
        calibrate.exclude(one, [only], "x")
    with pytest.raises(InputError, match=r"^--exclude .*missing.yaml"):
        calibrate.exclude(pathway, [tmp_path / "missing.yaml"], "x")

    from sim.app import calibration_commands, cli  # the command's wiring
    args = cli.build_parser().parse_args(["calibrate", "--block", "pathway", "--exclude",
                                          str(since), "--out", str(tmp_path / "c")])
    assert calibration_commands._setup(args)[0].priors == kept


def test_the_life_block_is_the_rest_with_the_pathway_held_at_the_parameter_sets_point(tmp_path):
    """--block life keeps the parameters and targets outside the pathway, and its particles run
    with the pathway at the point estimate of the scenario's parameter set (its own parameters
    still win); a scenario without a set, or a set without the pathway, is refused."""
    from sim import scenario as scenario_io
    from sim.engine.errors import InputError

    priors = [calibrate.Prior(name, {"dist": "uniform", "low": 0, "high": 1}, "test")
              for name in ("onward_rate", "job_finding_rate", "arrest_rate")]
    listed = targets.load(calibration_file("targets.yaml"))
    kept_priors, kept = calibrate.select_block("life", priors, listed, "p.yaml", "t.yaml")
    path_priors, path_kept = calibrate.select_block("pathway", priors, listed, "p.yaml", "t.yaml")
    assert [p.name for p in kept_priors] == ["job_finding_rate"]
    assert {t.id for t in kept} | {t.id for t in path_kept} == {t.id for t in listed}
    assert not {t.id for t in kept} & {t.id for t in path_kept}
    with pytest.raises(InputError, match="--block life: p.yaml estimates no parameter outside "):
        calibrate.select_block("life", priors[:1], listed, "p.yaml", "t.yaml")

    pd.DataFrame({"job_finding_rate": [1.0, 2.0, 3.0], "weight": 1.0}).to_csv(
        tmp_path / "posterior.csv", index=False)
    (tmp_path / "pathway").mkdir()
    pd.DataFrame({"onward_rate": [0.1, 0.2, 0.9], "arrest_rate": [0.3, 0.3, 0.3],
                  "weight": 1.0}).to_csv(tmp_path / "pathway" / "posterior.csv", index=False)
    scn = tmp_path / "s.yaml"
    scn.write_text(f"# A test.\nname: s\nextends: baseline\nparameter_set: {tmp_path}\n"
                   "parameters:\n  arrest_rate: 0.5\n")
    run = calibrate.calibration_scenario(scenario_io.load(str(scn)), 10, 2010, "life")
    assert run.parameter_set is None and run.end_year == 2010
    assert run.parameters["onward_rate"] == 0.2 and run.parameters["arrest_rate"] == 0.5
    assert "job_finding_rate" not in run.parameters  # the rest is what the block estimates
    with pytest.raises(InputError, match="names none"):
        calibrate.calibration_scenario(scenario_io.load("baseline").with_overrides(
            parameter_set=None), 10, 2010, "life")
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "posterior.csv").write_bytes((tmp_path / "posterior.csv").read_bytes())
    with pytest.raises(InputError, match="estimates no pathway parameter"):
        calibrate.pathway_point(run.with_overrides(parameter_set=str(alone)))


def test_a_block_estimated_given_the_set_holds_every_other_estimate_at_its_point(tmp_path):
    """--nuisance set: the parameters the set estimates and the calibration does not run at the
    set's point estimate (the scenario's own values still win); --targets-from keeps the
    targets from that year on; each refuses what it cannot use, in one line."""
    from sim import scenario as scenario_io
    from sim.engine.errors import InputError

    (tmp_path / "pathway").mkdir()
    pd.DataFrame({"onward_rate": [0.1, 0.2, 0.9], "arrest_rate": [0.3, 0.4, 0.5],
                  "weight": 1.0}).to_csv(tmp_path / "pathway" / "posterior.csv", index=False)
    pd.DataFrame({"job_finding_rate": [1.0, 2.0, 3.0], "weight": 1.0}).to_csv(
        tmp_path / "posterior.csv", index=False)
    scn = tmp_path / "s.yaml"
    scn.write_text(f"# A test.\nname: s\nextends: baseline\nparameter_set: {tmp_path}\n"
                   "parameters:\n  job_finding_rate: 5.0\n")
    base = scenario_io.load(str(scn))
    priors = [calibrate.Prior("arrest_rate", {"dist": "uniform", "low": 0, "high": 1}, "t")]
    held = calibrate.held_at_set(base, priors)
    assert held == {"onward_rate": 0.2, "job_finding_rate": 2.0}
    run = calibrate.calibration_scenario(base, 10, 2010, "pathway", held)
    assert run.parameters["onward_rate"] == 0.2 and run.parameters["job_finding_rate"] == 5.0
    assert "arrest_rate" not in run.parameters and run.parameter_set is None
    with pytest.raises(InputError, match="--nuisance set holds parameters at the scenario's "
                                         "parameter set, and it names none"):
        calibrate.held_at_set(base.with_overrides(parameter_set=None), priors)

    listed = targets.load(calibration_file("targets.yaml"))
    recent = calibrate.from_year(listed, 2020, "t.yaml")
    assert recent and all(t.years[0] >= 2020 for t in recent)
    totals = {t.id for t in listed if t.indicator == "cumulative_arrivals" and t.years[0] >= 2020}
    assert totals, "the targets list a running total of arrivals since 2020"
    assert {t.id for t in listed if t.years[0] >= 2020} - totals == {t.id for t in recent}
    assert calibrate.from_year(listed, None, "t.yaml") == listed
    with pytest.raises(InputError, match=r"--targets-from 2100: t.yaml has no target of 2100 "
                                         r"or later \(its last year is 20\d\d\)$"):
        calibrate.from_year(listed, 2100, "t.yaml")


def test_targets_from_a_year_before_every_target_is_refused_as_changing_nothing():
    from sim.engine.errors import InputError

    listed = targets.load(calibration_file("targets.yaml"))
    first = min(t.years[0] for t in listed)
    for year in (first, first - 30):
        with pytest.raises(InputError, match=rf"^--targets-from {year}: t.yaml has no target "
                                             rf"before {year} \(its first year is {first}\), so "
                                             r"it would change nothing$"):
            calibrate.from_year(listed, year, "t.yaml")
    assert calibrate.from_year(listed, first + 1, "t.yaml")


@pytest.mark.parametrize("command", ["calibrate", "validate"])
def test_a_bad_option_is_refused_before_any_folder_is_made(files, tmp_path, command):
    """--workers -1 is refused on one line, and the missing parents of --out are not made."""
    args = calibrate_args(files, tmp_path / "a" / "b" / "c", where=("--workers", -1))
    if command == "validate":
        args = ["validate", "--targets", files["targets.yaml"], "--scenario",
                files["small.yaml"], "--replicates", 2, "--workers", -1, "--out",
                tmp_path / "a" / "b" / "c"]
    done = resettle(*args, cwd=tmp_path, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "resettle: error: --workers: expected a positive integer, got -1"
    assert not (tmp_path / "a").exists()


def test_held_out_targets_the_model_cannot_run_to_are_refused_before_the_calibration(
        files, tmp_path, monkeypatch, capsys):
    """A held-out target beyond the world table (one the targets file could not hold, made
    here) is refused on one line before any run, leaving no folder: it used to fail after the
    whole calibration, its .partial left behind to fail the same way again."""
    from sim.app import cli

    listed = targets.load(files["targets.yaml"])
    far = listed[0].model_copy(update={"id": "far", "year": 2090})
    monkeypatch.setattr(targets, "load", lambda path: [*listed, far])
    args = calibrate_args(files, tmp_path / "h")
    assert cli.main([str(a) for a in args] + ["--holdout-from", "2003"]) == 2
    assert capsys.readouterr().err.startswith(
        "resettle: error: --holdout-from 2003: the held-out targets run to 2090: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files.values())


def _no_nan(text: str):
    raise ValueError(f"{text} in manifest.json")


@pytest.mark.slow  # a tiny ABC-SMC run (.ci/run runs the slow tests)
def test_an_error_after_sampling_keeps_the_work_for_the_same_command_to_resume(
        files, tmp_path, monkeypatch, capsys):
    """An error once the sampler has run says its work is kept, and the same command resumes
    it; a posterior of generation 0 alone (no moves, so no acceptance rate) writes valid JSON."""
    from sim.app import calibration_commands, cli
    from sim.engine.errors import InputError

    def fails(*_, **__):
        raise InputError("the posterior check failed")

    args = [str(a) for a in calibrate_args(files, tmp_path / "cal", budget=4, population=4)]
    staging = tmp_path / ".cal.partial"
    with monkeypatch.context() as patch:
        patch.setattr(calibration_commands, "replicate_values", fails)
        assert cli.main(args) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"resettle: error: the posterior check failed; the sampler's work is kept in {staging}, "
        "and the same command resumes it")
    assert (staging / smc.STATE).is_file()
    assert cli.main(args) == 0
    manifest = json.loads((tmp_path / "cal" / "manifest.json").read_text(),
                          parse_constant=_no_nan)
    assert manifest["simulations"] == 4 and manifest["final_acceptance_rate"] is None


def test_indicators_keep_only_their_targets_and_refuse_what_changes_nothing():
    """--indicators: a block against the figures it moves keeps exactly the targets of those
    indicators (changes between years included), and an unknown or absent indicator is a
    one-line error rather than a calibration against nothing."""
    from sim.engine.errors import InputError

    listed = targets.load(calibration_file("targets.yaml"))
    kept = calibrate.of_indicators(listed, "unemployment_rate, employment_rate", "t.yaml")
    assert {t.id for t in kept} == {t.id for t in listed
                                    if t.indicator in ("unemployment_rate", "employment_rate")}
    assert any(t.sex == "female" for t in kept) and any(t.change_from for t in kept)
    assert calibrate.of_indicators(listed, None, "t.yaml") == listed
    with pytest.raises(InputError, match=r"^--indicators unemployment: not an indicator of the "
                                         r"model \(did you mean 'unemployment_rate'\?\)$"):
        calibrate.of_indicators(listed, "unemployment", "t.yaml")
    recent = calibrate.from_year(listed, 2020, "t.yaml")
    with pytest.raises(InputError, match=r"^--indicators mean_ties: t.yaml has no target of it"):
        calibrate.of_indicators(recent, "mean_ties", "t.yaml")
    with pytest.raises(InputError, match="^--indicators: expected indicator names"):
        calibrate.of_indicators(listed, " , ", "t.yaml")

    from sim.app import calibration_commands, cli  # the command's wiring
    args = cli.build_parser().parse_args(
        ["calibrate", "--block", "life", "--priors", str(calibration_file("priors-sex-gap.yaml")),
         "--indicators", "unemployment_rate", "--nuisance", "set"])
    setup, folder = calibration_commands._setup(args)
    assert {t.indicator for t in setup.train} == {"unemployment_rate"}
    assert [p.name for p in setup.priors] == ["finding_female_effect"]
    assert folder.name.endswith("-life-unemployment_rate-seed1")


def test_a_pathway_only_run_gives_the_pathways_figures_and_nothing_else():
    """Stepping only the pathway produces the pathway's indicators, equal to a full run's up to
    the few sponsors of chain defection a full run loses to suicide or emigration."""
    import sim
    from sim.measure.indicators import PATHWAY_INDICATORS

    def arrivals(df):
        return df.query("indicator == 'arrivals' and sex == 'all'").set_index("year").value

    short = dict(seed=2, scale=20, horizon={"start": 1995, "end": 2012})
    path = sim.run("baseline", pathway_only=True, **short).indicators
    full = sim.run("baseline", **short).indicators
    assert set(path.indicator) == PATHWAY_INDICATORS
    assert arrivals(path).loc[:2002].equals(arrivals(full).loc[:2002])
    assert arrivals(path).sum() == pytest.approx(arrivals(full).sum(), rel=0.03)


def test_particles_run_at_their_priors_quantiles_within_the_bounds():
    """The sampler's standard normal coordinate z runs at the prior's quantile Phi(z): z = 0 is
    the median, and a far tail reaches the bound of the prior truncated to the bounds."""
    from scipy.stats import norm

    from sim.engine.parameters import load_specs

    onward = calibrate.load_priors(calibration_file("priors.yaml"))[0]
    assert onward.name == "onward_rate"
    median = onward.dist["median"]
    assert calibrate.values({"onward_rate": onward}, {"onward_rate": 0.0})["onward_rate"] == \
        pytest.approx(median)
    q = calibrate.values({"onward_rate": onward}, {"onward_rate": np.array([-1.0, 1.0, 40.0])})
    spread = np.exp(onward.dist["sigma"] * norm.ppf(norm.cdf([-1.0, 1.0])))
    assert q["onward_rate"][:2] == pytest.approx(median * spread)
    assert q["onward_rate"][2] == pytest.approx(load_specs()["onward_rate"].high)


class Unrun:
    """A stand-in for a particle's model: what it was built with is what these tests check."""

    def __init__(self, number: int) -> None:
        self.number = number

    def run_model(self) -> None:
        pass

    def indicators(self) -> None:
        return None


def test_parameters_not_estimated_are_drawn_from_their_priors_as_ensembles_draw_them(
        monkeypatch):
    """With --nuisance prior (the default) each run draws the parameters the calibration does
    not estimate, nor the scenario fix, from their priors (the same particle the same draw);
    with centre they run at their prior's centre, and the estimated ones always at the
    particle's values."""
    from sim import scenario as scenario_io
    from sim.experiments import api

    seen = []
    monkeypatch.setattr(api, "build", lambda scenario, **kw: seen.append(kw) or Unrun(len(seen)))
    base = scenario_io.load("baseline").with_overrides(parameter_set=None, arrest_rate=0.3)
    onward = calibrate.load_priors(calibration_file("priors.yaml"))[0]
    for nuisance in ("prior", "centre"):
        simulator = calibrate.Simulator(base, [], 1, [onward], nuisance=nuisance)
        for z in (0.0, 1.0, 0.0):
            simulator.run({"onward_rate": z})
    drawn, centre = seen[:3], seen[3:]
    assert [kw["onward_rate"] for kw in drawn] == [kw["onward_rate"] for kw in centre]
    assert not any("arrest_rate" in kw for kw in seen)  # the scenario's own value stays
    assert drawn[0]["job_finding_rate"] != drawn[1]["job_finding_rate"]
    assert drawn[0] == drawn[2]  # the same particle, the same draw
    assert "job_finding_rate" not in centre[0]
    with pytest.raises(ValueError, match=r"nuisance: expected one of \['centre', 'posterior', "
                                         r"'prior', 'set'\]"):
        calibrate.Simulator(base, [], 1, [onward], nuisance="median")


def test_several_runs_per_particle_give_each_target_the_median_of_runs_with_their_own_seeds(
        monkeypatch):
    """--runs-per-particle K: a particle's value of each target is the median of K runs, each
    with a seed of its own (the first the seed of a single run, so K = 1 is unchanged), whose
    parameters not estimated are drawn afresh; a target no run produces stays missing."""
    from sim import scenario as scenario_io
    from sim.experiments import api
    from sim.measure import targets as targets_module

    seen = []
    monkeypatch.setattr(api, "build", lambda scenario, **kw: seen.append(kw) or Unrun(len(seen)))
    monkeypatch.setattr(targets_module, "simulate_run", lambda listed, model: {
        "a": float(model.number), "b": float("nan"), "c": 10.0 * (model.number % 2)})
    base = scenario_io.load("baseline").with_overrides(parameter_set=None)
    onward = calibrate.load_priors(calibration_file("priors.yaml"))[0]
    one = calibrate.Simulator(base, [], 1, [onward])({"onward_rate": 0.5})
    three = calibrate.Simulator(base, [], 1, [onward], runs=3)({"onward_rate": 0.5})
    assert one["a"] == 1.0 and np.isnan(one["b"])
    assert three["a"] == 3.0 and np.isnan(three["b"]) and three["c"] == 0.0  # of 2, 3, 4
    seeds = [kw["seed"] for kw in seen]
    assert seeds[1] == seeds[0] and len(set(seeds[1:])) == 3
    assert len({kw["job_finding_rate"] for kw in seen[1:]}) == 3  # drawn afresh in each run
    assert len({kw["onward_rate"] for kw in seen}) == 1
    with pytest.raises(ValueError, match="runs: expected a positive number of runs, got 0"):
        calibrate.Simulator(base, [], 1, [onward], runs=0)
    stamp = calibrate.Setup(base, [], [], [onward], 1, 10, runs=3).stamp(None)
    assert stamp["runs_per_particle"] == 3  # a resumed calibration must run as many
    assert "runs_per_particle" not in calibrate.Setup(base, [], [], [onward], 1, 10).stamp(None)


def test_a_block_estimated_over_the_sets_posterior_draws_the_other_blocks_as_ensembles_do(
        tmp_path, monkeypatch):
    """--nuisance posterior: each run draws the parameters the set estimates and the calibration
    does not from the set's posterior (a particle of each block, the same particle the same
    draw), never the estimated ones nor the scenario's own; the rest from their priors; the
    life block's pathway is drawn, not held; the set's checksum is part of the folder's stamp."""
    from sim import scenario as scenario_io
    from sim.engine import posterior
    from sim.engine.errors import InputError
    from sim.experiments import api

    (tmp_path / "pathway").mkdir()
    pd.DataFrame({"onward_rate": [0.1, 0.2, 0.9], "arrest_rate": [0.3, 0.4, 0.5],
                  "weight": 1.0}).to_csv(tmp_path / "pathway" / "posterior.csv", index=False)
    pd.DataFrame({"job_finding_rate": [1.0, 2.0, 3.0], "lf_exit_rate": [0.05, 0.06, 0.07],
                  "weight": 1.0}).to_csv(tmp_path / "posterior.csv", index=False)
    scn = tmp_path / "s.yaml"
    scn.write_text(f"# A test.\nname: s\nextends: baseline\nparameter_set: {tmp_path}\n"
                   "parameters:\n  lf_exit_rate: 0.5\n")
    base = scenario_io.load(str(scn))
    drawn = calibrate.set_to_draw(base)
    seen = []
    monkeypatch.setattr(api, "build", lambda scenario, **kw: seen.append(kw) or Unrun(len(seen)))
    arrest = calibrate.Prior("arrest_rate", {"dist": "uniform", "low": 0, "high": 1}, "t")
    run = calibrate.calibration_scenario(base, 10, 2010, "pathway")
    simulator = calibrate.Simulator(run, [], 1, [arrest], nuisance="posterior", drawn_set=drawn)
    for z in [0.0, *np.linspace(-1, 1, 12), 0.0]:
        simulator.run({"arrest_rate": z})
    assert {kw["onward_rate"] for kw in seen} <= {0.1, 0.2, 0.9}
    assert len({kw["onward_rate"] for kw in seen}) > 1
    assert {kw["job_finding_rate"] for kw in seen} <= {1.0, 2.0, 3.0}
    assert not any("lf_exit_rate" in kw for kw in seen)  # the scenario's own value stays
    assert seen[0] == seen[-1]  # the same particle, the same draw
    assert seen[1]["arrest_rate"] != seen[2]["arrest_rate"]  # estimated: the particle's
    assert "lf_entry_rate" in seen[0]  # not in the set: from its prior

    life = calibrate.calibration_scenario(base, 10, 2010, "life", hold_pathway=False)
    assert "onward_rate" not in life.parameters
    setup = calibrate.Setup(run, [], [], [arrest], 1, 10, nuisance="posterior", drawn_set=drawn)
    assert setup.stamp(None)["drawn_from_set"] == posterior.checksum(tmp_path)
    staging = tmp_path / "out"  # the check draws this calibration's block beside the others
    staging.mkdir()
    pd.DataFrame({"arrest_rate": [0.7, 0.8], "weight": 1.0}).to_csv(
        staging / "posterior.csv", index=False)
    checked = posterior.load(str(calibrate.check_set(setup, staging)))
    assert sorted(checked.names) == ["arrest_rate", "job_finding_rate", "lf_exit_rate",
                                     "onward_rate"]
    assert {checked.draw(i)["arrest_rate"] for i in range(20)} == {0.7, 0.8}
    held = calibrate.Setup(run, [], [], [arrest], 1, 10, nuisance="set")
    assert calibrate.check_set(held, staging) == staging.resolve()
    with pytest.raises(ValueError, match="a parameter set to draw from goes with 'posterior'"):
        calibrate.Simulator(run, [], 1, [arrest], nuisance="posterior")
    with pytest.raises(InputError, match="--nuisance posterior draws from the scenario's "
                                         "parameter set, and it names none"):
        calibrate.set_to_draw(base.with_overrides(parameter_set=None))

    from sim.app import calibration_commands, cli  # the command's wiring
    priors = tmp_path / "p.yaml"
    priors.write_text("parameters:\n  job_finding_rate: {reason: t}\n")
    args = cli.build_parser().parse_args(
        ["calibrate", "--scenario", str(scn), "--block", "life", "--priors", str(priors),
         "--nuisance", "posterior", "--out", str(tmp_path / "c")])
    setup, _ = calibration_commands._setup(args)
    assert setup.drawn_set.folder == tmp_path.resolve() and setup.nuisance == "posterior"
    assert "onward_rate" not in setup.scenario.parameters  # the pathway drawn, not held
