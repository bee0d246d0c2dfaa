"""Crash safety: SIGKILL briefbot at random points and check that nothing is lost or doubled.

The slow tier (``pytest -m slow``) kills real subprocesses mid-work: during a poll cycle over many
slow feeds, during a digest round to many subscribers on a slow Bot API, and during a migration of
a big database. After every kill the database must pass ``PRAGMA integrity_check`` and the
invariants below; after every restart the work must be complete. Set BRIEFBOT_CRASH_SEED to
replay a run and BRIEFBOT_CRASH_REPORT to a file to collect the figures.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from pathlib import Path

import pytest

from bot.app.service import Service
from bot.briefing import subscriptions
from bot.core.config import load_settings
from bot.core.timeutil import to_iso
from bot.storage.db import open_database
from bot.storage.migrations import migrations
from bot.storage.store import Store
from bot.tg.delivery import FAN_OUT
from tests.crashkit import (
    DELIVER_ONCE,
    MIGRATE,
    KillStats,
    bot_env,
    finish,
    integrity_problems,
    kill_after,
    query,
    report,
    spawn,
    wait_until,
    write_config,
)
from tests.fake_telegram import FakeTelegram
from tests.feedfactory import rss
from tests.feedserver import FeedServer

SEED = int(os.environ.get("BRIEFBOT_CRASH_SEED") or time.time_ns() % 1_000_000)
OTHER = (
    "The city council met on Tuesday to discuss the {n}th repair of the old river bridge. "
    "Engineers said the work on the pillars, the railings and the lighting would take months, "
    "and traffic would be diverted through the market square while the deck is rebuilt. "
) * 6
TOPIC = (
    "Zelensky and Macron discussed security guarantees for Ukraine, a ceasefire with Russia and "
    "a reassurance force of the Coalition of the Willing at peace talks in Paris."
)


# --- a crash between storing and analysing (fast, deterministic) ------------------------------


class Killed(BaseException):
    """Stands in for SIGKILL or a cancelled task: nothing after it runs."""


async def test_items_stored_before_a_crash_are_analysed_by_the_next_cycle(
    service, fetcher, feed_server, clock
):
    items = [
        {"title": f"Talks on security guarantees, day {n}", "guid": f"g{n}",
         "link": f"https://wire.example/{n}", "description": TOPIC,
         "published": clock() - timedelta(hours=n)}
        for n in range(3)
    ]  # fmt: skip
    feed_server.route("/wire.xml", rss(items))
    service.store.add_feed(feed_server.url("/wire.xml"), clock(), name="Wire")
    ingestor = service.ingestor(fetcher)

    async def killed(ids: list[int]) -> None:
        raise Killed("killed after the feed's write, before its analysis")

    ingestor.after_write = killed
    with pytest.raises(Killed):
        await ingestor.run_cycle(all_feeds=True)
    assert service.store.count_items() == 3
    await service.ingestor(fetcher).run_cycle()  # nothing is due: only the catch-up runs
    rows = service.store.list_items()
    assert [row.id for row in rows if row.analysed_at is None] == []
    assert service.store.counts().stories >= 1


# --- poll cycle ---------------------------------------------------------------------------------

FEEDS = 30
OWN = 20  # entries only one feed carries, per round
SHARED = 6  # entries every third feed carries (same link, own guid), per round


def _shared_for(feed: int) -> list[int]:
    return [s for s in range(SHARED) if s % 3 == feed % 3]


def _feed_items(feed: int, rounds: range, base: datetime) -> list[dict]:
    items = []
    for r in rounds:
        for k in range(OWN):
            items.append(
                {
                    "title": f"Feed {feed} round {r} local report {k}",
                    "guid": f"f{feed}-r{r}-k{k}",
                    "link": f"https://n{feed}.example/r{r}/k{k}",
                    "description": OTHER.format(n=k),
                    "published": base + timedelta(days=5 * r, minutes=k),
                }
            )
        for s in _shared_for(feed):
            items.append(
                {
                    "title": f"Wire report {s} of round {r}: leaders meet on guarantees",
                    "guid": f"f{feed}-wire-r{r}-s{s}",
                    "link": f"https://wire.example/r{r}/s{s}?utm_source=f{feed}",
                    "description": TOPIC,
                    # Five days apart: each round's wire reports form a story of their own.
                    "published": base + timedelta(days=5 * r, minutes=30 + s),
                }
            )
    return items


def _links_per_feed(round_: int) -> dict[int, int]:
    """Entries each feed carries after ``round_`` is fully ingested."""
    return {f: (round_ + 1) * (OWN + len(_shared_for(f))) for f in range(1, FEEDS + 1)}


def _check_poll_state(db: Path, complete: int | None, partial: int | None = None) -> list[str]:
    """Invariants after a kill (``partial``: the round in progress) or a finished cycle."""
    problems = integrity_problems(db)
    doubles = query(
        db, "SELECT canonical_link, COUNT(*) n FROM items GROUP BY canonical_link HAVING n > 1"
    )
    problems += [f"stored twice: {row['canonical_link']}" for row in doubles]
    orphans = query(db, "SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM item_feeds)")
    problems += [f"item {row['id']} has no feed" for row in orphans]
    counts = {
        row["feed_id"]: row["n"]
        for row in query(db, "SELECT feed_id, COUNT(*) n FROM item_feeds GROUP BY feed_id")
    }
    if partial is not None:
        before = _links_per_feed(partial - 1) if partial else dict.fromkeys(counts, 0)
        after = _links_per_feed(partial)
        for feed in range(1, FEEDS + 1):
            if counts.get(feed, 0) not in (before.get(feed, 0), after[feed]):
                problems.append(f"feed {feed} half-written: {counts.get(feed, 0)} entries")
    if complete is not None:
        expected = _links_per_feed(complete)
        for feed in range(1, FEEDS + 1):
            if counts.get(feed, 0) != expected[feed]:
                problems.append(f"feed {feed}: {counts.get(feed, 0)} entries, {expected[feed]} due")
        total = query(db, "SELECT COUNT(*) n FROM items")[0]["n"]
        if total != (complete + 1) * (FEEDS * OWN + SHARED):
            problems.append(f"{total} items stored, {(complete + 1) * (FEEDS * OWN + SHARED)} due")
        pending = query(db, "SELECT COUNT(*) n FROM items WHERE analysed_at IS NULL")[0]["n"]
        if pending:
            problems.append(f"{pending} items stored but never analysed")
        failing = query(db, "SELECT url, last_error FROM feeds WHERE last_error IS NOT NULL")
        problems += [f"feed {row['url']} failing: {row['last_error']}" for row in failing]
    return problems


@pytest.mark.slow
def test_sigkill_during_poll_cycles_loses_and_doubles_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "bot.storage.db"
    log = tmp_path / "fetch.log"
    config = write_config(
        tmp_path,
        {
            "storage": {"path": str(db)},
            "feeds": {"allow_private_networks": True, "per_host_concurrency": 6, "timeout": 20},
        },
    )
    env = bot_env()
    stats = KillStats()
    started = time.monotonic()
    rounds = int(os.environ.get("BRIEFBOT_CRASH_POLL_ROUNDS") or 24)
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=5 * rounds + 2)
    with FeedServer() as server:
        store = Store.open(db)
        for feed in range(1, FEEDS + 1):
            store.add_feed(server.url(f"/f{feed}.xml"), base, name=f"Feed {feed}")
        store.close()
        duration = 0.0
        for round_ in range(rounds):
            for feed in range(1, FEEDS + 1):
                body = rss(_feed_items(feed, range(max(0, round_ - 1), round_ + 1), base))
                server.route(f"/f{feed}.xml", body, delay=rng.uniform(0.0, 0.6))
            began = time.monotonic()
            process = spawn(["fetch", "--all", "--config", str(config)], env=env, log=log)
            # Round 0 runs uncut: it measures how long a cycle takes, so kills land inside one.
            if round_ and kill_after(process, rng.uniform(0.1, 1.0) * duration):
                stats.kills += 1
                found = _check_poll_state(db, None, partial=round_)
                stats.problems += [f"round {round_}, after the kill: {p}" for p in found]
                process = spawn(["fetch", "--all", "--config", str(config)], env=env, log=log)
                assert finish(process) == 0, log.read_text()[-3000:]
            else:
                assert finish(process) == 0, log.read_text()[-3000:]
                stats.completed_first += bool(round_)
                duration = time.monotonic() - began if not round_ else duration
            found = _check_poll_state(db, round_)
            stats.problems += [f"round {round_}, after the restart: {p}" for p in found]
    stats.seconds = time.monotonic() - started
    report(f"poll cycle (seed {SEED})", stats)
    assert not stats.problems, "\n".join(stats.problems[:30])
    assert stats.kills >= (rounds - 1) // 2


# --- digest round -------------------------------------------------------------------------------

SUBSCRIBERS = 150
FIRST_CHAT = 50_000


def _subscribe_all(db: Path, config: Path) -> None:
    settings = load_settings(str(config))
    store = Store.open(db)
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=2)
    service = Service(settings, store, clock=lambda: yesterday)
    for chat in range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS):
        subscriptions.subscribe(service, chat, at=clock_time(8), zone="UTC")
        subscriptions.update_settings(service, chat, skip_empty=False)
    store.close()


def _make_due(db: Path, due_at: str) -> None:
    conn = sqlite3.connect(db, timeout=30)
    with conn:
        conn.execute("UPDATE subscribers SET next_due_at = ?", [due_at])
    conn.close()


def _copies(fake: FakeTelegram, since: int) -> dict[int, int]:
    counts = dict.fromkeys(range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS), 0)
    for call in fake.calls_to("sendMessage")[since:]:
        if call.params.get("_ok") and call.params.get("chat_id") in counts:
            counts[call.params["chat_id"]] += 1
    return counts


def _check_digest_day(db: Path, fake: FakeTelegram, since: int, due_at: str, kills: int):
    problems = integrity_problems(db)
    copies = _copies(fake, since)
    rows = {
        row["chat_id"]: row["status"]
        for row in query(db, "SELECT chat_id, status FROM deliveries WHERE due_at = ?", [due_at])
    }
    for chat, count in copies.items():
        if count == 0:
            problems.append(f"chat {chat} never got its digest")
        if count > 1 + kills:
            problems.append(f"chat {chat} got {count} copies after {kills} kills")
        if rows.get(chat) != "sent":
            problems.append(f"chat {chat}: delivery {rows.get(chat)}, not sent")
    extra = sum(count - 1 for count in copies.values() if count > 1)
    if extra > FAN_OUT * kills:
        problems.append(f"{extra} repeated messages after {kills} kills (at most {FAN_OUT} each)")
    late = query(
        db, "SELECT COUNT(*) n FROM subscribers WHERE active = 1 AND next_due_at <= ?", [due_at]
    )[0]["n"]
    if late:
        problems.append(f"{late} subscribers still due")
    return problems, extra


def _started(log: Path, offset: int) -> bool:
    return "briefbot is running" in log.read_text()[offset:]


def _all_sent(db: Path, due_at: str) -> bool:
    return not query(
        db, "SELECT 1 FROM subscribers WHERE active = 1 AND next_due_at <= ?", [due_at]
    )


def _sent_but_unrecorded(db: Path, fake: FakeTelegram, since: int, due_at: str) -> list[str]:
    """After a kill: every delivery recorded as sent was really accepted by Telegram."""
    copies = _copies(fake, since)
    sent = query(
        db, "SELECT chat_id FROM deliveries WHERE due_at = ? AND status = 'sent'", [due_at]
    )
    return [
        f"chat {r['chat_id']} recorded sent, never sent" for r in sent if not copies[r["chat_id"]]
    ]


@pytest.mark.slow
def test_sigkill_during_digest_rounds_repeats_at_most_the_messages_in_flight(tmp_path: Path):
    rng = random.Random(SEED + 1)
    db = tmp_path / "bot.storage.db"
    log = tmp_path / "digests.log"
    stats = KillStats()
    started = time.monotonic()
    days = int(os.environ.get("BRIEFBOT_CRASH_DIGEST_DAYS") or 10)
    repeated = 0
    with FakeTelegram() as fake:
        fake.send_delay = 0.01
        config = write_config(
            tmp_path,
            {"telegram": {"base_url": fake.base_url}, "storage": {"path": str(db)}},
        )
        env = bot_env(BRIEFBOT_TOKEN=fake.token)
        _subscribe_all(db, config)
        duration = 6.0
        for day in range(days):
            due_at = to_iso(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=90 - day))
            assert due_at is not None
            _make_due(db, due_at)
            since = len(fake.calls_to("sendMessage"))
            kills = 0
            last_day = day == days - 1
            while True:
                if kills >= 2 and (last_day or kills >= 3):
                    # The real bot catches up on its own digest tick, then stops on SIGTERM.
                    offset = log.stat().st_size
                    process = spawn(["run", "--config", str(config)], env=env, log=log)
                    wait_until(partial(_started, log, offset), 60, "the bot to start")
                    wait_until(
                        partial(_all_sent, db, due_at), 90, "the bot to send the missed digests"
                    )
                    process.send_signal(signal.SIGTERM)
                    assert finish(process, 15) == 0, log.read_text()[-3000:]
                    break
                began = time.monotonic()
                process = spawn(["-c", DELIVER_ONCE, str(config)], env=env, log=log)
                if not kill_after(process, rng.uniform(0.15, 0.9) * duration):
                    assert process.returncode == 0, log.read_text()[-3000:]
                    duration = max(duration, time.monotonic() - began)
                    stats.completed_first += 1
                    break
                kills += 1
                stats.kills += 1
                found = integrity_problems(db) + _sent_but_unrecorded(db, fake, since, due_at)
                stats.problems += [f"day {day}, after a kill: {p}" for p in found]
            found, extra = _check_digest_day(db, fake, since, due_at, kills)
            repeated += extra
            stats.problems += [f"day {day}: {p}" for p in found]
    stats.seconds = time.monotonic() - started
    report(f"digest round (seed {SEED}, {repeated} messages repeated)", stats)
    assert not stats.problems, "\n".join(stats.problems[:30])
    assert stats.kills >= days


# --- migration ----------------------------------------------------------------------------------

BIG = 100_000
NAMES = [migration.name for migration in migrations._migrations]
FTS_MIGRATION = "0003_search"


def _big_database(path: Path) -> None:
    """A database stopped before the full-text migration, with many relevant items to index."""
    db = open_database(path, migrate=False)
    migrations.apply(db, stop_before=FTS_MIGRATION)
    stamp = "2026-02-01T00:00:00Z"
    rows = (
        (f"https://big.example/{n}", f"Report {n} on security guarantees", f"{TOPIC} #{n}", stamp)
        for n in range(BIG)
    )
    with db.conn:
        db.conn.executemany(
            "INSERT INTO items (link, canonical_link, title, summary, published_at, "
            "first_seen_at, content_hash, relevant) VALUES (?1, ?1, ?2, ?3, ?4, ?4, 'h', 1)",
            rows,
        )
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _applied(db: Path) -> list[str]:
    rows = query(
        db, "SELECT name FROM _sqlite_migrations WHERE migration_set = 'briefbot' ORDER BY id"
    )
    return [row["name"] for row in rows]


def _check_migration_state(db: Path, *, complete: bool) -> list[str]:
    problems = integrity_problems(db)
    applied = _applied(db)
    # Others may add migrations while this runs: judge the ones this test process knows.
    known = [name for name in applied if name in NAMES]
    if known != NAMES[: len(known)]:
        problems.append(f"applied out of order: {applied}")
    if complete and known != NAMES:
        problems.append(f"not all migrations applied: {applied}")
    tables = {row["name"] for row in query(db, "SELECT name FROM sqlite_master")}
    items = query(db, "SELECT COUNT(*) n FROM items")[0]["n"]
    if items != BIG:
        problems.append(f"{items} items, {BIG} before the migration")
    if FTS_MIGRATION in applied:
        found = query(db, "SELECT COUNT(*) n FROM items_fts WHERE items_fts MATCH 'guarantees'")[0][
            "n"
        ]
        if found != BIG:
            problems.append(f"search finds {found} of {BIG} items")
    elif "items_fts" in tables:
        problems.append("half-applied migration: items_fts exists but is not recorded")
    if "0005_digests" not in applied and "deliveries" in tables:
        problems.append("half-applied migration: deliveries exists but is not recorded")
    return problems


@pytest.mark.slow
def test_sigkill_during_a_migration_leaves_it_applied_or_not_at_all(tmp_path: Path):
    rng = random.Random(SEED + 2)
    template = tmp_path / "template.db"
    _big_database(template)
    db = tmp_path / "bot.storage.db"
    log = tmp_path / "migrate.log"
    env = bot_env()
    stats = KillStats()
    started = time.monotonic()
    runs = int(os.environ.get("BRIEFBOT_CRASH_MIGRATION_RUNS") or 20)
    duration = 0.0
    for run in range(runs):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(template, db)
        began = time.monotonic()
        process = spawn(["-c", MIGRATE, str(db)], env=env, log=log)
        # Run 0 runs uncut: it measures how long the migration takes, so kills land inside it.
        if run and kill_after(process, rng.uniform(0.1, 1.0) * duration):
            stats.kills += 1
            found = _check_migration_state(db, complete=False)
            stats.problems += [f"run {run}, after the kill: {p}" for p in found]
            assert finish(spawn(["-c", MIGRATE, str(db)], env=env, log=log)) == 0
        else:
            assert finish(process) == 0, log.read_text()[-3000:]
            stats.completed_first += bool(run)
            duration = time.monotonic() - began if not run else duration
        found = _check_migration_state(db, complete=True)
        stats.problems += [f"run {run}, after the restart: {p}" for p in found]
    stats.seconds = time.monotonic() - started
    report(f"migration (seed {SEED})", stats)
    assert not stats.problems, "\n".join(stats.problems[:30])
    assert stats.kills >= (runs - 1) // 2
