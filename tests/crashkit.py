"""Helpers for fault-injection tests: run briefbot as a subprocess, kill it, check the database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# Delivers the due digests once through the real Application and delivery code, then exits:
# a digest round without waiting for the JobQueue's first tick, so a kill can land mid-round.
DELIVER_ONCE = """
import asyncio, sys
from bot.core.config import load_settings
from bot.app.runtime import open_service
from bot.tg import delivery
from bot.tg.app import build_application

async def main(service):
    application = build_application(service)
    async with application:
        print(await delivery.deliver_due_digests(application), flush=True)

with open_service(load_settings(sys.argv[1])) as service:
    asyncio.run(main(service))
"""

# Opens (and so migrates) the database given on the command line.
MIGRATE = """
import sys
from bot.storage.db import open_database
open_database(sys.argv[1]).close()
"""


def bot_env(**extra: str) -> dict[str, str]:
    """The environment for a briefbot subprocess: no inherited BRIEFBOT_*, the repo importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(directory: Path, sections: dict[str, dict[str, Any]]) -> Path:
    """Write ``config.toml`` in ``directory`` with no default feeds unless one is given."""
    feeds = sections.setdefault("feeds", {})
    if "defaults_file" not in feeds:
        empty = directory / "no-feeds.toml"
        empty.write_text("# none: tests never reach the internet\n", encoding="utf-8")
        feeds["defaults_file"] = str(empty)
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    path = directory / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def spawn(
    args: list[str], *, env: dict[str, str], log: Path, cwd: Path | None = None
) -> subprocess.Popen:
    """Start ``python -m bot ARGS`` (or ``python -c CODE`` when args[0] == "-c")."""
    command = [sys.executable, *args] if args[0] == "-c" else [sys.executable, "-m", "bot", *args]
    handle = log.open("ab")
    try:
        return subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd or ROOT
        )
    finally:
        handle.close()


def kill_after(process: subprocess.Popen, seconds: float) -> bool:
    """SIGKILL ``process`` after ``seconds`` unless it ended first; True if it was killed."""
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True


def finish(process: subprocess.Popen, timeout: float = 120) -> int:
    """Wait for ``process`` to end on its own; kill it and fail if it takes too long."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"process did not finish within {timeout} s") from None


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` until truthy, with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def connect(db: Path) -> sqlite3.Connection:
    """A plain connection for inspecting a database another process may be using."""
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def integrity_problems(db: Path) -> list[str]:
    """PRAGMA integrity_check and foreign_key_check; an empty list means the file is sound."""
    with connect(db) as conn:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        problems = [] if rows == ["ok"] else rows
        problems += [str(tuple(r)) for r in conn.execute("PRAGMA foreign_key_check")]
    conn.close()
    return problems


def query(db: Path, sql: str, params: Any = ()) -> list[sqlite3.Row]:
    """Run one read query on a fresh connection."""
    conn = connect(db)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


@dataclass
class KillStats:
    """What a kill loop did: kills that landed mid-work, runs that ended first, problems found."""

    kills: int = 0
    completed_first: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.kills} kills mid-work, {self.completed_first} runs ended before the kill, "
            f"{len(self.problems)} problems, {self.seconds:.0f} s"
        )


def report(name: str, stats: KillStats) -> None:
    """Append a kill loop's figures to $BRIEFBOT_CRASH_REPORT (if set) and print them."""
    line = f"{name}: {stats}"
    print(line)
    target = os.environ.get("BRIEFBOT_CRASH_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(line + "\n")
