"""Errors for bad input. The CLI prints their message on one line and exits non-zero."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


class InputError(Exception):
    """Bad input from a user: names the file, the key and what was expected."""


def nearest(word: str, candidates: Iterable[str]) -> str:
    """A ' (did you mean X?)' hint for a misspelt key, or '' when nothing is close."""
    match = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages about values of any size."""
    if isinstance(value, list | tuple | dict | set) and len(value) > limit:
        return f"<a {type(value).__name__} of {len(value):,} items>"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10 ** limit:
        return f"<an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_for_number(text: str, expected: str = "a number") -> str:
    """Why ``text`` is refused where ``expected`` (a number, true or false) is meant. YAML reads
    an exponent as a number only with a dot and a sign (``1.0e+12``; ``1e12`` and ``1.0e12``
    are text): the message says how to write it."""
    exponent = re.fullmatch(r"\s*([-+]?\d+)(\.\d*)?[eE]([-+]?)(\d+)\s*", str(text))
    if exponent:
        mantissa, fraction, sign, power = exponent.groups()
        return (f"expected {expected}, got text: YAML reads {str(text).strip()} as text (an "
                f"exponent needs a dot and a sign); write {mantissa}{fraction or '.0'}e"
                f"{sign or '+'}{power}")
    try:
        float(text)
    except ValueError:
        return f"expected {expected}, got text"
    return f"expected {expected}, got text (a number in quotes: write it without them)"
