"""Leaving North Korea: push-driven departures, chain defection, direct crossings, leaving again.

- Push departures: a yearly outflow per exit regime (famine, border control, COVID-19 closure ...),
  ``departures_<regime>`` people a year with ``female_share_<regime>`` women; the regime calendar is
  in the world table.
- Chain defection: relatives already in the South pay brokers for family (WaPo 2016). Sponsors are
  residents within their 5-year protection period (when the settlement money is paid) who left
  family behind; each sponsors a relative at ``chain_rate_<regime>`` a year, and after each
  relative still has family left behind with probability ``sponsor_again_share``. Sponsors pay the
  year's broker fee from their savings (the rest becomes debt); sponsored relatives travel straight
  on with a broker and, once in the South, are tied to their sponsor.
- Planned departures: from the 2000s brokers organised whole journeys from North Korea to the
  South, paid after arrival out of the settlement money, so some people crossed China without
  stopping there (time abroad of 2009 arrivals about 1.5 years, MOU). A share
  ``planned_share_<regime>`` of push departures, times the broker network's reach, starts the
  journey at once; the others enter China.
- Direct crossings by sea or over the border are rare and do not follow the outflow into China:
  ``direct_crossings_per_year`` people a year, ``direct_female_share`` of them women.
- People repatriated or returned may leave again at ``redeparture_rate`` times the regime's outflow
  relative to the famine years. Their exits (leaving again, or death) are rare, so they are
  scheduled rather than drawn every month (:mod:`sim.engine.schedule`): the same monthly
  probabilities, with work only in the months an exit may happen.
"""

from __future__ import annotations

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.hazards import monthly_probability
from ..engine.module import Field, Module
from ..engine.population import NO_MONTH
from ..engine.randomness import derived_id, derived_ids, draw, poisson_quantile, slot_uniforms
from ..engine.schedule import Bound, ScheduledExits
from ..engine.stages import Route, Stage, stage_mask
from ..engine.units import usd_to_mkrw
from .demographics import draw_attributes, sex_factors

PUSH, CHAIN, DIRECT = 1, 2, 3  # kinds of new people, part of their uid
CHAIN_STREAMS = ("chain.sponsor", "chain.again", "chain.sex")  # a sponsor's draws, a relative's sex
KIND_NAMES = {PUSH: "push", CHAIN: "chain", DIRECT: "direct"}
IS_IN_NORTH_KOREA = stage_mask([Stage.IN_NORTH_KOREA])
_SLOT_BITS = 20  # up to 2**20 new people of one kind and sex a month


def _check_count(count: int) -> None:
    """Refuse more new people of one kind and sex in a month than their ids can number."""
    if count >= 1 << _SLOT_BITS:
        raise ValueError(f"{count} new people of one kind and sex in a month: ids allow at most "
                         f"{(1 << _SLOT_BITS) - 1} (raise the scale)")


def new_uids(month: int, kind: int, female: bool, count: int) -> np.ndarray:
    """Ids that depend only on (month, kind, sex, slot), so scenarios keep common draws."""
    _check_count(count)
    base = (((month + 1) << (_SLOT_BITS + 3)) | (kind << (_SLOT_BITS + 1))
            | (int(female) << _SLOT_BITS))
    return base + np.arange(count, dtype=np.int64)


NEW_PEOPLE = ((PUSH, False), (PUSH, True), (DIRECT, False), (DIRECT, True))  # a month's counts
NEW_PEOPLE_KIND = np.array([k for k, _ in NEW_PEOPLE], dtype=np.int8)
NEW_PEOPLE_FEMALE = np.array([f for _, f in NEW_PEOPLE])
NEW_PEOPLE_STREAMS = tuple(f"departures.{KIND_NAMES[k]}.{'female' if f else 'male'}"
                           for k, f in NEW_PEOPLE)  # one uniform each a month (slot 0)


@numba.njit(cache=True, nogil=True)
def _new_people(month, counts, kinds, females):  # pragma: no cover - compiled; as new_uids
    """The ids (:func:`new_uids`), sexes and kinds of ``counts[i]`` new people of each kind and
    sex ``kinds[i]``, ``females[i]``, one group after another."""
    n = counts.sum()
    uids = np.empty(n, dtype=np.int64)
    female, kind = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.int8)
    k = 0
    for i in range(counts.size):
        base = (((month + 1) << (_SLOT_BITS + 3)) | (np.int64(kinds[i]) << (_SLOT_BITS + 1))
                | (np.int64(females[i]) << _SLOT_BITS))
        for slot in range(counts[i]):
            uids[k], female[k], kind[k] = base + slot, females[i], kinds[i]
            k += 1
    return uids, female, kind


class Departures(Module):
    """Module for exits from North Korea (events: departed, entered_china, started_journey,
    arrived, broker_paid)."""

    fields = {
        "sponsored": Field(np.bool_, False, "a relative in the South paid the broker"),
        "sponsor_row": Field(np.int64, -1, "row of the sponsoring relative", rows=True),
        "first_departure_month": Field(np.int32, NO_MONTH),
        "last_departure_month": Field(np.int32, NO_MONTH),
    }
    parameter_files = ("pathway", "welfare")
    streams = ("nk.*", "departures.*", *CHAIN_STREAMS)
    handles = {"back_in_north_korea": "schedule_exit"}

    def __init__(self, model) -> None:
        super().__init__(model)
        p = model.params
        leaving = p["redeparture_rate"] * model.world.relative_exit
        multipliers = tuple(p["mortality_multiplier_north_korea"] * f for f in sex_factors(p))
        self.in_north_korea = ScheduledExits(model, "nk", Bound(
            leaving, p["mortality_at_30"], p["mortality_slope"], max(multipliers)), multipliers)

    def renumber(self, order, new) -> None:
        """The rows queued in the scheduled exits follow the population's new order."""
        self.in_north_korea.renumber(new)

    def step(self, month: int) -> None:
        """Leave again from North Korea, then add this month's new departures: those driven by
        conditions and the direct crossings, then the relatives sponsored from the South (in
        one batch: each person's draws are their own)."""
        self._leave_again(month)
        uids, female, kind = self._push_and_direct(month)
        sponsored = self._chain(month, self.model.groups[Stage.PROTECTED])
        if sponsored is None:
            self._add(month, uids, female, kind)
            return
        sponsors = np.concatenate([np.full(uids.size, -1, dtype=np.int64), sponsored[3]])
        self._add(month, *(np.concatenate([a, b]) for a, b in
                           zip((uids, female, kind), sponsored[:3], strict=True)), sponsors)

    def schedule_exit(self, rows: np.ndarray, month: int) -> None:
        """Queue people now in North Korea for the next month in which they may leave or die."""
        self.in_north_korea.enter(rows, month)

    def _leave_again(self, month: int) -> None:
        """This month's candidates leave (or die) by the monthly rule thinned to their bound;
        the others wait for their next candidate month."""
        m = self.model
        pop, p, y = m.population, m.params, m.world.index(month)
        rows = self.in_north_korea.candidates(month, IS_IN_NORTH_KOREA)
        if rows.size == 0:
            return
        exit_ = self.in_north_korea.mortality_exits(
            rows, month, p["redeparture_rate"] * m.world.relative_exit[y])
        leave = rows[exit_ == 0]
        pop.last_departure_month[leave] = month
        pop.move(leave, Stage.HIDING_IN_CHINA, month)
        m.emit("departed", leave, month)
        m.die(rows[exit_ == 1], month)

    def _push_and_direct(self, month: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This month's departures driven by conditions in North Korea and direct crossings into
        the South by sea or over the border (the latter rare, not following the outflow into
        China): Poisson numbers of men and women of each kind for a yearly rate in people (their
        uids, sexes and kinds)."""
        m = self.model
        p, y = m.params, m.world.index(month)
        q = slot_uniforms(m.streams.keys(NEW_PEOPLE_STREAMS, month))
        counts = np.zeros(len(NEW_PEOPLE), dtype=np.int64)
        for i, (kind, female) in enumerate(NEW_PEOPLE):
            per_year, female_share = ((m.world.push_departures[y], m.world.female_share[y])
                                      if kind == PUSH else (p["direct_crossings_per_year"],
                                                            p["direct_female_share"]))
            mean = per_year / MONTHS_PER_YEAR / m.scale * (female_share if female
                                                          else 1 - female_share)
            counts[i] = poisson_quantile(q[i], mean) if mean > 0 else 0
        _check_count(int(counts.max()))
        return _new_people(month, counts, NEW_PEOPLE_KIND, NEW_PEOPLE_FEMALE)

    def _chain(self, month: int, protected: np.ndarray) -> tuple | None:
        """Residents who left family behind pay a broker for one relative: the relatives' uids,
        sexes, kinds and sponsors' rows, men first (None for no one); the draws of
        :meth:`reference_chain` in one compiled pass."""
        m = self.model
        if not m.compiled:
            return self.reference_chain(month, protected)
        pop, y = m.population, m.world.index(month)
        rate = m.world.chain_rate[y] * m.world.broker_access[y]
        sponsors, uids, female = _chain_draws(
            protected, m.streams.keys(CHAIN_STREAMS, month), float(monthly_probability(rate)),
            float(m.params["sponsor_again_share"]), float(m.world.female_share[y]), month,
            pop.uid, pop.family_left_behind)
        return self._sponsored(month, sponsors, uids, female)

    def _sponsored(self, month: int, sponsors: np.ndarray, uids: np.ndarray,
                   female: np.ndarray) -> tuple | None:
        """The sponsors pay the broker's fee; their relatives, men first (None for no one)."""
        if sponsors.size == 0:
            return None
        m = self.model
        y = m.world.index(month)
        fee = usd_to_mkrw(m.world.broker_fee_usd[y], m.params["krw_per_usd"])
        m.emit("broker_paid", sponsors, month, fee_mkrw=fee)
        men_first = np.argsort(female, kind="stable")
        return (uids[men_first], female[men_first], np.full(uids.size, CHAIN, dtype=np.int8),
                sponsors[men_first])

    def reference_chain(self, month: int, protected: np.ndarray) -> tuple | None:
        """:meth:`_chain` in NumPy."""
        m = self.model
        pop, y = m.population, m.world.index(month)
        sponsors = protected[pop.family_left_behind[protected]]
        rate = m.world.chain_rate[y] * m.world.broker_access[y]
        u = m.streams.uniforms("chain.sponsor", month, pop.uid[sponsors])
        sponsors = sponsors[u < monthly_probability(rate)]
        if sponsors.size == 0:
            return None
        again = m.streams.uniforms("chain.again", month, pop.uid[sponsors])
        pop.family_left_behind[sponsors] = again < m.params["sponsor_again_share"]
        uids = derived_ids(pop.uid[sponsors], month)
        female = m.streams.uniforms("chain.sex", month, uids) < m.world.female_share[y]
        return self._sponsored(month, sponsors, uids, female)

    def _add(self, month: int, uids: np.ndarray, female: np.ndarray, kind: np.ndarray,
             sponsors: np.ndarray | None = None) -> None:
        """New people leaving North Korea (``kind``: PUSH, CHAIN or DIRECT for each): push
        departures enter China unless their journey was planned, sponsored relatives start the
        journey (remembering their sponsor), direct crossers arrive at once."""
        if uids.size == 0:
            return
        m = self.model
        y = m.world.index(month)
        direct = kind == DIRECT
        planned = m.streams.uniforms("departures.planned", month, uids) < (
            m.world.planned_share[y] * m.world.broker_access[y])
        hiding = (kind == PUSH) & ~planned  # the planned ones start the journey at once
        values = dict(female=female, sponsored=kind == CHAIN, first_departure_month=month,
                      last_departure_month=month,
                      route=np.where(direct, Route.DIRECT, Route.NONE).astype(np.int8),
                      **draw_attributes(m.tables, m.params, m.streams, month,
                                        m.calendar.year_of(month), uids, female))
        stage = np.where(hiding, Stage.HIDING_IN_CHINA, Stage.JOURNEY).astype(np.int8)
        rows = m.population.add(month, stage, uid=uids, **values)
        if sponsors is not None:
            m.population.sponsor_row[rows] = sponsors
        m.emit("entered_china", rows[hiding], month)
        m.emit("started_journey", rows[~hiding & ~direct], month)
        m.emit("arrived", rows[direct], month)
        m.emit("departed", rows, month)



@numba.njit(cache=True, nogil=True)
def _chain_draws(protected, keys, p_month, again_share, female_share, month, uid,
                 family_left_behind):  # pragma: no cover - compiled; tested against the reference
    """:meth:`Departures.reference_chain`'s draws: the residents with family left behind who
    pay a broker this month (probability ``p_month``), whether each may pay again, and their
    relatives' ids and sexes."""
    sponsors = np.empty(protected.size, dtype=np.int64)
    n = 0
    for r in protected:
        if family_left_behind[r] and draw(keys[0], uid[r]) < p_month:
            sponsors[n] = r
            n += 1
    uids = np.empty(n, dtype=np.int64)
    female = np.empty(n, dtype=np.bool_)
    for i in range(n):
        r = sponsors[i]
        family_left_behind[r] = draw(keys[1], uid[r]) < again_share
        uids[i] = derived_id(uid[r], month)
        female[i] = draw(keys[2], uids[i]) < female_share
    return sponsors[:n].copy(), uids, female
