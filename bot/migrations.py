"""Schema migrations (sqlite-utils ``Migrations``), append-only: never edit a released one."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("briefbot")


def _run(db: sqlite_utils.Database, *statements: str) -> None:
    for statement in statements:
        db.execute(statement)


@migrations(name="0001_initial")
def initial(db: sqlite_utils.Database) -> None:
    """Feeds, items (and which feeds carry them), subscribers, admins and a key/value state."""
    _run(
        db,
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT,
            title TEXT,
            site_url TEXT,
            language TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            interval_seconds INTEGER,
            etag TEXT,
            last_modified TEXT,
            next_check_at TEXT,
            last_checked_at TEXT,
            last_success_at TEXT,
            last_status INTEGER,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,
            failing_since TEXT,
            failure_notified INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_feeds_due ON feeds (active, next_check_at)",
        """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            guid TEXT,
            link TEXT,
            canonical_link TEXT,
            title TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            author TEXT,
            language TEXT,
            published_at TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT,
            content_hash TEXT NOT NULL,
            update_count INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX idx_items_canonical_link ON items (canonical_link)",
        "CREATE INDEX idx_items_published ON items (published_at)",
        """
        CREATE TABLE item_feeds (
            item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
            entry_key TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            PRIMARY KEY (item_id, feed_id),
            UNIQUE (feed_id, entry_key)
        )
        """,
        "CREATE INDEX idx_item_feeds_feed ON item_feeds (feed_id)",
        """
        CREATE TABLE subscribers (
            chat_id INTEGER PRIMARY KEY,
            chat_type TEXT NOT NULL DEFAULT 'private',
            title TEXT,
            digest_time TEXT NOT NULL,
            timezone TEXT NOT NULL,
            days TEXT NOT NULL DEFAULT 'daily',
            alerts INTEGER NOT NULL DEFAULT 0,
            skip_empty INTEGER NOT NULL DEFAULT 1,
            language TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            next_due_at TEXT,
            cursor TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT
        )
        """,
        "CREATE INDEX idx_subscribers_due ON subscribers (active, next_due_at)",
        """
        CREATE TABLE admins (
            user_id INTEGER PRIMARY KEY,
            added_by INTEGER,
            added_at TEXT NOT NULL
        )
        """,
        "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT)",
    )
