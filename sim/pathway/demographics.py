"""Who leaves North Korea, and mortality.

Attribute distributions come from ``sim/data/attributes.yaml`` (MOU tables, with sources there);
the shares not published are parameters with priors in ``parameters/pathway.yaml``.

Age: the MOU table gives age at *entry* to South Korea. Ages at departure are drawn from a table
derived from it (:func:`departure_age_weights`): the band shares that, with a time abroad uniform
between 0 and twice ``years_abroad_at_entry`` added, give the entry table back (time abroad: Yoon
2003, MOU 2004 and 2009). Taking a drawn time abroad off each entry age instead would spread the
ages twice, once for the time taken off and once for the time then lived abroad.

Mortality: a Gompertz law in age whose level at 30 is that of as many men as women, men's rate
``mortality_male_ratio`` times women's at every age (Statistics Korea life tables: two to three
times between 30 and 75). Most defectors are women, so one rate for both sexes would overstate
their deaths (a target: the 877 deaths of 2013-2022 that 100 suicides at 11.4% of deaths imply;
MOU / Korea Hana Foundation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import numba
import numpy as np
import yaml
from scipy.optimize import nnls

from ..engine.calendar import MONTHS_PER_YEAR
from ..engine.hazards import gompertz_one, gompertz_rate
from ..engine.module import Field, Module
from ..engine.parameters import Parameters
from ..engine.randomness import Streams, categorical, cumulative, draw, invert, invert_one


class Demographics(Module):
    """Who people are when they leave North Korea (drawn once), and mortality."""

    fields = {
        "province": Field(np.int8, 0, "province of origin (attributes.yaml categories)"),
        "occupation": Field(np.int8, 0, "occupation in North Korea"),
        "education": Field(np.int8, 0, "education in North Korea"),
        "with_family": Field(np.bool_, False, "travels with family"),
        "family_left_behind": Field(np.bool_, False, "left family in North Korea"),
        "trauma": Field(np.bool_, False, "trauma before leaving"),
    }
    parameter_files = ("pathway",)
    streams = ("attr.*", "initial.sex")


@dataclass(frozen=True)
class AttributeTables:
    """The attribute distributions, as arrays ready for sampling."""

    age_bands: np.ndarray  # (k, 2) years
    age_weights: np.ndarray  # (2, k): row 0 male, row 1 female
    occupation: list[str]
    occupation_weights: np.ndarray  # (2, k)
    education: list[str]
    education_shares: np.ndarray
    province: list[str]
    province_from: np.ndarray  # first year of each period
    province_shares: np.ndarray  # (periods, k)
    with_family_share: float

    @cached_property
    def cumulative(self) -> dict[str, np.ndarray]:
        """Cumulative shares for sampling by inversion, as :func:`categorical` makes them
        (age and occupation: one row per sex; province: one row per period)."""
        def cum(weights: np.ndarray) -> np.ndarray:
            return np.cumsum(weights / weights.sum(axis=-1, keepdims=True), axis=-1)

        return {"age": cum(self.age_weights), "occupation": cum(self.occupation_weights),
                "education": cum(self.education_shares), "province": cum(self.province_shares)}

    def departure_cumulative(self, mean_years: float) -> np.ndarray:
        """Cumulative age-band shares at departure (one row per sex) for a mean time abroad
        (``mean_years`` 0: the entry table), made once per value."""
        cache = self._departure_cache
        if mean_years not in cache:
            if len(cache) >= DEPARTURE_TABLES_KEPT:
                cache.clear()
            cache[mean_years] = np.array([
                cumulative(departure_age_weights(self.age_bands, w, mean_years))
                for w in self.age_weights])
        return cache[mean_years]

    @cached_property
    def _departure_cache(self) -> dict[float, np.ndarray]:
        return {}

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> AttributeTables:
        """Read the tables shipped with the package (once per process: they are immutable)."""
        text = resources.files("sim.data").joinpath("attributes.yaml").read_text()
        t = yaml.safe_load(text)
        age, occ, edu, prov = (t["age_at_entry"], t["occupation"], t["education"],
                               t["origin_province"])
        return cls(
            age_bands=np.array(age["bands"], dtype=np.float64),
            age_weights=np.array([age["male"], age["female"]], dtype=np.float64),
            occupation=occ["categories"],
            occupation_weights=np.array([occ["male"], occ["female"]], dtype=np.float64),
            education=edu["categories"],
            education_shares=np.array(edu["shares"], dtype=np.float64),
            province=prov["categories"],
            province_from=np.array([p["from"] for p in prov["periods"]]),
            province_shares=np.array([p["shares"] for p in prov["periods"]], dtype=np.float64),
            with_family_share=float(t["travels_with_family"]["share"]),
        )


DEPARTURE_TABLES_KEPT = 64  # tables of ages at departure kept for recent mean times abroad
ATTRIBUTE_STREAMS = ("age_band", "age", "occupation", "education", "province", "family",
                     "left_behind", "trauma")  # one uniform each per person, in order
ATTRIBUTE_KEYS = tuple(f"attr.{name}" for name in ATTRIBUTE_STREAMS)  # their stream names


def _ramp_integral(u: np.ndarray, width: float) -> np.ndarray:
    """The integral from -inf to ``u`` of min(max(x / ``width``, 0), 1) dx."""
    return np.where(u <= 0, 0.0, np.where(u < width, u * u / (2 * width), u - width / 2))


def entry_band_matrix(bands: np.ndarray, mean_years: float) -> np.ndarray:
    """``K[j, i]``: the chance that someone who leaves at an age uniform in band ``i`` and spends
    a time uniform on [0, 2 x ``mean_years``] abroad enters the South in band ``j`` (the last
    band open above); exact, from the distribution of the sum of two uniforms."""
    k = len(bands)
    width = 2.0 * mean_years
    if width <= 0:
        return np.eye(k)
    low, high = bands[:, 0][None, :], bands[:, 1][None, :]

    def below(age):  # P(age at departure + time abroad < age), entry edges down, bands across
        return (_ramp_integral(age - low, width) - _ramp_integral(age - high, width)) / (
            high - low)

    under = below(bands[1:, 0][:, None])  # up to each band's upper edge, the last band open
    return np.diff(np.vstack([np.zeros((1, k)), under, np.ones((1, k))]), axis=0)


def departure_age_weights(bands: np.ndarray, entry_weights: np.ndarray,
                          mean_years: float) -> np.ndarray:
    """Age-band shares at departure whose ages plus a time abroad uniform on [0, 2 x
    ``mean_years``] reproduce the shares at entry ``entry_weights`` (non-negative least squares:
    the closest non-negative shares where no exact ones exist)."""
    target = np.asarray(entry_weights, dtype=np.float64)
    target = target / target.sum()
    if mean_years <= 0:
        return target
    shares, _ = nnls(entry_band_matrix(np.asarray(bands, dtype=np.float64), mean_years), target)
    return shares / shares.sum()


def draw_attributes(tables: AttributeTables, params: Parameters, streams: Streams,
                    month: int, year: int, uids: np.ndarray, female: np.ndarray,
                    at_entry: bool = False) -> dict:
    """Attributes at departure for new people (one uniform per attribute per person): the
    rules of :func:`reference_attributes`, compiled into one pass. ``at_entry``: the ages are
    ages at entry to the South (people already there), with no time abroad taken off."""
    keys = streams.keys(ATTRIBUTE_KEYS, month)
    period = max(int(np.searchsorted(tables.province_from, year, side="right")) - 1, 0)
    cum = tables.cumulative
    shares = np.array([tables.with_family_share, params["family_left_behind_share"],
                       params["trauma_share"]])
    ages = tables.departure_cumulative(0.0 if at_entry else params["years_abroad_at_entry"])
    out = _attributes(keys, np.ascontiguousarray(uids, dtype=np.int64), female, month,
                      tables.age_bands, ages, cum["occupation"], cum["education"],
                      cum["province"][period], shares)
    return dict(zip(("birth_month", "occupation", "education", "province", "with_family",
                     "family_left_behind", "trauma"), out, strict=True))


@numba.njit(cache=True, nogil=True)
def _attributes(keys, uids, female, month, bands, age_cum, occupation_cum, education_cum,
                province_cum, shares):  # pragma: no cover - tested against the reference
    n = uids.size
    birth = np.empty(n, dtype=np.int32)
    occupation, education, province = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
                                       np.empty(n, dtype=np.int64))
    flags = np.empty((3, n), dtype=np.bool_)
    for i in range(n):
        sex = 1 if female[i] else 0
        band = invert_one(draw(keys[0], uids[i]), age_cum[sex])
        low, high = bands[band, 0], bands[band, 1]
        age = low + draw(keys[1], uids[i]) * (high - low)
        birth[i] = month - np.int32(np.floor(age * MONTHS_PER_YEAR))
        occupation[i] = invert_one(draw(keys[2], uids[i]), occupation_cum[sex])
        education[i] = invert_one(draw(keys[3], uids[i]), education_cum)
        province[i] = invert_one(draw(keys[4], uids[i]), province_cum)
        for k in range(3):
            flags[k, i] = draw(keys[5 + k], uids[i]) < shares[k]
    return birth, occupation, education, province, flags[0], flags[1], flags[2]


def reference_attributes(tables: AttributeTables, params: Parameters, streams: Streams,
                         month: int, year: int, uids: np.ndarray, female: np.ndarray,
                         at_entry: bool = False) -> dict:
    """Attributes at departure for new people (NumPy)."""
    u = {name: streams.uniforms(f"attr.{name}", month, uids) for name in ATTRIBUTE_STREAMS}
    sex = female.astype(np.int64)
    ages = tables.departure_cumulative(0.0 if at_entry else params["years_abroad_at_entry"])
    band = np.where(female, invert(u["age_band"], ages[1]), invert(u["age_band"], ages[0]))
    low, high = tables.age_bands[band, 0], tables.age_bands[band, 1]
    age = low + u["age"] * (high - low)
    age_months = np.floor(age * MONTHS_PER_YEAR).astype(np.int32)
    occupation = categorical(u["occupation"], tables.occupation_weights[sex])
    period = np.searchsorted(tables.province_from, year, side="right") - 1
    return {
        "birth_month": month - age_months,
        "occupation": occupation,
        "education": categorical(u["education"], tables.education_shares),
        "province": categorical(u["province"], tables.province_shares[max(period, 0)]),
        "with_family": u["family"] < tables.with_family_share,
        "family_left_behind": u["left_behind"] < params["family_left_behind_share"],
        "trauma": u["trauma"] < params["trauma_share"],
    }


def mortality_rate(params: Parameters, age_years: np.ndarray, female, multiplier: float = 1.0):
    """Annual all-cause mortality by age (Gompertz) and sex (:func:`sex_factors`), times a
    stage multiplier."""
    return (multiplier * sex_factor(params, female)
            * gompertz_rate(age_years, params["mortality_at_30"], params["mortality_slope"]))


def sex_factors(params: Parameters) -> tuple[float, float]:
    """Ratios of men's and of women's mortality to that of as many men as women at the same age
    (the level of ``mortality_at_30``), men's being ``mortality_male_ratio`` times women's:
    ``2r / (1 + r)`` and ``2 / (1 + r)``."""
    ratio = params["mortality_male_ratio"]
    return 2.0 * ratio / (1.0 + ratio), 2.0 / (1.0 + ratio)


def mortality_terms(params: Parameters, multiplier: float = 1.0) -> np.ndarray:
    """What compiled kernels need of :func:`mortality_rate`: the level at 30, the slope, and the
    multipliers of men and of women (the stage's ``multiplier`` times :func:`sex_factors`)."""
    men, women = sex_factors(params)
    return np.array([params["mortality_at_30"], params["mortality_slope"], multiplier * men,
                     multiplier * women])


@numba.njit(inline="always")
def mortality_one(terms, month, birth_month, female):  # pragma: no cover - compiled
    """:func:`mortality_rate` of one person at this month's age, from :func:`mortality_terms`."""
    age = (month - birth_month) / MONTHS_PER_YEAR
    multiplier = terms[3] if female else terms[2]
    return multiplier * gompertz_one(age, terms[0], terms[1])


def sex_factor(params: Parameters, female):
    """Each person's factor of :func:`sex_factors` (``female``: a flag or an array of them)."""
    men, women = sex_factors(params)
    return np.where(female, women, men)
