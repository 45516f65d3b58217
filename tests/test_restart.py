"""A calibration started from an earlier posterior: the importance weights of a changed prior,
systematic resampling, and the command end to end (``resettle calibrate --start-from``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_calibration import calibrate_args, files, resettle  # noqa: F401 (a fixture)

from sim.engine.errors import InputError
from sim.experiments import calibrate, restart

OLD = {"dist": "lognormal", "median": 300, "sigma": 1.0}
NEW = {"dist": "lognormal", "median": 50, "sigma": 1.0}


def _folder(tmp_path, values, weights=None, priors=None):
    folder = tmp_path / "earlier"
    folder.mkdir()
    table = pd.DataFrame({"departures_post_covid": values,
                          "weight": weights if weights is not None else 1.0 / len(values)})
    table.to_csv(folder / "posterior.csv", index=False)
    priors = priors or [{"name": "departures_post_covid", "dist": OLD, "reason": "r"}]
    (folder / "calibration.json").write_text(json.dumps({"priors": priors}))
    return folder


def test_a_changed_prior_weights_particles_by_the_ratio_of_the_densities(tmp_path):
    values = np.array([20.0, 50.0, 300.0, 1000.0])
    table, old = restart.earlier(_folder(tmp_path, values))
    lw = restart.log_weights(table, old, [calibrate.Prior("departures_post_covid", NEW, "r")])
    expected = (np.log(0.25) + stats.lognorm(1.0, scale=50).logpdf(values)
                - stats.lognorm(1.0, scale=300).logpdf(values))
    np.testing.assert_allclose(lw, expected)
    assert np.argmax(lw) == 0 and np.argmin(lw) == 3  # the new prior favours the small values
    same = restart.log_weights(table, old, [calibrate.Prior("departures_post_covid", OLD, "r")])
    np.testing.assert_allclose(same, np.log(0.25))  # an unchanged prior changes nothing


def test_systematic_resampling_draws_each_particle_about_n_times_its_weight():
    w = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    for u in (0.0, 0.3, 0.999):
        counts = np.bincount(restart.systematic(w, 8, u), minlength=5)
        np.testing.assert_array_equal(counts, [4, 2, 1, 1, 0])
    counts = np.bincount(restart.systematic(np.array([1.0, 2.0, 7.0]), 1000, 0.5), minlength=3)
    np.testing.assert_array_equal(counts, [100, 200, 700])


def test_the_start_follows_the_new_prior_where_the_earlier_posterior_was_flat(tmp_path):
    rng = np.random.default_rng(5)
    values = stats.lognorm(1.0, scale=300).rvs(20000, random_state=rng)  # the old prior itself
    priors = [calibrate.Prior("departures_post_covid", NEW, "r"),
              calibrate.Prior("onward_rate", {"dist": "lognormal", "median": 0.5, "sigma": 0.7},
                              "new to the calibration")]
    start = restart.start(_folder(tmp_path, values), priors, 4000, seed=1)
    z = start.z
    assert z.shape == (4000, 2)
    # the earlier particles reweighted to the new prior are standard normal on its scale
    assert abs(np.mean(z[:, 0])) < 0.1 and abs(np.std(z[:, 0]) - 1) < 0.1
    assert abs(np.mean(z[:, 1])) < 0.1  # drawn from its prior
    assert start.record["changed_priors"] == ["departures_post_covid"]
    assert start.record["new_parameters"] == ["onward_rate"]
    assert 0 < start.record["importance_ess"] < 20000
    again = restart.start(tmp_path / "earlier", priors, 4000, seed=1)
    np.testing.assert_array_equal(again.z, z)  # seeded


def test_no_particle_where_the_new_prior_allows_is_a_one_line_error(tmp_path):
    folder = _folder(tmp_path, np.array([0.5, 0.7]))
    inside = calibrate.Prior("departures_post_covid", {"dist": "uniform", "low": 1, "high": 2}, "")
    with pytest.raises(InputError, match="no particle of posterior.csv lies where"):
        restart.start(folder, [inside], 10, seed=1)
    with pytest.raises(InputError, match="expected the folder of an earlier `resettle calibrate`"):
        restart.start(tmp_path, [inside], 10, seed=1)


def _recorded(dist):
    return [{"name": "departures_post_covid", "dist": dist}]


@pytest.mark.parametrize("priors, values, message", [
    ([None], [20.0],
     "calibration.json: priors: expected the priors an earlier `resettle calibrate` recorded"),
    (_recorded({"dist": "lognormal"}), [20.0], r"calibration.json: "
     r"priors.departures_post_covid.dist: expected the keys dist, median, sigma of a lognormal "
     r"prior, got dist$"),
    (_recorded(OLD), [-5.0], r"posterior.csv: row 2"),
    (_recorded({"dist": "normal", "mean": "0", "sd": 1.0}), [20.0],
     r"calibration.json: priors.departures_post_covid.dist.mean: expected a finite number, "
     r"got '0'$"),
    (_recorded({"dist": "normal", "mean": 0.0, "sd": -1.0}), [20.0],
     r"priors.departures_post_covid.dist.sd: expected a positive number, got -1.0$"),
    (_recorded({"dist": "lognormal", "median": float("nan"), "sigma": 1.0}), [20.0],
     r"priors.departures_post_covid.dist.median: expected a finite number, got nan$"),
    (_recorded({"dist": "frobnicate", "low": 1.0, "high": 2.0}), [20.0],
     r"priors.departures_post_covid.dist: expected a prior whose dist is one of beta, "
     r"lognormal, normal, uniform, got \{'dist': 'frobnicate'"),
    (_recorded({"dist": "uniform", "low": 100.0, "high": 10.0}), [20.0],
     r"priors.departures_post_covid.dist: expected low below high, got low 100.0 and high "
     r"10.0$"),
    (_recorded({"dist": "uniform", "low": -9.0, "high": -1.0}), [20.0],
     r"priors.departures_post_covid.dist: the prior puts no mass within the parameter's bounds "
     r"\[0, 1e\+06\]$"),
    (_recorded({"dist": "uniform", "low": 100.0, "high": 1000.0}), [150.0, 20.0],
     r"priors.departures_post_covid.dist: the recorded prior gives no density at 20, a particle "
     r"of posterior.csv \(row 3\); expected the prior that posterior was drawn under$"),
])
def test_a_damaged_earlier_calibration_is_a_one_line_error(tmp_path, priors, values, message):
    folder = _folder(tmp_path, np.array(values), priors=priors)
    prior = calibrate.Prior("departures_post_covid", NEW, "r")
    with pytest.raises(InputError, match=message) as err:
        restart.start(folder, [prior], 10, seed=1)
    assert "\n" not in str(err.value)
    named = "posterior.csv" if values[0] < 0 else "calibration.json"
    assert f"{folder}: {named}: " in str(err.value) or f"{folder}/{named}: " in str(err.value)


def test_a_calibration_json_too_deep_or_too_large_is_a_one_line_error(tmp_path, monkeypatch):
    folder = _folder(tmp_path, np.array([20.0]))
    (folder / "calibration.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(InputError, match=r"calibration.json: nested too deep; expected the "
                                         r"record of an earlier `resettle calibrate`$"):
        restart.start(folder, [calibrate.Prior("departures_post_covid", NEW, "r")], 10, seed=1)
    monkeypatch.setattr(restart, "MAX_STAMP_BYTES", 1000)
    with pytest.raises(InputError, match=r"calibration.json: the file is 400,000 bytes; expected "
                                         r"at most 1,000 "):
        restart.start(folder, [calibrate.Prior("departures_post_covid", NEW, "r")], 10, seed=1)


def test_a_start_from_a_folder_of_other_parameters_is_refused(tmp_path):
    """A folder that estimated none of the present parameters would change nothing."""
    folder = _folder(tmp_path, np.array([20.0, 50.0]))
    onward = calibrate.Prior("onward_rate", {"dist": "lognormal", "median": 0.5, "sigma": 0.7},
                             "r")
    with pytest.raises(InputError, match=r"the folder estimated none of the present parameters "
                                         r"\(onward_rate\), so it would change nothing; start "
                                         r"from the priors instead$"):
        restart.start(folder, [onward], 10, seed=1)


@pytest.mark.slow  # two small calibrations, about 20 s (.ci/run runs the slow tests)
def test_a_calibration_continues_from_an_earlier_posterior(files, tmp_path):  # noqa: F811
    resettle(*calibrate_args(files, tmp_path / "first", budget=12, population=4), cwd=tmp_path)
    args = calibrate_args(files, tmp_path / "second", budget=12, population=4)
    resettle(*args, "--start-from", tmp_path / "first", cwd=tmp_path)
    first = pd.read_csv(tmp_path / "first" / "posterior.csv")
    second = pd.read_csv(tmp_path / "second" / "populations.csv")
    start = second[second.generation == 0].drop(columns="generation")
    # the same priors: generation 0 is the earlier posterior, resampled (equal weights)
    assert set(map(tuple, start.round(9).to_numpy())) <= set(map(tuple, first.round(9).to_numpy()))
    record = json.loads((tmp_path / "second" / "manifest.json").read_text())["start_from"]
    assert record["changed_priors"] == [] and record["importance_ess"] == 4.0
    done = resettle(*calibrate_args(files, tmp_path / "third"), "--start-from", tmp_path,
                    cwd=tmp_path, check=False)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "expected the folder of an earlier `resettle calibrate`" in done.stderr


def test_starting_from_a_set_whose_other_block_estimates_a_parameter_is_a_one_line_error(
        tmp_path):
    folder = _folder(tmp_path, np.array([20.0, 50.0, 300.0]))
    block = folder / "distancing"
    block.mkdir()
    pd.DataFrame({"onward_rate": [0.4, 0.6], "weight": [0.5, 0.5]}).to_csv(
        block / "posterior.csv", index=False)
    onward = calibrate.Prior("onward_rate", {"dist": "lognormal", "median": 0.5, "sigma": 0.7},
                             "r")
    with pytest.raises(InputError, match=r"its block distancing/ estimates onward_rate; a "
                                         r"parameter belongs to one block only") as error:
        restart.start(folder, [calibrate.Prior("departures_post_covid", OLD, "r"), onward], 10,
                      seed=1)
    assert "\n" not in str(error.value)
    start = restart.start(folder, [calibrate.Prior("departures_post_covid", OLD, "r")], 10,
                          seed=1)
    assert start.z.shape == (10, 1)  # without it the start goes on


def test_a_prior_records_the_same_stamp_before_and_after_it_is_used():
    """The stamp a resumed calibration is checked against holds each prior's definition, bounds
    and masses, whatever the prior has cached while particles were placed (a frozen scipy
    distribution is not part of it)."""
    prior = calibrate.load_priors(Path(__file__).resolve().parent.parent / "calibration"
                                  / "priors.yaml")[0]
    before = json.dumps(prior.record())
    prior.value(np.array([0.0, 1.5]))
    assert json.dumps(prior.record()) == before
    assert set(prior.record()) == {"name", "dist", "reason", "bounds", "mass"}
