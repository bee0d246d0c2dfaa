"""The storage layer: every SQL statement of the bot lives here and returns plain models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.db import open_database
from bot.decide import IngestPlan, KnownEntry
from bot.models import Entry, Feed
from bot.timeutil import from_iso, to_iso


class DuplicateFeed(ValueError):
    """A feed with this URL is already stored."""


_FEED_TIMES = ("next_check_at", "last_checked_at", "last_success_at", "failing_since", "created_at")


def _feed(row: dict[str, Any]) -> Feed:
    values = dict(row)
    for key in _FEED_TIMES:
        values[key] = from_iso(values.get(key))
    values["active"] = bool(values["active"])
    values["failure_notified"] = bool(values["failure_notified"])
    values["item_count"] = values.get("item_count") or 0
    return Feed(**values)


class Store:
    """Typed access to the briefbot database. One Store per thread (SQLite connection rule)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (and migrate) the database at ``path``."""
        return cls(open_database(path))

    def close(self) -> None:
        """Close the underlying connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them commit together or none do."""
        with self.db.atomic():
            yield

    def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params or []))

    def _one(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    # --- state -----------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        """Read a value from the key/value state table."""
        row = self._one("SELECT value FROM state WHERE key = ?", [key])
        return row["value"] if row else None

    def set_state(self, key: str, value: str) -> None:
        """Write a value to the key/value state table."""
        self.db.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # --- admins ----------------------------------------------------------------------------

    def admin_ids(self) -> set[int]:
        """User ids added as admins from chat (configured admins are not stored)."""
        return {row["user_id"] for row in self._rows("SELECT user_id FROM admins")}

    def add_admin(self, user_id: int, added_by: int | None, now: datetime) -> bool:
        """Store an admin; return False when the user already was one."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO admins (user_id, added_by, added_at) VALUES (?, ?, ?)",
            [user_id, added_by, to_iso(now)],
        )
        return cursor.rowcount > 0

    # --- feeds -----------------------------------------------------------------------------

    _FEED_SELECT = (
        "SELECT feeds.*, (SELECT COUNT(*) FROM item_feeds WHERE feed_id = feeds.id) AS item_count "
        "FROM feeds"
    )

    def add_feed(
        self,
        url: str,
        now: datetime,
        *,
        name: str | None = None,
        title: str | None = None,
        site_url: str | None = None,
        language: str | None = None,
        next_check_at: datetime | None = None,
    ) -> Feed:
        """Store a new feed; raise DuplicateFeed when the URL is already stored."""
        if self.find_feed_by_url(url) is not None:
            raise DuplicateFeed(url)
        cursor = self.db.execute(
            "INSERT INTO feeds (url, name, title, site_url, language, next_check_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [url, name, title, site_url, language, to_iso(next_check_at or now), to_iso(now)],
        )
        feed = self.get_feed(cursor.lastrowid)
        assert feed is not None
        return feed

    def get_feed(self, feed_id: int) -> Feed | None:
        """One feed by id."""
        row = self._one(f"{self._FEED_SELECT} WHERE feeds.id = ?", [feed_id])
        return _feed(row) if row else None

    def find_feed_by_url(self, url: str) -> Feed | None:
        """One feed by exact URL."""
        row = self._one(f"{self._FEED_SELECT} WHERE feeds.url = ?", [url])
        return _feed(row) if row else None

    def list_feeds(self, *, active_only: bool = False) -> list[Feed]:
        """All feeds (or only active ones), by id."""
        where = " WHERE feeds.active = 1" if active_only else ""
        return [_feed(row) for row in self._rows(f"{self._FEED_SELECT}{where} ORDER BY feeds.id")]

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Active feeds whose next check time has come, oldest due first."""
        rows = self._rows(
            "SELECT *, 0 AS item_count FROM feeds WHERE active = 1 "
            "AND (next_check_at IS NULL OR next_check_at <= ?) ORDER BY next_check_at",
            [to_iso(now)],
        )
        return [_feed(row) for row in rows]

    def count_feeds(self) -> int:
        """How many feeds are stored."""
        return self.db.execute("SELECT COUNT(*) FROM feeds").fetchone()[0]

    def remove_feed(self, feed_id: int) -> None:
        """Delete a feed; items only this feed carried are deleted too."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM items WHERE id IN (SELECT item_id FROM item_feeds WHERE feed_id = ?) "
                "AND id NOT IN (SELECT item_id FROM item_feeds WHERE feed_id != ?)",
                [feed_id, feed_id],
            )
            self.db.execute("DELETE FROM feeds WHERE id = ?", [feed_id])

    def set_feed_active(self, feed_id: int, active: bool, now: datetime) -> None:
        """Pause or resume a feed (a resumed feed is due at once)."""
        self.db.execute(
            "UPDATE feeds SET active = ?, next_check_at = ? WHERE id = ?",
            [int(active), to_iso(now), feed_id],
        )

    def record_not_modified(
        self, feed_id: int, now: datetime, next_check_at: datetime, status: int = 304
    ) -> bool:
        """A 304: only the check times (and recovered error state) change. True if it recovered."""
        return self._record_success_state(feed_id, now, next_check_at, status, {})

    def record_failure(
        self, feed_id: int, now: datetime, error: str, status: int | None, next_check_at: datetime
    ) -> None:
        """Count a failed poll, remember since when the feed fails and when to try again."""
        self.db.execute(
            "UPDATE feeds SET error_count = error_count + 1, last_error = ?, last_status = ?, "
            "last_checked_at = ?, next_check_at = ?, failing_since = COALESCE(failing_since, ?) "
            "WHERE id = ?",
            [error[:500], status, to_iso(now), to_iso(next_check_at), to_iso(now), feed_id],
        )

    def _record_success_state(
        self,
        feed_id: int,
        now: datetime,
        next_check_at: datetime,
        status: int | None,
        extra: dict[str, Any],
    ) -> bool:
        row = self._one("SELECT failure_notified FROM feeds WHERE id = ?", [feed_id])
        recovered = bool(row and row["failure_notified"])
        values = {
            "last_checked_at": to_iso(now),
            "last_success_at": to_iso(now),
            "next_check_at": to_iso(next_check_at),
            "last_status": status,
            "error_count": 0,
            "failing_since": None,
            "failure_notified": 0,
            **extra,
        }
        assignments = ", ".join(f"{key} = ?" for key in values)
        self.db.execute(f"UPDATE feeds SET {assignments} WHERE id = ?", [*values.values(), feed_id])
        return recovered

    def change_feed_url(self, feed_id: int, url: str) -> bool:
        """Follow a permanent redirect: store the new URL unless another feed already has it."""
        if self.find_feed_by_url(url) is not None:
            return False
        self.db.execute("UPDATE feeds SET url = ? WHERE id = ?", [url, feed_id])
        return True

    def feeds_failing_since(self, cutoff: datetime) -> list[Feed]:
        """Active feeds failing since before ``cutoff`` whose admins were not told yet."""
        rows = self._rows(
            "SELECT *, 0 AS item_count FROM feeds WHERE active = 1 AND failure_notified = 0 "
            "AND failing_since IS NOT NULL AND failing_since <= ?",
            [to_iso(cutoff)],
        )
        return [_feed(row) for row in rows]

    def mark_failure_notified(self, feed_id: int) -> None:
        """Remember that admins were told this feed is failing."""
        self.db.execute("UPDATE feeds SET failure_notified = 1 WHERE id = ?", [feed_id])

    # --- items -----------------------------------------------------------------------------

    def known_entries(
        self, feed_id: int, entries: list[Entry]
    ) -> tuple[dict[str, KnownEntry], dict[str, int]]:
        """What is stored for these entries: by this feed's entry key, and by canonical link."""
        by_key: dict[str, KnownEntry] = {}
        by_link: dict[str, int] = {}
        keys = [entry.entry_key for entry in entries]
        links = [entry.canonical_link for entry in entries if entry.canonical_link]
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                "SELECT f.entry_key, i.id, i.content_hash, i.update_count FROM item_feeds f "
                "JOIN items i ON i.id = f.item_id "
                f"WHERE f.feed_id = ? AND f.entry_key IN ({marks})",
                [feed_id, *chunk],
            ):
                by_key[row["entry_key"]] = KnownEntry(
                    row["id"], row["content_hash"], row["update_count"]
                )
        for chunk in _chunks(links):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT id, canonical_link FROM items WHERE canonical_link IN ({marks})", chunk
            ):
                by_link.setdefault(row["canonical_link"], row["id"])
        return by_key, by_link

    def apply_ingest(
        self,
        feed_id: int,
        plan: IngestPlan,
        now: datetime,
        *,
        next_check_at: datetime,
        status: int | None,
        feed_meta: dict[str, Any],
    ) -> tuple[list[int], list[int], bool]:
        """Write one feed's poll in one transaction; return (new ids, changed ids, recovered)."""
        stamp = to_iso(now)
        new_ids: list[int] = []
        changed_ids: list[int] = []
        with self.db.atomic():
            for entry in plan.new:
                cursor = self.db.execute(
                    "INSERT INTO items (guid, link, canonical_link, title, summary, author, "
                    "language, published_at, first_seen_at, content_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        entry.guid,
                        entry.link,
                        entry.canonical_link,
                        entry.title,
                        entry.summary,
                        entry.author,
                        entry.language,
                        to_iso(entry.published_at),
                        stamp,
                        entry.content_hash,
                    ],
                )
                new_ids.append(cursor.lastrowid)
                self._link(cursor.lastrowid, feed_id, entry.entry_key, stamp)
            for item_id, entry in plan.changed:
                self.db.execute(
                    "UPDATE items SET title = ?, summary = ?, link = ?, canonical_link = ?, "
                    "author = ?, content_hash = ?, updated_at = ?, "
                    "update_count = update_count + 1 WHERE id = ?",
                    [
                        entry.title,
                        entry.summary,
                        entry.link,
                        entry.canonical_link,
                        entry.author,
                        entry.content_hash,
                        stamp,
                        item_id,
                    ],
                )
                changed_ids.append(item_id)
            for item_id, entry in plan.linked:
                self._link(item_id, feed_id, entry.entry_key, stamp)
            recovered = self._record_success_state(feed_id, now, next_check_at, status, feed_meta)
        return new_ids, changed_ids, recovered

    def _link(self, item_id: int, feed_id: int, entry_key: str, stamp: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO item_feeds (item_id, feed_id, entry_key, first_seen_at) "
            "VALUES (?, ?, ?, ?)",
            [item_id, feed_id, entry_key, stamp],
        )

    def count_items(self) -> int:
        """How many items are stored."""
        return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def list_items(self, *, since: datetime | None = None, limit: int | None = None):
        """Items newest first (optionally published since ``since``), with their feeds' names."""
        where = "WHERE i.published_at >= ?" if since else ""
        params: list[Any] = [to_iso(since)] if since else []
        sql = (
            "SELECT i.*, (SELECT json_group_array(COALESCE(f.name, f.title, f.url)) "
            "FROM item_feeds x JOIN feeds f ON f.id = x.feed_id WHERE x.item_id = i.id) AS feeds "
            f"FROM items i {where} ORDER BY i.published_at DESC, i.id DESC"
        )
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return self._rows(sql, params)

    # --- introspection (tests, health) -----------------------------------------------------

    def table_names(self) -> list[str]:
        """Names of the tables in the database."""
        return self.db.table_names()


def _chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
