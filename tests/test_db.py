"""Storage: the database opens in WAL mode with foreign keys, and migrations are idempotent."""

from __future__ import annotations

from bot.storage.db import apply_migrations, open_database
from bot.storage.migrations import migrations


def test_database_directory_is_created(tmp_path):
    path = tmp_path / "nested" / "deeper" / "briefbot.db"
    db = open_database(path)
    assert path.exists()
    assert db.query("PRAGMA journal_mode").__next__()["journal_mode"] == "wal"
    assert next(db.query("PRAGMA foreign_keys"))["foreign_keys"] == 1
    db.close()


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
