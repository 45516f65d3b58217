"""The README contract: a newcomer runs the two commands in README.md and nothing else.

The commands are the single lines in the ```bash blocks directly under the headings "Run the
baseline" and "Run the tests". CI (.ci/run) must run the test command verbatim, both commands must
start with scripts/bootstrap, options allowed (which must be executable), and every console
script the run command calls from .venv/bin/ must be declared in pyproject.toml's
[project.scripts].
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN_HEADING = "Run the baseline"
TEST_HEADING = "Run the tests"
BOOTSTRAP = "scripts/bootstrap"
VENV_BIN = ".venv/bin/"
NOT_CONSOLE_SCRIPTS = re.compile(r"^(python[0-9.]*|pip[0-9.]*)$")

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\S*)\s*$")


def command_under(markdown: str, heading: str) -> str:
    """The one-line command in the fenced bash block directly under ``heading``.

    Only blank lines and prose may stand between the heading and the block; another heading
    first means the section has no command. Raises ValueError if anything is off.
    """
    lines = markdown.splitlines()
    starts = [i for i, line in enumerate(lines)
              if (m := _HEADING.match(line)) and m.group(1) == heading]
    if len(starts) != 1:
        raise ValueError(f"expected one heading {heading!r}, found {len(starts)}")
    i = starts[0] + 1
    while i < len(lines) and not _FENCE.match(lines[i]):
        if _HEADING.match(lines[i]):
            raise ValueError(f"no fenced block under {heading!r} before the next heading")
        i += 1
    if i == len(lines):
        raise ValueError(f"no fenced block under {heading!r}")
    fence, language = _FENCE.match(lines[i]).groups()
    if language != "bash":
        raise ValueError(f"the block under {heading!r} is {language or 'untagged'!r}, not bash")
    body = []
    for line in lines[i + 1:]:
        if line.strip() == fence:
            break
        body.append(line)
    else:
        raise ValueError(f"the block under {heading!r} is not closed")
    commands = [line.strip() for line in body if line.strip()]
    if len(commands) != 1:
        raise ValueError(f"expected one command line under {heading!r}, found {len(commands)}")
    return commands[0]


def console_scripts_called(command: str) -> list[str]:
    """Names of the .venv/bin/ programs a command calls, other than python and pip."""
    names = [word[len(VENV_BIN):] for word in shlex.split(command) if word.startswith(VENV_BIN)]
    return [name for name in names if not NOT_CONSOLE_SCRIPTS.match(name)]


@pytest.fixture(scope="module")
def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def run_command(readme: str) -> str:
    return command_under(readme, RUN_HEADING)


@pytest.fixture(scope="module")
def test_command(readme: str) -> str:
    return command_under(readme, TEST_HEADING)


def test_ci_runs_the_readme_test_command_verbatim(test_command: str) -> None:
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines, (
        f".ci/run must contain the README test command as a line of its own: {test_command!r}")


@pytest.mark.parametrize("which", ["run_command", "test_command"])
def test_commands_start_with_bootstrap(which: str, request: pytest.FixtureRequest) -> None:
    command = request.getfixturevalue(which)
    words = shlex.split(command)
    setup = words[: words.index("&&")] if "&&" in words else words
    assert setup[:1] == [BOOTSTRAP] and all(w.startswith("--") for w in setup[1:]), (
        f"{command!r} must start with `{BOOTSTRAP} [--options] &&`")


def test_bootstrap_is_an_executable_file() -> None:
    path = ROOT / BOOTSTRAP
    assert path.is_file(), f"{BOOTSTRAP} is missing"
    assert os.access(path, os.X_OK), f"{BOOTSTRAP} is not executable (chmod +x)"


def test_run_command_calls_declared_console_scripts(run_command: str) -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("scripts", {})
    called = console_scripts_called(run_command)
    assert called, f"the run command {run_command!r} calls no console script from {VENV_BIN}"
    missing = [name for name in called if name not in declared]
    assert not missing, (f"not in pyproject [project.scripts]: {missing} "
                         f"(declared: {sorted(declared)})")


# The checks above must be able to fail: the extractor rejects READMEs that break the contract.

GOOD = "# x\n\n## Run the tests\n\nSome prose.\n\n```bash\nscripts/bootstrap && make test\n```\n"


def test_extractor_reads_a_good_readme() -> None:
    assert command_under(GOOD, TEST_HEADING) == "scripts/bootstrap && make test"


@pytest.mark.parametrize("bad", [
    GOOD.replace("## Run the tests", "## Testing"),                       # heading missing
    GOOD + "\n## Run the tests\n\n```bash\nx\n```\n",                     # heading twice
    GOOD.replace("```bash", "```"),                                       # not a bash block
    GOOD.replace("Some prose.", "## Other"),                              # under another heading
    GOOD.replace("make test\n", "make test\nmake more\n"),                # two commands
    GOOD.replace("make test\n```\n", "make test\n"),                      # block not closed
])
def test_extractor_rejects_a_broken_readme(bad: str) -> None:
    with pytest.raises(ValueError):
        command_under(bad, TEST_HEADING)


def test_console_scripts_called_ignores_python_and_pip() -> None:
    command = "scripts/bootstrap && .venv/bin/python -m x && .venv/bin/resettle run"
    assert console_scripts_called(command) == ["resettle"]


def test_the_readme_names_every_indicator_a_run_writes(readme: str) -> None:
    """Each indicator is in the README's table, by name or as a suffix of a family written
    ``(and `_20_39_`, ...)``."""
    from sim.measure.indicators import INDICATORS

    families = {"arrivals_aged_": "_share", "onward_migration_": "_count"}
    missing = []
    for name in INDICATORS:
        family = next((f for f in families if name.startswith(f)), None)
        suffix = name.removeprefix(family or "").removesuffix(families.get(family, ""))
        if f"`{name}`" not in readme and not (family and f"`_{suffix}_" in readme):
            missing.append(name)
    assert not missing
