"""The world table: enforcement campaigns are harsher than the conditions they are added to."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.calendar import Calendar
from sim.engine.parameters import Parameters
from sim.engine.world import World, apply_overrides, load_table

CAMPAIGNS = ("crackdown", "olympics")


def _world(overrides: list[dict]) -> World:
    params = Parameters()
    table = apply_overrides(load_table(), overrides, params, "<test>")
    return World(table, params, Calendar(1995, 2035))


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_a_campaign_is_harsher_than_what_it_replaces_whatever_year_it_starts(campaign):
    """Over every year without a campaign of its own (a campaign set over another replaces it)."""
    base = _world([])
    plain = (load_table().loc[1995:2035, "china_campaign"] == "none").to_numpy()
    for start in range(1995, 2036):
        harsh = _world([{"years": f"{start}-2035", "china_campaign": campaign}])
        years = plain & (np.arange(1995, 2036) >= start)
        assert (harsh.arrest_multiplier[years] >= base.arrest_multiplier[years]).all(), start
        assert (harsh.onward_multiplier[years] <= base.onward_multiplier[years]).all(), start
        assert (harsh.arrest_multiplier[years] > base.arrest_multiplier[years]).any(), start


def test_campaign_parameters_cannot_be_set_to_soften_enforcement():
    from sim.engine.errors import InputError

    with pytest.raises(InputError, match=r"campaign_arrest_multiplier_crackdown: expected a value "
                                         r"in \[1, 20\]"):
        Parameters(overrides={"campaign_arrest_multiplier_crackdown": 0.5}, where="<test>")
    with pytest.raises(InputError, match=r"campaign_onward_multiplier_crackdown: expected a value "
                                         r"in \[0, 1\]"):
        Parameters(overrides={"campaign_onward_multiplier_crackdown": 1.5}, where="<test>")


def test_historical_campaigns_multiply_the_normal_regime():
    w = _world([])
    p = Parameters()
    assert w.arrest_multiplier[2001 - 1995] == p["campaign_arrest_multiplier_crackdown"]
    assert w.arrest_multiplier[2008 - 1995] == p["campaign_arrest_multiplier_olympics"]
    assert np.all(w.arrest_multiplier[2024 - 1995:] == p["arrest_multiplier_counter_espionage"])
