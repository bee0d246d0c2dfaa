"""The README cannot lie: its commands exist, and the code is ruff-clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands(parser) -> dict[str, object]:
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_every_cli_command_in_the_readme_exists():
    top = _subcommands(build_parser())
    mentioned = set(re.findall(r"`briefbot ([a-z]+)(?: ([a-z]+))?", README))
    assert mentioned, "the README documents no commands"
    for command, action in mentioned:
        assert command in top, f"README mentions unknown command: briefbot {command}"
        if action and command == "feeds":
            assert action in _subcommands(top[command]), f"unknown: briefbot feeds {action}"


def test_every_cli_command_is_in_the_readme():
    for name in _subcommands(build_parser()):
        assert f"briefbot {name}" in README, f"briefbot {name} is not documented in README.md"


def test_readme_has_exactly_the_two_quickstart_commands():
    assert 'pip install -e ".[test]" && pytest' in README
    assert "pip install -e . && BRIEFBOT_TOKEN=" in README and "briefbot run" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -q -e ".[test]" && pytest' in ci


@pytest.mark.skipif(
    shutil.which("ruff") is None and not Path(sys.executable).with_name("ruff").exists(),
    reason="ruff not installed",
)
def test_code_is_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
