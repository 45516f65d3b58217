"""The calibration's sampler (ABC-SMC with MCMC moves) on a model whose posterior is known, without
running the simulation: it must find the posterior, keep its particles distinct, spend no more
than its budget, and give the same particles resumed as uninterrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.app.calibration_commands import unfinished, unfinished_line
from sim.experiments import smc

OBSERVED = np.array([1.0, -0.5, 0.3])
NOISE = 0.5


def gaussian(z: np.ndarray, epsilon: float = np.inf) -> np.ndarray:
    """A run of the toy model: the parameters plus noise fixed by the parameters (as a
    particle's seed is), and its RMS distance to OBSERVED (``epsilon``, the threshold, unused:
    every run goes to its end)."""
    out = []
    for row in z:
        rng = np.random.default_rng(np.frombuffer(row.tobytes(), dtype=np.uint32))
        x = row + NOISE * rng.standard_normal(len(row))
        out.append(np.sqrt(np.mean((x - OBSERVED) ** 2)))
    return np.array(out)


def test_the_sampler_finds_a_known_posterior_and_keeps_its_particles_distinct(tmp_path):
    """Prior N(0, 1), data N(theta, 0.5^2): the exact posterior is N(0.8 y, 0.2) in each
    coordinate. As the threshold falls the ABC posterior approaches it; the moves keep most
    particles distinct."""
    sampler = smc.Sampler(gaussian, 3, 600, seed=1, folder=tmp_path)
    log = sampler.run(budget=30_000)
    unfinished = sampler.step.get("simulations", 0)  # a generation the budget cut short
    assert sum(g.simulations for g in log) + unfinished == sampler.simulations <= 30_000
    assert [g.epsilon for g in log] == sorted((g.epsilon for g in log), reverse=True)
    assert log[-1].epsilon < 0.6
    posterior = sampler.populations[-1]  # the last finished generation, as calibrate takes it
    mean, var = posterior.mean(axis=0), posterior.var(axis=0)
    exact = 1 / (1 + NOISE ** 2)
    assert mean == pytest.approx(exact * OBSERVED, abs=0.15)
    assert var == pytest.approx(np.full(3, NOISE ** 2 * exact), abs=0.12)
    assert log[-1].distinct_particles >= 0.85 * 600
    assert (gaussian(posterior) <= log[-1].epsilon).all()  # every particle within the threshold


def test_a_resumed_sampler_gives_what_an_uninterrupted_one_gives(tmp_path):
    """Killed after any step (here: a budget that stops it mid-generation, then the state
    reloaded by a new sampler), it continues to the same particles."""
    whole = smc.Sampler(gaussian, 3, 40, seed=7, folder=tmp_path / "whole")
    (tmp_path / "whole").mkdir()
    whole.run(budget=700)

    class Stop(Exception):
        pass

    calls = []

    def dies(z, epsilon):
        calls.append(len(z))
        if len(calls) == 9:
            raise Stop
        return gaussian(z, epsilon)

    (tmp_path / "part").mkdir()
    with pytest.raises(Stop):
        smc.Sampler(dies, 3, 40, seed=7, folder=tmp_path / "part").run(budget=700)
    resumed = smc.Sampler(gaussian, 3, 40, seed=7, folder=tmp_path / "part")
    resumed.run(budget=700)
    assert resumed.simulations == whole.simulations
    assert np.array_equal(resumed.z, whole.z) and repr(resumed.log) == repr(whole.log)
    assert all(np.array_equal(a, b) for a, b in zip(resumed.populations, whole.populations))


def test_runs_stopped_once_beyond_the_threshold_leave_the_particles_unchanged(tmp_path):
    """A run reported as infinitely far once it cannot meet the threshold it is given (early
    rejection) gives the same particles as runs that always finish; generation 0, which has no
    threshold yet, is given an infinite one."""
    given, stopped = [], []

    def stopped_early(z, epsilon):
        given.append(epsilon)
        d = gaussian(z)
        stopped.append(int((d > epsilon).sum()))
        return np.where(d > epsilon, np.inf, d)

    whole = smc.Sampler(gaussian, 3, 40, seed=5, folder=tmp_path / "whole")
    early = smc.Sampler(stopped_early, 3, 40, seed=5, folder=tmp_path / "early")
    for folder in ("whole", "early"):
        (tmp_path / folder).mkdir()
    whole.run(budget=1500)
    early.run(budget=1500)
    assert given[0] == np.inf and all(np.isfinite(given[1:])) and len(early.log) >= 3
    counted = [g.stopped_early for g in early.log]
    in_progress = early.step.get("stopped_early", 0)  # a generation the budget left unfinished
    assert counted[0] == 0 and sum(counted) + in_progress == sum(stopped) and sum(counted) > 0
    assert all(g.stopped_early == 0 for g in whole.log)
    for g in early.log:
        g.stopped_early = 0
    assert repr(early.log) == repr(whole.log)
    assert all(np.array_equal(a, b) for a, b in zip(early.populations, whole.populations))


def test_a_state_saved_before_runs_stopped_early_were_counted_resumes(tmp_path):
    """A generation saved without the count (an older calibration) reads as none stopped, and
    the generation in progress counts from there."""
    sampler = smc.Sampler(gaussian, 3, 20, seed=2, folder=tmp_path)
    sampler.run(budget=60)
    state = tmp_path / smc.STATE
    with np.load(state) as data:
        arrays = {k: data[k] for k in data.files}
    log = json.loads(str(arrays["log"]))
    for g in log["generations"]:
        del g["stopped_early"]
    log["step"].pop("stopped_early", None)
    arrays["log"] = np.array(json.dumps(log))
    with open(state, "wb") as f:
        np.savez(f, **arrays)
    resumed = smc.Sampler(gaussian, 3, 20, seed=2, folder=tmp_path)
    resumed.run(budget=200)
    assert len(resumed.log) > 1 and all(g.stopped_early == 0 for g in resumed.log)


def test_moves_per_generation_follow_the_acceptance_rate():
    """Enough moves that a particle stays put with chance at most 1% (Drovandi & Pettitt); the
    rate is estimated from the first step by Laplace's rule of succession."""
    assert smc.steps_needed(0.5) == 7  # 0.5^7 < 0.01 <= 0.5^6
    assert smc.steps_needed(0.1) == 44
    assert smc.steps_needed(0.0) == 1 and smc.steps_needed(1.0) == 1


def test_the_moves_scale_with_the_particles_spread():
    """The random walk's covariance is 2.38^2 / d times the particles' (plus the ridge)."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5000, 4)) * np.array([1.0, 0.1, 2.0, 0.5])
    chol = smc.move_scale(z)
    cov = chol @ chol.T
    expected = smc.SCALE / 4 * np.cov(z, rowvar=False) + smc.RIDGE * np.eye(4)
    np.testing.assert_allclose(cov, expected, rtol=1e-10)


def test_a_generation_is_never_left_with_its_copies_unmoved(tmp_path):
    """Stopped between dropping particles and their first move, then resumed with a budget that
    holds no move, the sampler goes back to the last finished generation; and a generation
    starts only if the budget holds as many runs as the last one took."""
    calls = []

    def dies_at_first_move(z, epsilon):
        calls.append(len(z))
        if len(calls) == 2:  # generation 0 ran; the copies of generation 1 are made
            raise RuntimeError("killed")
        return gaussian(z, epsilon)

    with pytest.raises(RuntimeError):
        smc.Sampler(dies_at_first_move, 3, 40, seed=3, folder=tmp_path).run(budget=500)
    resumed = smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path)
    log = resumed.run(budget=45)
    assert [g.generation for g in log] == [0] and resumed.simulations == 40
    assert np.array_equal(resumed.z, resumed.populations[0])
    assert len(np.unique(resumed.z, axis=0)) == 40  # no copies left behind
    log = resumed.run(budget=700)
    assert all(700 - resumed.simulations < g.simulations for g in log[-1:])


def test_the_sampler_stops_when_moves_are_no_longer_accepted(tmp_path):
    """Once under 1% of a generation's moves are accepted, a lower threshold is out of the moves'
    reach: the sampler stops there, whatever budget is left."""
    first = {}

    def only_the_first_runs_are_close(z, epsilon):
        if not first:
            first["done"] = True
            return np.arange(len(z), dtype=float)
        return np.full(len(z), 1e9)  # no move ever lands within the threshold

    sampler = smc.Sampler(only_the_first_runs_are_close, 2, 20, seed=1, folder=tmp_path)
    log = sampler.run(budget=100_000)
    assert [g.generation for g in log] == [0, 1] and log[1].acceptance_rate == 0.0
    assert log[1].mcmc_steps == smc.steps_needed(1 / 12)  # Laplace: (0 + 1) / (10 + 2)
    assert sampler.simulations < 1_000


def test_a_budget_spent_mid_generation_leaves_that_generation_unfinished(tmp_path):
    """When the budget runs out between two moves, the last finished generation is the result
    (no posterior of copies left unmoved); a larger budget finishes the generation, to the
    particles of a run that was never stopped."""
    stopped = smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path / "stopped")
    (tmp_path / "stopped").mkdir()
    log = stopped.run(budget=300)
    assert stopped.step["generation"] == 2 and 0 < stopped.step["done"] < stopped.step["planned"]
    assert [g.generation for g in log] == [0, 1] and len(stopped.populations) == 2
    (tmp_path / "whole").mkdir()
    whole = smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path / "whole")
    whole.run(budget=700)
    resumed = smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path / "stopped")
    resumed.run(budget=700)
    assert repr(resumed.log) == repr(whole.log)
    assert all(np.array_equal(a, b) for a, b in zip(resumed.populations, whole.populations))


def test_a_generation_that_would_overrun_the_budget_stops_after_its_first_step(tmp_path):
    """The first step sets how many steps a generation needs; if those left would overrun the
    budget at the runs per step so far, the generation stops there, unfinished, instead of
    spending the rest of the budget on moves no posterior keeps."""
    stopped = smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path)
    stopped.run(budget=300)
    s = stopped.step
    assert s["generation"] == 2 and s["done"] == 1 < s["planned"]
    assert stopped.simulations + (s["planned"] - 1) * s["simulations"] > 300
    assert stopped.simulations < 200  # without the check: 287 spent, on 16 of its 23 steps
    assert not smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path).run(budget=300)[2:]


def test_a_generation_cut_short_is_reported_with_the_budget_that_would_finish_it(tmp_path):
    """The calibration says which generation the budget cut short (its runs are spent but it is
    not in the posterior) and a budget that would have finished it: at least what an
    uninterrupted run spent by the end of that generation (moves the prior refuses cost no
    run, so the estimate is an upper bound)."""
    (tmp_path / "stopped").mkdir()
    stopped = smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path / "stopped")
    stopped.run(budget=300)
    cut = unfinished(stopped)
    (tmp_path / "whole").mkdir()
    whole = smc.Sampler(gaussian, 3, 40, seed=3, folder=tmp_path / "whole")
    whole.run(budget=700)
    spent = sum(g.simulations for g in whole.log[:cut["generation"] + 1])
    assert cut["generation"] == 2 and cut["simulations"] == stopped.step["simulations"] > 0
    assert stopped.simulations <= spent <= cut["budget_to_finish"]
    line = unfinished_line(cut)
    assert "generation 2 was cut short" in line and "which is generation 1" in line


@pytest.mark.parametrize("n, d", [(1, 3), (2, 1), (40, 5), (500, 44)])
def test_the_moves_linear_algebra_is_numpys_in_a_fixed_order(n, d):
    """Covariance, Cholesky factor and proposals agree with NumPy's (BLAS and LAPACK) to
    rounding; only their order of summation is fixed."""
    rng = np.random.default_rng([n, d])
    z = rng.standard_normal((n, d)) * rng.uniform(0.1, 3.0, d) + rng.standard_normal(d)
    expected = np.atleast_2d(np.cov(z, rowvar=False)) if n > 1 else np.zeros((d, d))
    np.testing.assert_allclose(smc._covariance(z), expected, rtol=1e-12, atol=1e-14)
    a = expected * smc.SCALE / d + smc.RIDGE * np.eye(d)
    np.testing.assert_allclose(smc._cholesky(a), np.linalg.cholesky(a), rtol=1e-10, atol=1e-13)
    chol, normals = smc.move_scale(z), rng.standard_normal((7, d))
    np.testing.assert_allclose(smc.propose(z[:1].repeat(7, 0), normals, chol),
                               z[:1] + normals @ chol.T, rtol=1e-12, atol=1e-13)


def test_a_covariance_that_is_not_positive_definite_is_refused():
    with pytest.raises(ValueError, match="not positive definite"):
        smc._cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))


def test_the_same_seed_gives_the_same_particles_whatever_blas_kernel_the_cpu_selects(tmp_path):
    """OpenBLAS picks its kernels for the CPU (OPENBLAS_CORETYPE forces one); the kernels round
    differently, which once changed a calibration's particles from one machine to another. The
    sampler now does its linear algebra in its own compiled code, so this guards that no BLAS
    call comes back into it (and that a rerun is bitwise the same)."""
    script = ("import sys, pathlib, numpy as np; sys.path.insert(0, 'tests')\n"
              "from sim.experiments import smc; from test_smc import gaussian\n"
              "s = smc.Sampler(gaussian, 3, 100, seed=4, folder=pathlib.Path(sys.argv[1]))\n"
              "s.run(budget=1500); sys.stdout.write(s.populations[-1].tobytes().hex())\n")
    root = Path(__file__).resolve().parent.parent
    out = []
    for i, core in enumerate(["", "Prescott"]):
        env = {**os.environ, "OPENBLAS_CORETYPE": core}
        folder = tmp_path / str(i)
        folder.mkdir()
        done = subprocess.run([sys.executable, "-c", script, str(folder)], cwd=root, env=env,
                              capture_output=True, text=True, check=True)
        out.append(done.stdout)
    assert out[0] and out[0] == out[1]
