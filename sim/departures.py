"""Leaving North Korea: push-driven departures, chain defection, direct crossings, leaving again.

- Push departures: a yearly outflow per exit regime (famine, border control, COVID-19 closure ...),
  ``departures_<regime>`` people a year with ``female_share_<regime>`` women; the regime calendar is
  in the world table.
- Chain defection: relatives already in the South pay brokers for family (WaPo 2016). Sponsors are
  residents within their 5-year protection period (when the settlement money is paid) who left
  family behind; each sponsors a relative at ``chain_rate_<regime>`` a year, and after each
  relative still has family left behind with probability ``sponsor_again_share``. Sponsored
  relatives travel straight on with a broker.
- Direct crossings by sea or over the border are rare (3 of 236 arrivals in 2024, Yonhap 2025).
- People repatriated or returned may leave again at ``redeparture_rate`` times the regime's outflow
  relative to the famine years.
"""

from __future__ import annotations

import numpy as np

from .demographics import draw_attributes, mortality_rate
from .hazards import competing_exits, monthly_probability
from .randomness import derived_ids
from .stages import Route, Stage

PUSH, CHAIN = 1, 2  # kinds of new people, part of their uid
_SLOT_BITS = 20  # up to 2**20 new people of one kind and sex a month


def new_uids(month: int, kind: int, female: bool, count: int) -> np.ndarray:
    """Ids that depend only on (month, kind, sex, slot), so scenarios keep common draws."""
    base = ((month + 1) << (_SLOT_BITS + 3)) | (kind << (_SLOT_BITS + 1)) | (int(female) << _SLOT_BITS)
    return base + np.arange(count, dtype=np.int64)


class Departures:
    """Module for exits from North Korea."""

    def __init__(self, model) -> None:
        self.model = model

    def step(self, month: int, groups: list[np.ndarray]) -> None:
        """Leave again from North Korea, then add this month's new departures."""
        self._leave_again(month, groups[Stage.IN_NORTH_KOREA])
        self._push(month)
        self._chain(month, groups[Stage.PROTECTED])

    def _leave_again(self, month: int, rows: np.ndarray) -> None:
        m = self.model
        pop, p, y = m.population, m.params, m.world.index(month)
        rates = np.column_stack([
            np.full(rows.size, p["redeparture_rate"] * m.world.relative_exit[y]),
            mortality_rate(p, pop.age_years(rows, month), p["mortality_multiplier_north_korea"]),
        ])
        exit_ = competing_exits(rates, m.streams.uniforms("nk.exit", month, pop.uid[rows]))
        leave = rows[exit_ == 0]
        pop.last_departure_month[leave] = month
        pop.move(leave, Stage.HIDING_IN_CHINA, month)
        m.recorder.event("departures", month, leave)
        m.die(rows[exit_ == 1], month)

    def _push(self, month: int) -> None:
        """Departures driven by conditions in North Korea (a Poisson count by sex)."""
        m = self.model
        y = m.world.index(month)
        mean = m.world.push_departures[y] / 12 / m.scale
        for female, share in ((False, 1 - m.world.female_share[y]), (True, m.world.female_share[y])):
            tag = "female" if female else "male"
            count = m.streams.poisson(f"departures.push.{tag}", month, mean * share)
            self._add(month, new_uids(month, PUSH, female, count), female, sponsored=False)

    def _chain(self, month: int, protected: np.ndarray) -> None:
        """Residents who left family behind pay a broker for one relative."""
        m = self.model
        pop, y = m.population, m.world.index(month)
        sponsors = protected[pop.family_left_behind[protected]]
        rate = m.world.chain_rate[y] * m.world.broker_access[y]
        u = m.streams.uniforms("chain.sponsor", month, pop.uid[sponsors])
        sponsors = sponsors[u < monthly_probability(rate)]
        if sponsors.size == 0:
            return
        again = m.streams.uniforms("chain.again", month, pop.uid[sponsors])
        pop.family_left_behind[sponsors] = again < m.params["sponsor_again_share"]
        uids = derived_ids(pop.uid[sponsors], month)
        female = m.streams.uniforms("chain.sex", month, uids) < m.world.female_share[y]
        for sex in (False, True):
            self._add(month, uids[female == sex], sex, sponsored=True)

    def _add(self, month: int, uids: np.ndarray, female: bool, sponsored: bool) -> None:
        if uids.size == 0:
            return
        m = self.model
        year = m.calendar.year_of(month)
        fem = np.full(uids.size, female)
        attrs = draw_attributes(m.tables, m.params, m.streams, month, year, uids, fem)
        common = dict(female=fem, sponsored=sponsored, first_departure_month=month,
                      last_departure_month=month, **attrs)
        direct = m.streams.uniforms("departures.direct", month, uids) < m.params["direct_share"]
        if direct.any():
            rows = m.population.add(month, Stage.JOURNEY, uid=uids[direct],
                                    **{k: _pick(v, direct) for k, v in common.items()})
            m.population.route[rows] = Route.DIRECT
            m.reception.admit(rows, month)
            m.recorder.event("departures", month, rows)
        rest = ~direct
        if not rest.any():
            return
        values = {k: _pick(v, rest) for k, v in common.items()}
        if sponsored:
            rows = m.population.add(month, Stage.JOURNEY, uid=uids[rest], **values)
            m.journey.choose_route(rows, month)
        else:
            rows = m.china.enter(month, uids[rest], values)
        m.recorder.event("departures", month, rows)


def _pick(value, mask):
    """Subset an attribute array by a mask; scalars pass through."""
    return value[mask] if isinstance(value, np.ndarray) else value
