"""Discrimination at work and in daily life.

An experience of discrimination comes at an annual rate ``discrimination_rate`` times South Korean
prejudice (world table ``prejudice``; 1 is the level of the survey years, and scenarios may change
it) times the visibility of a person's origin, and more often at work, where people meet more South
Koreans (``work_contact_multiplier``). Visibility is the accent, which fades with years in the South
towards ``accent_floor``; people who conceal their origin are less visible. Employers discriminate
in hiring and pay in proportion to the same visibility and prejudice (:mod:`sim.life.labour`).
Survey figures: KHF 25.3% (2014) to 16.1% (2023) discriminated against in the past year.
"""

from __future__ import annotations

import numba
import numpy as np

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.hazards import CEILING_SLACK, could_happen, happens, monthly_probability
from ..engine.kernels import twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.population import NO_MONTH, years_since
from ..engine.randomness import draw
from ..engine.stages import Work


def accent(years_in_south: np.ndarray, floor: float, half_life: float) -> np.ndarray:
    """Visibility of the accent: 1 on arrival, halving above ``floor`` every ``half_life`` years."""
    return floor + (1.0 - floor) * np.exp2(-np.asarray(years_in_south) / half_life)


@numba.njit(inline="always")
def accent_one(years_in_south, floor, half_life):  # pragma: no cover - compiled; as accent
    """:func:`accent` of one person, for compiled kernels."""
    return floor + (1.0 - floor) * np.exp2(-years_in_south / half_life)


def accent_of(pop, rows: np.ndarray, month: int, p) -> np.ndarray:
    """Strength of the North Korean accent (0-1) of residents in ``month`` (``accent_factor`` is
    lowered for good by communication workshops)."""
    years = years_since(pop.arrival_month[rows], month)
    return accent(years, p["accent_floor"], p["accent_half_life_years"]) * pop.accent_factor[rows]


def visibility(pop, rows: np.ndarray, month: int, p) -> np.ndarray:
    """Visibility of origin (0-1) of residents: accent, reduced for those who conceal it."""
    conceal = np.where(pop.conceals[rows], p["conceal_visibility"], 1.0)
    return accent_of(pop, rows, month, p) * conceal


def experience_rate(vis: np.ndarray, employed: np.ndarray, prejudice, p) -> np.ndarray:
    """Annual rate of experiences of discrimination."""
    contact = np.where(employed, p["work_contact_multiplier"], 1.0)
    return p["discrimination_rate"] * prejudice * vis * contact


class Discrimination(Module):
    """Module recording experiences of discrimination among residents."""

    fields = {
        "discriminated_month": Field(np.int32, NO_MONTH, "last experience of discrimination"),
        "conceals": Field(np.bool_, False, "conceals where they come from"),
        "accent_factor": Field(np.float64, 1.0, "share of the accent left (workshops lower it)"),
    }
    parameter_files = ("discrimination",)
    streams = ("discrimination", "south.conceal")
    channels = {"prejudice": "the prejudice met when hiring, paying and meeting South Koreans"}
    handles = {"left_hanawon": "start", "settled_before_start": "start"}

    def start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: some people conceal where they come from."""
        m = self.model
        u = m.streams.uniforms("south.conceal", month, m.population.uid[rows])
        m.population.conceals[rows] = u < m.params["conceal_share"]

    def step(self, month: int) -> None:
        """Draw this month's experiences; the survey counts those in the past twelve months: the
        rule of :meth:`reference_step`, compiled into one pass over the residents."""
        m = self.model
        pop, residents = m.population, m.residents()
        prejudice = (m.world.prejudice[m.world.index(month)]
                     * m.levers.factors(("prejudice",), residents, month)[0])
        _experiences(residents, month, m.streams.key("discrimination", month),
                     m.params.record(Rates), prejudice, pop.uid, pop.arrival_month,
                     pop.accent_factor, pop.conceals, pop.work, pop.discriminated_month)

    def reference_step(self, month: int) -> None:
        """Draw this month's experiences (NumPy)."""
        m = self.model
        residents = m.residents()
        pop, p = m.population, m.params
        rate = experience_rate(visibility(pop, residents, month, p),
                               pop.work[residents] == Work.EMPLOYED,
                               m.world.prejudice[m.world.index(month)]
                               * m.levers.factor("prejudice", residents, month), p)
        u = m.streams.uniforms("discrimination", month, pop.uid[residents])
        pop.discriminated_month[residents[u < monthly_probability(rate)]] = month


Rates = parameter_record("Rates", (  # the parameters the compiled pass reads
    "discrimination_rate", "work_contact_multiplier", "accent_floor", "accent_half_life_years",
    "conceal_visibility"))
EMPLOYED = int(Work.EMPLOYED)


@twin
def _experiences(rows, month, key, record, prejudice, uid, arrival_month, accent_factor, conceals,
                 work, discriminated_month):  # pragma: no cover - tested against the reference
    """:func:`experience_rate` of each resident and a draw against it (``prejudice`` has one
    value per resident, or one for all). The accent is computed only for draws under a ceiling:
    the rate with the accent at its largest, which it reaches on arrival."""
    q = record[0]
    last = prejudice.size - 1
    ceiling = (q.discrimination_rate * max(1.0, q.accent_floor) * max(1.0, q.conceal_visibility)
               * max(1.0, q.work_contact_multiplier) * CEILING_SLACK)
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r, j = rows[i], min(np.int64(i), last)
        u = draw(key, uid[r])
        years = np.inf if arrival_month[r] == NO_MONTH else (
            month - np.int64(arrival_month[r])) / MONTHS_PER_YEAR
        if years >= 0 and not could_happen(u, ceiling * prejudice[j] * accent_factor[r]):
            continue
        accent = accent_one(years, q.accent_floor, q.accent_half_life_years)
        vis = accent * accent_factor[r] * (q.conceal_visibility if conceals[r] else 1.0)
        contact = q.work_contact_multiplier if work[r] == EMPLOYED else 1.0
        if happens(u, q.discrimination_rate * prejudice[j] * vis * contact):
            discriminated_month[r] = month
