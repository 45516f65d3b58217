"""Regrouping the population's rows (:meth:`Population.reorder`) moves memory, not people: every
person (by uid), tie, queued exit and lever record is the same with it and without it, and the
rows a month's passes visit end up side by side."""

from __future__ import annotations

from functools import cache
from unittest import mock

import numpy as np
import pytest

from sim.engine.population import _LISTED
from sim.model import REORDER_MONTHS, ResettleModel

EVERY_SIZE = mock.patch("sim.model.REORDER_ROWS", 0)  # these runs are smaller than it

HORIZON = {"start": 1995, "end": 2030}


@cache
def package(reorder: bool) -> ResettleModel:
    """The white paper's package (levers with arrays of their own) at scale 20."""
    model = ResettleModel("white-paper-package", seed=4, scale=20, horizon=HORIZON,
                          watched=False, reorder=reorder)
    with EVERY_SIZE:
        model.run_model()
    return model


def by_uid(model: ResettleModel) -> dict[str, np.ndarray]:
    """Every field of everyone in uid order; fields holding rows hold the uid of that row."""
    pop = model.population
    order = np.argsort(pop.uid[: pop.n])
    out = {}
    for name, spec in pop.fields.items():
        values = getattr(pop, name)[: pop.n]
        if spec.rows:
            values = np.where(values >= 0, pop.uid[np.maximum(values, 0)], -1)
        out[name] = values[order]
    return out


def tie_set(model: ResettleModel) -> list[tuple]:
    pop = model.population
    ties = pop.ties
    return sorted(zip(pop.uid[ties.u].tolist(), pop.uid[ties.v].tolist(), ties.kind.tolist(),
                      ties.since.tolist(), strict=True))


def test_regrouping_the_rows_changes_no_one():
    plain, regrouped = package(False), package(True)
    assert not np.array_equal(plain.population.uid[: plain.population.n],
                              regrouped.population.uid[: regrouped.population.n])  # it ran
    a, b = by_uid(plain), by_uid(regrouped)
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name
    assert tie_set(plain) == tie_set(regrouped)
    assert sum(lever.reached.sum() for lever in plain.levers.levers) > 1000
    for one, other in zip(plain.levers.levers, regrouped.levers.levers, strict=True):
        assert np.array_equal(one.reached, other.reached)
        assert np.array_equal(one.followup, other.followup)
        assert np.allclose(one.cost_krw, other.cost_krw, rtol=1e-12, atol=0)
    x, y = plain.indicators(), regrouped.indicators()
    assert x.drop(columns="value").equals(y.drop(columns="value"))
    assert np.allclose(x.value, y.value, rtol=1e-12, atol=0, equal_nan=True)


def test_after_regrouping_the_listed_rows_come_last():
    """Right after a regrouping the people of listed stages fill the last rows, laid out as the
    month's groups list them (each group a run of consecutive rows), the unlisted rows before
    them in their order but for the listed ones they replace, and the queued exits and the
    sponsors' rows name the same people as before."""
    model = ResettleModel("baseline", seed=2, scale=10, horizon=HORIZON, watched=False,
                          reorder=False)
    for _ in range(12 * 12):
        model.step()
    pop = model.population
    before = by_uid(model)
    ties = tie_set(model)
    queued = model.modules["Departures"].in_north_korea.schedule
    waiting = sorted(pop.uid[queued._rows[: queued._n][queued._due[: queued._n] >= 0]].tolist())
    group_uids = [set(pop.uid[rows].tolist()) for rows in model.groups]
    n = pop.n
    listed = np.flatnonzero(_LISTED[pop.stage[:n]])
    start = n - listed.size
    holes = listed[listed < start]
    uid_before = pop.uid[:n].copy()
    grouped_uids = pop.uid[np.concatenate(model.groups)]
    model._reorder()
    assert all(np.array_equal(before[k], v, equal_nan=v.dtype.kind == "f")
               for k, v in by_uid(model).items())
    assert tie_set(model) == ties
    assert sorted(pop.uid[queued._rows[: queued._n][queued._due[: queued._n] >= 0]].tolist()) \
        == waiting
    assert listed.size > 1000 and np.array_equal(np.flatnonzero(_LISTED[pop.stage[:n]]),
                                                 np.arange(start, n))
    kept = np.setdiff1d(np.arange(start), holes)  # unlisted rows before the block stay
    assert holes.size > 0 and np.array_equal(pop.uid[kept], uid_before[kept])
    assert np.array_equal(pop.uid[start:n], grouped_uids)  # the block in the groups' order
    assert np.array_equal(np.concatenate(model.groups), np.arange(start, n))
    for rows, uids in zip(model.groups, group_uids, strict=True):
        women = pop.female[rows]
        assert set(pop.uid[rows].tolist()) == uids and np.all(np.diff(women.view(np.int8)) >= 0)


@pytest.mark.parametrize("rows", [0, 1 << 30])
def test_regrouping_happens_every_two_years_in_large_runs_and_right_after_a_snapshot(rows):
    model = ResettleModel("baseline", seed=2, scale=50, horizon=HORIZON, watched=False)
    uids = model.population.uid[: model.population.n].copy()
    with mock.patch("sim.model.REORDER_ROWS", rows):
        for _ in range(REORDER_MONTHS - 1):
            model.step()
        assert np.array_equal(model.population.uid[: uids.size], uids)  # not yet
        model.step()
    assert np.array_equal(model.population.uid[: uids.size], uids) == (rows > 0)
    model.population.move(model.groups[2][:1], 0, model.month)  # a move since the snapshot
    with pytest.raises(RuntimeError, match="right after a snapshot"):
        model.population.reorder()
