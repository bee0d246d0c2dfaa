"""Analysis after ingestion: analyse new or changed items off the loop, store, assign stories."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date, datetime, timedelta
from typing import Any

from bot.analysis import Analyser, ItemAnalysis, ItemText
from bot.store import Store
from bot.stories import (
    StoryCandidate,
    StoryItem,
    choose_story,
    classify_kind,
    headline,
    merge_fingerprint,
    story_date,
)
from bot.timeutil import from_iso, to_iso

STORY_WINDOW_DAYS = 4
STORY_ACTORS = 8


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text and len(text) >= 10 else None


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
    """Runs analysis for items and keeps stories up to date. Writes on the caller's thread."""

    def __init__(
        self,
        store: Store,
        analyser: Analyser,
        *,
        clock: Callable[[], datetime],
        executor: Executor | None = None,
        window_days: int = STORY_WINDOW_DAYS,
    ) -> None:
        self.store = store
        self.analyser = analyser
        self.clock = clock
        self.executor = executor
        self.window_days = window_days

    async def analyse_ids(self, ids: list[int]) -> list[ItemAnalysis]:
        """Analyse items by id: the pure part in the executor, the writes here."""
        rows = self.store.items_for_analysis(ids)
        if not rows:
            return []
        texts = [item_text(row) for row in rows]
        loop = asyncio.get_running_loop()
        results = await loop.run_in_executor(self.executor, self.analyser.analyse_many, texts)
        self.apply(rows, results)
        return results

    def analyse_ids_sync(self, ids: list[int]) -> list[ItemAnalysis]:
        """Same as :meth:`analyse_ids` on the current thread (CLI re-analysis, eval)."""
        rows = self.store.items_for_analysis(ids)
        results = self.analyser.analyse_many([item_text(row) for row in rows])
        self.apply(rows, results)
        return results

    def apply(self, rows: list[dict[str, Any]], results: list[ItemAnalysis]) -> None:
        """Store analyses and update stories, in publication order, in one transaction."""
        now = self.clock()
        touched: set[int] = set()
        with self.store.transaction():
            for row, result in zip(rows, results, strict=True):
                self._save(result, now)
                old_story = row["story_id"]
                if result.relevant:
                    story_id = old_story or self._choose(row, result)
                    if story_id is None:
                        story_id = self.store.create_story(now)
                    self.store.set_item_story(row["id"], story_id)
                    # Refresh now: the next item of this batch must see the grown story.
                    self.refresh_story(story_id, now)
                    touched.discard(story_id)
                elif old_story is not None:
                    self.store.set_item_story(row["id"], None)
                    touched.add(old_story)
            for story_id in touched:
                self.refresh_story(story_id, now)

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

    def _choose(self, row: dict[str, Any], result: ItemAnalysis) -> int | None:
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
        candidates = [
            StoryCandidate(
                id=cand["id"],
                fingerprint=frozenset(json.loads(cand["fingerprint"])),
                actors=frozenset(json.loads(cand["actors"])),
                first_published=from_iso(cand["first_published"]),
                last_published=from_iso(cand["last_published"]),
                event_date=_day(cand["day"]),
                size=cand["size"],
            )
            for cand in rows
        ]
        item = StoryItem(
            id=row["id"],
            title=row["title"] or "",
            text=row["summary"] or "",
            published=published,
            event_date=result.event_date,
            actors=frozenset(result.actors),
            language=row.get("language"),
        )
        return choose_story(item, result.fingerprint, candidates, window_days=self.window_days)

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
        mentions: Counter[str] = Counter()
        for row in members:
            mentions.update(json.loads(row["actors"] or "{}"))
        title = headline(items)
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
