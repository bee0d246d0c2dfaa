"""Feeds and their polling state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.models import Feed
from bot.core.timeutil import to_iso
from bot.storage import rows
from bot.storage.base import StoreBase


class DuplicateFeed(ValueError):
    """A feed with this URL is already stored."""


_FEED_SELECT = (
    "SELECT feeds.*, (SELECT COUNT(*) FROM item_feeds WHERE feed_id = feeds.id) AS item_count "
    "FROM feeds"
)


class FeedStore(StoreBase):
    """Adding, listing, pausing and removing feeds; what each poll leaves behind."""

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
        feed_id = self._insert(
            "INSERT INTO feeds (url, name, title, site_url, language, next_check_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [url, name, title, site_url, language, to_iso(next_check_at or now), to_iso(now)],
        )
        feed = self.get_feed(feed_id)
        assert feed is not None
        return feed

    def get_feed(self, feed_id: int) -> Feed | None:
        """One feed by id."""
        row = self._one(f"{_FEED_SELECT} WHERE feeds.id = ?", [feed_id])
        return rows.feed(row) if row else None

    def find_feed_by_url(self, url: str) -> Feed | None:
        """One feed by exact URL."""
        row = self._one(f"{_FEED_SELECT} WHERE feeds.url = ?", [url])
        return rows.feed(row) if row else None

    def list_feeds(self, *, active_only: bool = False) -> list[Feed]:
        """All feeds (or only active ones), by id."""
        where = " WHERE feeds.active = 1" if active_only else ""
        return [rows.feed(row) for row in self._rows(f"{_FEED_SELECT}{where} ORDER BY feeds.id")]

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Active feeds whose next check time has come, oldest due first."""
        found = self._rows(
            "SELECT *, 0 AS item_count FROM feeds WHERE active = 1 "
            "AND (next_check_at IS NULL OR next_check_at <= ?) ORDER BY next_check_at",
            [to_iso(now)],
        )
        return [rows.feed(row) for row in found]

    def count_feeds(self) -> int:
        """How many feeds are stored."""
        return int(self._scalar("SELECT COUNT(*) FROM feeds"))

    def remove_feed(self, feed_id: int) -> list[int]:
        """Delete a feed; items only this feed carried are deleted too.

        Returns the stories those items belonged to, so the caller can refresh them.
        """
        with self.db.atomic():
            stories = [
                row["story_id"]
                for row in self._rows(
                    "SELECT DISTINCT i.story_id FROM items i JOIN item_feeds x "
                    "ON x.item_id = i.id WHERE x.feed_id = ? AND i.story_id IS NOT NULL",
                    [feed_id],
                )
            ]
            self.db.execute(
                "DELETE FROM items WHERE id IN (SELECT item_id FROM item_feeds WHERE feed_id = ?) "
                "AND id NOT IN (SELECT item_id FROM item_feeds WHERE feed_id != ?)",
                [feed_id, feed_id],
            )
            self.db.execute("DELETE FROM feeds WHERE id = ?", [feed_id])
        return stories

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
        found = self._rows(
            "SELECT *, 0 AS item_count FROM feeds WHERE active = 1 AND failure_notified = 0 "
            "AND failing_since IS NOT NULL AND failing_since <= ?",
            [to_iso(cutoff)],
        )
        return [rows.feed(row) for row in found]

    def mark_failure_notified(self, feed_id: int) -> None:
        """Remember that admins were told this feed is failing."""
        self.db.execute("UPDATE feeds SET failure_notified = 1 WHERE id = ?", [feed_id])
