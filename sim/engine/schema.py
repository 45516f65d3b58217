"""The base of every input-file model (scenarios, levers, effect priors, targets): text where a
number or true/false is meant is refused, never converted (pydantic would read ``"12"`` as 12), and
so are true/false where a number is meant and a number where true/false is meant (pydantic would
read ``true`` as 1 and ``1`` as true); and the key path a whole-model check names at the start of
its message."""

from __future__ import annotations

import re
import types
import typing

from pydantic import BaseModel, Strict, model_validator

from .errors import shown, text_for_number

NUMBERS = (int, float)


class InputModel(BaseModel):
    """A pydantic model of input that a user writes: strict about numbers and booleans (a field
    declared ``strict`` keeps pydantic's own message)."""

    @model_validator(mode="before")
    @classmethod
    def _no_text_for_numbers(cls, data: typing.Any) -> typing.Any:
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            field = cls.model_fields.get(name) if isinstance(name, str) else None
            expected = _expects(field.annotation) if field is not None else None
            if expected is None:
                continue
            items = value if isinstance(value, list | tuple) and expected == "numbers" else [value]
            text = next((v for v in items if isinstance(v, str)), None)
            if text is not None:
                raise ValueError(f"{name}: {text_for_number(text, expected)} (got "
                                 f"{shown(value)})")
            if any(isinstance(m, Strict) for m in field.metadata):
                continue
            if expected == "true or false" and isinstance(value, int | float) and not isinstance(
                    value, bool):
                raise ValueError(f"{name}: expected true or false, not a number (got "
                                 f"{shown(value)})")
            if expected != "true or false" and any(isinstance(v, bool) for v in items):
                raise ValueError(f"{name}: expected {expected}, not true or false (got "
                                 f"{shown(value)})")
        return data


def _expects(annotation: typing.Any) -> str | None:
    """What a field holds, if that is a number, numbers or true/false (else None)."""
    if annotation is bool:
        return "true or false"
    if annotation in NUMBERS:
        return "a number"
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a not in (type(None), Ellipsis)]
    if origin in (tuple, list) and args and all(a in NUMBERS for a in args):
        return "numbers"
    if origin in (typing.Union, types.UnionType) and args and all(map(_expects, args)):
        return _expects(args[0])
    return None


_PATH_IN_MESSAGE = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\])?(?:\.[A-Za-z_]\w*(?:\[\d+\])?)*): ")


def message_path(message: str) -> tuple:
    """The key path a whole-model check names at the start of its message, as a loc."""
    match = _PATH_IN_MESSAGE.match(message)
    if not match:
        return ()
    return tuple(int(p) if p.isdigit() else p
                 for p in re.split(r"[.\[\]]+", match.group(1)) if p)
