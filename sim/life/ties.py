"""Social ties: the people a defector can rely on.

Ties among defectors are the edges of a graph, held as NumPy edge arrays so that the monthly rules
stay vectorised at full scale; :meth:`SocialTies.graph` gives the same graph as a networkx ``Graph``
for analysis, export and communities. The edge table is a relation of the population
(``population.ties``), so other rules read it through the population, never through this module.
Ties to South Koreans are counts per person (South Koreans are not agents), and so are relatives
living in the same household.

Ties form in the Hanawon cohort (separate campuses for women and men), at the regional Hana Center
during the year of case management, through churches and NGOs, with colleagues at work and with
neighbours; relatives in the South who paid a broker for a family member are tied to them for
good. Other ties fade. Rates in ``sim/data/parameters/ties.yaml``.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

import networkx as nx
import numba
import numpy as np

from ..engine.hazards import happens, monthly_probability
from ..engine.kernels import kept_zeros, twin
from ..engine.module import Field, Module
from ..engine.parameters import parameter_record
from ..engine.population import months_since, months_since_one
from ..engine.randomness import draw, pair_id, pair_ids
from ..engine.stages import IS_RESIDENT, Work


class Tie(IntEnum):
    """How a tie between two defectors was formed."""

    COHORT = 0
    HANA_CENTER = 1
    COMMUNITY = 2
    FAMILY = 3


class TieTable:
    """The ties among defectors: one row per tie (population rows ``u`` and ``v``, how and when
    it formed). The columns are views of buffers that grow by doubling, so adding a month's ties
    copies only them, not every tie made so far."""

    COLUMNS = (("u", np.int64), ("v", np.int64), ("kind", np.int8), ("since", np.int32))

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._buffers = {name: np.zeros(capacity, dtype=dtype) for name, dtype in self.COLUMNS}
        self._views()

    def _views(self) -> None:
        for name, buffer in self._buffers.items():
            setattr(self, name, buffer[: self.n])

    def _room(self, size: int) -> None:
        """Buffers of at least ``size`` rows (doubling), the ties so far kept."""
        if size > self._buffers["u"].size:
            for name, old in self._buffers.items():
                grown = np.zeros(max(2 * old.size, size), dtype=old.dtype)
                grown[: self.n] = old[: self.n]
                self._buffers[name] = grown

    def _append(self, columns) -> None:
        """Append ties given column by column (u, v, kind, since; arrays or scalars)."""
        end = self.n + len(columns[0])
        self._room(end)
        for buffer, values in zip(self._buffers.values(), columns, strict=True):
            buffer[self.n:end] = values
        self.n = end
        self._views()

    def add(self, pairs: np.ndarray, kind: Tie, month: int) -> None:
        """Add ties between the rows in each pair (self-ties are dropped)."""
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        self._append((pairs[:, 0], pairs[:, 1], kind, month))

    def add_columns(self, u: np.ndarray, v: np.ndarray, kind: np.ndarray, month: int) -> None:
        """Add ties given as columns (no self-ties among them), each of its own kind."""
        self._append((u, v, kind, month))

    def replace(self, u, v, kind, since) -> None:
        """Replace every tie by the ties given column by column."""
        self.n = 0
        self._append((u, v, kind, since))

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the ties where ``mask`` holds (in their order)."""
        kept = int(np.count_nonzero(mask))
        for buffer in self._buffers.values():
            buffer[:kept] = buffer[: self.n][mask]
        self.n = kept
        self._views()

    def renumber(self, new: np.ndarray) -> None:
        """The population's rows were renumbered: old row ``r`` is ``new[r]``."""
        for name in ("u", "v"):
            column = self._buffers[name][: self.n]
            column[:] = new[column]

    def degree(self, n: int) -> np.ndarray:
        """Number of ties of each of the first ``n`` rows."""
        return np.bincount(np.concatenate([self.u, self.v]), minlength=n)[:n]

    def neighbours_with(self, flag: np.ndarray, n: int) -> np.ndarray:
        """For each of the first ``n`` rows, how many of its tied people have ``flag`` (one
        compiled pass over the ties)."""
        return _neighbours_with(self.u, self.v, flag, n)


@numba.njit(cache=True, nogil=True)
def _neighbours_with(u, v, flag, n):  # pragma: no cover - compiled; tested against bincount
    out = np.zeros(n, dtype=np.float64)
    for t in range(u.size):
        out[u[t]] += flag[v[t]]
        out[v[t]] += flag[u[t]]
    return out


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


class SocialTies(Module):
    """Module for ties among defectors (the population's tie table) and with South Koreans
    (counts); it keeps each person's number of people to rely on (``rely_on``)."""

    fields = {
        "hana_center": Field(np.int16, 0, "regional Hana Center"),
        "sk_ties": Field(np.int16, 0, "South Koreans to rely on"),
        "rely_on": Field(np.int64, 0, "people to rely on: defectors, South Koreans, household "
                                      "(counted for residents at this month's tie step)"),
    }
    relations = {"ties": TieTable}
    parameter_files = ("ties",)
    streams = ("ties.*",)
    channels = {
        "hana_tie": "ties formed at the Hana Center (and who is still in case management)",
        "sk_tie_gain": "the rate of gaining ties to South Korean colleagues and neighbours",
    }
    handles = {"left_hanawon": "start", "settled_before_start": "settle"}

    def __init__(self, model) -> None:
        super().__init__(model)
        self._listed = np.zeros(0, dtype=np.bool_)  # _count_rely_on's marks, all False between

    def settle(self, rows: np.ndarray, month: int) -> None:
        """The regional Hana Center (for people settled before the model starts, that alone)."""
        m = self.model
        u = m.streams.uniforms("ties.center", month, m.population.uid[rows])
        m.population.hana_center[rows] = np.floor(u * m.params["hana_centers"]).astype(np.int16)

    def start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: the rules of :meth:`reference_start` in one compiled pass."""
        m = self.model
        pop, p = m.population, m.params
        streams = start_streams(int(round(p["cohort_ties"])))
        u, v, kind = _start(rows, m.streams.keys(streams, month), float(p["hana_centers"]),
                            pop.uid, pop.female, pop.sponsor_row, pop.stage, IS_RESIDENT,
                            pop.hana_center)
        pop.ties.add_columns(u, v, kind, month)

    def reference_start(self, rows: np.ndarray, month: int) -> None:
        """On leaving Hanawon: Hana Center assignment, ties in the Hanawon cohort, and a tie for
        good to the relative who paid the broker, if they live in the South (NumPy)."""
        self.settle(rows, month)
        m = self.model
        pop, p = m.population, m.params
        uid = pop.uid[rows]
        for stream in start_streams(int(round(p["cohort_ties"])))[1:]:
            u = m.streams.uniforms(stream, month, uid)
            pop.ties.add(pair_up(rows, u, pop.female[rows].astype(np.int64)), Tie.COHORT, month)
        sponsor = pop.sponsor_row[rows]
        joined = (sponsor >= 0) & IS_RESIDENT[pop.stage[np.maximum(sponsor, 0)]]
        pop.ties.add(np.column_stack([sponsor[joined], rows[joined]]), Tie.FAMILY, month)

    def step(self, month: int) -> None:
        """Fade old ties, form new ones, and count everyone's people to rely on: the rules of
        :meth:`reference_step`, the draws of each person and tie compiled into one pass."""
        m = self.model
        pop, q, residents = m.population, m.params.record(Rates), m.residents()
        ties = pop.ties
        ties.keep(_kept_ties(ties.u, ties.v, ties.kind, m.streams.key("ties.fade", month),
                             q, pop.uid, pop.stage, IS_RESIDENT))
        keys = m.streams.keys(STREAMS, month)
        hana, community = _meet(residents, month, keys, q,
                                m.levers.factors(CHANNELS, residents, month),
                                m.levers.serving("hana_tie", residents, month), pop.uid,
                                pop.left_hanawon_month, pop.work, pop.sk_ties)
        self._pair(hana, month, "ties.hana_pair", pop.hana_center[hana].astype(np.int64),
                   Tie.HANA_CENTER)
        self._pair(community, month, "ties.community_pair", None, Tie.COMMUNITY)
        self._count_rely_on()

    def _count_rely_on(self) -> None:
        """Everyone's people to rely on: defectors tied, South Koreans, household (for the
        residents, recounted: some may have died this month)."""
        pop = self.model.population
        self._listed = kept_zeros(self._listed, pop.n)
        _count_rely_on(self.model.residents(), self._listed, pop.ties.u, pop.ties.v, pop.sk_ties,
                       pop.household_size, pop.rely_on)

    def _reference_rely_on(self) -> None:
        """:meth:`_count_rely_on` in NumPy."""
        pop, residents = self.model.population, self.model.residents()
        pop.rely_on[residents] = (pop.ties.degree(pop.n)[residents] + pop.sk_ties[residents]
                                  + np.maximum(pop.household_size[residents] - 1, 0))

    def _pair(self, meet: np.ndarray, month: int, stream: str, groups, kind: Tie) -> None:
        """Ties among the people who met this month, paired at random (within ``groups``)."""
        if meet.size < 2:
            return
        m = self.model
        u = m.streams.uniforms(stream, month, m.population.uid[meet])
        m.population.ties.add(pair_up(meet, u, groups), kind, month)

    def reference_step(self, month: int) -> None:
        """Fade old ties, form new ones, and count everyone's people to rely on (NumPy)."""
        residents = self.model.residents()
        self._fade(month)
        self._defector_ties(residents, month)
        self._south_korean_ties(residents, month)
        self._reference_rely_on()

    def _fade(self, month: int) -> None:
        pop, p = self.model.population, self.model.params
        ties = pop.ties
        alive = IS_RESIDENT[pop.stage[ties.u]] & IS_RESIDENT[pop.stage[ties.v]]
        u = self.model.streams.uniforms("ties.fade", month, pair_ids(pop.uid[ties.u],
                                                                     pop.uid[ties.v]))
        fades = (ties.kind != Tie.FAMILY) & (u < monthly_probability(p["defector_tie_fade_rate"]))
        ties.keep(alive & ~fades)

    def _defector_ties(self, residents: np.ndarray, month: int) -> None:
        """Ties at the Hana Center (first year) and through churches and NGOs (any time)."""
        m = self.model
        pop, p = m.population, m.params
        uid = pop.uid[residents]
        managed = ((months_since(pop.left_hanawon_month[residents], month)
                    < p["case_management_months"])
                   | m.levers.serving("hana_tie", residents, month))
        rate = (np.where(managed, p["hana_center_tie_rate"], 0.0)
                * m.levers.factor("hana_tie", residents, month))
        u = m.streams.uniforms("ties.hana", month, uid)
        meet = residents[u < monthly_probability(rate)]
        self._pair(meet, month, "ties.hana_pair", pop.hana_center[meet].astype(np.int64),
                   Tie.HANA_CENTER)
        u = m.streams.uniforms("ties.community", month, uid)
        self._pair(residents[u < monthly_probability(p["community_tie_rate"])], month,
                   "ties.community_pair", None, Tie.COMMUNITY)

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


def lonely(rely_on: np.ndarray, p) -> np.ndarray:
    """Fewer people to rely on than ``lonely_below_ties``."""
    return rely_on < p["lonely_below_ties"]


def employed_contacts(pop, rows: np.ndarray, via_defectors: np.ndarray,
                      sk_employment_pct: float) -> np.ndarray:
    """Expected number of contacts in work: employed defector ties (``via_defectors``, counted
    once a month before anyone's job changes) plus South Korean ties times the South Korean
    employment rate (for job referrals)."""
    return via_defectors[rows] + pop.sk_ties[rows] * sk_employment_pct / 100.0


def graph(pop) -> nx.Graph:
    """The ties among defectors now in the South as a networkx graph (nodes are the people's
    uids, which stay theirs for the whole run, unlike their rows; with sex, arrival month and ties
    to South Koreans; edges carry their kind)."""
    ties = pop.ties
    g = nx.Graph()
    rows = np.flatnonzero(IS_RESIDENT[pop.stage[: pop.n]])
    g.add_nodes_from((int(pop.uid[r]), {"female": bool(pop.female[r]),
                                        "arrival_month": int(pop.arrival_month[r]),
                                        "sk_ties": int(pop.sk_ties[r])}) for r in rows)
    both = IS_RESIDENT[pop.stage[ties.u]] & IS_RESIDENT[pop.stage[ties.v]]
    g.add_edges_from((int(a), int(b), {"kind": Tie(k).name.lower(), "since": int(s)})
                     for a, b, k, s in zip(pop.uid[ties.u[both]], pop.uid[ties.v[both]],
                                           ties.kind[both], ties.since[both], strict=True))
    return g


# the compiled passes (SocialTies.step): streams, lever channels and parameters, in order
STREAMS = ("ties.hana", "ties.community", "ties.sk_gain", "ties.sk_lose")
CHANNELS = ("hana_tie", "sk_tie_gain")
Rates = parameter_record("Rates", (
    "defector_tie_fade_rate", "case_management_months", "hana_center_tie_rate",
    "community_tie_rate", "neighbour_sk_tie_rate", "work_sk_tie_rate", "sk_tie_fade_rate"))
COHORT, FAMILY, EMPLOYED = int(Tie.COHORT), int(Tie.FAMILY), int(Work.EMPLOYED)


@lru_cache(maxsize=4)
def start_streams(rounds: int) -> tuple[str, ...]:
    """The streams a start draws from: the Hana Center (as :meth:`SocialTies.settle`), then each
    round of pairing in the cohort."""
    return ("ties.center", *(f"ties.cohort.{r}" for r in range(rounds)))


@numba.njit(cache=True, nogil=True)
def _start(rows, keys, hana_centers, uid, female, sponsor_row, stage, resident,
           hana_center):  # pragma: no cover - compiled; tested against the reference
    """:meth:`SocialTies.reference_start` in one pass: the Hana Center (``keys[0]``), each round
    of pairing within the cohort's sexes (``keys[1:]``, as :func:`pair_up`) and the ties to
    sponsors living in the South. Returns the new ties' columns (u, v, kind), in the order the
    reference adds them."""
    n, rounds = rows.size, keys.size - 1
    u = np.empty(rounds * (n // 2) + n, dtype=np.int64)
    v = np.empty_like(u)
    kind = np.empty(u.size, dtype=np.int8)
    for r in rows:
        hana_center[r] = np.int16(np.floor(draw(keys[0], uid[r]) * hana_centers))
    k = 0
    key = np.empty(n)
    for j in range(rounds):
        for i in range(n):
            key[i] = np.int64(female[rows[i]]) + draw(keys[1 + j], uid[rows[i]])
        order = np.argsort(key, kind="mergesort")
        for t in range(n // 2):
            a, b = order[2 * t], order[2 * t + 1]
            if np.int64(key[a]) == np.int64(key[b]) and rows[a] != rows[b]:
                u[k], v[k], kind[k] = rows[a], rows[b], COHORT
                k += 1
    for r in rows:
        s = sponsor_row[r]
        if s >= 0 and resident[stage[s]] and s != r:
            u[k], v[k], kind[k] = s, r, FAMILY
            k += 1
    return u[:k].copy(), v[:k].copy(), kind[:k].copy()


@numba.njit(cache=True, nogil=True)
def _count_rely_on(rows, listed, u, v, sk_ties, household_size,
                   rely_on):  # pragma: no cover - compiled; tested against the reference
    """People to rely on of each of ``rows``: South Koreans, the household but oneself, and
    every tie (whoever is at its other end). ``listed``, all False and at least as long as the
    population, marks the rows meanwhile and is all False again on return (kept by the module,
    as labour keeps its contacts in work, rather than made each month)."""
    for r in rows:
        listed[r] = True
        rely_on[r] = sk_ties[r] + max(household_size[r] - 1, 0)
    for t in range(u.size):
        if listed[u[t]]:
            rely_on[u[t]] += 1
        if listed[v[t]]:
            rely_on[v[t]] += 1
    for r in rows:
        listed[r] = False


@twin
def _kept_ties(u, v, kind, key, record, uid, stage, resident):  # pragma: no cover - vs reference
    """Which ties last the month: both people still residents, and the tie not faded (ties to
    family never fade); one draw per pair, keyed by the pair."""
    keep = np.empty(u.size, dtype=np.bool_)
    for t in numba.prange(u.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        keep[t] = resident[stage[u[t]]] and resident[stage[v[t]]] and (
            kind[t] == FAMILY
            or not happens(draw(key, pair_id(uid[u[t]], uid[v[t]])), q.defector_tie_fade_rate))
    return keep


@twin
def _meet(rows, month, keys, record, f, serving, uid, left_hanawon_month, work,
          sk_ties):  # pragma: no cover - tested against the reference
    """Who meets other defectors this month at the Hana Center (during case management) and
    through churches and NGOs; ties to South Koreans gained and lost. Returns the rows of the
    two meetings."""
    last = f.shape[1] - 1
    hana = np.zeros(rows.size, dtype=np.bool_)
    community = np.zeros(rows.size, dtype=np.bool_)
    for i in numba.prange(rows.size):
        q = record[0]  # in the loop: a parallel loop cannot take a record in
        r, j = rows[i], min(np.int64(i), last)
        managed = (months_since_one(left_hanawon_month[r], month) < q.case_management_months
                   or serving[i])
        # (no draw for the others: at a rate of 0 nobody meets)
        hana[i] = managed and happens(draw(keys[0], uid[r]), q.hana_center_tie_rate * f[0, j])
        community[i] = happens(draw(keys[1], uid[r]), q.community_tie_rate)
        rate = (q.neighbour_sk_tie_rate + (q.work_sk_tie_rate if work[r] == EMPLOYED else 0.0)
                ) * f[1, j]
        gain = happens(draw(keys[2], uid[r]), rate)
        lose = sk_ties[r] != 0 and happens(draw(keys[3], uid[r]),
                                           q.sk_tie_fade_rate * np.float64(sk_ties[r]))
        sk_ties[r] += np.int16(gain) - np.int16(lose)
    return rows[hana], rows[community]
