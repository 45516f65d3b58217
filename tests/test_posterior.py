"""Calibrated parameter sets and priors: point estimates, draws for replicates, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import scenario
from sim.engine import posterior
from sim.engine.errors import InputError
from sim.engine.parameters import load_specs
from sim.experiments import api, calibrate

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = """name: tiny
extends: baseline
parameter_set: {folder}
horizon: {{start: 1995, end: 1999}}
scale: 50
seed: 4
"""


def make_set(folder: Path, rows: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / posterior.POSTERIOR_FILE, index=False)
    return folder


def test_weighted_median_takes_the_value_where_half_the_weight_is_reached():
    values = np.array([3.0, 1.0, 2.0, 10.0])
    assert posterior.weighted_median(values, np.array([1.0, 1.0, 1.0, 1.0])) == 2.0
    assert posterior.weighted_median(values, np.array([0.1, 0.1, 0.1, 5.0])) == 10.0


def test_draws_follow_the_weights_and_repeat_for_a_seed(tmp_path):
    folder = make_set(tmp_path / "set", {"lf_entry_rate": [1.0, 2.0, 3.0],
                                         "weight": [0.0, 0.5, 0.5]})
    pset = posterior.load(str(folder))
    draws = [pset.draw(s)["lf_entry_rate"] for s in range(200)]
    assert set(draws) == {2.0, 3.0}  # a particle of weight 0 is never drawn
    assert pset.draw(17) == pset.draw(17)
    assert pset.point() == {"lf_entry_rate": 2.0}


def test_blocks_are_drawn_independently_and_a_parameter_belongs_to_one_block(tmp_path):
    folder = make_set(tmp_path / "set", {"lf_entry_rate": [1.0, 3.0], "weight": [1.0, 1.0]})
    single = posterior.checksum(folder)
    make_set(folder / "pathway", {"arrest_rate": [0.1, 0.2, 0.3], "weight": [1.0, 1.0, 0.0]})
    pset = posterior.load(str(folder))
    assert pset.names == ["lf_entry_rate", "arrest_rate"]
    assert pset.sizes() == {"posterior.csv": 2, "pathway/posterior.csv": 3}
    assert pset.point() == {"lf_entry_rate": 1.0, "arrest_rate": 0.1}
    pairs = {tuple(pset.draw(s).values()) for s in range(200)}
    assert pairs == {(a, b) for a in (1.0, 3.0) for b in (0.1, 0.2)}  # the product
    assert posterior.checksum(folder) != single
    make_set(folder / "again", {"lf_entry_rate": [2.0], "weight": [1.0]})
    posterior._read.cache_clear()
    with pytest.raises(InputError, match=r"again/posterior.csv: lf_entry_rate: already "
                                         r"estimated in .*set/posterior.csv"):
        posterior.load(str(folder))


def test_a_block_added_to_a_set_leaves_every_other_draw_of_a_replicate_as_it_was(tmp_path):
    """Keyed draws: each block's particle and each prior's value has a uniform keyed by the
    replicate's seed and its own name, so adding a block (or a parameter with a prior) changes
    the draws of what it adds and nothing else: ensembles before and after differ by it alone."""
    from sim.engine import parameters

    folder = make_set(tmp_path / "set", {"lf_entry_rate": [1.0, 2.0, 3.0, 4.0],
                                         "weight": [1.0, 1.0, 1.0, 1.0]})
    make_set(folder / "pathway", {"arrest_rate": [0.1, 0.2, 0.3], "weight": [1.0, 1.0, 1.0]})
    before = [posterior.load(str(folder)).draw(s) for s in range(30)]
    make_set(folder / "another", {"onward_rate": [0.5, 0.6], "weight": [1.0, 1.0]})
    posterior._read.cache_clear()
    after = [posterior.load(str(folder)).draw(s) for s in range(30)]
    assert [{k: d[k] for k in ("lf_entry_rate", "arrest_rate")} for d in after] == before
    assert len({d["lf_entry_rate"] for d in before}) == 4  # drawn, not one particle for all
    names = tuple(spec.name for spec in parameters._prior_kinds()[0])
    for seed in range(3):  # a prior's uniform depends on the seed and its name alone
        assert (parameters._prior_uniforms(seed, names)[1:]
                == parameters._prior_uniforms(seed, names[1:])).all()
        assert len(set(parameters._prior_uniforms(seed, names))) == len(names)


def test_a_scenario_uses_the_point_for_one_run_and_draws_for_replicates(tmp_path):
    folder = make_set(tmp_path / "set", {"pre_1995_arrivals": [300.0, 500.0, 900.0],
                                         "weight": [1.0, 1.0, 1.0]})
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO.format(folder=folder))
    s = scenario.load(path)
    one = api.run(s, seed=4)
    assert one.model.params["pre_1995_arrivals"] == 500.0
    drawn = {api.run(s, seed=r, posterior_draw=True).model.params["pre_1995_arrivals"]
             for r in range(12)}
    assert drawn == {300.0, 500.0, 900.0}
    # paired scenarios draw the same particle for the same replicate seed
    other = s.with_overrides(name="other", lf_entry_rate=2.0)
    for r in range(4):
        a = api.run(s, seed=r, posterior_draw=True).model.params["pre_1995_arrivals"]
        b = api.run(other, seed=r, posterior_draw=True).model.params["pre_1995_arrivals"]
        assert a == b
    # the scenario's own parameters still override the set
    assert api.run(s.with_overrides(pre_1995_arrivals=100.0), seed=4).model.params[
        "pre_1995_arrivals"] == 100.0


def test_a_replicate_draws_the_uncalibrated_parameters_from_their_priors(tmp_path):
    from sim.engine.parameters import prior_quantile

    folder = make_set(tmp_path / "set", {"pre_1995_arrivals": [300.0, 500.0],
                                         "weight": [1.0, 1.0]})
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO.format(folder=folder))
    s = scenario.load(path).with_overrides(referral_effect=0.5)
    specs = load_specs()
    with_prior = {n for n, spec in specs.items() if spec.prior is not None}
    assert s.with_parameter_set().drawn_from_priors == ()  # a point estimate draws nothing
    draws = [s.with_parameter_set(r) for r in range(40)]
    # every parameter with a prior but the set's and the scenario's own is drawn
    assert set(draws[0].drawn_from_priors) == with_prior - {"pre_1995_arrivals",
                                                            "referral_effect"}
    assert {d.parameters["referral_effect"] for d in draws} == {0.5}
    support = specs["support_effect"]
    values = np.array([d.parameters["support_effect"] for d in draws])
    assert np.all((values >= support.low) & (values <= support.high))
    assert len(set(values)) == 40  # drawn, not fixed
    # the draws follow the prior: their median lies within the prior's central 40%
    lo, hi = prior_quantile(support.prior, np.array([0.3, 0.7]))
    assert lo < np.median(values) < hi
    # the particle drawn is the one drawn without the priors (keyed draws)
    for r in range(6):
        particle = posterior.load(str(folder)).draw(r)
        assert draws[r].parameters["pre_1995_arrivals"] == particle["pre_1995_arrivals"]
    # paired: a scenario that sets one more value draws the others alike
    other = s.with_overrides(support_effect=0.1).with_parameter_set(3)
    assert other.parameters["support_effect"] == 0.1
    assert {k: v for k, v in other.parameters.items() if k != "support_effect"} == \
        {k: v for k, v in draws[3].parameters.items() if k != "support_effect"}


def test_an_ensemble_records_the_parameters_it_drew_from_their_priors(tmp_path):
    from sim.experiments import policy

    folder = make_set(tmp_path / "set", {"pre_1995_arrivals": [300.0, 500.0],
                                         "weight": [1.0, 1.0]})
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO.format(folder=folder))
    result = api.run(scenario.load(path), seed=2, posterior_draw=True, watched=False)
    table = policy.inputs_table(result)
    drawn = table[table.group == policy.UNCALIBRATED]
    assert set(drawn.name) == set(result.scenario.drawn_from_priors)
    assert len(drawn) > 50
    for name, value in zip(drawn.name, drawn.value):
        assert result.model.params[name] == value


@pytest.mark.parametrize("rows, message", [
    ({"lf_entry_rate": [1.0]}, "expected a 'weight' column"),
    ({"lf_entry_rat": [1.0], "weight": [1.0]},
     r"row 2.lf_entry_rat: unknown parameter 'lf_entry_rat'"),
    ({"lf_entry_rate": [-1.0], "weight": [1.0]}, r"row 2.lf_entry_rate: expected a value in"),
    ({"lf_entry_rate": [1.0, 2.0, -1.0, -2.0], "arrest_rate": [0.1, 99.0, 0.1, 0.1],
      "weight": [1.0] * 4}, r"row 3.arrest_rate: expected a value in"),  # the first bad row
    ({"lf_entry_rate": [1.0, float("nan")], "weight": [1.0, 1.0]},
     r"row 3.lf_entry_rate: expected a finite number"),
    ({"lf_entry_rate": [1.0, "high"], "weight": [1.0, 1.0]},
     r"row 3.lf_entry_rate: expected a number, got text"),
    ({"lf_entry_rate": ["1.0", 1.0], "arrest_rate": [0.1, "x"], "weight": [1.0, 1.0]},
     r"row 3.arrest_rate: expected a number, got text"),  # the numbers of text columns are read
    ({"lf_entry_rate": [1.0], "weight": [-1.0]}, "non-negative weights"),
])
def test_a_bad_posterior_is_refused_with_its_file_and_key(tmp_path, rows, message):
    folder = make_set(tmp_path / "bad", rows)
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO.format(folder=folder))
    with pytest.raises(InputError, match=message) as err:
        scenario.load(path)
    assert "posterior.csv" in str(err.value)


def test_a_missing_parameter_set_names_the_scenario_file_and_key(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO.format(folder="no-such-set"))
    with pytest.raises(InputError, match=r"tiny.yaml, line \d+: parameter_set: no posterior.csv "
                                         r"for 'no-such-set'"):
        scenario.load(path)


def test_a_parameter_set_name_with_a_newline_gives_a_one_line_error(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO.format(folder='"a\\nb"'))
    with pytest.raises(InputError, match=r"tiny.yaml, line 3: parameter_set: a control "
                                         r"character \(such as a NUL or a line break\)") as err:
        scenario.load(path)
    assert "\n" not in str(err.value)


def test_the_priors_file_is_valid_and_every_prior_gives_a_reason():
    priors = calibrate.load_priors(ROOT / "calibration" / "priors.yaml")
    assert len(priors) >= 10 and all(len(p.reason) > 20 for p in priors)
    lf = next(p for p in priors if p.name == "lf_entry_rate")
    assert lf.distribution().median() == pytest.approx(1.0)
    specs = load_specs()
    assert all(p.dist == specs[p.name].prior for p in priors)  # one source of priors


# values in force outside their bounds or in the far tails of their prior (none since the
# pathway's values sit at their priors' centres)
OUTSIDE_THEIR_PRIOR: set[str] = set()


def test_every_value_in_force_lies_in_its_bounds_and_its_priors_bulk():
    """Not in the outer 0.1% of either tail of the prior (a lognormal's support alone is every
    positive number)."""
    from sim.engine.parameters import prior_quantile

    outside = set()
    for name, spec in load_specs().items():
        if spec.prior:
            low, high = prior_quantile(spec.prior, np.array([0.001, 0.999]))
            if not (low <= spec.value <= high and spec.low <= spec.value <= spec.high):
                outside.add(name)
    assert outside == OUTSIDE_THEIR_PRIOR


@pytest.mark.parametrize("text, message", [
    ("parameters:\n  lf_entry_rat: {reason: r}\n",
     r"line 2: parameters.lf_entry_rat: unknown parameter \(did you mean 'lf_entry_rate'\?\)"),
    ("# why\nparameters:\n  onward_rate: {reason: r}\n"
     "  lf_entry_rate: {prior: {dist: lognormal, median: 1, sigma: 1}, reason: r}\n",
     r"line 4: parameters.lf_entry_rate: expected exactly the key 'reason' \(the prior is the "
     r"one in sim/data/parameters/labour.yaml\)"),
    ("parameters:\n  krw_per_usd: {reason: r}\n", "line 2: parameters.krw_per_usd: a published "
     "constant has no prior"),
    ("\nparameters: []\n", "line 2: parameters: expected a mapping of parameter names"),
    ("parameters:\n  onward_rate:\n    reason:\n", "line 3: parameters.onward_rate.reason: give "
     "the reason for estimating it"),
    *[(f"parameters:\n  onward_rate:\n    reason: {value}\n",
       f"line 3: parameters.onward_rate.reason: expected text giving the reason for estimating "
       f"it, got {shown}$") for value, shown in (("false", "False"), ("[]", r"\[\]"),
                                                 ("0", "0"), ("{a: 1}", r"\{'a': 1\}"))],
    ("parameters:\n  onward_rate: {reason: r}\nparamters:\n  arrest_rate: {reason: r}\n",
     r"line 3: unknown key 'paramters' \(did you mean 'parameters'\?\); valid keys: parameters"),
    ("parameters:\n  onward_rate: {reason: r}\nexclude: [arrest_rate]\n",
     "line 3: unknown key 'exclude'; valid keys: parameters"),
    ("parameters:\n  onward_rate: {reason: r}\n  123: {reason: r}\n",
     "line 3: parameters.123: expected a parameter name, got 123"),
    ("# why\nparameters:\n  onward_rate: {reason: r}\n  yes: {reason: r}\n",
     "line 4: parameters.True: expected a parameter name, got True"),
])
def test_bad_priors_name_the_file_the_line_and_the_key(tmp_path, text, message):
    path = tmp_path / "priors.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        calibrate.load_priors(path)
    assert str(err.value).startswith(f"{path}, line ")


def test_the_distance_is_the_rms_of_errors_in_tolerances():
    tol = {"a": 2.0, "b": 10.0}
    assert calibrate.distance({"a": 3.0, "b": 0.0}, {"a": 1.0, "b": 10.0}, tol) == 1.0
    missing = calibrate.distance({"a": math.nan, "b": 10.0}, {"a": 1.0, "b": 10.0}, tol)
    assert missing == pytest.approx(calibrate.MISSING_Z / math.sqrt(2))


def test_targets_are_split_by_survey_year():
    from sim.measure import targets

    ts = targets.load(ROOT / "calibration" / "targets.yaml")
    train, test = calibrate.split(ts, 2018)
    assert all(t.years[-1] < 2018 for t in train) and all(t.years[-1] >= 2018 for t in test)
    assert len(train) + len(test) == len(ts)
    with pytest.raises(InputError, match="every target falls on one side"):
        calibrate.split(ts, 1990)


def test_the_manifest_names_the_parameter_set_and_its_checksum(tmp_path):
    from sim.app import output

    folder = make_set(tmp_path / "set", {"lf_entry_rate": [1.0, 3.0], "weight": [1.0, 1.0]})
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO.format(folder=folder))
    info = output.parameter_set_info(scenario.load(path))
    assert info["folder"] == str(folder.resolve())
    assert info["particles"] == {"posterior.csv": 2}
    assert info["posterior_sha256"] == posterior.checksum(folder)
    assert info["point"] == {"lf_entry_rate": 1.0}


@pytest.mark.parametrize("prior, message", [
    ({"dist": "lognormal", "median": 50.0, "sigma": 0.5}, r"x.prior: its centre 50 lies outside "
                                                          r"the bounds \[0, 10\]"),
    ({"dist": "gamma", "shape": 2}, r"x.prior: malformed prior"),
    ({"dist": "normal", "mean": 1.0, "sd": float("nan")}, r"x.prior: expected finite numbers"),
])
def test_a_bad_prior_in_a_parameter_file_names_the_file_line_and_key(prior, message):
    from sim.engine.parameters import _spec

    entry = {"value": 1.0, "unit": "u", "source": "s", "bounds": [0, 10], "prior": prior}
    with pytest.raises(InputError, match=message):
        _spec("x", entry, "sim/data/parameters/mine.yaml, line 7", "mine.yaml")


def test_draws_from_priors_equal_each_priors_own_quantile_function():
    """The vectorised draw against each prior's own truncated quantile function in turn."""
    from sim.engine.parameters import bounded_quantile, draw_from_priors
    from sim.engine.randomness import run_uniforms

    named = [spec for spec in load_specs().values() if spec.prior is not None]
    assert {spec.prior["dist"] for spec in named} == {"lognormal", "normal", "beta", "uniform"}
    for seed in range(5):
        quantiles = run_uniforms(seed, [f"prior.{spec.name}" for spec in named])
        expected = {spec.name: float(bounded_quantile(spec, q))
                    for spec, q in zip(named, quantiles)}
        assert draw_from_priors(seed) == expected


def test_a_prior_cut_by_its_bounds_is_truncated_not_piled_up_at_the_bound():
    """A lognormal multiplier with median 1.5 bounded below at 1 (a campaign arrests at least as
    many as the regime it is added to): clipping would put 16% of the draws at exactly 1 (no
    campaign effect); the truncated prior puts none there and keeps its shape above
    (Kolmogorov-Smirnov against the lognormal conditioned on >= 1)."""
    from scipy import stats

    from sim.engine.parameters import draw_from_priors, prior_distribution

    name = "campaign_arrest_multiplier_crackdown"
    spec = load_specs()[name]
    assert spec.prior == {"dist": "lognormal", "median": 1.5, "sigma": 0.4} and spec.low == 1
    x = np.array([draw_from_priors(seed)[name] for seed in range(400)])
    assert (x > 1.0).all() and x.max() < 20
    dist = prior_distribution(spec.prior)
    cut = dist.cdf(1.0)
    assert stats.kstest(x, lambda v: np.maximum((dist.cdf(v) - cut) / (1 - cut), 0.0)).pvalue > 0.01


def test_the_calibration_maps_coordinates_to_the_truncated_prior_and_back():
    from sim.experiments.calibrate import Prior

    spec = load_specs()["campaign_arrest_multiplier_crackdown"]
    prior = Prior(spec.name, spec.prior, "r")
    z = np.linspace(-3, 3, 13)
    x = prior.value(z)
    assert (x > 1.0).all() and np.all(np.diff(x) > 0)
    assert np.allclose(prior.coordinate(x), z)
    assert prior.value(-8.0) >= 1.0 and np.isneginf(prior.logpdf(0.8))
    grid = np.linspace(1.0, 20.0, 200001)
    assert np.exp(prior.logpdf(grid)).sum() * (grid[1] - grid[0]) == pytest.approx(1.0, abs=1e-3)


def test_a_block_added_to_a_set_takes_its_parameters_over_from_the_other_blocks(tmp_path):
    """calibration/add_block.py: the block's posterior goes into its subfolder and its columns
    leave the set's other posterior files, so the set reads with one block per parameter."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "add_block", ROOT / "calibration" / "add_block.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pset, cal = tmp_path / "set", tmp_path / "cal"
    (pset / "pathway").mkdir(parents=True)
    cal.mkdir()
    pd.DataFrame({"onward_rate": [0.1, 0.2], "arrest_rate": [0.3, 0.4], "weight": 1.0}).to_csv(
        pset / "pathway" / "posterior.csv", index=False)
    pd.DataFrame({"parameter": ["onward_rate", "arrest_rate"], "contraction": [0.5, 0.6]}).to_csv(
        pset / "pathway" / "parameters.csv", index=False)
    pd.DataFrame({"parameter": ["onward_rate", "arrest_rate"], "onward_rate": [1.0, -0.3],
                  "arrest_rate": [-0.3, 1.0]}).to_csv(pset / "pathway" / "correlations.csv",
                                                     index=False)
    pd.DataFrame({"job_finding_rate": [1.0, 2.0], "weight": 1.0}).to_csv(
        pset / "posterior.csv", index=False)
    pd.DataFrame({"arrest_rate": [0.6, 0.7, 0.8], "weight": 1.0}).to_csv(
        cal / "posterior.csv", index=False)
    assert module.add_block(cal, pset, "recent") == ["arrest_rate"]
    assert list(pd.read_csv(pset / "pathway" / "posterior.csv").columns) == ["onward_rate",
                                                                              "weight"]
    # the tables that describe the block's particles no longer mention it either
    assert pd.read_csv(pset / "pathway" / "parameters.csv").parameter.tolist() == ["onward_rate"]
    assert pd.read_csv(pset / "pathway" / "correlations.csv").to_dict("list") == {
        "parameter": ["onward_rate"], "onward_rate": [1.0]}
    point = posterior.load(str(pset)).point()
    assert point["arrest_rate"] == 0.7 and point["onward_rate"] == 0.1
    with pytest.raises(InputError, match="already exists; remove it first"):
        module.add_block(cal, pset, "recent")


def test_an_add_block_that_fails_midway_leaves_the_set_as_it_was(tmp_path, monkeypatch):
    """A failure while the new files are staged (here the copy of the block's files) removes
    what was staged: no ``*.csv.new``, no partial folder, the other blocks' files unchanged."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "add_block", ROOT / "calibration" / "add_block.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pset, cal = tmp_path / "set", tmp_path / "cal"
    pset.mkdir()
    cal.mkdir()
    before = pd.DataFrame({"onward_rate": [0.1, 0.2], "arrest_rate": [0.3, 0.4], "weight": 1.0})
    before.to_csv(pset / "posterior.csv", index=False)
    pd.DataFrame({"arrest_rate": [0.6, 0.7], "weight": 1.0}).to_csv(cal / "posterior.csv",
                                                                     index=False)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(module.shutil, "copy2", broken)
    with pytest.raises(OSError, match="disk full"):
        module.add_block(cal, pset, "recent")
    assert sorted(p.name for p in pset.iterdir()) == ["posterior.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(pset / "posterior.csv"), before)


def test_each_shipped_block_describes_the_parameters_it_holds():
    """Every block's ``parameters.csv`` (contraction) and ``correlations.csv`` cover exactly the
    parameters of its ``posterior.csv``: a block that took a parameter over removed it from the
    tables of the block it came from (``calibration/add_block.py``)."""
    folder = ROOT / "calibration" / "calibrated"
    for path in posterior.block_files(folder):
        held = [c for c in pd.read_csv(path).columns if c != posterior.WEIGHT]
        learnt = pd.read_csv(path.parent / "parameters.csv")
        corr = pd.read_csv(path.parent / "correlations.csv")
        assert sorted(learnt.parameter) == sorted(held), path
        assert list(corr.parameter) == list(corr.columns[1:]) and sorted(corr.parameter) == sorted(
            held), path
