"""`briefbot health`: what Docker's HEALTHCHECK relies on — exit code and one line saying why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.briefing.health import (
    DATABASE_UNUSABLE,
    HEALTHY,
    POLL_STALE,
    SCHEMA_NOT_CURRENT,
    check_health,
)
from bot.cli.main import main
from bot.core.timeutil import to_iso, utcnow
from bot.storage.db import open_database
from bot.storage.migrations import migrations
from bot.storage.store import Store

HOURS_3 = timedelta(hours=3)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "briefbot.db"


@pytest.fixture
def config(tmp_path, db_path):
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "{db_path}"\n', encoding="utf-8")
    return str(path)


def make_db(path, *, feeds: int = 1, last_poll=None, added=None) -> None:
    """A migrated database with ``feeds`` never-polled feeds, due since ``added`` (default: 3 h
    ago), and the poll loop's heartbeat at ``last_poll`` (default: none)."""
    store = Store.open(path)
    try:
        for number in range(feeds):
            store.add_feed(f"https://news{number}.example/rss", added or utcnow() - HOURS_3)
        if last_poll is not None:
            store.set_state("last_poll_at", to_iso(last_poll))
    finally:
        store.close()


def health(capsys, config, *extra):
    capsys.readouterr()
    code = main(["health", "--config", config, *extra])
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    return code, lines[0]


def test_recent_poll_is_healthy(capsys, config, db_path):
    make_db(db_path, last_poll=utcnow() - timedelta(minutes=3))
    code, line = health(capsys, config)
    assert code == HEALTHY == 0
    assert line == "healthy: last poll cycle 3 min ago"


def test_stale_poll_with_overdue_feeds_is_unhealthy(capsys, config, db_path):
    make_db(db_path, last_poll=utcnow() - timedelta(hours=2))
    code, line = health(capsys, config, "--grace", "0")  # the database is only seconds old
    assert code == POLL_STALE == 4
    assert line == "no poll cycle in the last 30m (last: 2.0 h ago); 1 feed(s) overdue"
    # a longer --max-age accepts the same heartbeat
    code, line = health(capsys, config, "--max-age", "3h", "--grace", "0")
    assert code == 0 and line.startswith("healthy: last poll cycle")


def test_missing_database_is_reported_and_not_created(capsys, config, db_path):
    code, line = health(capsys, config)
    assert code == DATABASE_UNUSABLE == 3
    assert line == f"database not found: {db_path} (has the bot started?)"
    assert not db_path.exists() and not db_path.parent.exists()


def test_a_file_that_is_not_a_database_is_unusable(capsys, config, db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not SQLite at all, just some text " * 100)
    code, line = health(capsys, config)
    assert code == DATABASE_UNUSABLE
    assert line.startswith(f"database unusable: {db_path}: ") and "not a database" in line


def test_pending_migrations_are_reported(capsys, config, db_path):
    newest = migrations.applied(open_database(":memory:"))[-1].name
    db = open_database(db_path, migrate=False)
    migrations.apply(db, stop_before=newest)
    db.close()
    code, line = health(capsys, config)
    assert code == SCHEMA_NOT_CURRENT == 5
    assert line.startswith(f"1 migration(s) pending ({newest})")
    # the check itself changed nothing
    db = open_database(db_path, migrate=False)
    assert [m.name for m in migrations.pending(db)] == [newest]
    db.close()


def test_a_fresh_bot_is_healthy_until_its_feeds_are_overdue(db_path):
    now = utcnow()
    make_db(db_path, feeds=3, added=now)  # as on first start: default feeds due at once
    five = timedelta(minutes=5)
    # 7 minutes in, no poll yet: feeds are 7 min overdue (> --max-age 5m) but the database is
    # younger than the grace
    verdict = check_health(db_path, now + timedelta(minutes=7), max_age=five)
    assert verdict.code == HEALTHY
    assert verdict.message.startswith("healthy: starting (database created ")
    # with the default --max-age the feeds are not overdue yet at all
    thirty = timedelta(minutes=30)
    assert check_health(db_path, now + timedelta(minutes=20), max_age=thirty).code == HEALTHY
    # an hour later, still without a single poll cycle
    later = check_health(db_path, now + timedelta(hours=1), max_age=thirty)
    assert later.code == POLL_STALE
    assert later.message == "no poll cycle in the last 30m (last: never); 3 feed(s) overdue"


def test_nothing_due_is_healthy_even_without_a_recent_poll(db_path):
    make_db(db_path, feeds=0, last_poll=utcnow() - timedelta(days=2))
    verdict = check_health(db_path, utcnow() + timedelta(hours=1), max_age=timedelta(minutes=30))
    assert verdict.code == HEALTHY
    assert verdict.message == "healthy: no feed was due in the last 30m (last poll 49.0 h ago)"


def test_bad_max_age_is_a_usage_error(capsys, config, db_path):
    make_db(db_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["health", "--max-age", "soon", "--config", config])
    assert exit_info.value.code == 2
    assert "--max-age" in capsys.readouterr().err


def _corrupt_pages(path) -> None:
    """Overwrite the last pages (the feeds just added) with junk, as a failing disk would."""
    page = 4096
    data = bytearray(path.read_bytes())
    assert len(data) > 20 * page
    for offset in range(len(data) - 4 * page, len(data), page):
        data[offset + 8 : offset + 400] = b"\xa5" * 392
    path.write_bytes(bytes(data))


def test_corrupt_pages_are_found_by_the_quick_check(capsys, config, db_path):
    store = Store.open(db_path)
    for number in range(300):
        store.add_feed(f"https://news{number}.example/" + "x" * 200, utcnow())
    store.set_state("last_poll_at", to_iso(utcnow()))
    store.close()
    _corrupt_pages(db_path)
    code, line = health(capsys, config)
    assert code == DATABASE_UNUSABLE
    assert line.startswith(f"database corrupt: {db_path}: ")


def test_a_database_from_a_newer_version_is_refused(capsys, config, db_path):
    make_db(db_path, last_poll=utcnow())
    db = open_database(db_path)
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('briefbot', '0099_future', '2030-01-01 00:00:00')"
    )
    db.close()
    code, line = health(capsys, config)
    assert code == SCHEMA_NOT_CURRENT
    assert line == "written by a newer briefbot: migration 0099_future is unknown to this version"


def test_an_unknown_column_counts_as_a_newer_version_and_run_refuses_it(capsys, tmp_path, db_path):
    make_db(db_path, last_poll=utcnow())
    db = open_database(db_path)
    db.execute("ALTER TABLE items ADD COLUMN mood TEXT")
    db.close()
    config = tmp_path / "run.toml"
    config.write_text(
        f'[telegram]\ntoken = "123456:{"A" * 35}"\n[storage]\npath = "{db_path}"\n',
        encoding="utf-8",
    )
    code, line = health(capsys, str(config))
    assert code == SCHEMA_NOT_CURRENT and "column items.mood" in line
    assert main(["run", "--config", str(config)]) == 2
    error = capsys.readouterr().err
    assert "was written by a newer briefbot (column items.mood is unknown" in error
    assert "Traceback" not in error
