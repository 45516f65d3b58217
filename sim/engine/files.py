"""Files in and out: YAML inputs read with line numbers and guarded against hostile input, and
outputs written atomically (readers see the old file or the complete new one, never a part).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InputError

if TYPE_CHECKING:  # pandas loads only when a table is written (the CLI starts light)
    import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the repository, in a development install
FLOAT_FORMAT = "%.10g"  # ten significant digits: exact for counts, ample for shares
MAX_INPUT_BYTES = 1_000_000  # a scenario, targets or priors file is a few kilobytes
MAX_DEPTH = 20  # nesting deeper than any input file of the project needs
MAX_NODES = 100_000  # values, lists and mappings: the shipped targets file has about 2,000


def calibration_file(name: str) -> Path:
    """A file of the project's ``calibration/`` folder (``targets.yaml``, ``priors.yaml``), as
    shipped in the package (``sim.calibration``): in a development install, the checkout's own."""
    from importlib import resources

    return Path(str(resources.files("sim.calibration").joinpath(name)))


def read_yaml(path: Path, what: str = "scenario file") -> tuple[Any, str]:
    """Parse a YAML input file; return (data, text). Errors name the file, the line and ``what``
    the file is (e.g. "targets file"). Oversized files, anchors and aliases (which can expand a
    small file into an enormous structure) and deep nesting are refused before parsing."""
    try:
        text = _read_bounded(Path(path), what)
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc})") from None
    try:
        _refuse_hostile(text, path, what)
        return yaml.load(text, Loader=_UniqueKeyLoader), text  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
            line = f", line {text.count(chr(10), 0, exc.position) + 1}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}{line}: malformed YAML: {problem}") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of thousands of digits
        raise InputError(f"{path}: a value the {what} cannot hold ({str(exc)[:80]})") from None


def _read_bounded(path: Path, what: str) -> str:
    """The text of a regular file of at most :data:`MAX_INPUT_BYTES` (a device or a pipe has
    no size to check and may never end, so it is refused)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file; expected a {what}")
    if info.st_size > MAX_INPUT_BYTES:
        raise InputError(f"{path}: the {what} is {info.st_size:,} bytes; expected at most "
                         f"{MAX_INPUT_BYTES:,}")
    with path.open("rb") as f:
        data = f.read(MAX_INPUT_BYTES + 1)  # a file that grew since is still bounded
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{path}: the {what} is over {MAX_INPUT_BYTES:,} bytes")
    return data.decode("utf-8")


FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where PyYAML has it


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML would keep the
    last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # an unhashable key fails in PyYAML's own construction below
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice in one mapping",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_NODE_TOKENS = (yaml.ScalarToken, yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)


def _refuse_hostile(text: str, path: Path, what: str) -> None:
    """Scan the YAML tokens (cheap, bounded) for aliases, anchors, deep nesting and more
    values than any input needs (each becomes a Python object, and a validation error each)."""
    depth = nodes = 0
    for token in yaml.scan(text):
        if isinstance(token, _NODE_TOKENS):
            nodes += 1
            if nodes > MAX_NODES:
                raise InputError(f"{path}, line {token.start_mark.line + 1}: more than "
                                 f"{MAX_NODES:,} values, lists and mappings; expected a {what}")
        if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
            raise InputError(f"{path}, line {token.start_mark.line + 1}: anchors and aliases "
                             f"(&, *) are not allowed in a {what}; write the values out")
        if isinstance(token, (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                              yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(f"{path}, line {token.start_mark.line + 1}: nested more than "
                                 f"{MAX_DEPTH} levels deep; expected a {what}")
        elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken,
                                yaml.FlowSequenceEndToken)):
            depth -= 1


def line_map(text: str) -> dict[tuple, int]:
    """Key path -> 1-based line number, from the YAML node tree."""
    lines: dict[tuple, int] = {}

    def walk(node, path):
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line + 1
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    try:
        root = yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def check_stamp(path: Path, stamp: dict[str, Any], what: str) -> None:
    """What a resumable folder was made from: write ``stamp`` and the :func:`model_stamp` to
    ``path`` if there is none yet; if the one found there differs, refuse to resume the
    ``what`` (e.g. "ensemble"), saying what differs and how to start afresh."""
    stamp = {**stamp, **model_stamp()}
    if not path.is_file():
        atomic_write_text(path, json_text(stamp))
        return
    differs = _differences(path, json.loads(json_text(stamp)))
    if differs:
        raise InputError(f"{path.parent}: this unfinished {what} was started differently "
                         f"({differs}); to start afresh remove that folder or choose another "
                         "--out")


def _differences(path: Path, now: dict[str, Any]) -> str:
    """What differs between the stamp at ``path`` and ``now``, in words ('' if nothing)."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return f"its record {path.name} is damaged"
    if not isinstance(found, dict):
        return f"its record {path.name} is damaged"
    keys = sorted(set(found) | set(now), key=lambda k: (k not in now, k))
    return "; ".join(_changed(k, found.get(k), now.get(k)) for k in keys
                     if found.get(k) != now.get(k))


def _changed(key: str, before: Any, now: Any) -> str:
    """One difference of two stamps, in words (large values are only named)."""
    if key.endswith("sha256") and isinstance(before, dict) and isinstance(now, dict):
        names = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
        return f"the {key.removesuffix('_sha256')} file(s) {', '.join(names)} changed"
    if key.endswith("sha256"):
        return f"the {key.removesuffix('_sha256')} content changed"
    if isinstance(before, dict | list) or isinstance(now, dict | list):
        return f"the {key} changed"
    return f"{key} was {before!r}, now {now!r}"


@lru_cache(maxsize=1)
def model_stamp() -> dict[str, Any]:
    """The model in use: the package's version, a sha256 of its code and one of each of its
    data files (``sim/data``), so that a folder is never resumed by an edited model."""
    from .. import __version__

    root = Path(__file__).resolve().parents[1]
    code, data = hashlib.sha256(), {}
    for path in sorted(p for p in root.rglob("*") if "__pycache__" not in p.parts):
        name = path.relative_to(root).as_posix()
        if path.suffix == ".py":
            code.update(name.encode() + b"\0" + path.read_bytes())
        elif path.suffix in (".csv", ".yaml") and name.startswith("data/"):
            data[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"version": __version__, "code_sha256": code.hexdigest(), "data_sha256": data}


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    Readers see either the old file or the complete new one, never a partial file.

    Args:
        path: Destination file.
        text: Content, written as UTF-8 with ``\\n`` line endings.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write_synced(tmp, text.encode("utf-8"))
        with naming(path):
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and flush it to disk (an error names the file)."""
    with naming(path), open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """An OS error while writing ``path`` names it (a full disk says which file it could not
    write, not only "[Errno 28]")."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def csv_text(table: pd.DataFrame) -> str:
    """A table as CSV text: ten significant digits, ``\n`` line endings (byte-stable)."""
    return table.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def write_table(path: Path, table: pd.DataFrame) -> Path:
    """Write a table as CSV atomically."""
    atomic_write_text(path, csv_text(table))
    return path


def json_text(content: Any) -> str:
    """Indented JSON text with a final newline; a NaN or infinite number is written as null
    (JSON has no such numbers, and a reader of the file would fail on them)."""
    return json.dumps(finite(content), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def finite(content: Any) -> Any:
    """``content`` with every NaN or infinite float (NumPy's too) as None."""
    if isinstance(content, dict):
        return {k: finite(v) for k, v in content.items()}
    if isinstance(content, list | tuple):
        return [finite(v) for v in content]
    if isinstance(content, float) and not math.isfinite(content):
        return None
    return content


