"""Policy levers: one small module per lever, each with typed settings (its effect sizes as priors
with the evidence behind them) and a mechanism that acts through the model's rules.

The scenario schema accepts a list of levers told apart by ``type``; :class:`LeverSet` runs them
and answers the rules' question "by how much do the levers change this rate for these people?"
(:meth:`LeverSet.factor`), which is exactly 1 wherever no lever acts. The channels a lever may
multiply are declared by the modules whose rules read them (``channels`` of each module class in
:mod:`sim.pathway` and :mod:`sim.life`); a lever naming any other channel, or mapping a channel to
a setting that is not an effect, fails to load.

Adding a lever: write ``sim/levers/<name>.py`` with a ``Settings`` class (and, if it does more
than multiply rates, a :class:`Lever` subclass), and add its name to :data:`MODULES`.
"""

from __future__ import annotations

import ast
import pkgutil
import re
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Annotated, Union

import numpy as np
from pydantic import Field

from .. import life, pathway
from ..engine.errors import InputError, nearest
from ..engine.units import KRW_PER_MKRW
from .base import FOLLOW_UP_MONTHS, STATE_OUTCOMES, Eligibility, Lever, LeverSettings
from .effects import effect_fields

MODULES = ("mentorship", "peer_role_models", "vocational_training", "wage_subsidy", "microloans",
           "training_stipend", "settlement_support", "counselling", "helpline",
           "communication_workshops", "community_exchange", "media_campaign", "case_management",
           "transit_protection")
RULE_PACKAGES = (pathway, life)  # the layers whose modules declare the channels they read


def rule_modules() -> list[ModuleType]:
    """Every module of the pathway and of life in the South (imported: the compiled rules)."""
    return [import_module(f"{package.__name__}.{info.name}") for package in RULE_PACKAGES
            for info in pkgutil.iter_modules(package.__path__)]


_CHANNELS_AT = re.compile(r"^    channels\b[^=\n]*= ", re.MULTILINE)  # in a class body


def declared_channels() -> dict[str, str]:
    """Every lever channel, declared by the rule modules that read it (``channels`` of their
    classes): name -> what it changes. Read from their source, so that the levers load without
    the compiled rules (``resettle check`` starts light); a test holds it to the classes."""
    out: dict[str, str] = {}
    for package in RULE_PACKAGES:
        for info in pkgutil.iter_modules(package.__path__):
            text = (Path(package.__path__[0]) / f"{info.name}.py").read_text(encoding="utf-8")
            for match in _CHANNELS_AT.finditer(text):
                out.update(_literal_from(text, match.end()))
    return out


def _literal_from(text: str, start: int) -> dict[str, str]:
    """The literal that starts at ``start`` in ``text`` and ends at the end of one of the lines
    that follow (the first that closes it), without parsing the whole file."""
    end = text.find("\n", start)
    while end != -1:
        try:
            return ast.literal_eval(text[start:end])
        except SyntaxError:
            end = text.find("\n", end + 1)
    return ast.literal_eval(text[start:])


CHANNELS = declared_channels()


def check_channels(settings: type[LeverSettings], where: str) -> None:
    """Refuse a lever whose channels no rule reads or whose channel maps to no effect setting."""
    effects = effect_fields(settings)
    for channel, setting in settings.channel_settings.items():
        if channel not in CHANNELS:
            raise InputError(f"{where}: channel_settings: unknown channel {channel!r}"
                             f"{nearest(channel, CHANNELS)}; the rules read "
                             f"{', '.join(sorted(CHANNELS))}")
        if setting not in effects:
            raise InputError(f"{where}: channel_settings: {channel!r} maps to {setting!r}, which "
                             f"is not an effect setting{nearest(setting, effects)}")


def register(module: ModuleType) -> tuple[type[LeverSettings], type[Lever]]:
    """A lever module's settings and mechanism, checked (the mechanism defaults to
    :class:`Lever`: multiply the channels' rates for the people reached)."""
    runtime = next((v for v in vars(module).values()
                    if isinstance(v, type) and issubclass(v, Lever) and v is not Lever), Lever)
    check_channels(module.Settings, module.__name__)
    return module.Settings, runtime


LEVERS = {name: register(import_module(f".{name}", __name__)) for name in MODULES}
LeverSpec = Annotated[Union[tuple(s for s, _ in LEVERS.values())],  # noqa: UP007
                      Field(discriminator="type")]


@lru_cache(maxsize=None)
def _ones(channels: int) -> np.ndarray:
    """The factors of ``channels`` channels when no lever acts (a shared array, read-only so
    that a write fails instead of changing every later run: kernels only read it)."""
    out = np.ones((channels, 1))
    out.flags.writeable = False
    return out


class LeverSet:
    """The levers of a run (they step between the pathway and life in the South).

    Args:
        model: The model.
        specs: The scenario's levers.
        shadow: True: every lever is a shadow; False: none; a set: the indices of the levers run
            as shadows (the others act), e.g. one lever of a package switched on alone.
        draw: Draw the effect sizes from their priors (an ensemble replicate).
    """

    streams = ("lever.*", "effect.*")
    handles: dict[str, str] = {}

    def __init__(self, model, specs: list[LeverSettings], shadow: bool | frozenset[int] = False,
                 draw: bool = False) -> None:
        shadows = set(range(len(specs))) if shadow is True else set(shadow or ())
        self.model = model
        self.levers = [LEVERS[s.type][1](model, s, i in shadows, draw)
                       for i, s in enumerate(specs)]
        self._by_channel = {c: [lv for lv in self.levers if c in lv.factors] for c in CHANNELS}
        self.queried: set[str] = set()  # channels the rules asked about (a test checks them)
        self._inert: dict[tuple[str, ...], bool] = {}  # factors(): channels no lever acts on

    def renumber(self, order, new) -> None:
        """Every lever's per-person arrays follow the population's new order."""
        for lever in self.levers:
            lever.renumber(order)

    def step(self, month: int) -> None:
        """Enrol this month's people for every lever."""
        if not self.levers:
            return
        residents = self.model.residents()
        for lever in self.levers:
            lever.step(month, residents)

    def factor(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray | float:
        """Product of the levers' multipliers of ``channel`` for ``rows`` (1.0 if none acts)."""
        self.queried.add(channel)
        out: np.ndarray | float = 1.0
        for lever in self._by_channel[channel]:
            out = out * lever.factor(channel, rows, month)
        return out

    def factors(self, channels: tuple[str, ...], rows: np.ndarray, month: int) -> np.ndarray:
        """:meth:`factor` of several channels as one array for a compiled kernel: one row per
        channel and one column per person, or a single column of ones when no lever acts on any
        of them (kernels read column ``min(i, columns - 1)``)."""
        inert = self._inert.get(channels)
        if inert is None:  # no lever acts on any of them: the same for the whole run
            inert = self._inert[channels] = not any(self._by_channel[c] for c in channels)
        if inert:
            self.queried.update(channels)
            return _ones(len(channels))
        values = [self.factor(c, rows, month) for c in channels]
        if all(isinstance(v, float) and v == 1.0 for v in values):
            return _ones(len(channels))
        return np.array([np.broadcast_to(v, rows.shape) for v in values], dtype=np.float64)

    def serving(self, channel: str, rows: np.ndarray, month: int) -> np.ndarray:
        """Whether any lever serves each row through ``channel`` this month (within its
        duration), e.g. who is in case management."""
        self.queried.add(channel)
        out = np.zeros(rows.size, dtype=bool)
        for lever in self._by_channel[channel]:
            out |= lever.serving(channel, rows, month)
        return out

    def followups(self) -> list[dict]:
        """Long rows of cohort follow-ups: for each lever, months after being reached and
        outcome, the people followed and how many of them had the outcome."""
        rows = []
        for lv in self.levers:
            events, states = lv.event_follow_up(), lv.followup * lv.model.scale
            for i, k in enumerate(FOLLOW_UP_MONTHS):
                head = dict(lever=lv.label, type=lv.settings.type, months_after=k)
                for j, outcome in enumerate(STATE_OUTCOMES):
                    rows.append(head | dict(outcome=outcome, people=states[i, 0],
                                            count=states[i, 1 + j]))
                rows.append(head | dict(outcome="suicide", people=events[i, 0],
                                        count=events[i, 1]))
        return rows

    def costs(self, years) -> list[dict]:
        """Rows of people reached and cost (million KRW) by lever and year."""
        return [dict(lever=lv.label, type=lv.settings.type, year=int(y),
                     people_reached=float(lv.reached[i]), cost_mkrw=lv.cost_krw[i] / KRW_PER_MKRW)
                for lv in self.levers for i, y in enumerate(years)
                if lv.reached[i] or lv.cost_krw[i]]

    def inputs(self) -> list[dict]:
        """The effect sizes in force (drawn or medians): rows of lever label, setting, value."""
        return [dict(lever=lv.label, setting=name, value=value) for lv in self.levers
                for name, value in lv.values.items()]


__all__ = ["CHANNELS", "LEVERS", "Eligibility", "Lever", "LeverSet", "LeverSettings", "LeverSpec",
           "check_channels", "declared_channels", "register"]


def evidence_markdown() -> str:
    """Every lever's mechanism, reach, duration and effect priors with their sources, as the
    Markdown of docs/levers.md (``resettle levers --markdown``)."""
    import sys

    from .effects import EVIDENCE_KINDS, effect_fields

    lines = ["# The levers and their evidence", "",
             "Generated by `resettle levers --markdown` from `sim/levers/`; do not edit by hand. "
             "A single run uses each prior's median; every replicate of an ensemble draws each "
             "effect from its prior, the same draw in every scenario (`--fixed-effects` uses "
             "the medians). Evidence kinds: "
             + "; ".join(f"*{k}*: {v}" for k, v in EVIDENCE_KINDS.items()) + ".", ""]
    for name, (settings, _) in LEVERS.items():
        doc = (sys.modules[settings.__module__].__doc__ or "").strip()
        lines += [f"## `{name}`", "", " ".join(doc.split("\n\n")[0].split()), "",
                  f"- **Acts on:** {settings.acts_on_text}"
                  + (" (everyone in its window; costs per year)" if settings.population_wide
                     else ""),
                  f"- **Lasts:** {settings.duration_text}",
                  f"- **Its own outcomes:** {', '.join(f'`{o}`' for o in settings.outcomes)}"
                  + (f"; participants: {', '.join(settings.cohort_outcomes)}"
                     if settings.cohort_outcomes else ""),
                  f"- **Evidence:** {settings.evidence}",
                  *[f"- **Known miss of the model:** {miss}"
                    for miss in settings.known_misses()], "",
                  "| effect setting | what it multiplies or sets | prior | median | 90% | kind | "
                  "source |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for field, info in effect_fields(settings).items():
            prior = settings.model_fields[field].default
            low, high = prior.interval()
            lines.append(f"| `{field}` | {info['description']} | {prior.describe()} | "
                         f"{prior.centre():.3g} | {low:.3g} to {high:.3g} | {info['kind']} | "
                         f"{info['source']} |")
        lines.append("")
    return "\n".join(lines)
