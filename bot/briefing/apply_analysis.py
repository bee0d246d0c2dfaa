"""Analysis after ingestion: analyse new or changed items off the loop, store, assign stories."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.analysis.analyser import Analyser, ItemAnalysis, ItemText
from bot.analysis.stories import (
    StoryCandidate,
    StoryItem,
    choose_story,
    classify_kind,
    headline,
    merge_fingerprint,
    story_date,
)
from bot.core.timeutil import from_iso, to_iso
from bot.storage.store import Store

STORY_WINDOW_DAYS = 4
STORY_ACTORS = 8
CHUNK = 200
HEADLINE_SAMPLE = 40


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text and len(text) >= 10 else None


@dataclass
class _Growing:
    """A story grown within one analysis batch: its grouping view and what derives it."""

    candidate: StoryCandidate
    actors: Counter[str]
    members: list[StoryItem]  # published and event dates only, for story_date()


def _candidate(row: dict[str, Any]) -> StoryCandidate:
    first = from_iso(row["first_published"])
    last = from_iso(row["last_published"])
    assert first is not None and last is not None
    return StoryCandidate(
        id=row["id"],
        fingerprint=frozenset(json.loads(row["fingerprint"])),
        actors=frozenset(json.loads(row["actors"])),
        first_published=first,
        last_published=last,
        event_date=_day(row["day"]),
        size=row["size"],
    )


def _spread(items: list[StoryItem], count: int) -> list[StoryItem]:
    step = len(items) / count
    return [items[int(index * step)] for index in range(count)]


def item_text(row: dict[str, Any]) -> ItemText:
    """An item row as analysis input."""
    published = from_iso(row["published_at"])
    assert published is not None
    return ItemText(row["id"], row["title"] or "", row["summary"] or "", row["language"], published)


def story_item(row: dict[str, Any]) -> StoryItem:
    """A stored member row as story grouping input."""
    published = from_iso(row["published_at"])
    assert published is not None
    actors = json.loads(row.get("actors") or "{}")
    return StoryItem(
        id=row["id"],
        title=row["title"] or "",
        text=row["summary"] or "",
        published=published,
        event_date=_day(row.get("event_date")),
        actors=frozenset(actors),
        language=row.get("language"),
    )


class AnalysisPipeline:
    """Runs analysis for items and keeps stories up to date. Writes on the caller's thread.

    ``analyser`` is called only when analysis runs here (:meth:`analyse_ids_sync`), since
    loading it takes a while; ``analyse`` runs a batch off the event loop for
    :meth:`analyse_ids`.
    """

    def __init__(
        self,
        store: Store,
        analyser: Callable[[], Analyser],
        *,
        clock: Callable[[], datetime],
        analyse: Callable[[list[ItemText]], Awaitable[list[ItemAnalysis]]],
        window_days: int = STORY_WINDOW_DAYS,
    ) -> None:
        self.store = store
        self.analyser = analyser
        self.clock = clock
        self.analyse = analyse
        self.window_days = window_days

    async def analyse_ids(self, ids: list[int]) -> list[ItemAnalysis]:
        """Analyse items by id: the pure part off the event loop, the writes here, in chunks.

        Each chunk is one transaction, and the event loop gets a turn between chunks, so a
        feed with thousands of new reports never stalls the chat.
        """
        rows = self.store.items_for_analysis(ids)
        results: list[ItemAnalysis] = []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            done = await self.analyse([item_text(row) for row in chunk])
            self.apply(chunk, done)
            results += done
            await asyncio.sleep(0)
        return results

    def analyse_ids_sync(self, ids: list[int]) -> list[ItemAnalysis]:
        """Same as :meth:`analyse_ids` on the current thread (CLI re-analysis, eval)."""
        rows = self.store.items_for_analysis(ids)
        analyser = self.analyser()
        results: list[ItemAnalysis] = []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            done = analyser.analyse_many([item_text(row) for row in chunk])
            self.apply(chunk, done)
            results += done
        return results

    def apply(self, rows: list[dict[str, Any]], results: list[ItemAnalysis]) -> None:
        """Store analyses and update stories, in publication order, in one transaction.

        Stories grown by this batch are tracked in memory (merged fingerprint, actors, size,
        times), so the next report of the batch sees them; each touched story's headline,
        date and kind are recomputed once, at the end.
        """
        now = self.clock()
        touched: set[int] = set()
        grown: dict[int, _Growing] = {}
        with self.store.transaction():
            now_stored = self.store.items_for_analysis([row["id"] for row in rows])
            versions = {row["id"]: row for row in now_stored}
            for row, result in zip(rows, results, strict=True):
                version = versions.get(row["id"])
                if version is None or version["content_hash"] != row["content_hash"]:
                    # Deleted, or edited (by another feed carrying it) while this analysis
                    # ran: that edit's own analysis, or the next catch-up, covers it.
                    continue
                row = {**row, "story_id": version["story_id"]}
                self._save(result, now)
                old_story = row["story_id"]
                if result.relevant:
                    story_id = old_story or self._choose(row, result, grown)
                    if story_id is None:
                        story_id = self.store.create_story(now)
                    self.store.set_item_story(row["id"], story_id)
                    grown[story_id] = self._grow(grown.get(story_id), story_id, row, result)
                    touched.add(story_id)
                elif old_story is not None:
                    self.store.set_item_story(row["id"], None)
                    touched.add(old_story)
            for story_id in sorted(touched):
                self.refresh_story(story_id, now)

    def _grow(
        self,
        known: _Growing | None,
        story_id: int,
        row: dict[str, Any],
        result: ItemAnalysis,
    ) -> _Growing:
        """The story as it stands after adding a report, kept as refresh_story would store it."""
        published = from_iso(row["published_at"])
        assert published is not None
        if known is None:
            stored = self.store.story_candidate(story_id)
            if stored and stored["size"]:
                candidate = _candidate(stored)
                known = _Growing(candidate, Counter(dict.fromkeys(candidate.actors, 1)), [])
                if candidate.event_date:
                    known.members.append(
                        StoryItem(
                            0, "", "", candidate.first_published, candidate.event_date, frozenset()
                        )
                    )
        item = StoryItem(row["id"], "", "", published, result.event_date, frozenset())
        if known is None:
            actors, members = Counter(result.actors), [item]
            size, fp = 1, result.fingerprint
            first = last = published
        else:
            old = known.candidate
            actors, members = known.actors + Counter(result.actors), [*known.members, item]
            size = old.size + 1
            fp = merge_fingerprint(old.fingerprint, result.fingerprint, old.size)
            first, last = min(old.first_published, published), max(old.last_published, published)
        top = frozenset(name for name, _ in actors.most_common(STORY_ACTORS))
        candidate = StoryCandidate(story_id, fp, top, first, last, story_date(members), size)
        return _Growing(candidate, actors, members)

    def _save(self, result: ItemAnalysis, now: datetime) -> None:
        self.store.save_item_analysis(
            result.item_id,
            relevance=result.relevance,
            relevant=result.relevant,
            event_date=result.event_date.isoformat() if result.event_date else None,
            fingerprint=sorted(result.fingerprint),
            actors=result.actors,
            upcoming=[(u.day.isoformat(), u.text) for u in result.upcoming],
            now=now,
        )
        for candidate in result.candidates:
            self.store.note_candidate(candidate.name, candidate.cue, candidate.context, now)

    def _choose(
        self, row: dict[str, Any], result: ItemAnalysis, grown: dict[int, _Growing]
    ) -> int | None:
        published = from_iso(row["published_at"])
        assert published is not None
        anchor = (
            min(published, datetime.combine(result.event_date, published.timetz()))
            if (result.event_date)
            else published
        )
        span = timedelta(days=self.window_days + 1)
        rows = self.store.story_candidates(
            to_iso(anchor - span) or "", to_iso(published + span) or ""
        )
        candidates = {cand["id"]: _candidate(cand) for cand in rows if cand["size"]}
        candidates.update({story_id: growing.candidate for story_id, growing in grown.items()})
        item = StoryItem(
            id=row["id"],
            title=row["title"] or "",
            text=row["summary"] or "",
            published=published,
            event_date=result.event_date,
            actors=frozenset(result.actors),
            language=row.get("language"),
        )
        return choose_story(
            item, result.fingerprint, list(candidates.values()), window_days=self.window_days
        )

    def refresh_story(self, story_id: int, now: datetime) -> None:
        """Recompute a story's headline, date, kind, sources, actors and fingerprint."""
        members = self.store.story_members(story_id)
        if not members:
            self.store.delete_story(story_id)
            return
        items = [story_item(row) for row in members]
        fp: frozenset[str] = frozenset()
        for size, row in enumerate(members):
            fp = merge_fingerprint(fp, frozenset(json.loads(row["fingerprint"] or "[]")), size)
        # The headline compares reports pairwise: choose it from a bounded, spread-out sample.
        sample = items if len(items) <= HEADLINE_SAMPLE else _spread(items, HEADLINE_SAMPLE)
        mentions: Counter[str] = Counter()
        for row in members:
            mentions.update(json.loads(row["actors"] or "{}"))
        title = headline(sample)
        lead = next((row for row in members if row["title"] == title), members[0])
        text = " ".join(row["summary"] or "" for row in members[:5])
        self.store.update_story(
            story_id,
            {
                "headline": title,
                "day": story_date(items).isoformat(),
                "kind": classify_kind(title, text),
                "first_published": members[0]["published_at"],
                "last_published": members[-1]["published_at"],
                "size": len(members),
                "sources": self.store.story_source_count(story_id),
                "relevance": max(row["relevance"] or 0 for row in members),
                "fingerprint": json.dumps(sorted(fp), ensure_ascii=False),
                "actors": json.dumps(
                    [name for name, _ in mentions.most_common(STORY_ACTORS)], ensure_ascii=False
                ),
                "link": lead["link"],
                "updated_at": to_iso(now),
            },
        )
