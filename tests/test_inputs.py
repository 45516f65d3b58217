"""Inputs and outcomes by name: ``sim.evaluate``, ``sim.problem`` and the command line's
``--set`` and ``--scale``, for exploratory modellers."""

from __future__ import annotations

import pytest

import sim
from sim.app import cli
from sim.engine.errors import InputError
from sim.app.common import parse_inputs
from sim.experiments.inputs import Outcome, apply_inputs
from sim.scenario import load, validate

SHORT = {"horizon": {"start": 1995, "end": 2016}}


def short(name: str):
    return load(name).with_overrides(**SHORT, scale=20)


def test_each_kind_of_input_equals_the_same_change_written_in_yaml():
    base = short("mentorship")
    got = apply_inputs(base, {"mentorship.coverage": 0.5, "job_finding_rate": 12.0,
                              "world.prejudice[2010:2012]": 0.3,
                              "mentorship.eligibility.work": "unemployed"})
    data = base.model_dump(mode="json")
    data["levers"][0].update(coverage=0.5)
    data["levers"][0]["eligibility"]["work"] = "unemployed"
    data["parameters"] = {**data["parameters"], "job_finding_rate": 12.0}
    data["world"] = [*data["world"], {"years": "2010-2012", "prejudice": 0.3}]
    assert got == validate(data, base.origin)


def test_a_world_input_keeps_the_parents_other_rows():
    crackdown = load("transit-crackdown")
    got = apply_inputs(crackdown, {"world.prejudice[2030:2031]": 0.2})
    assert got.world[:-1] == crackdown.world and got.world[-1] == {"years": "2030-2031",
                                                                   "prejudice": 0.2}


@pytest.mark.parametrize("inputs, message", [
    ({"job_finding_rat": 1.0}, r"unknown input 'job_finding_rat' \(did you mean "
                               r"'job_finding_rate'\?\)"),
    ({"mentorship.coverag": 0.5}, r"the lever has no setting 'coverag' \(did you mean "
                                  r"'coverage'\?\)"),
    ({"mentorship.coverage": 1.5}, r"^inputs mentorship.coverage: .*levers\[0\].coverage: Input "
                                   r"should be less than or equal to 1"),
    ({"world.prejudce[2030]": 0.1}, r"unknown world column 'prejudce' \(did you mean "
                                    r"'prejudice'\?\)"),
    ({"job_finding_rate": -1.0}, r"job_finding_rate"),
])
def test_bad_inputs_are_refused_with_the_nearest_name_or_the_bound(inputs, message):
    with pytest.raises(InputError, match=message):
        apply_inputs(load("mentorship"), inputs)


def test_a_lever_setting_for_a_scenario_without_that_lever_is_refused():
    with pytest.raises(InputError, match="scenario 'baseline' has no 'mentorship' lever"):
        apply_inputs(load("baseline"), {"mentorship.coverage": 0.5})


@pytest.mark.parametrize("text, message", [
    ("employment_rat@2010", r"unknown indicator 'employment_rat' \(did you mean"),
    ("employment_rate@1990", "not within the horizon 1995-2016"),
    ("employment_rate", "expected INDICATOR@YEAR"),
    ("employment_rate[women]@2010", "sex 'women'"),
])
def test_bad_outcomes_are_refused_before_anything_runs(text, message):
    with pytest.raises(InputError, match=message):
        Outcome.parse(text, short("baseline"))
    with pytest.raises(InputError, match="a policy effect needs levers"):
        Outcome.parse("policy_effect:employed_count@2010", short("baseline"))


def test_evaluate_gives_what_the_equivalent_run_gives_and_the_paired_policy_effect():
    inputs = {"mentorship.coverage": 0.5, "job_finding_rate": 12.0}
    outcomes = ["employment_rate@2016", "employed_count@2015:2016",
                "policy_effect:employed_count@2015:2016", "employment_rate[female]@2016"]
    got = sim.evaluate(inputs, outcomes, scenario=short("mentorship"), seed=2)
    same = apply_inputs(short("mentorship"), inputs)
    run = sim.run(same, seed=2).indicators
    shadow = sim.run(same, seed=2, shadow_levers=True).indicators

    def value(table, indicator, years, sex="all"):
        rows = table[(table.indicator == indicator) & (table.sex == sex)
                     & (table.years_since_arrival == "all") & table.year.isin(years)]
        return rows.value.sum() if indicator.endswith("count") else rows.value.mean()

    assert got["employment_rate@2016"] == value(run, "employment_rate", [2016])
    assert got["employment_rate[female]@2016"] == value(run, "employment_rate", [2016], "female")
    assert got["employed_count@2015:2016"] == value(run, "employed_count", [2015, 2016])
    effect = got["policy_effect:employed_count@2015:2016"]
    assert effect == value(run, "employed_count", [2015, 2016]) - value(
        shadow, "employed_count", [2015, 2016])
    assert effect > 0  # mentoring the unemployed puts more people in work (FORWORK)


def test_problem_gives_salib_bounds_from_the_priors():
    p = sim.problem(["job_finding_rate", "mentorship.employment_multiplier",
                     "mentorship.coverage"], "mentorship")
    assert p["num_vars"] == 3 and p["names"][0] == "job_finding_rate"
    low, high = p["bounds"][0]
    assert low < 10.0 < high  # the prior's 5th and 95th percentiles around its median
    assert p["bounds"][1][0] > 1.0 and p["bounds"][2] == [0.0, 1.0]
    with pytest.raises(InputError, match="a published constant has no prior"):
        sim.problem(["krw_per_usd"])
    with pytest.raises(InputError, match="no prior or bounds"):
        sim.problem(["mentorship.start"], "mentorship")


def test_the_command_line_sets_inputs_and_refuses_a_lever_the_scenario_lacks(tmp_path, capsys):
    code = cli.main(["run", "baseline", "--scale", "10", "--set", "mentorship.coverage=0.5",
                     "--out", str(tmp_path / "a")])
    assert code == 2 and not (tmp_path / "a").exists()
    assert "scenario 'baseline' has no 'mentorship' lever" in capsys.readouterr().err
    for bad, message in (("coverage", "expected NAME=VALUE"), ("x={a: 1}", "a flat list")):
        assert cli.main(["run", "--set", bad, "--out", str(tmp_path / "b")]) == 2
        assert message in capsys.readouterr().err
    assert parse_inputs(["mentorship.eligibility.age=[18, 40]", "scale=10"]) == {
        "mentorship.eligibility.age": [18, 40], "scale": 10}


def test_compare_sets_a_lever_only_where_it_exists_and_refuses_it_where_none_has(tmp_path,
                                                                                  capsys):
    from sim.app.common import with_inputs_each

    class Args:
        inputs, scale = ["mentorship.coverage=0.5", "job_finding_rate=12"], 10.0

    base, policy = with_inputs_each([load("baseline"), load("mentorship")], Args)
    assert not base.levers and policy.levers[0].coverage == 0.5
    assert base.parameters["job_finding_rate"] == policy.parameters["job_finding_rate"] == 12
    assert base.scale == policy.scale == 10.0
    code = cli.main(["compare", "baseline", "transit-crackdown", "--set",
                     "mentorship.coverage=0.5", "--out", str(tmp_path / "c")])
    assert code == 2 and not (tmp_path / "c").exists()
    assert "no scenario here has a 'mentorship' lever" in capsys.readouterr().err


@pytest.mark.parametrize("address", ["nonsense", "file:///etc/passwd", "inproc://x",
                                     "http://localhost:80", "tcp://host"])
def test_a_scheduler_that_is_not_a_dask_address_is_refused_before_anything_is_written(
        tmp_path, capsys, address):
    code = cli.main(["run", "--replicates", "2", "--scale", "50", "--scheduler", address,
                     "--out", str(tmp_path / "x")])
    assert code == 2 and not any(tmp_path.iterdir())
    assert "expected tcp://HOST:PORT or tls://HOST:PORT" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["run"], ["compare", "baseline", "mentorship"]])
@pytest.mark.parametrize("count", ["0", str(10**9)])
def test_a_number_of_replicates_beyond_what_a_file_allows_is_refused(tmp_path, capsys, command,
                                                                    count):
    code = cli.main([*command, "--replicates", count, "--out", str(tmp_path / "x")])
    assert code == 2 and not any(tmp_path.iterdir())
    assert f"--replicates: expected an integer in 1..10,000, got {count}" in \
        capsys.readouterr().err


def test_a_server_that_is_not_a_dask_scheduler_is_refused_in_time_and_leaves_nothing(
        tmp_path, capsys, monkeypatch):
    """A server that takes the connection and never answers (as an HTTP service does to
    Dask's handshake)."""
    import socket

    from sim.experiments import scheduler

    monkeypatch.setattr(scheduler, "CONNECT_TIMEOUT_S", 2)
    with socket.create_server(("127.0.0.1", 0)) as server:  # listens, never replies
        code = cli.main(["run", "--replicates", "2", "--scale", "50", "--scheduler",
                         f"tcp://127.0.0.1:{server.getsockname()[1]}", "--out",
                         str(tmp_path / "x")])
    assert code == 2 and not any(tmp_path.iterdir())
    assert "no Dask scheduler answered within 2 s" in capsys.readouterr().err


@pytest.mark.parametrize("options, message", [
    (["--tls-cert", "c.pem"], "--tls-cert: TLS certificates are for a tls:// --scheduler, got "
                              "'none'"),
    (["--scheduler", "tcp://h:1", "--tls-key", "k.pem"], "--tls-key: TLS certificates are for "
                                                         "a tls:// --scheduler"),
    (["--scheduler", "tls://h:1", "--tls-ca-file", "nowhere.pem"],
     "--tls-ca-file: nowhere.pem: file not found"),
])
def test_tls_options_are_checked_before_anything_is_written(tmp_path, capsys, monkeypatch,
                                                            options, message):
    monkeypatch.chdir(tmp_path)
    for command in (["run", "--replicates", "2"], ["compare", "baseline", "mentorship"]):
        code = cli.main([*command, "--scale", "50", *options, "--out", str(tmp_path / "x")])
        assert code == 2 and message in capsys.readouterr().err and not any(tmp_path.iterdir())


@pytest.mark.slow  # a real TLS cluster (.ci/run runs the slow tests)
def test_replicates_run_on_a_tls_scheduler_with_the_certificates_given(tmp_path, capsys):
    """One self-signed certificate (made with openssl) as the CA, the cluster's and ours."""
    import shutil
    import subprocess

    from dask.distributed import LocalCluster
    from distributed.security import Security

    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    security = Security(tls_ca_file=str(cert), require_encryption=True, **{
        f"tls_{who}_{what}": str(path) for who in ("scheduler", "worker", "client")
        for what, path in (("cert", cert), ("key", key))})
    tls = ["--tls-ca-file", cert, "--tls-cert", cert, "--tls-key", key]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tls",
                      security=security, dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tls://")
        args = ["run", "--replicates", "2", "--scale", "50", "--scheduler",
                cluster.scheduler_address, "--out"]
        assert cli.main([*args, str(tmp_path / "plain")]) == 2  # no certificate: refused
        assert "a tls:// scheduler needs certificates" in capsys.readouterr().err
        assert cli.main([*args, str(tmp_path / "run"), *map(str, tls)]) == 0, \
            capsys.readouterr().err
    assert (tmp_path / "run" / "summary.csv").is_file()


def test_a_second_process_on_the_same_folder_is_refused_and_a_failed_start_leaves_nothing(
        tmp_path, capsys):
    from sim.app import output

    folder = tmp_path / "ens"
    with output.resumable_run_dir(folder) as staging:
        (staging / "replicates").mkdir()  # work in progress, held by this process
        code = cli.main(["run", "--replicates", "2", "--scale", "50", "--out", str(folder)])
        assert code == 2 and "another resettle process is writing this folder" in \
            capsys.readouterr().err
        assert (staging / "replicates").is_dir()
    assert folder.is_dir() and not (folder / ".lock").exists()
    with pytest.raises(RuntimeError):
        with output.resumable_run_dir(tmp_path / "failed"):
            raise RuntimeError("failed before any work")
    with pytest.raises(RuntimeError):  # nor the parent folders made for it
        with output.resumable_run_dir(tmp_path / "new" / "parents" / "failed"):
            raise RuntimeError("failed before any work")
    assert list(tmp_path.iterdir()) == [folder]  # no .failed.partial left behind
