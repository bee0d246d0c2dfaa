"""The Docker files cannot rot: what the image runs exists, what it copies exists, pins are pins.

Docker itself does not run here, so these tests read the Dockerfile and compose file as text.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from bot.cli import ecosystem as cli_extra
from bot.cli.main import _run, build_parser
from bot.core.config import settings_from_mapping

ROOT = Path(__file__).resolve().parent.parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined."""
    logical, pending = [], ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    result = []
    for line in logical:
        word, _, rest = line.partition(" ")
        result.append((word.upper(), rest.strip()))
    return result


def only(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def parse_briefbot(argv: list[str]):
    """Parse a `briefbot …` command line with the real parser (SystemExit = not a command)."""
    assert argv[0] == "briefbot", argv
    return build_parser().parse_args(argv[1:])


def test_cmd_runs_an_existing_subcommand():
    [cmd] = only("CMD")
    argv = json.loads(cmd)  # exec form, so signals reach the bot
    assert parse_briefbot(argv).func is _run


def test_healthcheck_runs_briefbot_health_with_valid_options():
    [check] = only("HEALTHCHECK")
    options, _, command = check.partition(" CMD ")
    assert "--start-period=" in options and "--interval=" in options
    first, _, fallback = command.partition("||")
    assert fallback.strip() == "exit 1"  # Docker knows 0 and 1 only
    args = parse_briefbot(shlex.split(first))
    assert args.func is cli_extra.cmd_health
    assert args.max_age.total_seconds() == 30 * 60


def test_copied_paths_exist():
    copies = only("COPY")
    assert copies
    for rest in copies:
        parts = [part for part in shlex.split(rest) if not part.startswith("--")]
        for source in parts[:-1]:
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_base_image_is_pinned_to_an_exact_version_or_digest():
    [base] = only("FROM")
    if base.startswith("${"):
        name = base.strip("${}")
        default = next(r for r in only("ARG") if r.startswith(f"{name}="))
        base = default.split("=", 1)[1]
    assert re.search(r"@sha256:[0-9a-f]{64}$", base) or re.fullmatch(
        r"python:\d+\.\d+\.\d+-slim(-[a-z]+)?", base
    ), f"base image not pinned: {base}"


def test_runs_as_non_root_with_data_on_a_volume():
    [user] = only("USER")
    assert user not in {"root", "0"}
    [volume] = only("VOLUME")
    assert json.loads(volume) == ["/app/data"]


def test_generated_config_is_valid_and_keeps_the_database_on_the_volume():
    [install] = [rest for rest in only("RUN") if "printf" in rest]
    printf = install[install.index("printf") : install.index(">")]
    lines = shlex.split(printf)[2:]  # printf '%s\n' LINE LINE …
    settings = settings_from_mapping(tomllib.loads("\n".join(lines)), source="Dockerfile")
    assert str(settings.storage.path).startswith("/app/data/")
    for path in (settings.feeds.defaults_file, settings.analysis.topic_file):
        assert str(path).startswith("/app/share/")
        assert (ROOT / "data" / Path(path).name).is_file()


def test_dependencies_are_installed_with_the_constraints():
    [install] = [rest for rest in only("RUN") if "pip install" in rest]
    assert "-c constraints.txt" in install


def test_constraints_pin_every_runtime_dependency_and_no_test_tools():
    requirements = pytest.importorskip("packaging.requirements")
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[name.lower().replace("_", "-")] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["charts"]
    for text in wanted:
        requirement = requirements.Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {text}"
    assert not {"pytest", "ruff", "hypothesis", "pytest-asyncio"} & set(pins)


def test_secrets_and_local_data_stay_out_of_the_build_context():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for pattern in (".env", ".venv", "data/*.db", "config.toml", ".git"):
        assert pattern in ignored, f".dockerignore should list {pattern}"


def test_compose_example_takes_the_token_from_an_env_file():
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+env_file: \.env$", compose, re.MULTILINE)
    assert re.search(r"^\s+- briefbot-data:/app/data$", compose, re.MULTILINE)
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^BRIEFBOT_TOKEN=\S+", example, re.MULTILINE)
