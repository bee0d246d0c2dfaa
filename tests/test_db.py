"""Storage: the database opens in WAL mode with foreign keys, and migrations are idempotent."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils
from sqlite_utils.plugins import pm

from bot.storage.db import apply_migrations, open_database
from bot.storage.migrations import migrations


def test_database_directory_is_created(tmp_path):
    path = tmp_path / "nested" / "deeper" / "briefbot.db"
    db = open_database(path)
    assert path.exists()
    assert db.query("PRAGMA journal_mode").__next__()["journal_mode"] == "wal"
    assert next(db.query("PRAGMA foreign_keys"))["foreign_keys"] == 1
    db.close()


class _PlantingPlugin:
    """A sqlite-utils plugin, as installed for the ``sqlite-utils`` command, that adds a
    function to every connection it is given."""

    @sqlite_utils.hookimpl
    def prepare_connection(self, conn):
        conn.create_function("planted", 0, lambda: "by a plugin")


def test_sqlite_utils_plugins_installed_beside_the_bot_do_not_touch_its_database(tmp_path):
    plugin = _PlantingPlugin()
    pm.register(plugin)
    try:
        # The plugin works on a plain sqlite-utils connection ...
        plain = sqlite_utils.Database(tmp_path / "plain.db")
        assert plain.execute("SELECT planted()").fetchone() == ("by a plugin",)
        plain.close()
        # ... and is not run on the bot's.
        db = open_database(tmp_path / "b.db")
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            db.execute("SELECT planted()")
        db.close()
    finally:
        pm.unregister(plugin)


def test_first_migration_creates_core_tables(tmp_path):
    db = open_database(tmp_path / "b.db")
    for table in ("feeds", "items", "item_feeds", "subscribers", "admins"):
        assert table in db.table_names()
    db.close()


def test_applying_migrations_twice_is_a_no_op(tmp_path):
    path = tmp_path / "b.db"
    db = open_database(path, migrate=False)
    first = apply_migrations(db)
    assert first == [m.name for m in migrations._migrations]
    schema = db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    applied = [m.name for m in migrations.applied(db)]
    assert apply_migrations(db) == []
    assert db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert [m.name for m in migrations.applied(db)] == applied
    db.close()
    reopened = open_database(path)
    assert [m.name for m in migrations.applied(reopened)] == applied
    reopened.close()


def test_deleting_a_feed_cascades_to_its_item_links(tmp_path):
    db = open_database(tmp_path / "b.db")
    db.execute("INSERT INTO feeds (id, url, created_at) VALUES (1, 'http://x/', 'now')")
    db.execute(
        "INSERT INTO items (id, published_at, first_seen_at, content_hash) "
        "VALUES (1, 'a', 'a', 'h')"
    )
    db.execute(
        "INSERT INTO item_feeds (item_id, feed_id, entry_key, first_seen_at) "
        "VALUES (1, 1, 'k', 'a')"
    )
    db.execute("DELETE FROM feeds WHERE id = 1")
    assert db.execute("SELECT COUNT(*) FROM item_feeds").fetchone()[0] == 0
    db.close()


def _feed_ids(db) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM feeds ORDER BY id").fetchall()]


def _add_feed(db, url: str) -> int:
    return db.execute("INSERT INTO feeds (url, created_at) VALUES (?, 'now')", [url]).lastrowid


def test_a_removed_feeds_id_is_never_given_to_another(store, clock):
    # Ids name feeds in chat (/pausefeed 3): a reused id would point at the wrong feed.
    ids = [store.add_feed(f"https://news.example/{n}.xml", clock()).id for n in range(3)]
    store.remove_feed(ids[-1])
    new = store.add_feed("https://other.example/feed.xml", clock())
    assert new.id not in ids
    assert store.get_feed(ids[-1]) is None


def test_feed_id_migration_keeps_feeds_items_and_their_links(tmp_path):
    path = tmp_path / "old.db"
    db = open_database(path, migrate=False)
    migrations.apply(db, stop_before="0013_feed_ids")
    with db.conn:
        for n in range(1, 5):
            _add_feed(db, f"https://feed.example/{n}")
        db.execute(
            "INSERT INTO items (id, published_at, first_seen_at, content_hash) "
            "VALUES (1, 'a', 'a', 'h')"
        )
        db.execute("INSERT INTO item_feeds VALUES (1, 2, 'k', 'a'), (1, 3, 'k', 'a')")
        db.execute("DELETE FROM feeds WHERE id = 1")
    # The old schema reuses the highest id once it is removed.
    with db.conn:
        db.execute("DELETE FROM feeds WHERE id = 4")
        assert _add_feed(db, "https://feed.example/again") == 4
    db.close()

    db = open_database(path)
    assert _feed_ids(db) == [2, 3, 4]
    assert db.execute("SELECT url FROM feeds WHERE id = 3").fetchone()[0] == (
        "https://feed.example/3"
    )
    assert db.execute("SELECT feed_id FROM item_feeds ORDER BY feed_id").fetchall() == [(2,), (3,)]
    assert next(db.query("PRAGMA foreign_keys"))["foreign_keys"] == 1
    with db.conn:
        db.execute("DELETE FROM feeds WHERE id = 4")
        assert _add_feed(db, "https://feed.example/new") == 5
        db.execute("DELETE FROM feeds WHERE id = 2")  # still cascades to the item's links
    assert db.execute("SELECT feed_id FROM item_feeds").fetchall() == [(3,)]
    db.close()


def test_feed_id_migration_stopped_before_it_was_recorded_is_not_done_twice(tmp_path):
    path = tmp_path / "b.db"
    db = open_database(path)
    with db.conn:
        _add_feed(db, "https://feed.example/1")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = '0013_feed_ids'")
    db.close()
    db = open_database(path)
    assert "0013_feed_ids" in [m.name for m in migrations.applied(db)]
    assert _feed_ids(db) == [1]
    db.close()
