"""Stories and the stored timeline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from bot.core.records import (
    StoredTimelineEntry,
    StoryCandidate,
    StoryFields,
    StoryMember,
    TimelineChanges,
    TimelineEntry,
    TimelineStory,
)
from bot.core.timeutil import to_iso
from bot.storage import rows
from bot.storage.base import StoreBase

_CANDIDATE_COLUMNS = "id, fingerprint, actors, first_published, last_published, day, size, dated"


class StoryStore(StoreBase):
    """Grouping reports into stories, the stories' derived fields, and the timeline rows."""

    def story_candidates(self, since: datetime, until: datetime) -> list[StoryCandidate]:
        """Non-empty stories active (by publication) in [since, until]: grouping candidates."""
        found = self._rows(
            f"SELECT {_CANDIDATE_COLUMNS} FROM stories "
            "WHERE last_published >= ? AND first_published <= ? AND size > 0",
            [to_iso(since), to_iso(until)],
        )
        return [rows.story_candidate(row) for row in found]

    def recent_story_candidates(self, limit: int) -> list[StoryCandidate]:
        """The ``limit`` non-empty stories with the newest reports (for a report without a date
        of its own, which may belong to a story of any day)."""
        found = self._rows(
            f"SELECT {_CANDIDATE_COLUMNS} FROM stories WHERE size > 0 "
            "ORDER BY last_published DESC LIMIT ?",
            [limit],
        )
        return [rows.story_candidate(row) for row in found]

    def undated_story_candidates(self, limit: int) -> list[StoryCandidate]:
        """Non-empty stories whose reports have no dates of their own (their day is unknown, so
        a dated report of any day may belong to them), newest first."""
        found = self._rows(
            f"SELECT {_CANDIDATE_COLUMNS} FROM stories WHERE size > 0 AND dated = 0 "
            "ORDER BY last_published DESC LIMIT ?",
            [limit],
        )
        return [rows.story_candidate(row) for row in found]

    def story_candidate(self, story_id: int) -> StoryCandidate | None:
        """One non-empty story's grouping fields (as story_candidates returns them)."""
        row = self._one(
            f"SELECT {_CANDIDATE_COLUMNS} FROM stories WHERE id = ? AND size > 0", [story_id]
        )
        return rows.story_candidate(row) if row else None

    def create_story(self, now: datetime) -> int:
        """A new empty story; its fields are filled by update_story."""
        stamp = to_iso(now)
        return self._insert(
            "INSERT INTO stories (headline, day, first_published, last_published, created_at, "
            "updated_at) VALUES ('', '', '', '', ?, ?)",
            [stamp, stamp],
        )

    def story_members(self, story_id: int) -> list[StoryMember]:
        """The items of a story with what its derived fields are computed from, oldest first."""
        found = self._rows(
            "SELECT i.id, i.title, i.summary, i.language, i.published_at, i.event_date, "
            "i.relevance, i.link, i.fingerprint, i.dated, i.places, i.sentences, "
            "(SELECT json_group_object(actor, mentions) FROM item_actors a "
            "WHERE a.item_id = i.id) AS actors "
            "FROM items i WHERE i.story_id = ? ORDER BY i.published_at, i.id",
            [story_id],
        )
        return [rows.story_member(row) for row in found]

    def story_source_count(self, story_id: int) -> int:
        """Distinct feeds carrying the story's items."""
        return int(
            self._scalar(
                "SELECT COUNT(DISTINCT f.feed_id) FROM item_feeds f "
                "JOIN items i ON i.id = f.item_id WHERE i.story_id = ?",
                [story_id],
            )
        )

    def update_story(self, story_id: int, fields: StoryFields) -> None:
        """Write all of a story's derived fields."""
        self.edit_story(story_id, **{name: getattr(fields, name) for name in _STORY_FIELDS})

    def edit_story(self, story_id: int, **changes: object) -> None:
        """Write some of a story's derived fields (names and types as in StoryFields)."""
        unknown = set(changes) - set(_STORY_FIELDS)
        if unknown:
            raise ValueError(f"not story fields: {sorted(unknown)}")
        if not changes:
            return
        assignments = ", ".join(f"{name} = ?" for name in changes)
        values = [_encode_story_field(name, value) for name, value in changes.items()]
        self.db.execute(f"UPDATE stories SET {assignments} WHERE id = ?", [*values, story_id])

    def delete_story(self, story_id: int) -> None:
        """Remove a story that has no items left."""
        self.db.execute("DELETE FROM stories WHERE id = ?", [story_id])

    def story_item_ids(self, story_ids: list[int]) -> dict[int, list[int]]:
        """Story id → the ids of its items, for the given stories."""
        found: dict[int, list[int]] = {}
        for story, item in self.db.execute(
            "SELECT story_id, id FROM items WHERE story_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY id",
            [rows.encode_json(story_ids)],
        ):
            found.setdefault(story, []).append(item)
        return found

    # --- stored timeline ---------------------------------------------------------------------

    def timeline_changes(self) -> TimelineChanges:
        """The newest change number and the days of the stories changed since the last save."""
        # The number first: a change committed in between is left for the next refresh.
        newest = self._scalar("SELECT MAX(seq) FROM timeline_changes") or 0
        found = self._rows("SELECT DISTINCT day FROM timeline_changes WHERE seq <= ?", [newest])
        days = {rows.day_or_none(row["day"]) for row in found}
        return TimelineChanges(newest, frozenset(day for day in days if day is not None))

    def timeline_stories(
        self, since_day: str | None, *, min_relevance: float
    ) -> list[TimelineStory]:
        """Stories the timeline groups (from ``since_day`` on, all with None), with their
        stored group."""
        where = "size > 0 AND relevance >= ?"
        params: list[object] = [min_relevance]
        if since_day:
            where += " AND day >= ?"
            params.append(since_day)
        found = self._rows(
            "SELECT id, headline, day, kind, sources, size, actors, fingerprint, relevance, "
            f"timeline_anchor FROM stories WHERE {where}",
            params,
        )
        return [TimelineStory(rows.story_summary(row), row["timeline_anchor"]) for row in found]

    def save_timeline(
        self,
        since_day: str | None,
        anchors: dict[int, int],
        entries: list[StoredTimelineEntry],
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
                    [rows.encode_json(list(anchors))],
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
                "sources, reports, stories, actors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_timeline_values(stored) for stored in entries],
            )
            self.db.execute("DELETE FROM timeline_changes WHERE seq <= ?", [changes_upto])
            self.db.execute(
                "INSERT INTO state (key, value) VALUES ('timeline', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [signature],
            )

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
    ) -> list[TimelineEntry]:
        """Stored timeline entries with a story in [since_day, until_day] (an entry's day is its
        biggest story's, which may lie just outside), in timeline order."""
        direction = "DESC" if newest_first else "ASC"
        found = self._rows(
            "SELECT * FROM timeline WHERE last_day >= ? AND anchor_day <= ? "
            f"ORDER BY day {direction}, sources DESC, story LIMIT ? OFFSET ?",
            [since_day or "", until_day, limit, offset],
        )
        return [rows.timeline_entry(row) for row in found]

    def timeline_size(self, since_day: str | None, until_day: str) -> int:
        """How many stored timeline entries have a story in [since_day, until_day]."""
        return int(
            self._scalar(
                "SELECT COUNT(*) FROM timeline WHERE last_day >= ? AND anchor_day <= ?",
                [since_day or "", until_day],
            )
        )


def _timeline_values(stored: StoredTimelineEntry) -> tuple[object, ...]:
    entry = stored.entry
    return (
        stored.anchor,
        stored.anchor_day.isoformat(),
        stored.last_day.isoformat(),
        entry.story,
        entry.day.isoformat(),
        entry.headline,
        entry.kind,
        entry.sources,
        entry.reports,
        rows.encode_json(entry.stories),
        rows.encode_json(entry.actors),
    )


_STORY_FIELDS = tuple(StoryFields.__dataclass_fields__)


def _encode_story_field(name: str, value: object) -> object:
    if name == "dated":
        return int(bool(value))
    if name == "summaries":
        assert isinstance(value, Mapping)
        return rows.encode_json(dict(value))
    if name in ("fingerprint", "actors", "places"):
        return rows.encode_json(value)
    if name == "day":
        assert isinstance(value, date)
        return value.isoformat()
    if name in ("first_published", "last_published", "updated_at"):
        assert isinstance(value, datetime)
        return to_iso(value)
    return value
