"""Social ties: the people a defector can rely on.

Ties among defectors are the edges of a graph, held as NumPy edge arrays so that the monthly rules
stay vectorised at full scale; :meth:`SocialTies.graph` gives the same graph as a networkx
``Graph`` for analysis, export and communities. Ties to South Koreans are counts per person
(South Koreans are not agents), and so are relatives living in the same household.

Ties form in the Hanawon cohort (separate campuses for women and men), at the regional Hana Center
during the year of case management, through churches and NGOs, with colleagues at work and with
neighbours; relatives in the South who paid a broker for a family member are tied to them for
good. Other ties fade. Rates in ``sim/data/parameters/ties.yaml``.
"""

from __future__ import annotations

from enum import IntEnum

import networkx as nx
import numpy as np

from .hazards import monthly_probability
from .randomness import pair_ids
from .stages import RESIDENTS, Work


CHANNELS = {  # lever channels these rules read (see sim/levers)
    "hana_tie": "ties formed at the Hana Center (and who is still in case management)",
    "sk_tie_gain": "the rate of gaining ties to South Korean colleagues and neighbours",
}


class Tie(IntEnum):
    """How a tie between two defectors was formed."""

    COHORT = 0
    HANA_CENTER = 1
    COMMUNITY = 2
    FAMILY = 3


def pair_up(rows: np.ndarray, u: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Random pairs (k, 2) among ``rows``, within groups: shuffle by ``u``, pair neighbours."""
    key = u if groups is None else groups + u  # u in [0, 1): sorts within each group
    order = rows[np.argsort(key, kind="stable")]
    g = None if groups is None else np.sort(key).astype(np.int64)
    a, b = order[0:-1:2], order[1::2]
    if g is not None:
        same = g[0:-1:2] == g[1::2]
        a, b = a[same], b[same]
    return np.column_stack([a, b])


class SocialTies:
    """Module for ties among defectors (a graph) and with South Koreans (counts)."""

    def __init__(self, model) -> None:
        self.model = model
        self.u = np.zeros(0, dtype=np.int64)
        self.v = np.zeros(0, dtype=np.int64)
        self.kind = np.zeros(0, dtype=np.int8)
        self.since = np.zeros(0, dtype=np.int32)
        self._degree = np.zeros(0, dtype=np.int64)
        self._rely = np.zeros(0, dtype=np.int64)  # people to rely on, counted after the tie step
        self._contacts: tuple[int, np.ndarray] | None = None  # (month, employed contacts)

    # --- forming and fading -------------------------------------------------------------------
    def add(self, pairs: np.ndarray, kind: Tie, month: int) -> None:
        """Add ties between the rows in each pair (self-ties and repeats are dropped)."""
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        self.u = np.concatenate([self.u, pairs[:, 0]])
        self.v = np.concatenate([self.v, pairs[:, 1]])
        self.kind = np.concatenate([self.kind, np.full(len(pairs), kind, dtype=np.int8)])
        self.since = np.concatenate([self.since, np.full(len(pairs), month, dtype=np.int32)])

    def start(self, rows: np.ndarray, month: int) -> None:
        """Hanawon cohort ties among those leaving this month, and Hana Center assignment."""
        m = self.model
        pop, p = m.population, m.params
        uid = pop.uid[rows]
        pop.hana_center[rows] = np.floor(m.streams.uniforms("ties.center", month, uid)
                                         * p["hana_centers"]).astype(np.int16)
        for r in range(int(round(p["cohort_ties"]))):
            u = m.streams.uniforms(f"ties.cohort.{r}", month, uid)
            self.add(pair_up(rows, u, pop.female[rows].astype(np.int64)), Tie.COHORT, month)

    def family(self, sponsors: np.ndarray, relatives: np.ndarray, month: int) -> None:
        """A relative who reaches the South is tied for good to the sponsor who paid for them."""
        self.add(np.column_stack([sponsors, relatives]), Tie.FAMILY, month)

    def step(self, month: int, residents: np.ndarray) -> None:
        """Fade old ties, form new ones, and update everyone's number of ties."""
        m = self.model
        pop = m.population
        self._fade(month)
        self._defector_ties(residents, month)
        self._south_korean_ties(residents, month)
        self._degree = self._count(pop.n)
        n = pop.n
        self._rely = (self._degree + pop.sk_ties[:n]
                      + np.maximum(pop.household_size[:n].astype(np.int64) - 1, 0))

    def _fade(self, month: int) -> None:
        pop, p = self.model.population, self.model.params
        alive = np.isin(pop.stage[self.u], RESIDENTS) & np.isin(pop.stage[self.v], RESIDENTS)
        u = self.model.streams.uniforms("ties.fade", month, pair_ids(pop.uid[self.u],
                                                                     pop.uid[self.v]))
        fades = (self.kind != Tie.FAMILY) & (u < monthly_probability(p["defector_tie_fade_rate"]))
        keep = alive & ~fades
        self.u, self.v, self.kind, self.since = (self.u[keep], self.v[keep], self.kind[keep],
                                                 self.since[keep])

    def _defector_ties(self, residents: np.ndarray, month: int) -> None:
        """Ties at the Hana Center (first year) and through churches and NGOs (any time)."""
        m = self.model
        pop, p = m.population, m.params
        uid = pop.uid[residents]
        managed = ((month - pop.left_hanawon_month[residents] < p["case_management_months"])
                   | m.levers.acting("hana_tie", residents, month))
        rate = (np.where(managed, p["hana_center_tie_rate"], 0.0)
                * m.levers.factor("hana_tie", residents, month))
        u = m.streams.uniforms("ties.hana", month, uid)
        meet = residents[u < monthly_probability(rate)]
        self.add(pair_up(meet, m.streams.uniforms("ties.hana_pair", month, pop.uid[meet]),
                         pop.hana_center[meet].astype(np.int64)), Tie.HANA_CENTER, month)
        u = m.streams.uniforms("ties.community", month, uid)
        meet = residents[u < monthly_probability(p["community_tie_rate"])]
        self.add(pair_up(meet, m.streams.uniforms("ties.community_pair", month, pop.uid[meet])),
                 Tie.COMMUNITY, month)

    def _south_korean_ties(self, residents: np.ndarray, month: int) -> None:
        """Colleagues and neighbours: at most one new tie and one lost tie a month each."""
        m = self.model
        pop, p = m.population, m.params
        uid = pop.uid[residents]
        employed = pop.work[residents] == Work.EMPLOYED
        rate = ((p["neighbour_sk_tie_rate"] + np.where(employed, p["work_sk_tie_rate"], 0.0))
                * m.levers.factor("sk_tie_gain", residents, month))
        gain = m.streams.uniforms("ties.sk_gain", month, uid) < monthly_probability(rate)
        ties = pop.sk_ties[residents].astype(np.float64)
        lose = m.streams.uniforms("ties.sk_lose", month, uid) < monthly_probability(
            p["sk_tie_fade_rate"] * ties)
        pop.sk_ties[residents] += gain.astype(np.int16) - lose.astype(np.int16)

    def _count(self, n: int) -> np.ndarray:
        return (np.bincount(self.u, minlength=n) + np.bincount(self.v, minlength=n))[:n]

    # --- what the other modules use -----------------------------------------------------------
    def defector_ties(self, rows: np.ndarray) -> np.ndarray:
        """Number of ties with other defectors in the South."""
        deg = self._degree
        out = np.zeros(rows.size, dtype=np.int64)
        known = rows < deg.size
        out[known] = deg[rows[known]]
        return out

    def people_to_rely_on(self, rows: np.ndarray) -> np.ndarray:
        """Ties with defectors and South Koreans, and relatives in the same household (as
        counted at this month's tie step; nothing changes them later in the month)."""
        if rows.size and rows.max() < self._rely.size:
            return self._rely[rows]
        pop = self.model.population
        return (self.defector_ties(rows) + pop.sk_ties[rows]
                + np.maximum(pop.household_size[rows].astype(np.int64) - 1, 0))

    def lonely(self, rows: np.ndarray) -> np.ndarray:
        """Fewer people to rely on than ``lonely_below_ties``."""
        return self.people_to_rely_on(rows) < self.model.params["lonely_below_ties"]

    def employed_contacts(self, rows: np.ndarray, sk_employment_pct: float,
                          month: int) -> np.ndarray:
        """Expected number of contacts in work: employed defector ties plus South Korean ties
        times the South Korean employment rate (for job referrals). The defector part is counted
        once a month, before anyone's job changes."""
        pop = self.model.population
        if self._contacts is None or self._contacts[0] != month:
            n = pop.n
            employed = pop.work[:n] == Work.EMPLOYED
            via = (np.bincount(self.u, weights=employed[self.v], minlength=n)
                   + np.bincount(self.v, weights=employed[self.u], minlength=n))
            self._contacts = (month, via)
        return self._contacts[1][rows] + pop.sk_ties[rows] * sk_employment_pct / 100.0

    # --- analysis -----------------------------------------------------------------------------
    def graph(self) -> nx.Graph:
        """The ties among defectors now in the South as a networkx graph (nodes are population
        rows, with sex, arrival month and ties to South Koreans; edges carry their kind)."""
        pop = self.model.population
        g = nx.Graph()
        rows = np.flatnonzero(np.isin(pop.stage[: pop.n], RESIDENTS))
        g.add_nodes_from((int(r), {"female": bool(pop.female[r]),
                                   "arrival_month": int(pop.arrival_month[r]),
                                   "sk_ties": int(pop.sk_ties[r])}) for r in rows)
        both = np.isin(pop.stage[self.u], RESIDENTS) & np.isin(pop.stage[self.v], RESIDENTS)
        g.add_edges_from((int(a), int(b), {"kind": Tie(k).name.lower(), "since": int(s)})
                         for a, b, k, s in zip(self.u[both], self.v[both], self.kind[both],
                                               self.since[both], strict=True))
        return g
