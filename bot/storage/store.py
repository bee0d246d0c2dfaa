"""The storage layer: every SQL statement of the bot lives here and returns plain models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.core.models import Entry, Feed
from bot.core.timeutil import from_iso, to_iso
from bot.ingest.decide import IngestPlan, KnownEntry
from bot.storage.db import open_database


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
        changed_ids: list[int] = []
        conn = self.db.conn
        with self.db.atomic():
            # Ids are assigned here, inside the write transaction (one writer at a time), so
            # items and their feed links go in with two executemany calls instead of 2n calls.
            first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM items").fetchone()[0]
            new_ids = list(range(first, first + len(plan.new)))
            conn.executemany(
                "INSERT INTO items (id, guid, link, canonical_link, title, summary, author, "
                "language, published_at, first_seen_at, content_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        item_id,
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
                    )
                    for item_id, entry in zip(new_ids, plan.new, strict=True)
                ],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO item_feeds (item_id, feed_id, entry_key, first_seen_at) "
                "VALUES (?, ?, ?, ?)",
                [
                    (item_id, feed_id, entry.entry_key, stamp)
                    for item_id, entry in zip(new_ids, plan.new, strict=True)
                ],
            )
            for item_id, entry in plan.changed:
                self.db.execute(
                    # analysed_at is cleared so that, should this analysis fail, the next
                    # cycle's catch-up re-analyses the new text.
                    "UPDATE items SET title = ?, summary = ?, link = ?, canonical_link = ?, "
                    "author = ?, content_hash = ?, updated_at = ?, analysed_at = NULL, "
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

    def count_relevant(self, ids: list[int]) -> int:
        """How many of the given items are relevant."""
        total = 0
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            total += self.db.execute(
                f"SELECT COUNT(*) FROM items WHERE relevant = 1 AND id IN ({marks})", chunk
            ).fetchone()[0]
        return total

    def count_items(self) -> int:
        """How many items are stored."""
        return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def list_items(self, *, since: datetime | None = None, limit: int | None = None):
        """Items newest first (optionally published since ``since``), with feeds and actors."""
        where = "WHERE i.published_at >= ?" if since else ""
        params: list[Any] = [to_iso(since)] if since else []
        sql = (
            "SELECT i.*, (SELECT json_group_array(COALESCE(f.name, f.title, f.url)) "
            "FROM item_feeds x JOIN feeds f ON f.id = x.feed_id WHERE x.item_id = i.id) AS feeds, "
            "(SELECT json_group_array(actor) FROM (SELECT actor FROM item_actors "
            "WHERE item_id = i.id ORDER BY mentions DESC, actor)) AS actors "
            f"FROM items i {where} ORDER BY i.published_at DESC, i.id DESC"
        )
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return self._rows(sql, params)

    # --- analysis ---------------------------------------------------------------------------

    def items_for_analysis(self, ids: list[int]) -> list[dict[str, Any]]:
        """The fields analysis reads, for the given item ids, in publication order."""
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows += self._rows(
                "SELECT id, title, summary, language, published_at, story_id, link, content_hash "
                f"FROM items WHERE id IN ({marks})",
                chunk,
            )
        return sorted(rows, key=lambda row: (row["published_at"], row["id"]))

    def unanalysed_item_ids(self, limit: int = 5000) -> list[int]:
        """Items stored or edited but not analysed since (a crash, or a failed analysis), oldest
        first."""
        rows = self._rows(
            "SELECT id FROM items WHERE analysed_at IS NULL ORDER BY id LIMIT ?", [limit]
        )
        return [row["id"] for row in rows]

    def all_item_ids(self) -> list[int]:
        """Every item id, oldest publication first (for re-analysis)."""
        return [row["id"] for row in self._rows("SELECT id FROM items ORDER BY published_at, id")]

    def save_item_analysis(
        self,
        item_id: int,
        *,
        relevance: float,
        relevant: bool,
        event_date: str | None,
        fingerprint: list[str],
        actors: dict[str, int],
        upcoming: list[tuple[str, str]],
        now: datetime,
    ) -> None:
        """Store one item's analysis (replacing an earlier one)."""
        self.db.execute(
            "UPDATE items SET relevance = ?, relevant = ?, event_date = ?, fingerprint = ?, "
            "analysed_at = ? WHERE id = ?",
            [
                relevance,
                int(relevant),
                event_date,
                json.dumps(fingerprint, ensure_ascii=False),
                to_iso(now),
                item_id,
            ],
        )
        self.db.execute("DELETE FROM item_actors WHERE item_id = ?", [item_id])
        for name, mentions in actors.items():
            self.db.execute(
                "INSERT INTO item_actors (item_id, actor, mentions) VALUES (?, ?, ?)",
                [item_id, name, mentions],
            )
        self.db.execute("DELETE FROM upcoming WHERE item_id = ?", [item_id])
        for day, text in upcoming:
            self.db.execute(
                "INSERT INTO upcoming (item_id, day, text) VALUES (?, ?, ?)", [item_id, day, text]
            )

    def note_candidate(self, name: str, cue: str, context: str, now: datetime) -> None:
        """Remember an unknown name seen next to a role word (counted per sighting)."""
        stamp = to_iso(now)
        self.db.execute(
            "INSERT INTO actor_candidates (name, cue, context, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "mentions = mentions + 1, last_seen = excluded.last_seen, context = excluded.context",
            [name, cue, context[:300], stamp, stamp],
        )

    def candidates(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Actor candidates awaiting review, most often seen first."""
        return self._rows(
            "SELECT * FROM actor_candidates WHERE status = 'new' "
            "ORDER BY mentions DESC, last_seen DESC LIMIT ?",
            [limit],
        )

    # --- stories ---------------------------------------------------------------------------

    def story_candidates(self, since: str, until: str) -> list[dict[str, Any]]:
        """Stories active (by last publication or day) in [since, until]: grouping candidates."""
        return self._rows(
            "SELECT id, fingerprint, actors, first_published, last_published, day, size "
            "FROM stories WHERE last_published >= ? AND first_published <= ?",
            [since, until],
        )

    def story_candidate(self, story_id: int) -> dict[str, Any] | None:
        """One story's grouping fields (as story_candidates returns them)."""
        return self._one(
            "SELECT id, fingerprint, actors, first_published, last_published, day, size "
            "FROM stories WHERE id = ?",
            [story_id],
        )

    def create_story(self, now: datetime) -> int:
        """A new empty story; its fields are filled by update_story."""
        stamp = to_iso(now)
        cursor = self.db.execute(
            "INSERT INTO stories (headline, day, first_published, last_published, created_at, "
            "updated_at) VALUES ('', '', '', '', ?, ?)",
            [stamp, stamp],
        )
        return cursor.lastrowid

    def set_item_story(self, item_id: int, story_id: int | None) -> None:
        """Attach an item to a story (or detach it with None)."""
        self.db.execute("UPDATE items SET story_id = ? WHERE id = ?", [story_id, item_id])

    def story_members(self, story_id: int) -> list[dict[str, Any]]:
        """The relevant items of a story with what story summaries need."""
        return self._rows(
            "SELECT i.id, i.title, i.summary, i.language, i.published_at, i.event_date, "
            "i.relevance, i.link, i.fingerprint, "
            "(SELECT json_group_object(actor, mentions) FROM item_actors a "
            "WHERE a.item_id = i.id) AS actors "
            "FROM items i WHERE i.story_id = ? ORDER BY i.published_at, i.id",
            [story_id],
        )

    def story_source_count(self, story_id: int) -> int:
        """Distinct feeds carrying the story's items."""
        return self.db.execute(
            "SELECT COUNT(DISTINCT f.feed_id) FROM item_feeds f JOIN items i ON i.id = f.item_id "
            "WHERE i.story_id = ?",
            [story_id],
        ).fetchone()[0]

    def update_story(self, story_id: int, fields: dict[str, Any]) -> None:
        """Write a story's derived fields."""
        assignments = ", ".join(f"{key} = ?" for key in fields)
        self.db.execute(
            f"UPDATE stories SET {assignments} WHERE id = ?", [*fields.values(), story_id]
        )

    def delete_story(self, story_id: int) -> None:
        """Remove a story that has no items left."""
        self.db.execute("DELETE FROM stories WHERE id = ?", [story_id])

    # --- stored timeline ---------------------------------------------------------------------

    def timeline_changes(self) -> tuple[int, set[str]]:
        """The newest change number and the days of the stories changed since the last save."""
        # The number first: a change committed in between is left for the next refresh.
        newest = self.db.execute("SELECT MAX(seq) FROM timeline_changes").fetchone()[0] or 0
        rows = self._rows("SELECT DISTINCT day FROM timeline_changes WHERE seq <= ?", [newest])
        return newest, {row["day"] for row in rows}

    def timeline_stories(self, since_day: str | None, *, min_relevance: float) -> list[dict]:
        """Stories the timeline groups (from ``since_day`` on, all with None), with their
        stored group."""
        where = "size > 0 AND relevance >= ?"
        params: list[Any] = [min_relevance]
        if since_day:
            where += " AND day >= ?"
            params.append(since_day)
        return self._rows(
            "SELECT id, headline, day, kind, sources, size, actors, fingerprint, relevance, "
            f"timeline_anchor FROM stories WHERE {where}",
            params,
        )

    def save_timeline(
        self,
        since_day: str | None,
        anchors: dict[int, int],
        entries: list[dict[str, Any]],
        *,
        changes_upto: int,
        signature: str,
    ) -> None:
        """Replace the timeline from ``since_day`` on (all of it with None) in one transaction.

        ``anchors`` maps story id → group anchor; ``entries`` are the groups whose anchors lie
        from ``since_day`` on. Changes up to number ``changes_upto`` are thereby done.
        """
        with self.transaction():
            current = dict(
                self.db.execute(
                    "SELECT id, timeline_anchor FROM stories WHERE id IN "
                    "(SELECT value FROM json_each(?))",
                    [json.dumps(list(anchors))],
                ).fetchall()
            )
            self.db.conn.executemany(
                "UPDATE stories SET timeline_anchor = ? WHERE id = ?",
                [
                    (anchor, story)
                    for story, anchor in anchors.items()
                    if current.get(story) != anchor
                ],
            )
            if since_day:
                self.db.execute("DELETE FROM timeline WHERE anchor_day >= ?", [since_day])
            else:
                self.db.execute("DELETE FROM timeline")
            self.db.conn.executemany(
                "INSERT INTO timeline (anchor, anchor_day, last_day, story, day, headline, kind, "
                "sources, reports, stories, actors) VALUES (:anchor, :anchor_day, :last_day, "
                ":story, :day, :headline, :kind, :sources, :reports, :stories, :actors)",
                entries,
            )
            self.db.execute("DELETE FROM timeline_changes WHERE seq <= ?", [changes_upto])
            self.set_state("timeline", signature)

    def advance_counter(self, key: str, expected: str) -> bool:
        """Compare-and-set a counter in the state table from ``expected`` to the next number;
        False when another writer moved it first. Call it first in a transaction."""
        following = str(int(expected) + 1)
        cursor = self.db.execute(
            "UPDATE state SET value = ? WHERE key = ? AND value = ?", [following, key, expected]
        )
        if cursor.rowcount == 0 and expected == "0":
            cursor = self.db.execute(
                "INSERT INTO state (key, value) SELECT ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM state WHERE key = ?)",
                [key, following, key],
            )
        return cursor.rowcount == 1

    def timeline_page(
        self, since_day: str | None, until_day: str, *, newest_first: bool, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """Stored timeline entries with a story in [since_day, until_day] (an entry's day is its
        biggest story's, which may lie just outside), in timeline order."""
        direction = "DESC" if newest_first else "ASC"
        return self._rows(
            "SELECT * FROM timeline WHERE last_day >= ? AND anchor_day <= ? "
            f"ORDER BY day {direction}, sources DESC, story LIMIT ? OFFSET ?",
            [since_day or "", until_day, limit, offset],
        )

    def timeline_size(self, since_day: str | None, until_day: str) -> int:
        """How many stored timeline entries have a story in [since_day, until_day]."""
        return self.db.execute(
            "SELECT COUNT(*) FROM timeline WHERE last_day >= ? AND anchor_day <= ?",
            [since_day or "", until_day],
        ).fetchone()[0]

    def story_item_ids(self, story_ids: list[int]) -> dict[int, list[int]]:
        """Story id → the ids of its items, for the given stories."""
        found: dict[int, list[int]] = {}
        for story, item in self.db.execute(
            "SELECT story_id, id FROM items WHERE story_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY id",
            [json.dumps(story_ids)],
        ):
            found.setdefault(story, []).append(item)
        return found

    def item_stories(self, item_ids: list[int]) -> dict[int, int]:
        """Item id → story id for those of ``item_ids`` that belong to a story."""
        return dict(
            self.db.execute(
                "SELECT id, story_id FROM items WHERE story_id IS NOT NULL AND id IN "
                "(SELECT value FROM json_each(?))",
                [json.dumps(item_ids)],
            ).fetchall()
        )

    def upcoming_events(self, from_day: str) -> list[dict[str, Any]]:
        """Announced future events on or after ``from_day`` from relevant items."""
        return self._rows(
            "SELECT u.day, u.text, u.item_id, i.title, i.link, i.story_id FROM upcoming u "
            "JOIN items i ON i.id = u.item_id WHERE u.day >= ? AND i.relevant = 1 "
            "ORDER BY u.day, u.item_id",
            [from_day],
        )

    def actor_mentions(self, since: str | None, until: str | None) -> list[dict[str, Any]]:
        """Per actor over relevant items published in [since, until): mentions, items, last seen."""
        where = ["i.relevant = 1"]
        params: list[Any] = []
        if since:
            where.append("i.published_at >= ?")
            params.append(since)
        if until:
            where.append("i.published_at < ?")
            params.append(until)
        return self._rows(
            "SELECT a.actor AS name, SUM(a.mentions) AS mentions, COUNT(*) AS items, "
            "MAX(i.published_at) AS last_seen FROM item_actors a JOIN items i ON i.id = a.item_id "
            f"WHERE {' AND '.join(where)} GROUP BY a.actor ORDER BY mentions DESC, name",
            params,
        )

    # --- briefing reads -----------------------------------------------------------------------

    def latest_stories(self, limit: int, *, min_relevance: float) -> list[dict[str, Any]]:
        """The stories with the newest reports."""
        return self._rows(
            "SELECT * FROM stories WHERE size > 0 AND relevance >= ? "
            "ORDER BY last_published DESC, id DESC LIMIT ?",
            [min_relevance, limit],
        )

    def get_story(self, story_id: int) -> dict[str, Any] | None:
        """One story row."""
        return self._one("SELECT * FROM stories WHERE id = ? AND size > 0", [story_id])

    def story_sources(self, story_id: int) -> list[dict[str, Any]]:
        """Every report of a story with its feed's name and link, oldest first."""
        return self._rows(
            "SELECT i.id, i.title, i.link, i.published_at, "
            "(SELECT json_group_array(COALESCE(f.name, f.title, f.url)) FROM item_feeds x "
            "JOIN feeds f ON f.id = x.feed_id WHERE x.item_id = i.id) AS feeds "
            "FROM items i WHERE i.story_id = ? ORDER BY i.published_at, i.id",
            [story_id],
        )

    def actor_daily_mentions(self, name: str, since: str) -> list[dict[str, Any]]:
        """Mentions of one actor in relevant reports per UTC day (``day``, ``mentions``)."""
        return self._rows(
            "SELECT substr(i.published_at, 1, 10) AS day, SUM(a.mentions) AS mentions "
            "FROM item_actors a JOIN items i ON i.id = a.item_id "
            "WHERE a.actor = ? AND i.relevant = 1 AND i.published_at >= ? "
            "GROUP BY day ORDER BY day",
            [name, since],
        )

    def actor_stories(self, name: str, limit: int) -> list[dict[str, Any]]:
        """The latest stories whose reports mention an actor."""
        return self._rows(
            "SELECT s.* FROM stories s WHERE s.id IN (SELECT i.story_id FROM item_actors a "
            "JOIN items i ON i.id = a.item_id WHERE a.actor = ? AND i.story_id IS NOT NULL) "
            "ORDER BY s.last_published DESC LIMIT ?",
            [name, limit],
        )

    def co_actors(self, name: str, limit: int) -> list[dict[str, Any]]:
        """Actors most often named in the same relevant reports as ``name``."""
        return self._rows(
            "SELECT b.actor AS name, COUNT(*) AS together FROM item_actors a "
            "JOIN item_actors b ON b.item_id = a.item_id AND b.actor != a.actor "
            "JOIN items i ON i.id = a.item_id WHERE a.actor = ? AND i.relevant = 1 "
            "GROUP BY b.actor ORDER BY together DESC, b.actor LIMIT ?",
            [name, limit],
        )

    def counts(self) -> dict[str, int]:
        """Totals for /stats."""
        row = self._one(
            "SELECT (SELECT COUNT(*) FROM items) AS items, "
            "(SELECT COUNT(*) FROM items WHERE relevant = 1) AS relevant_items, "
            "(SELECT COUNT(*) FROM stories WHERE size > 0) AS stories, "
            "(SELECT COUNT(*) FROM feeds) AS feeds, "
            "(SELECT COUNT(*) FROM feeds WHERE active = 1) AS active_feeds, "
            "(SELECT COUNT(*) FROM subscribers WHERE active = 1) AS subscribers"
        )
        assert row is not None
        return row

    # --- search ------------------------------------------------------------------------------

    def search_items(
        self, words: list[str], *, limit: int, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]:
        """Relevant items matching every word (prefix match), best first, with a snippet.

        The snippet marks matches with \x02 … \x03 so the renderer can escape, then highlight.
        """
        # FTS5's query parser stops at NUL and then reports an unterminated string.
        phrases = [word.replace("\x00", "") for word in words]
        phrases = [phrase for phrase in phrases if phrase.strip()]
        if not phrases:
            return 0, []
        match = " ".join('"' + phrase.replace('"', '""') + '"*' for phrase in phrases)
        total = self.db.execute(
            # CROSS JOIN keeps FTS the outer loop; otherwise SQLite walks every relevant item
            # and probes the index per row (16 ms instead of 0.1 ms for a rare word at 10k items).
            "SELECT COUNT(*) FROM items_fts CROSS JOIN items i ON i.id = items_fts.rowid "
            "WHERE items_fts MATCH ? AND i.relevant = 1",
            [match],
        ).fetchone()[0]
        rows = self._rows(
            "SELECT i.id, i.title, i.link, i.published_at, i.story_id, "
            "snippet(items_fts, -1, char(2), char(3), '…', 16) AS snippet "
            "FROM items_fts CROSS JOIN items i ON i.id = items_fts.rowid "
            "WHERE items_fts MATCH ? AND i.relevant = 1 "
            "ORDER BY bm25(items_fts, 3.0, 1.0), i.published_at DESC LIMIT ? OFFSET ?",
            [match, limit, offset],
        )
        return total, rows

    def save_search_query(self, words: list[str], now: datetime) -> int:
        """Remember a search so its paging buttons work after a restart; return its id."""
        text = json.dumps(words, ensure_ascii=False)
        self.db.execute(
            "INSERT OR IGNORE INTO search_queries (words, created_at) VALUES (?, ?)",
            [text, to_iso(now)],
        )
        row = self._one("SELECT id FROM search_queries WHERE words = ?", [text])
        assert row is not None
        return row["id"]

    def search_query(self, query_id: int) -> list[str] | None:
        """The words of a remembered search."""
        row = self._one("SELECT words FROM search_queries WHERE id = ?", [query_id])
        return json.loads(row["words"]) if row else None

    # --- subscribers -----------------------------------------------------------------------

    def get_subscriber(self, chat_id: int) -> dict[str, Any] | None:
        """One subscriber row (active or not)."""
        return self._one("SELECT * FROM subscribers WHERE chat_id = ?", [chat_id])

    def save_subscriber(self, chat_id: int, fields: dict[str, Any], now: datetime) -> None:
        """Create or update a subscriber with ``fields`` (column → value)."""
        stamp = to_iso(now)
        if self.get_subscriber(chat_id) is None:
            values = {"chat_id": chat_id, "created_at": stamp, "updated_at": stamp, **fields}
            columns = ", ".join(values)
            marks = ", ".join("?" * len(values))
            self.db.execute(
                f"INSERT INTO subscribers ({columns}) VALUES ({marks})", list(values.values())
            )
            return
        values = {**fields, "updated_at": stamp}
        assignments = ", ".join(f"{key} = ?" for key in values)
        self.db.execute(
            f"UPDATE subscribers SET {assignments} WHERE chat_id = ?", [*values.values(), chat_id]
        )

    def due_subscribers(self, now: datetime, limit: int = 1000) -> list[dict[str, Any]]:
        """Active subscribers whose digest time has come, longest waiting first."""
        return self._rows(
            "SELECT * FROM subscribers WHERE active = 1 AND next_due_at <= ? "
            "ORDER BY next_due_at, chat_id LIMIT ?",
            [to_iso(now), limit],
        )

    def alert_subscribers(self) -> list[dict[str, Any]]:
        """Active subscribers who asked for breaking alerts."""
        return self._rows("SELECT * FROM subscribers WHERE active = 1 AND alerts = 1")

    def move_subscriber(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its chat id changed."""
        with self.db.atomic():
            if self.get_subscriber(new_chat_id) is None:
                self.db.execute(
                    "UPDATE subscribers SET chat_id = ? WHERE chat_id = ?",
                    [new_chat_id, old_chat_id],
                )
            else:
                self.db.execute("DELETE FROM subscribers WHERE chat_id = ?", [old_chat_id])
            self.db.execute(
                "UPDATE deliveries SET chat_id = ? WHERE chat_id = ? AND status = 'pending'",
                [new_chat_id, old_chat_id],
            )

    # --- digests -------------------------------------------------------------------------

    def stories_created_between(
        self, since: str | None, until: str, *, min_relevance: float
    ) -> list[dict[str, Any]]:
        """Stories that became relevant in (since, until]."""
        where = "size > 0 AND relevance >= ? AND created_at <= ?"
        params: list[Any] = [min_relevance, until]
        if since:
            where += " AND created_at > ?"
            params.append(since)
        return self._rows(f"SELECT * FROM stories WHERE {where}", params)

    def begin_delivery(
        self,
        chat_id: int,
        due_at: str,
        window: tuple[str | None, str],
        digest_key: str,
        now: datetime,
    ) -> int:
        """Record a digest about to be sent (pending); a retry reuses the chat's pending record."""
        pending = self._one(
            "SELECT id FROM deliveries WHERE chat_id = ? AND status = 'pending' "
            "ORDER BY id DESC LIMIT 1",
            [chat_id],
        )
        if pending is not None:
            self.db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, window_end = ?, digest_key = ? "
                "WHERE id = ?",
                [window[1], digest_key, pending["id"]],
            )
            return pending["id"]
        self.db.execute(
            "INSERT INTO deliveries (chat_id, due_at, window_start, window_end, digest_key, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, due_at) DO UPDATE SET "
            "attempts = attempts + 1, window_end = excluded.window_end, "
            "digest_key = excluded.digest_key",
            [chat_id, due_at, window[0], window[1], digest_key, to_iso(now)],
        )
        row = self._one(
            "SELECT id FROM deliveries WHERE chat_id = ? AND due_at = ?", [chat_id, due_at]
        )
        assert row is not None
        return row["id"]

    def finish_delivery(
        self,
        delivery_id: int,
        chat_id: int,
        *,
        status: str,
        now: datetime,
        cursor: str | None,
        next_due_at: str | None,
        error: str | None = None,
    ) -> None:
        """Mark a delivery sent/skipped/failed; on success advance the subscriber atomically."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = ?, error = ?, sent_at = ? WHERE id = ?",
                [status, error, to_iso(now), delivery_id],
            )
            if cursor is not None and next_due_at is not None:
                self.db.execute(
                    "UPDATE subscribers SET cursor = ?, next_due_at = ?, last_digest_at = ? "
                    "WHERE chat_id = ?",
                    [cursor, next_due_at, to_iso(now), chat_id],
                )

    def delivery_attempts(self, delivery_id: int) -> int:
        """How many times a pending delivery was tried before this one."""
        row = self._one("SELECT attempts FROM deliveries WHERE id = ?", [delivery_id])
        return row["attempts"] if row else 0

    def postpone_delivery(
        self, delivery_id: int, chat_id: int, *, error: str | None, retry_at: str | None
    ) -> None:
        """Keep a failed delivery pending, note why, and try the chat again at ``retry_at``."""
        with self.db.atomic():
            self.db.execute("UPDATE deliveries SET error = ? WHERE id = ?", [error, delivery_id])
            self.db.execute(
                "UPDATE subscribers SET next_due_at = ? WHERE chat_id = ?", [retry_at, chat_id]
            )

    def deliveries(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Delivery records (for tests, health and /stats)."""
        if chat_id is None:
            return self._rows("SELECT * FROM deliveries ORDER BY id")
        return self._rows("SELECT * FROM deliveries WHERE chat_id = ? ORDER BY id", [chat_id])

    def mark_alert_sent(self, chat_id: int, story_id: int, now: datetime) -> bool:
        """Remember an alert; False if this chat already had one for the story."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO alerts_sent (chat_id, story_id, sent_at) VALUES (?, ?, ?)",
            [chat_id, story_id, to_iso(now)],
        )
        return cursor.rowcount > 0

    def story_report_times(self, since: str) -> list[dict[str, Any]]:
        """(story, feed name, published) for reports of stories that got a report since ``since``.

        A report counts from its publication time, so a backlog fetched at once (after downtime,
        an import or /addfeed) never looks like breaking news.
        """
        return self._rows(
            "SELECT i.story_id, COALESCE(f.name, f.title, f.url) AS source, i.published_at "
            "FROM items i JOIN item_feeds x ON x.item_id = i.id JOIN feeds f ON f.id = x.feed_id "
            "WHERE i.story_id IN (SELECT DISTINCT story_id FROM items WHERE relevant = 1 "
            "AND first_seen_at >= ? AND published_at >= ? AND story_id IS NOT NULL)",
            [since, since],
        )

    def forget_alert(self, chat_id: int, story_id: int) -> None:
        """An alert that could not be sent may be tried again."""
        self.db.execute(
            "DELETE FROM alerts_sent WHERE chat_id = ? AND story_id = ?", [chat_id, story_id]
        )

    # --- preferences -----------------------------------------------------------------------

    def language_of(self, user_id: int) -> str | None:
        """The language a user chose with /language, if any."""
        row = self._one("SELECT language FROM preferences WHERE user_id = ?", [user_id])
        return row["language"] if row else None

    def set_language(self, user_id: int, language: str) -> None:
        """Remember a user's language (and use it for their private chat's digests)."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO preferences (user_id, language) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language",
                [user_id, language],
            )
            self.db.execute(
                "UPDATE subscribers SET language = ? WHERE chat_id = ?", [language, user_id]
            )

    # --- custom actors ---------------------------------------------------------------------

    def custom_actors(self) -> list[dict[str, Any]]:
        """Actors admins accepted from chat."""
        return self._rows("SELECT name, kind FROM custom_actors ORDER BY name")

    def add_custom_actor(self, name: str, kind: str, added_by: int | None, now: datetime) -> None:
        """Accept an actor (and close its candidate entry)."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO custom_actors (name, kind, added_by, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind",
                [name, kind, added_by, to_iso(now)],
            )
            self.db.execute(
                "UPDATE actor_candidates SET status = 'accepted' WHERE name = ?", [name]
            )

    # --- introspection (tests, health) -----------------------------------------------------

    def table_names(self) -> list[str]:
        """Names of the tables in the database."""
        return self.db.table_names()

    # --- charts (bot/chartdata.py) ----------------------------------------------------------

    def relevant_reports_per_day(self, since: str, until: str) -> list[dict[str, Any]]:
        """Relevant items per UTC publication day in [since, until): ``day``, ``reports``."""
        return self._rows(
            "SELECT substr(published_at, 1, 10) AS day, COUNT(*) AS reports FROM items "
            "WHERE relevant = 1 AND published_at >= ? AND published_at < ? "
            "GROUP BY day ORDER BY day",
            [since, until],
        )

    def actor_mentions_per_day(
        self, names: list[str], since: str, until: str
    ) -> list[dict[str, Any]]:
        """Mentions of the given actors in relevant items per UTC publication day in [since, until).

        Rows: ``day``, ``name``, ``mentions``; days without mentions are absent.
        """
        if not names:
            return []
        marks = ",".join("?" * len(names))
        return self._rows(
            "SELECT substr(i.published_at, 1, 10) AS day, a.actor AS name, "
            "SUM(a.mentions) AS mentions FROM item_actors a JOIN items i ON i.id = a.item_id "
            f"WHERE i.relevant = 1 AND i.published_at >= ? AND i.published_at < ? "
            f"AND a.actor IN ({marks}) GROUP BY day, a.actor ORDER BY day, a.actor",
            [since, until, *names],
        )


def _chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
