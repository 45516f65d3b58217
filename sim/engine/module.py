"""The module contract: what a domain module of the model declares and how it takes part.

A module (departures, labour, ties ...) is a class that declares, as class attributes:

- ``fields``: the per-person fields it owns (name -> :class:`Field`); the population is assembled
  from the declarations of all modules, and a name may be owned by one module only;
- ``parameter_files``: the parameter files (``sim/data/parameters/<name>.yaml``) its rules read;
- ``streams``: the names of its random streams (``ties.cohort.*`` names a family), unique across
  modules, so that no two rules ever share a draw;
- ``channels``: the lever channels its rules read (name -> what the channel multiplies); a lever
  may act only through declared channels;
- ``handles``: the events it reacts to (event name -> method name), such as ``left_hanawon``; a
  compiled handler's NumPy rules, ``reference_<method>``, run instead in a model built with
  ``compiled=False`` (as ``reference_step`` does for ``step``);
- ``relations``: tables between people it owns (name -> class), kept on the population (the
  ties among defectors).

Modules talk through the population's fields and the model's events, never by calling each other.
The model steps them once a month in one declared order (:data:`sim.model.STEP_ORDER`); a
module's ``step(month)`` reads the stage snapshot or the current residents from the model. Rows
are not for keeping: the model regroups them from time to time, and a module that holds rows or
per-row arrays outside the population between months renumbers them in ``renumber``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Field:
    """A per-person field: its NumPy dtype, its value before anything sets it, and what it is;
    ``rows``: its values are rows of the population (-1 for none), renumbered with them."""

    dtype: type
    initial: Any
    doc: str = ""
    rows: bool = False


class Module:
    """Base class of the model's domain modules (see the module docstring)."""

    fields: ClassVar[dict[str, Field]] = {}
    parameter_files: ClassVar[tuple[str, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()
    channels: ClassVar[dict[str, str]] = {}
    handles: ClassVar[dict[str, str]] = {}
    relations: ClassVar[dict[str, type]] = {}

    def __init__(self, model) -> None:
        self.model = model

    def step(self, month: int) -> None:
        """One month of the module's rules (modules that only react to events do nothing)."""

    def renumber(self, order, new) -> None:
        """The population's rows were put in a new order (:meth:`Population.reorder`): row ``i``
        is old row ``order[i]``, old row ``r`` is row ``new[r]``. A module holding rows or
        per-row arrays outside the population renumbers them here."""


def assemble_fields(modules) -> dict[str, Field]:
    """Every module's fields in one table; a field owned twice is an error."""
    out: dict[str, Field] = {}
    owner: dict[str, str] = {}
    for module in modules:
        for name, spec in module.fields.items():
            if name in out:
                raise ValueError(f"field {name!r} is declared by both {owner[name]} and "
                                 f"{module.__name__}")
            out[name], owner[name] = spec, module.__name__
    return out


def check_streams(modules) -> None:
    """Refuse two modules declaring the same stream, or a family that covers another's name."""
    seen: dict[str, str] = {}
    for module in modules:
        for name in module.streams:
            for other, who in seen.items():
                if covers(name, other) or covers(other, name):
                    raise ValueError(f"random stream {name!r} of {module.__name__} clashes with "
                                     f"{other!r} of {who}")
            seen[name] = module.__name__


def covers(declared: str, name: str) -> bool:
    """Whether a declared stream (``x.*`` for a family) covers the stream ``name``."""
    if declared.endswith(".*"):
        return name.startswith(declared[:-1]) or name == declared[:-2]
    return declared == name
