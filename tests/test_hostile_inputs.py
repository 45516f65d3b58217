"""Hostile scenario files, checked in one ``resettle check`` process: each refused on its own
line naming its file and line, nothing written, and the process's peak memory bounded (the
size, nesting and alias limits act before parsing work grows)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAD = "name: h\nhorizon: {start: 1995, end: 2005}\nscale: 50\n"
BOMB = "".join(f"  x{i}: &x{i + 1} [*x{i}, *x{i}, *x{i}, *x{i}, *x{i}, *x{i}, *x{i}, *x{i}]\n"
               for i in range(9))
HOSTILE = {
    "description": HEAD + "description: " + "x" * 50_000_000 + "\n",
    "world_list": HEAD + "world:\n" + "  - {years: 2000, prejudice: 1}\n" * 1_600_000,
    "nesting": HEAD + "parameters: {arrest_rate: " + "[" * 5000 + "]" * 5000 + "}\n",
    "alias_unknown": HEAD + "bomb:\n  x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1]\n" + BOMB,
    "alias_parameter": HEAD + "parameters:\n  x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1]\n" + BOMB,
    "years": HEAD + "world: [{years: 1-100000000, prejudice: 1}]\n",
    "digits": HEAD + "world: [{years: 2000, nis_max_days: 1" + "0" * 400 + "}]\n",
    "extends": HEAD + "extends: " + "x" * 300 + "\n",
    "seed": HEAD + f"seed: {2**70}\n",
    # under the size limit, but 300,000 mappings: each a Python object and a validation error
    "many_values": HEAD + "world: [" + "{}," * 300_000 + "]\n",
}
PEAK_BYTES = 300 * 2**20  # about 200 MiB measured, most of it the model's imports
MEASURED = """import sys
from sim.app.cli import main
code = main(["check", *sys.argv[1:]])
status = open("/proc/self/status").read()  # VmHWM: this process's own peak (ru_maxrss would
print(status.split("VmHWM:")[1].split()[0])  # count the parent's at the fork too)
sys.exit(code)
"""


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_hostile_files_are_each_refused_on_one_line_within_bounded_memory(tmp_path):
    paths = []
    for name, text in HOSTILE.items():
        paths.append(tmp_path / f"{name}.yaml")
        paths[-1].write_text(text)
    os.mkfifo(tmp_path / "pipe.yaml")  # no size to check, and no end until a writer closes
    paths += [tmp_path / "pipe.yaml", Path("/dev/zero")]  # nor has a device
    before = sorted(tmp_path.iterdir())
    done = subprocess.run([sys.executable, "-c", MEASURED, *map(str, paths)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    peak = int(done.stdout.splitlines()[-1]) * 1024  # kB
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stderr and len(lines) == len(paths)
    for path, line in zip(paths, lines, strict=True):
        assert line.startswith(f"resettle: error: {path}"), line
    assert sorted(tmp_path.iterdir()) == before
    assert peak < PEAK_BYTES, f"peak memory {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("what", ["targets file", "priors file", "scenario file"])
def test_a_device_is_refused_before_it_is_read(what):
    """/dev/zero has no size to check and never ends: refused without reading."""
    from sim.engine.errors import InputError
    from sim.engine.files import read_yaml

    with pytest.raises(InputError, match=f"^/dev/zero: not a regular file; expected a {what}$"):
        read_yaml(Path("/dev/zero"), what)


def test_a_character_yaml_does_not_allow_is_named_with_its_line(tmp_path):
    from sim.engine.errors import InputError
    from sim.engine.files import read_yaml

    path = tmp_path / "nul.yaml"
    path.write_text("name: a\nscale: 1\x00\n")
    with pytest.raises(InputError, match=r"nul.yaml, line 2: malformed YAML: unacceptable "
                                         r"character #x0000: special characters are not allowed"):
        read_yaml(path)


def test_json_outputs_hold_no_number_json_lacks():
    """A NaN or infinity (a rate with no one to measure) is written as null, so every JSON file
    the model writes can be read by any JSON reader."""
    import json

    import numpy as np

    from sim.engine.files import json_text

    text = json_text({"a": float("nan"), "b": [np.float64("inf"), 1.5], "c": {"d": -np.inf}})
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": {"d": None}}
    assert "NaN" not in text and "Infinity" not in text
