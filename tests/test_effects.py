"""Lever effects as evidence: every effect setting has a prior with its source; ensembles draw the
effects paired across scenarios; fixed effects give back the bands without lever uncertainty."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest
from scipy.stats import spearmanr

from sim.app import cli
from sim.experiments import ensemble
from sim.levers import LEVERS
from sim.levers.effects import EVIDENCE_KINDS, effect_fields, lognormal_90
from sim.model import ResettleModel
from sim.scenario import load, validate

SCALE = 20


def _scenario(levers: list[dict], name: str = "effects-test", end: int = 2014):
    data = load("baseline").model_dump()
    data.update(name=name, horizon={"start": 1995, "end": end}, scale=SCALE, levers=levers)
    return validate(data, "<test>")


MENTORSHIP = {"type": "mentorship", "start": "2008-01",
              "eligibility": {"arrived_within_years": 2, "work": "not_employed"}}


@pytest.mark.parametrize("lever", sorted(LEVERS))
def test_every_effect_setting_has_a_prior_with_its_source(lever):
    settings = LEVERS[lever][0]
    fields = effect_fields(settings)
    assert fields, f"{lever} has no effect setting"
    for name, info in fields.items():
        prior = settings.model_fields[name].default
        low, high = prior.interval()
        assert info["kind"] in EVIDENCE_KINDS and len(info["source"]) > 20
        assert low < high or prior.dist == "fixed"
        assert info["bounds"][0] <= prior.centre() <= info["bounds"][1]
    assert settings.outcomes, f"{lever} declares no target outcomes"
    assert all(channel_setting in fields for channel_setting in settings.channel_settings.values())


def test_resettle_levers_shows_each_prior_and_its_source():
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["levers"]) == 0
    text = out.getvalue()
    assert "employment_multiplier" in text and "lognormal(median 1.69" in text
    assert "source: FORWORK RCT (Abbiati et al. 2025)" in text
    assert text.count("source:") == sum(len(effect_fields(s)) for s, _ in LEVERS.values())


def _values(scenario, seed: int, draw: bool = True) -> dict:
    return {r["setting"] if r["lever"] == "mentorship" else f"{r['lever']}.{r['setting']}":
            r["value"] for r in ResettleModel(scenario, seed=seed,
                                              draw_effects=draw).levers.inputs()}


def test_replicates_draw_effects_paired_across_scenarios_and_fixed_values_stay():
    alone = _scenario([MENTORSHIP])
    package = _scenario([{"type": "helpline", "start": "2008-01"}, MENTORSHIP], "package")
    draws = [_values(alone, seed)["employment_multiplier"] for seed in (11, 12, 13)]
    assert len(set(draws)) == 3  # replicates differ
    assert _values(package, 12)["employment_multiplier"] == draws[1]  # paired across scenarios
    assert _values(alone, 12, draw=False)["employment_multiplier"] == pytest.approx(
        LEVERS["mentorship"][0].model_fields["employment_multiplier"].default.centre())
    fixed = _scenario([{**MENTORSHIP, "employment_multiplier": 2.5}])
    assert _values(fixed, 12)["employment_multiplier"] == 2.5
    own = _scenario([{**MENTORSHIP, "employment_multiplier": {"dist": "uniform", "low": 1.0,
                                                              "high": 1.1}}])
    assert all(1.0 <= _values(own, s)["employment_multiplier"] <= 1.1 for s in (11, 12, 13))


COUNSELLING = {"type": "counselling", "start": "2008-01", "duration_months": 6}


def test_an_uncertain_fading_is_drawn_like_an_effect_and_sets_the_weight_after_service():
    """A half-life with a prior (counselling: Lely et al. 2019) is drawn in each replicate,
    paired like the effect sizes; a single run uses its median; a number in the scenario fixes
    it. The weight of the effect after the service follows the value in force."""
    scenario = _scenario([COUNSELLING])
    drawn = [_values(scenario, seed)["counselling.effect_half_life_months"] for seed in (11, 12)]
    assert len(set(drawn)) == 2 and all(0 < h < 600 for h in drawn)
    assert _values(scenario, 11, draw=False)["counselling.effect_half_life_months"] == 12.0
    fixed = _scenario([{**COUNSELLING, "effect_half_life_months": 3}])
    assert _values(fixed, 11)["counselling.effect_half_life_months"] == 3.0
    for seed, half_life in zip((11, 12), drawn, strict=True):
        lever = ResettleModel(scenario, seed=seed, draw_effects=True).levers.levers[0]
        assert lever.half_life == half_life
        lever._grow()
        lever.enrolled[:2] = [0, 0]  # two people served from month 0 for 6 months
        after = 6 + 24  # 24 months after the service ended
        expected = 0.5 ** ((24 + 1) / half_life)
        assert lever.weight(np.array([0, 1]), after) == pytest.approx([expected, expected])


def _policy_effects(scenario, fixed: bool, replicates: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Employed person-years gained per replicate, 2008-2014, against the shadow, and the
    mentorship's employment multiplier each replicate ran with."""
    data = scenario.model_dump(mode="json")
    effects, sizes = [], []
    for r in range(replicates):
        tables = ensemble.replicate_tables(ensemble.Job(data, "<test>", 7, r, draw=True,
                                                        draw_effects=not fixed))
        e, inputs = tables["effects.csv"], tables["inputs.csv"].set_index("name").value
        effects.append(e[(e.lever == "all levers")
                         & (e.indicator == "employed_count")].effect.sum())
        sizes.append(inputs["mentorship.employment_multiplier"])
    return np.array(effects), np.array(sizes)


@pytest.mark.slow
def test_bands_widen_with_uncertain_effects_and_shrink_back_with_fixed_ones():
    """Fixed effects (--fixed-effects) are the prior medians, exactly as if the scenario had
    set them: the bands then hold parameter and stochastic uncertainty only. Drawn, each
    replicate's effect moves with its drawn size (the same seeds and parameter draws in both, so
    common random numbers leave the size as the difference): up where the size is above the
    median, down where below, in the size's order."""
    scenario = _scenario([MENTORSHIP])
    (drawn, sizes), (fixed, at_median) = (_policy_effects(scenario, False, 8),
                                          _policy_effects(scenario, True, 8))
    median = LEVERS["mentorship"][0].model_fields["employment_multiplier"].default.centre()
    as_set, _ = _policy_effects(_scenario([{**MENTORSHIP, "employment_multiplier": median}]),
                                False, replicates=2)
    print(f"\npolicy effect by replicate: drawn {drawn}, fixed {fixed}; drawn sizes "
          f"{sizes.round(3)} (median {median:.3f})")
    assert np.allclose(at_median, median) and len(set(sizes.round(6))) == sizes.size
    apart = np.abs(sizes - median) > 0.02  # sizes at the median may move either way by chance
    assert apart.sum() >= 4
    assert (np.sign(drawn - fixed)[apart] == np.sign(sizes - median)[apart]).all()
    assert spearmanr(sizes - median, drawn - fixed).statistic > 0.7
    assert (fixed[:2] == as_set).all()


def test_the_evidence_document_is_up_to_date():
    """docs/levers.md is generated by `resettle levers --markdown`."""
    from pathlib import Path

    from sim.levers import evidence_markdown

    path = Path(__file__).resolve().parent.parent / "docs" / "levers.md"
    assert path.read_text() == evidence_markdown() + "\n", (
        "docs/levers.md is stale: run `.venv/bin/resettle levers --markdown > docs/levers.md`")


def test_a_recovery_prior_keeps_its_centre_and_widens_for_the_unknown_conversion():
    """The SMD's conversion to a recovery-rate ratio depends on how many of the untreated are
    still ill at a trial's end (30-70%, an assumption): the prior is centred on the middle's
    conversion and spans the range of both ends."""
    from sim.levers.effects import STILL_ILL, recovery_multiplier, recovery_prior

    prior, middle = recovery_prior(-0.1, -0.9), lognormal_90(recovery_multiplier(-0.1, 0.5),
                                                             recovery_multiplier(-0.9, 0.5))
    assert prior.centre() == pytest.approx(middle.centre(), rel=1e-12)
    low, high = prior.interval()
    assert low < middle.interval()[0] and high > middle.interval()[1]
    assert recovery_multiplier(-0.5, STILL_ILL[0]) < recovery_multiplier(-0.5, STILL_ILL[1])
