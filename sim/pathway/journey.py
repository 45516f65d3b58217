"""The onward journey with a broker, by route, and detention and transfer in the third country.

Routes and their shares by year are in the world table (China -> Laos -> Thailand the main route;
Mongolia closed from 2007; Vietnam airlift 2004; the Philippines; Bangkok Post, MOU 2017, UN COI
2014). Thailand deports North Koreans to the South rather than to the North; Laos and Vietnam have
sent people back to China (UN Commission of Inquiry on Human Rights in the DPRK 2014, report
A/HRC/25/CRP.1). Each route has a duration and a chance of arrest on the way, which the
enforcement regime multiplies; closures (COVID-19) and crackdowns also change the journey's speed
by the regime's onward multiplier.

Besides the brokers' routes, people who reached South Korea's diplomatic missions in China were
flown on to the South through a third country (nearly 500 a year through Manila for two years,
says a 2005 cable of the US Embassy in Manila, released by WikiLeaks; which two years is the
parameter ``mission_transit_start_year``): the world's number a month
(:func:`~sim.engine.world.mission_transit`), a Poisson number each month, chosen among the people
hiding in China or in de facto marriages there, as the airlift's were (who reached the missions
is not recorded)."""

from __future__ import annotations

import numba
import numpy as np

from ..engine.hazards import MONTHS_PER_YEAR, competing_exits, exit_chosen, rate_for_mean_months
from ..engine.module import Field, Module
from ..engine.population import NO_MONTH
from ..engine.randomness import cumulative, draw, invert, invert_one
from ..engine.stages import ONWARD_ROUTES, Route, Stage, stage_mask
from .demographics import mortality_one, mortality_rate, mortality_terms

ARRIVE, ARREST, DIE = range(3)
TRANSFERABLE = (int(Stage.HIDING_IN_CHINA), int(Stage.MARRIED_IN_CHINA))  # not settled for good
_IS_TRANSFERABLE = stage_mask(TRANSFERABLE)
AIRLIFT_MONTH = 7  # the 2004 airlift of 468 people from Vietnam took place on 27-28 July
# (BBC News, "Vietnam defectors arrive in Seoul", 28 July 2004)
ROUTE_NAMES = {r: r.name.lower() for r in (*ONWARD_ROUTES, Route.DIRECT)}


class Journey(Module):
    """Module for the JOURNEY and DETAINED_THIRD_COUNTRY stages."""

    fields = {"route": Field(np.int8, int(Route.NONE), "onward route (Route)"),
              "journey_month": Field(np.int32, NO_MONTH, "month the onward journey began")}
    parameter_files = ("pathway",)
    streams = ("journey.route", "journey.airlift", "journey.mission", "journey.mission_count",
               "journey.exit", "detention.exit")
    channels = {"arrest": "arrest and forced repatriation in China and on the journey",
                "onward": "leaving China and the speed of the onward journey"}
    handles = {"started_journey": "choose_route"}

    def __init__(self, model) -> None:
        super().__init__(model)
        p = model.params
        self.months = np.array([p[f"journey_months_{ROUTE_NAMES[r]}"] for r in ONWARD_ROUTES])
        self.arrest_p = np.array([p[f"journey_arrest_{ROUTE_NAMES[r]}"] for r in ONWARD_ROUTES])
        self._routes = np.asarray(ONWARD_ROUTES, dtype=np.int8)
        # as categorical inverts them, each year's route shares summed once
        self._cumulative = [cumulative(shares) for shares in model.world.route_shares]

    def choose_route(self, rows: np.ndarray, month: int) -> None:
        """Start the onward journey for ``rows``, on a route drawn from the year's shares (the
        rule of :meth:`reference_choose_route` in one compiled pass)."""
        m = self.model
        pop = m.population
        _choose_route(rows, month, m.streams.key("journey.route", month),
                      self._cumulative[m.world.index(month)], self._routes, pop.uid, pop.route,
                      pop.journey_month)
        pop.move(rows, Stage.JOURNEY, month)

    def reference_choose_route(self, rows: np.ndarray, month: int) -> None:
        """Start the onward journey for ``rows``, on a route drawn from the year's shares
        (NumPy)."""
        m = self.model
        u = m.streams.uniforms("journey.route", month, m.population.uid[rows])
        cum = self._cumulative[m.world.index(month)]
        m.population.route[rows] = self._routes[invert(u, cum)]
        m.population.journey_month[rows] = month
        m.population.move(rows, Stage.JOURNEY, month)

    def step(self, month: int) -> None:
        """One month on the road and in third-country detention, any airlift and any transit
        through the diplomatic missions: the rules of :meth:`reference_step`, each stage's exits
        chosen in one compiled pass."""
        self._month(month, compiled=True)

    def reference_step(self, month: int) -> None:
        """One month on the road and in third-country detention, any airlift and any transit
        through the diplomatic missions (NumPy)."""
        self._month(month, compiled=False)

    def _month(self, month: int, compiled: bool) -> None:
        m = self.model
        groups = m.groups
        travel, detained = ((self._travel_compiled, self._detained_compiled) if compiled
                            else (self._travel, self._detained))
        travel(month, groups[Stage.JOURNEY])
        detained(month, groups[Stage.DETAINED_THIRD_COUNTRY])
        y = m.world.index(month)
        if month % MONTHS_PER_YEAR == AIRLIFT_MONTH - 1 and m.world.airlift_people[y] > 0:
            self._airlift(month, self._in_china())
        if m.world.mission_transit_per_month[month] > 0:
            count = m.streams.poisson("journey.mission_count", month,
                                      m.world.mission_transit_per_month[month] / m.scale)
            self._transfer(month, self._in_china(), count, Route.OTHER, "journey.mission")

    def _in_china(self) -> np.ndarray:
        """The month's snapshot of the people a transfer may take (hiding or married in China)."""
        return np.concatenate([self.model.groups[s] for s in TRANSFERABLE])

    def _airlift(self, month: int, candidates: np.ndarray) -> None:
        """A one-off airlift (world table): people in China reach third-country custody at once.

        ``candidates`` are the month's snapshot of people in China; those who have since left
        China this month (died, were arrested, set off on a journey) are not chosen."""
        m = self.model
        count = int(round(m.world.airlift_people[m.world.index(month)] / m.scale))
        self._transfer(month, candidates, count, Route.VIETNAM_CAMBODIA, "journey.airlift")

    def _transfer(self, month: int, candidates: np.ndarray, count: int, route: Route,
                  stream: str) -> None:
        """``count`` of ``candidates`` still in China (hiding or married), chosen at random, reach
        third-country custody at once by ``route``."""
        m = self.model
        candidates = candidates[_IS_TRANSFERABLE[m.population.stage[candidates]]]
        if count == 0 or candidates.size == 0:
            return
        u = m.streams.uniforms(stream, month, m.population.uid[candidates])
        chosen = candidates[smallest(u, count)]
        m.population.route[chosen] = route
        m.population.journey_month[chosen] = month
        m.population.move(chosen, Stage.DETAINED_THIRD_COUNTRY, month)

    def _travel(self, month: int, rows: np.ndarray) -> None:
        m = self.model
        pop, p, y = m.population, m.params, m.world.index(month)
        route = pop.route[rows].astype(np.int64) - 1  # index into ONWARD_ROUTES
        arrive = (rate_for_mean_months(self.months[route]) * m.world.onward_multiplier[y]
                  * m.levers.factor("onward", rows, month))
        p_arrest = np.minimum(self.arrest_p[route] * m.world.arrest_multiplier[y]
                              * m.levers.factor("arrest", rows, month),
                              p["journey_arrest_ceiling"])
        # competing risks: P(arrest before arrival) = p_arrest
        rates = np.column_stack([
            arrive, arrive * p_arrest / (1 - p_arrest),
            mortality_rate(p, pop.age_years(rows, month), pop.female[rows],
                           p["mortality_multiplier_abroad"]),
        ])
        exit_ = competing_exits(rates, m.streams.uniforms("journey.exit", month, pop.uid[rows]))
        self._leave_journey(rows, exit_, month)

    def _travel_compiled(self, month: int, rows: np.ndarray) -> None:
        """:meth:`_travel` in one compiled pass."""
        if rows.size == 0:
            return
        m = self.model
        pop, p, w, y = m.population, m.params, m.world, m.world.index(month)
        exit_ = _travel_month(rows, month, m.streams.key("journey.exit", month), pop.route,
                              pop.birth_month, pop.female, pop.uid, self.months, self.arrest_p,
                              float(w.onward_multiplier[y]), float(w.arrest_multiplier[y]),
                              float(p["journey_arrest_ceiling"]),
                              m.levers.factors(CHANNELS, rows, month),
                              mortality_terms(p, p["mortality_multiplier_abroad"]))
        self._leave_journey(rows, exit_, month)

    def _leave_journey(self, rows: np.ndarray, exit_: np.ndarray, month: int) -> None:
        m = self.model
        m.population.move(rows[exit_ == ARRIVE], Stage.DETAINED_THIRD_COUNTRY, month)
        m.repatriate(rows[exit_ == ARREST], month)
        m.die(rows[exit_ == DIE], month)

    def _detained(self, month: int, rows: np.ndarray) -> None:
        m = self.model
        pop, p = m.population, m.params
        rates = np.column_stack([
            np.full(rows.size, rate_for_mean_months(p["detention_months"])),
            mortality_rate(p, pop.age_years(rows, month), pop.female[rows],
                           p["mortality_multiplier_abroad"]),
        ])
        exit_ = competing_exits(rates, m.streams.uniforms("detention.exit", month, pop.uid[rows]))
        self._leave_detention(rows, exit_, month)

    def _detained_compiled(self, month: int, rows: np.ndarray) -> None:
        """:meth:`_detained` in one compiled pass."""
        if rows.size == 0:
            return
        m = self.model
        pop, p = m.population, m.params
        release = float(rate_for_mean_months(p["detention_months"]))
        exit_ = _detention_month(rows, month, m.streams.key("detention.exit", month), pop.uid,
                                 pop.birth_month, pop.female, release,
                                 mortality_terms(p, p["mortality_multiplier_abroad"]))
        self._leave_detention(rows, exit_, month)

    def _leave_detention(self, rows: np.ndarray, exit_: np.ndarray, month: int) -> None:
        self.model.emit("arrived", rows[exit_ == 0], month)
        self.model.die(rows[exit_ == 1], month)


CHANNELS = ("onward", "arrest")  # the lever channels of the compiled journey, in order


@numba.njit(cache=True, nogil=True)
def _travel_month(rows, month, key, route, birth_month, female, uid, months, arrest_p, onward,
                  arrest, ceiling, f, mortality):  # pragma: no cover - tested against the reference
    """Each traveller's exit (ARRIVE, ARREST, DIE or -1), as :meth:`Journey._travel` chooses it."""
    last = f.shape[1] - 1
    exits = np.empty(rows.size, dtype=np.int64)
    rates = np.empty(3)
    for i in range(rows.size):
        r, j = rows[i], min(i, last)
        k = route[r] - 1  # index into ONWARD_ROUTES
        arrive = MONTHS_PER_YEAR / months[k] * onward * f[0, j]
        p_arrest = min(arrest_p[k] * arrest * f[1, j], ceiling)
        rates[ARRIVE] = arrive
        rates[ARREST] = arrive * p_arrest / (1 - p_arrest)
        rates[DIE] = mortality_one(mortality, month, birth_month[r], female[r])
        exits[i] = exit_chosen(draw(key, uid[r]), rates)
    return exits


@numba.njit(cache=True, nogil=True)
def _detention_month(rows, month, key, uid, birth_month, female, release,
                     mortality):  # pragma: no cover - tested against the reference
    """Each detainee's exit (0 released to the South, 1 died, -1 none), as
    :meth:`Journey._detained` chooses it."""
    exits = np.empty(rows.size, dtype=np.int64)
    rates = np.empty(2)
    for i in range(rows.size):
        r = rows[i]
        rates[0] = release
        rates[1] = mortality_one(mortality, month, birth_month[r], female[r])
        exits[i] = exit_chosen(draw(key, uid[r]), rates)
    return exits


@numba.njit(cache=True, nogil=True)
def _choose_route(rows, month, key, cum, routes, uid, route,
                  journey_month):  # pragma: no cover - compiled; tested against the reference
    """:meth:`Journey.reference_choose_route` without the move: each row's route by inverting
    the cumulative shares ``cum`` at its uniform."""
    for r in rows:
        route[r] = routes[invert_one(draw(key, uid[r]), cum)]
        journey_month[r] = month


def smallest(u: np.ndarray, count: int) -> np.ndarray:
    """Mask of the ``count`` smallest of ``u``, ties going to the first: the set of the first
    ``count`` of a stable argsort, from a partial sort (an airlift chooses hundreds among tens of
    thousands)."""
    if count >= u.size:
        return np.ones(u.size, dtype=bool)
    if count <= 0:
        return np.zeros(u.size, dtype=bool)
    kth = np.partition(u, count - 1)[count - 1]
    mask = u < kth
    tied = np.flatnonzero(u == kth)
    mask[tied[: count - np.count_nonzero(mask)]] = True
    return mask
