"""Lever effects as evidence: every effect size is a prior distribution with its source.

A lever's effect settings (``job_finding_multiplier`` ...) hold either a number (a fixed effect)
or a distribution, written in a scenario file as ``{dist: lognormal, median: 1.8, sigma: 0.3}``.
Each default is a prior built from the published evidence (a trial's interval where one exists,
a wide labelled assumption where none does); :func:`effect` attaches the source, the kind of
evidence and the bounds to the setting, and ``resettle levers`` prints them.

A single run uses each prior's median. In an ensemble every replicate draws each effect by
inversion of one uniform keyed by the replicate's seed, the lever type and the setting, so the
same replicate draws the same effect in every scenario (paired comparisons), and a scenario that
gives its own distribution for a setting still draws at the same quantile.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from statistics import NormalDist  # the normal cdf and quantile without SciPy (a light start);
# scipy.stats loads when a prior is drawn

from ..engine.schema import InputModel

EVIDENCE_KINDS = {
    "direct": "measured among North Korean defectors in South Korea",
    "transferred": "measured in other refugee, migrant or general populations",
    "assumption": "no usable estimate found: a wide range to explore",
}
NORMAL = NormalDist()
Z90 = NORMAL.inv_cdf(0.95)  # half-width of a 90% interval in standard deviations
# published prevalences that turn standardised effects into rate ratios (threshold models)
DISCRIMINATED = 0.202  # share discriminated against in the past year (KHF 2018)
DEPRESSION_SHARE = 0.223  # depression in years 1-3 in the South (Lee et al. 2020)


class _Dist(InputModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def ppf(self, q: float) -> float:
        """The quantile ``q`` of the distribution."""
        return float(self._frozen().ppf(q))

    def centre(self) -> float:
        """The median: what a single run uses."""
        return self.ppf(0.5)

    def interval(self, level: float = 0.90) -> tuple[float, float]:
        """The equal-tailed interval holding ``level`` of the distribution."""
        tail = (1.0 - level) / 2.0
        return self.ppf(tail), self.ppf(1.0 - tail)

    def _frozen(self):
        raise NotImplementedError


class Fixed(_Dist):
    """A fixed effect (a number in a scenario file)."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def ppf(self, q: float) -> float:
        return self.value

    def describe(self) -> str:
        return f"{self.value:g} (fixed)"


class LogNormal(_Dist):
    """Lognormal: ``median`` and ``sigma`` (the standard deviation of the logarithm)."""

    dist: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)

    def _frozen(self):
        from scipy import stats

        return stats.lognorm(s=self.sigma, scale=self.median)

    def describe(self) -> str:
        return f"lognormal(median {self.median:.3g}, sigma {self.sigma:.3g})"


class Normal(_Dist):
    """Normal: ``mean`` and ``sd``."""

    dist: Literal["normal"] = "normal"
    mean: float
    sd: float = Field(gt=0)

    def _frozen(self):
        from scipy import stats

        return stats.norm(loc=self.mean, scale=self.sd)

    def describe(self) -> str:
        return f"normal(mean {self.mean:.3g}, sd {self.sd:.3g})"


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high:g}) must be above low ({self.low:g})")
        return self

    def _frozen(self):
        from scipy import stats

        return stats.uniform(loc=self.low, scale=self.high - self.low)

    def describe(self) -> str:
        return f"uniform({self.low:g} to {self.high:g})"


class Beta(_Dist):
    """Beta with shapes ``a`` and ``b`` (for shares)."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def _frozen(self):
        from scipy import stats

        return stats.beta(self.a, self.b)

    def describe(self) -> str:
        return f"beta(a {self.a:g}, b {self.b:g})"


DISTRIBUTIONS = ("fixed", "lognormal", "normal", "uniform", "beta")


def _number_is_fixed(value: Any) -> Any:
    """A plain number in a scenario file is a fixed effect."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


Distribution = Annotated[
    Annotated[Union[Fixed, LogNormal, Normal, Uniform, Beta],  # noqa: UP007
              Field(discriminator="dist")],
    BeforeValidator(_number_is_fixed)]


def lognormal_90(low: float, high: float) -> LogNormal:
    """The lognormal whose 90% interval is [low, high] (e.g. a trial's interval as a ratio)."""
    return LogNormal(median=math.sqrt(low * high), sigma=math.log(high / low) / (2 * Z90))


def effect(prior: _Dist, *, what: str, source: str, kind: str,
           bounds: tuple[float, float] = (0.0, math.inf)) -> Any:
    """A lever effect setting: its default prior, what it multiplies, and its evidence.

    Args:
        prior: The default distribution (from the evidence).
        what: What the setting changes, in plain words.
        source: The original publications behind the prior, and how they map onto it.
        kind: One of :data:`EVIDENCE_KINDS`.
        bounds: Values a draw is clipped to (and a fixed value must lie in).
    """
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"evidence kind {kind!r}: expected one of {list(EVIDENCE_KINDS)}")
    return Field(prior, description=what,
                 json_schema_extra={"effect": True, "source": source, "kind": kind,
                                    "bounds": list(bounds)})


def half_life(prior: _Dist, *, after: str, source: str, kind: str = "assumption") -> Any:
    """The ``effect_half_life_months`` setting of a lever whose fading is uncertain: a prior
    (drawn in ensembles like the effect sizes) instead of a number; ``after``: after what the
    effect fades."""
    return effect(prior, kind=kind, bounds=(0.0, 600.0), source=source,
                  what=f"months in which the effect halves after {after}")


def effect_fields(settings_class: type[BaseModel]) -> dict[str, dict]:
    """The effect settings of a lever's settings class, with their evidence metadata."""
    out = {}
    for name, info in settings_class.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("effect"):
            out[name] = {"description": info.description or "", **extra}
    return out


def value_of(dist: _Dist, u: float | None, bounds: tuple[float, float]) -> float:
    """An effect's value: the median without a draw, else the quantile ``u``; within bounds."""
    value = dist.centre() if u is None else dist.ppf(u)
    return float(min(max(value, bounds[0]), bounds[1]))


def probit_shift(share: float, smd: float) -> float:
    """The share above a threshold after a standardised mean difference ``smd`` on a normal
    scale (a threshold model: Φ(Φ⁻¹(share) + smd)), used to turn an SMD into a share."""
    return NORMAL.cdf(NORMAL.inv_cdf(share) + smd)


STILL_ILL = (0.3, 0.7)  # share of the untreated still ill at a trial's end: an assumption


def recovery_multiplier(smd: float, still_ill: float) -> float:
    """Recovery-rate multiplier equivalent to a post-treatment SMD on symptoms: the share still
    ill moves from ``still_ill`` (of the untreated, at the end of a trial) to
    :func:`probit_shift`, and with exponential recovery the rate ratio is ln(new share) /
    ln(old share)."""
    return math.log(probit_shift(still_ill, smd)) / math.log(still_ill)


def recovery_prior(weak: float, strong: float) -> LogNormal:
    """The lognormal recovery-rate ratio for SMDs from ``weak`` to ``strong`` (a 90% interval):
    centred on their conversion with the middle of :data:`STILL_ILL`, and as wide as the range
    from ``weak`` converted with the fewest still ill (the smallest ratio) to ``strong`` with the
    most, so that what is not known of the conversion widens the prior."""
    middle = sum(STILL_ILL) / 2
    centre = lognormal_90(recovery_multiplier(weak, middle), recovery_multiplier(strong, middle))
    wide = lognormal_90(recovery_multiplier(weak, STILL_ILL[0]),
                        recovery_multiplier(strong, STILL_ILL[1]))
    return LogNormal(median=centre.median, sigma=wide.sigma)
