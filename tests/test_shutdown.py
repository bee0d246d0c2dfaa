"""`briefbot run` as a process: SIGTERM/SIGINT stop it cleanly, one instance per database, 409."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.lock import AlreadyRunning, instance_lock
from bot.storage.store import Store
from bot.tg.runner import SHUTDOWN_GRACE
from tests.crashkit import bot_env, finish, integrity_problems, spawn, wait_until, write_config
from tests.fake_telegram import FakeTelegram
from tests.feedfactory import rss, story_items
from tests.feedserver import FeedServer


def _start(tmp_path: Path, fake: FakeTelegram, name: str = "bot", **feeds) -> tuple:
    db = tmp_path / "bot.storage.db"
    config = write_config(
        tmp_path,
        {
            "telegram": {"base_url": fake.base_url},
            "storage": {"path": str(db)},
            "feeds": {"allow_private_networks": True, **feeds},
        },
    )
    log = tmp_path / f"{name}.log"
    process = spawn(
        ["run", "--config", str(config)], env=bot_env(BRIEFBOT_TOKEN=fake.token), log=log
    )
    return process, db, log


def _answers(fake: FakeTelegram, chat_id: int, process: subprocess.Popen, log: Path) -> None:
    before = len(fake.sent_texts(chat_id))
    fake.push_message("/start", chat_id=chat_id)
    wait_until(
        lambda: len(fake.sent_texts(chat_id)) > before or process.poll() is not None,
        30,
        "a reply to /start",
    )
    assert process.poll() is None, log.read_text()


def _stop(process: subprocess.Popen, signum: int) -> float:
    began = time.monotonic()
    process.send_signal(signum)
    finish(process, timeout=3 * SHUTDOWN_GRACE)
    return time.monotonic() - began


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_exits_0_quickly_and_closes_the_database(tmp_path, signum):
    with FakeTelegram() as fake:
        fake.conflict(times=2)  # another process polls the token for a while: retried, reported
        process, db, log = _start(tmp_path, fake)
        _answers(fake, 31, process, log)
        seconds = _stop(process, signum)
    output = log.read_text()
    assert process.returncode == 0, output
    assert seconds < SHUTDOWN_GRACE, output
    assert f"{signal.Signals(signum).name} received: stopping" in output
    assert "409 Conflict" in output and "another process is polling" in output
    assert "Traceback" not in output
    assert fake.token not in output
    # Closed cleanly: the last connection checkpointed and removed the WAL, the lock is free.
    assert not Path(f"{db}-wal").exists()
    assert integrity_problems(db) == []
    with instance_lock(db):
        pass


@pytest.mark.slow
def test_sigterm_during_a_slow_poll_cycle_still_exits_within_the_grace(tmp_path):
    with FakeTelegram() as fake, FeedServer() as server:
        # Feeds that answer only after 40 s: the first poll tick is stuck on them.
        store = Store.open(tmp_path / "bot.storage.db")
        for n in range(5):
            server.route(f"/slow{n}.xml", rss(story_items(2)), delay=40)
            store.add_feed(server.url(f"/slow{n}.xml"), datetime.now(UTC), name=f"Slow {n}")
        store.close()
        process, db, log = _start(tmp_path, fake, timeout=60)
        wait_until(lambda: server.requests("/slow0.xml"), 60, "the poll tick to reach the feeds")
        seconds = _stop(process, signal.SIGTERM)
    output = log.read_text()
    assert process.returncode == 0, output
    assert seconds < SHUTDOWN_GRACE + 3, output
    assert "cancelling it" in output and "Traceback" not in output
    assert integrity_problems(db) == []
    assert not Path(f"{db}-wal").exists()


@pytest.mark.slow
def test_a_second_bot_on_the_same_database_refuses_clearly(tmp_path):
    with FakeTelegram() as fake:
        first, db, log = _start(tmp_path, fake, "first")
        _answers(fake, 31, first, log)
        second, _, second_log = _start(tmp_path, fake, "second")
        assert finish(second, 60) == 1
        message = second_log.read_text()
        assert f"another briefbot (pid {first.pid}) is already running on {db}" in message
        assert "Traceback" not in message
        # SIGKILL leaves no stale lock: the kernel releases it with the process.
        first.kill()
        first.wait()
        third, _, third_log = _start(tmp_path, fake, "third")
        _answers(fake, 32, third, third_log)
        _stop(third, signal.SIGTERM)
        assert third.returncode == 0


def test_lock_is_exclusive_within_and_across_processes(tmp_path):
    db = tmp_path / "x.db"
    with instance_lock(db) as path:
        assert path is not None and path.read_text().strip().isdigit()
        with pytest.raises(AlreadyRunning, match="already running"), instance_lock(db):
            pass
    with instance_lock(db):
        pass
    with instance_lock(":memory:") as none:
        assert none is None


async def test_run_waits_for_telegram_instead_of_crashing(settings, store, clock):
    import asyncio

    from bot.app.service import Service
    from bot.core.config import replace_section
    from bot.tg.runner import serve

    unreachable = replace_section(settings, "telegram", base_url="http://127.0.0.1:9/bot")
    stop = asyncio.Event()
    running = asyncio.create_task(serve(Service(unreachable, store, clock=clock), stop))
    await asyncio.wait({running}, timeout=2.5)
    assert not running.done(), "the bot should keep retrying, not exit"
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0
