"""The world table: enforcement campaigns arrest more than the conditions they are added to,
forced returns wait while North Korea takes no one back, people reach the South through the
diplomatic missions in the years the table and the missions' window say, and fewer journeys run on
credit when the settlement cash is cut."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.calendar import Calendar
from sim.engine.parameters import Parameters
from sim.engine.stages import Stage
from sim.engine.world import World, apply_overrides, credit_share, load_table, mission_transit
from sim.measure.validation import series

CAMPAIGNS = ("crackdown", "olympics")


def _world(overrides: list[dict]) -> World:
    params = Parameters()
    table = apply_overrides(load_table(), overrides, params, "<test>")
    return World(table, params, Calendar(1995, 2035))


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_a_campaign_is_harsher_than_what_it_replaces_whatever_year_it_starts(campaign):
    """Over every year without a campaign of its own (a campaign set over another replaces it):
    at least as many arrests; the onward movement moves by the campaign's own factor, which the
    calibration estimates in either direction."""
    base = _world([])
    plain = (load_table().loc[1995:2035, "china_campaign"] == "none").to_numpy()
    for start in range(1995, 2036):
        harsh = _world([{"years": f"{start}-2035", "china_campaign": campaign}])
        years = plain & (np.arange(1995, 2036) >= start)
        assert (harsh.arrest_multiplier[years] >= base.arrest_multiplier[years]).all(), start
        np.testing.assert_allclose(harsh.onward_multiplier[years], base.onward_multiplier[years]
                                   * Parameters()[f"campaign_onward_multiplier_{campaign}"])
        assert (harsh.arrest_multiplier[years] > base.arrest_multiplier[years]).any(), start


def test_campaign_parameters_cannot_be_set_to_soften_enforcement():
    from sim.engine.errors import InputError

    with pytest.raises(InputError, match=r"campaign_arrest_multiplier_crackdown: expected a value "
                                         r"in \[1, 20\]"):
        Parameters(overrides={"campaign_arrest_multiplier_crackdown": 0.5}, where="<test>")
    with pytest.raises(InputError, match=r"campaign_onward_multiplier_crackdown: expected a value "
                                         r"in \[0, 20\]"):
        Parameters(overrides={"campaign_onward_multiplier_crackdown": -0.5}, where="<test>")


def test_historical_campaigns_multiply_the_normal_regime():
    w = _world([])
    p = Parameters()
    assert w.arrest_multiplier[2001 - 1995] == p["campaign_arrest_multiplier_crackdown"]
    assert w.arrest_multiplier[2008 - 1995] == p["campaign_arrest_multiplier_olympics"]
    assert np.all(w.arrest_multiplier[2024 - 1995:] == p["arrest_multiplier_counter_espionage"])


@pytest.mark.parametrize("closed", [(2020, 2022), (2015, 2016)])
def test_china_holds_those_it_arrests_while_north_korea_takes_no_one_back(closed):
    """No forced return in a closed year; the people held are all returned in the first month
    it reopens (the mass returns of August-October 2023, HRW; TJWG)."""
    first, last = closed
    world = [{"years": "2020-2022", "north_takes_returns": 1},
             {"years": f"{first}-{last}", "north_takes_returns": 0}]
    result = sim.run("baseline", scale=10, horizon={"start": 1995, "end": 2024}, world=world)
    held = series(result.indicators, "detained_in_china")
    returned = series(result.indicators, "repatriated")
    assert (returned.loc[first:last] == 0).all() and (held.loc[first:last] > 0).all()
    assert held.loc[first - 1] == 0 and (held.loc[last + 1:] == 0).all()
    assert returned.loc[last + 1] > held.loc[last] > held.loc[first]
    pop = result.model.population
    january = 12 * (last + 1 - 1995)
    released = pop.flows[january, Stage.DETAINED_IN_CHINA, Stage.IN_NORTH_KOREA]
    assert released * result.model.scale == held.loc[last]


def test_people_held_in_china_die_at_the_mortality_of_people_abroad():
    """While North Korea takes no one back (2020-2022), those China holds are exposed to the
    mortality of people abroad: none die held with the multiplier at 0, some with it high."""
    def held_deaths(multiplier):
        result = sim.run("baseline", scale=10, horizon={"start": 2015, "end": 2022},
                         mortality_multiplier_abroad=multiplier)
        return int(result.model.population.flows[:, Stage.DETAINED_IN_CHINA, Stage.DEAD].sum())

    assert held_deaths(0.0) == 0 and held_deaths(50.0) > 0


def test_north_takes_returns_is_one_or_zero():
    from sim.engine.errors import InputError

    with pytest.raises(InputError, match=r"north_takes_returns: expected 1 \(yes\) or 0 \(no\), "
                                         r"got 0.5"):
        _world([{"years": "2027-2030", "north_takes_returns": 0.5}])


def test_the_fee_under_surveillance_grows_from_2019_to_its_premium_in_2024():
    """The 2024 fee is the 2019 fee times the surveillance premium (a parameter, at most the
    reported maximum), reached by an even rise in log terms over 2020-2024."""
    params = Parameters()
    world = World(load_table(), params, Calendar(1995, 2035))
    fee = dict(zip(range(1995, 2036), world.broker_fee_usd, strict=True))
    premium = params["broker_fee_surveillance_multiplier"]
    assert fee[2024] == pytest.approx(fee[2019] * premium)
    assert fee[2024] <= 85_000  # the largest fee reported (TV Chosun 2024)
    steps = np.diff(np.log([fee[y] for y in range(2019, 2025)]))
    assert steps == pytest.approx(np.full(5, np.log(premium) / 5))
    assert fee[2035] == fee[2024]


def test_a_fee_given_without_the_premium_is_the_fee_paid():
    world = _world([{"years": "2027-2035", "broker_fee_usd": 30_000, "fee_surveillance": 0}])
    assert (world.broker_fee_usd[2027 - 1995:] == 30_000).all()


def test_fee_surveillance_is_a_share():
    from sim.engine.errors import InputError

    with pytest.raises(InputError, match=r"fee_surveillance: expected a share between 0 and 1, "
                                         r"got 2"):
        _world([{"years": "2027-2030", "fee_surveillance": 2}])


def test_the_missions_take_people_from_china_in_the_years_the_table_gives():
    """The world's ``mission_transit_people`` a year go from hiding or a marriage in China
    straight to third-country custody: about that many in the two years from
    ``mission_transit_start_year`` (nearly 500 a year for two years, US Embassy Manila 2005), none
    in the other years of 2002-2005 or in years without any, none with the column at 0, and about
    the number a scenario gives in a year it adds."""
    def from_china(world, start=2003.0):
        result = sim.run("baseline", scale=10, horizon={"start": 1995, "end": 2012}, world=world,
                         pathway_only=True, watched=False, mission_transit_start_year=start)
        flows = result.model.population.flows
        moved = (flows[:, Stage.HIDING_IN_CHINA, Stage.DETAINED_THIRD_COUNTRY]
                 + flows[:, Stage.MARRIED_IN_CHINA, Stage.DETAINED_THIRD_COUNTRY])
        return dict(zip(range(1995, 2013), moved[: 12 * 18].reshape(18, 12).sum(axis=1)))

    table = from_china([])
    assert 25 <= table[2003] <= 80  # 500 / scale 10 a year: Poisson, sd about 7
    others = (*range(1995, 2003), *range(2005, 2013))  # 2004 has the airlift too
    assert all(table[y] == 0 for y in others)
    closed = from_china([{"years": 2003, "mission_transit_people": 0}])
    assert closed[2003] == 0
    opened = from_china([{"years": 2010, "mission_transit_people": 1200}])
    assert 80 <= opened[2010] <= 160 and opened[2003] == table[2003]
    early = from_china([], start=2002.5)  # July 2002 to June 2004
    assert 10 <= early[2002] <= 45 and 25 <= early[2003] <= 80 and early[2005] == 0
    assert all(early[y] == 0 for y in (*range(1995, 2002), *range(2005, 2013)))


def test_the_missions_window_holds_two_years_of_the_cable_years():
    """Within 2002-2005 only the 24 months from the start count; outside them every month of a
    year the table gives counts."""
    per_year = np.zeros(41)
    per_year[2002 - 1995: 2006 - 1995] = 500.0
    per_year[2015 - 1995] = 120.0
    for start in (2002.0, 2002.25, 2003.0, 2003.5, 2004.0):
        monthly = mission_transit(per_year, Calendar(1995, 2035), start)
        assert (monthly > 0).sum() == 24 + 12, start
        assert monthly.sum() == pytest.approx(1000.0 + 120.0)
        first = int(np.flatnonzero(monthly)[0])
        assert first == round((start - 1995) * 12), start


def test_fewer_journeys_run_on_credit_when_the_settlement_cash_is_cut():
    """The share run on credit is the parameter's at the 37M KRW of 1998-2004, falls with the
    cash (10M from 2005, 6M from 2007) unless the elasticity is 0, and never exceeds 1."""
    cash = np.array([37.0, 10.0, 6.0, 74.0])
    np.testing.assert_allclose(credit_share(cash, 0.4, 0.0), 0.4)
    shares = credit_share(cash, 0.4, 0.5)
    assert shares[0] == pytest.approx(0.4) and shares[0] > shares[1] > shares[2]
    assert credit_share(cash, 0.9, 2.0)[3] == 1.0
    world = _world([])
    assert world.broker_credit_share[2004 - 1995] > world.broker_credit_share[2005 - 1995]
    richer = _world([{"years": "2005-2035", "settlement_cash_mkrw": 37.0}])
    assert richer.broker_credit_share[2005 - 1995] == world.broker_credit_share[2004 - 1995]
