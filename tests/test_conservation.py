"""Conservation: everyone is in exactly one stage each month, and stage flows balance."""

from __future__ import annotations

import numpy as np
from _shared import baseline, series

from sim.engine.population import NO_MONTH, Population
from sim.engine.stages import N_STAGES, Route, Stage
from sim.experiments.api import build
from sim.model import ResettleModel


def stage_census(pop: Population) -> np.ndarray:
    """People by stage and sex counted from each person's own stage (not the running counts)."""
    cells = pop.stage[: pop.n].astype(np.int64) * 2 + pop.female[: pop.n]
    return np.bincount(cells, minlength=2 * N_STAGES).reshape(N_STAGES, 2)


def test_the_recorded_stage_counts_are_a_census_of_the_people():
    """The running counts the flows and indicators read agree with a count of everyone's stage,
    in months a run passes through (people held in China in the closure among them) and at its
    end."""
    model = build("baseline", scale=10, watched=False)
    for month in (60, 96, 120, 180, 312):  # January of 2000, 2003, 2005, 2010 and 2021
        model.run_for(month - model.month)
        assert model.month == month and model.population.n > 0
        np.testing.assert_array_equal(model.recorder.stage_counts[month],
                                      stage_census(model.population))
    assert model.recorder.stage_counts[312, Stage.DETAINED_IN_CHINA].sum() > 0
    model.run_model()
    np.testing.assert_array_equal(model.recorder.stage_counts[-1], stage_census(model.population))


def test_every_person_in_exactly_one_valid_stage():
    model = baseline().model
    stage = model.population.stage[: model.population.n]
    assert stage.min() >= 0 and stage.max() < N_STAGES
    np.testing.assert_array_equal(model.recorder.stage_counts[-1], stage_census(model.population))
    counts = model.recorder.stage_counts.sum(axis=2)  # (months, stages)
    # month by month, the stages hold everyone who has entered the model by then
    entered = np.cumsum(model.population.entered.sum(axis=1))
    initial = np.sum(model.population.first_departure_month[: model.population.n] == NO_MONTH)
    np.testing.assert_array_equal(counts.sum(axis=1), initial + entered)


def test_stage_stocks_balance_with_flows():
    model = baseline().model
    counts = model.recorder.stage_counts.sum(axis=2)
    flows = model.population.flows
    inflow = flows.sum(axis=1) - np.einsum("mss->ms", flows)  # exclude self-flows
    outflow = flows.sum(axis=2) - np.einsum("mss->ms", flows)
    change = inflow - outflow + model.population.entered
    np.testing.assert_array_equal(counts[1:] - counts[:-1], change[1:])


def test_dead_never_move_and_arrivals_are_entries_to_screening():
    model = baseline().model
    flows = model.population.flows
    assert flows[:, Stage.DEAD, :].sum() == flows[:, Stage.DEAD, Stage.DEAD].sum() == 0
    yearly_entries = flows[:, :, Stage.SCREENING].sum(axis=1).reshape(-1, 12).sum(axis=1)
    arrivals = series(baseline().indicators, "arrivals").to_numpy()
    np.testing.assert_array_equal(yearly_entries * model.scale, arrivals)


def test_residents_by_band_add_up():
    df = baseline().indicators
    total = series(df, "residents_in_south")
    bands = df[(df.indicator == "residents_in_south") & (df.sex == "all")
               & (df.years_since_arrival != "all")].groupby("year")["value"].sum()
    np.testing.assert_array_equal(bands.to_numpy(), total.to_numpy())


def test_person_ids_are_unique():
    model = baseline().model
    uid = model.population.uid[: model.population.n]
    assert np.unique(uid).size == uid.size


def test_people_added_in_several_stages_are_counted_in_each_with_no_flow_between():
    """Planned departures enter the journey on the day they leave, beside those who hide in
    China: each is counted where they start, and no move between the two is recorded."""
    pop = Population(n_months=2)
    stage = np.array([Stage.HIDING_IN_CHINA, Stage.JOURNEY, Stage.JOURNEY], dtype=np.int8)
    pop.add(1, stage, uid=np.arange(3), female=np.array([True, False, True]))
    assert pop.counts[Stage.HIDING_IN_CHINA].tolist() == [0, 1]
    assert pop.counts[Stage.JOURNEY].tolist() == [1, 1]
    assert pop.entered[1, Stage.HIDING_IN_CHINA] == 1 and pop.entered[1, Stage.JOURNEY] == 2
    assert pop.flows.sum() == 0


def test_journeys_begin_after_leaving_north_korea_and_only_on_a_route():
    """Everyone who reached the South on a route set off on it after last leaving North Korea;
    direct crossers never set off on one."""
    pop = baseline().model.population
    n = pop.n
    began, left, route = pop.journey_month[:n], pop.last_departure_month[:n], pop.route[:n]
    arrived = (pop.arrival_month[:n] != NO_MONTH) & (left != NO_MONTH)
    began, left, route = began[arrived], left[arrived], route[arrived]
    on_route = route != Route.DIRECT
    assert (began[on_route] != NO_MONTH).all() and (began[~on_route] == NO_MONTH).all()
    assert (began[on_route] >= left[on_route]).all() and on_route.sum() > 1000


def test_the_month_s_residents_follow_deaths_and_departures_wherever_they_happen():
    """The list of residents kept within a month is the snapshot's residents still in the
    South: a death in China leaves it as it was, a resident's death or departure takes them
    off it."""
    model = ResettleModel("baseline", seed=2, scale=100, horizon={"start": 1995, "end": 2012},
                          watched=False)
    model.run_for(12 * 16)
    pop, month = model.population, model.month

    def fresh():
        return pop.resident(model.groups[Stage.PROTECTED], model.groups[Stage.RESETTLED])

    kept = model.residents()
    in_china = model.groups[Stage.HIDING_IN_CHINA]
    assert kept.size > 10 and in_china.size > 0
    model.die(in_china[:1], month)
    assert model.residents() is kept
    model.die(kept[:1], month)
    model.leave_south(kept[1:2], month, Stage.RETURNED_NORTH)
    np.testing.assert_array_equal(model.residents(), fresh())
    np.testing.assert_array_equal(model.residents(), kept[2:])
