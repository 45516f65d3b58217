"""The explorer: its computation pairs each replicate with the same world without the levers (the
cached runs are the shadow runs), and the page works in a real headless Chromium, offline."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from sim.engine.errors import InputError
from sim.experiments import api, explorer

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHORT = {"horizon": {"start": 1995, "end": 2012}}


def test_the_cached_world_is_the_shadow_run_of_every_replicate():
    choice = explorer.Choice("mentorship", ("mentorship",), start_year=2008, replicates=2,
                             scale=40)
    scenario = explorer.build(choice)
    cached = explorer._without_levers("mentorship", scenario.seed, 40, 2)
    shadow = api.run(scenario, seed=api.replicate_seed(scenario.seed, 1), replicate=1,
                     posterior_draw=True, draw_effects=True, shadow_levers=True).indicators
    pd.testing.assert_frame_equal(cached[cached.replicate == 1].reset_index(drop=True),
                                  shadow.reset_index(drop=True))


def test_a_choice_sets_every_switched_lever():
    choice = explorer.Choice("baseline", ("mentorship", "media_campaign"), coverage=0.3,
                             start_year=2012, effect_quantile=0.9)
    levers = {lv.type: lv for lv in explorer.build(choice).levers}
    assert levers["mentorship"].coverage == 0.3
    assert levers["mentorship"].start == "2012-01" and levers["media_campaign"].start == "2012-01"
    median = explorer.build(explorer.Choice("baseline", ("mentorship",), effect_quantile=0.5))
    assert (levers["mentorship"].employment_multiplier.centre()
            > median.levers[0].employment_multiplier.centre())


def test_an_unknown_lever_is_refused_with_the_nearest_name():
    with pytest.raises(InputError, match="did you mean 'mentorship'"):
        explorer.build(explorer.Choice("baseline", ("mentorshp",)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """``resettle explore`` on a free port, stopped after the test."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "sim", "explore", "--port", str(port),
                                "--no-open"], cwd=tmp_path, stdout=log, stderr=log,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}/"
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    yield url, tmp_path / "server.log"
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.mark.slow  # a Solara server, the model's runs and a browser: about a minute
def test_the_explorer_runs_in_headless_chromium_offline(server, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is missing: scripts/bootstrap --test installs it"
    outside = []

    def local_only(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            return route.continue_()
        outside.append(url)
        return route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", local_only)
        page.goto(server[0])
        page.get_by_text("levers: none").wait_for(timeout=240_000)
        assert page.get_by_text("never predictions about a person").count() == 1
        assert page.get_by_text("Counterfactual shown: policy effect").count() == 1
        before = page.locator("table.effects").inner_text()
        page.get_by_text("mentorship", exact=True).click()
        page.get_by_text("levers: mentorship").wait_for(timeout=240_000)
        after = page.locator("table.effects").inner_text()
        page.screenshot(path=tmp_path / "explorer.png", full_page=True)
        browser.close()
    assert after != before and "cost (million KRW)" in after
    assert (tmp_path / "explorer.png").stat().st_size > 50_000
    assert outside == []  # the browser asked nothing of any other host ...
    assert "Could not load URL" not in server[1].read_text()  # nor the server
