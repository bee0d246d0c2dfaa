"""Items: what a poll writes, what analysis reads and writes, and item listings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.core.models import Entry, IngestPlan, KnownEntry
from bot.core.records import ActorCandidate, ItemForAnalysis, ItemRecord, SavedAnalysis
from bot.core.timeutil import to_iso
from bot.storage import rows
from bot.storage.base import chunks, marks
from bot.storage.feeds import FeedStore


class ItemStore(FeedStore):
    """Reports, their feeds, their analysis, and the actor candidates analysis notes.

    Built on the feed store: a poll writes a feed's items and its state in one transaction.
    """

    def known_entries(
        self, feed_id: int, entries: list[Entry]
    ) -> tuple[dict[str, KnownEntry], dict[str, int]]:
        """What is stored for these entries: by this feed's entry key, and by canonical link."""
        by_key: dict[str, KnownEntry] = {}
        by_link: dict[str, int] = {}
        keys = [entry.entry_key for entry in entries]
        links = [entry.canonical_link for entry in entries if entry.canonical_link]
        for chunk in chunks(keys):
            for row in self._rows(
                "SELECT f.entry_key, i.id, i.content_hash, i.update_count FROM item_feeds f "
                "JOIN items i ON i.id = f.item_id "
                f"WHERE f.feed_id = ? AND f.entry_key IN ({marks(chunk)})",
                [feed_id, *chunk],
            ):
                by_key[row["entry_key"]] = KnownEntry(
                    row["id"], row["content_hash"], row["update_count"]
                )
        for chunk in chunks(links):
            for row in self._rows(
                f"SELECT id, canonical_link FROM items WHERE canonical_link IN ({marks(chunk)})",
                chunk,
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
                "language, published_at, first_seen_at, content_hash, dated, relevance, "
                "analysed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        int(entry.dated),
                        entry.relevance if entry.off_topic else None,
                        stamp if entry.off_topic else None,  # off-topic: analysed as it came
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
                self.db.execute(
                    "INSERT OR IGNORE INTO item_feeds (item_id, feed_id, entry_key, first_seen_at) "
                    "VALUES (?, ?, ?, ?)",
                    [item_id, feed_id, entry.entry_key, stamp],
                )
            recovered = self._record_success_state(feed_id, now, next_check_at, status, feed_meta)
        return new_ids, changed_ids, recovered

    def feed_item_ids(self, feed_id: int) -> list[int]:
        """Ids of every item a feed carries."""
        found = self._rows("SELECT item_id FROM item_feeds WHERE feed_id = ?", [feed_id])
        return [int(row["item_id"]) for row in found]

    def count_relevant(self, ids: list[int]) -> int:
        """How many of the given items are relevant."""
        total = 0
        for chunk in chunks(ids):
            total += int(
                self._scalar(
                    f"SELECT COUNT(*) FROM items WHERE relevant = 1 AND id IN ({marks(chunk)})",
                    chunk,
                )
            )
        return total

    def prune_off_topic(
        self, feed_id: int, now: datetime, *, keep: set[int], per_feed: int, days: int
    ) -> int:
        """Delete this feed's analysed off-topic items beyond its newest ``per_feed`` and those
        first seen more than ``days`` ago, except those in ``keep`` (what the feed still lists:
        deleted, they would come back as new at the next poll); return how many went.
        Relevant items, items in a story and items not analysed yet are never touched; an
        item another feed also carries only loses its link to this one."""
        cutoff = to_iso(now - timedelta(days=days))
        with self.db.atomic():
            found = self._rows(
                "SELECT x.item_id, x.first_seen_at FROM item_feeds x JOIN items i "
                "ON i.id = x.item_id WHERE x.feed_id = ? AND i.relevant = 0 "
                "AND i.analysed_at IS NOT NULL AND i.story_id IS NULL "
                "ORDER BY x.first_seen_at DESC, x.item_id DESC",
                [feed_id],
            )
            doomed = [
                int(row["item_id"])
                for rank, row in enumerate(found)
                if int(row["item_id"]) not in keep
                and (rank >= per_feed or (row["first_seen_at"] or "") < (cutoff or ""))
            ]
            deleted = 0
            for chunk in chunks(doomed):
                self.db.execute(
                    f"DELETE FROM item_feeds WHERE feed_id = ? AND item_id IN ({marks(chunk)})",
                    [feed_id, *chunk],
                )
                deleted += self.db.execute(
                    f"DELETE FROM items WHERE id IN ({marks(chunk)}) AND NOT EXISTS "
                    "(SELECT 1 FROM item_feeds x WHERE x.item_id = items.id)",
                    chunk,
                ).rowcount
        return deleted

    def count_items(self) -> int:
        """How many items are stored."""
        return int(self._scalar("SELECT COUNT(*) FROM items"))

    def list_items(
        self, *, since: datetime | None = None, limit: int | None = None
    ) -> list[ItemRecord]:
        """Items newest first (optionally published since ``since``), with feeds and actors."""
        where = "WHERE i.published_at >= ?" if since else ""
        params: list[Any] = [to_iso(since)] if since else []
        sql = (
            "SELECT i.*, (SELECT json_group_array(COALESCE(f.name, f.title, f.url)) "
            "FROM item_feeds x JOIN feeds f ON f.id = x.feed_id WHERE x.item_id = i.id) AS feeds, "
            "(SELECT json_group_array(actor) FROM (SELECT actor FROM item_actors "
            "WHERE item_id = i.id ORDER BY mentions DESC, actor)) AS actors, "
            "(SELECT s.summary FROM stories s WHERE s.id = i.story_id) AS story_summary "
            f"FROM items i {where} ORDER BY i.published_at DESC, i.id DESC"
        )
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [rows.item_record(row) for row in self._rows(sql, params)]

    def item_stories(self, item_ids: list[int]) -> dict[int, int]:
        """Item id → story id for those of ``item_ids`` that belong to a story."""
        return dict(
            self.db.execute(
                "SELECT id, story_id FROM items WHERE story_id IS NOT NULL AND id IN "
                "(SELECT value FROM json_each(?))",
                [rows.encode_json(item_ids)],
            ).fetchall()
        )

    # --- analysis ----------------------------------------------------------------------------

    def items_for_analysis(self, ids: list[int]) -> list[ItemForAnalysis]:
        """The fields analysis reads, for the given item ids, in publication order."""
        found: list[ItemForAnalysis] = []
        for chunk in chunks(ids):
            found += [
                rows.item_for_analysis(row)
                for row in self._rows(
                    "SELECT id, title, summary, language, published_at, story_id, link, "
                    f"content_hash, dated FROM items WHERE id IN ({marks(chunk)})",
                    chunk,
                )
            ]
        return sorted(found, key=lambda item: (item.published_at, item.id))

    def unanalysed_item_ids(self, limit: int = 5000) -> list[int]:
        """Items stored or edited but not analysed since (a crash, or a failed analysis), oldest
        first."""
        found = self._rows(
            "SELECT id FROM items WHERE analysed_at IS NULL ORDER BY id LIMIT ?", [limit]
        )
        return [row["id"] for row in found]

    def all_item_ids(self) -> list[int]:
        """Every item id, oldest publication first (for re-analysis)."""
        return [row["id"] for row in self._rows("SELECT id FROM items ORDER BY published_at, id")]

    def save_item_analysis(self, analysis: SavedAnalysis, now: datetime) -> None:
        """Store one item's analysis (replacing an earlier one)."""
        self.save_item_analyses([analysis], now)

    def save_item_analyses(self, analyses: Sequence[SavedAnalysis], now: datetime) -> None:
        """Store items' analyses (replacing earlier ones): a few statements for the whole
        batch, since a cold cycle saves thousands at once."""
        if not analyses:
            return
        with self.db.atomic():  # conn.executemany would leave an implicit transaction open
            self._save_analyses(analyses, to_iso(now) or "")

    def _save_analyses(self, analyses: Sequence[SavedAnalysis], stamp: str) -> None:
        conn = self.db.conn
        conn.executemany(
            "UPDATE items SET relevance = ?, relevant = ?, event_date = ?, fingerprint = ?, "
            "places = ?, sentences = ?, analysed_at = ? WHERE id = ?",
            [
                (
                    analysis.relevance,
                    int(analysis.relevant),
                    analysis.event_date.isoformat() if analysis.event_date else None,
                    rows.encode_json(analysis.fingerprint),
                    rows.encode_json(analysis.places),
                    rows.encode_sentences(analysis.sentences),
                    stamp,
                    analysis.item_id,
                )
                for analysis in analyses
            ],
        )
        ids = [(analysis.item_id,) for analysis in analyses]
        conn.executemany("DELETE FROM item_actors WHERE item_id = ?", ids)
        conn.executemany("DELETE FROM upcoming WHERE item_id = ?", ids)
        conn.executemany(
            "INSERT INTO item_actors (item_id, actor, mentions) VALUES (?, ?, ?)",
            [(a.item_id, name, count) for a in analyses for name, count in a.actors.items()],
        )
        conn.executemany(
            "INSERT INTO upcoming (item_id, day, text) VALUES (?, ?, ?)",
            [(a.item_id, day.isoformat(), text) for a in analyses for day, text in a.upcoming],
        )

    def set_item_story(self, item_id: int, story_id: int | None) -> None:
        """Attach an item to a story (or detach it with None)."""
        self.db.execute("UPDATE items SET story_id = ? WHERE id = ?", [story_id, item_id])

    def note_candidate(self, name: str, cue: str, context: str, now: datetime) -> None:
        """Remember an unknown name seen next to a role word (counted per sighting)."""
        stamp = to_iso(now)
        self.db.execute(
            "INSERT INTO actor_candidates (name, cue, context, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "mentions = mentions + 1, last_seen = excluded.last_seen, context = excluded.context",
            [name, cue, context[:300], stamp, stamp],
        )

    def candidates(self, *, limit: int = 50) -> list[ActorCandidate]:
        """Actor candidates awaiting review, most often seen first."""
        found = self._rows(
            "SELECT * FROM actor_candidates WHERE status = 'new' "
            "ORDER BY mentions DESC, last_seen DESC LIMIT ?",
            [limit],
        )
        return [rows.actor_candidate(row) for row in found]
