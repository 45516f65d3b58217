"""Errors for bad input. The CLI prints their message on one line and exits non-zero."""

from __future__ import annotations

import difflib
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
