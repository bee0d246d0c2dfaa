"""Analysis after ingestion: analyse new or changed items off the loop, store, assign stories."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.analysis.analyser import Analyser, ItemAnalysis, ItemText
from bot.analysis.kinds import story_kind
from bot.analysis.stories import (
    GROWTH_DAYS,
    STORY_ACTORS,
    GrowingStory,
    StoryItem,
    choose_story,
    grow_story,
    headline,
    merge_fingerprint,
    resume_story,
    story_date,
)
from bot.analysis.summaries import ReportLead, summarise
from bot.core.records import ItemForAnalysis, SavedAnalysis, StoryFields, StoryMember
from bot.storage.store import Store

STORY_WINDOW_DAYS = GROWTH_DAYS
UNDATED_CANDIDATES = 2000  # stories an undated report is compared with, newest first
STORY_PLACES = 6
CHUNK = 200
HEADLINE_SAMPLE = 40


def _spread(items: list[StoryItem], count: int) -> list[StoryItem]:
    step = len(items) / count
    return [items[int(index * step)] for index in range(count)]


def item_text(item: ItemForAnalysis) -> ItemText:
    """A stored item as analysis input."""
    return ItemText(item.id, item.title, item.summary, item.language, item.published_at, item.dated)


def story_item(member: StoryMember) -> StoryItem:
    """A stored member as story grouping input."""
    return StoryItem(
        id=member.id,
        title=member.title,
        text=member.summary,
        published=member.published_at,
        event_date=member.event_date,
        actors=frozenset(member.actors),
        language=member.language,
        dated=member.dated,
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
        items = self.store.items_for_analysis(ids)
        results: list[ItemAnalysis] = []
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            done = await self.analyse([item_text(item) for item in chunk])
            self.apply(chunk, done)
            results += done
            await asyncio.sleep(0)
        return results

    def analyse_ids_sync(self, ids: list[int]) -> list[ItemAnalysis]:
        """Same as :meth:`analyse_ids` on the current thread (CLI re-analysis, eval)."""
        items = self.store.items_for_analysis(ids)
        analyser = self.analyser()
        results: list[ItemAnalysis] = []
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            done = analyser.analyse_many([item_text(item) for item in chunk])
            self.apply(chunk, done)
            results += done
        return results

    def apply(self, items: list[ItemForAnalysis], results: list[ItemAnalysis]) -> None:
        """Store analyses and update stories, in publication order, in one transaction.

        Stories grown by this batch are tracked in memory (:func:`grow_story`), so the next
        report of the batch sees them; each touched story's headline, date and kind are
        recomputed once, at the end.
        """
        now = self.clock()
        touched: set[int] = set()
        grown: dict[int, GrowingStory] = {}
        with self.store.transaction():
            versions = {
                item.id: item for item in self.store.items_for_analysis([i.id for i in items])
            }
            fresh = []
            for item, result in zip(items, results, strict=True):
                version = versions.get(item.id)
                if version is None or version.content_hash != item.content_hash:
                    # Deleted, or edited (by another feed carrying it) while this analysis
                    # ran: that edit's own analysis, or the next catch-up, covers it.
                    continue
                fresh.append((version, result))
            self._save([result for _, result in fresh], now)
            for version, result in fresh:
                old_story = version.story_id
                if result.relevant:
                    story_id = old_story or self._choose(version, result, grown)
                    if story_id is None:
                        story_id = self.store.create_story(now)
                    self.store.set_item_story(version.id, story_id)
                    known = grown.get(story_id)
                    if known is None:
                        stored = self.store.story_candidate(story_id)
                        known = resume_story(stored) if stored else None
                    grown[story_id] = grow_story(
                        known,
                        story_id,
                        self._story_item(version, result),
                        result.fingerprint,
                        result.actors,
                    )
                    touched.add(story_id)
                elif old_story is not None:
                    self.store.set_item_story(version.id, None)
                    touched.add(old_story)
            for story_id in sorted(touched):
                self.refresh_story(story_id, now)

    @staticmethod
    def _story_item(item: ItemForAnalysis, result: ItemAnalysis) -> StoryItem:
        return StoryItem(
            id=item.id,
            title=item.title,
            text=item.summary,
            published=item.published_at,
            event_date=result.event_date,
            actors=frozenset(result.actors),
            language=item.language,
            dated=item.dated,
            preview_date=result.preview_date,
        )

    def _save(self, results: list[ItemAnalysis], now: datetime) -> None:
        self.store.save_item_analyses(
            [
                SavedAnalysis(
                    item_id=result.item_id,
                    relevance=result.relevance,
                    relevant=result.relevant,
                    event_date=result.event_date,
                    fingerprint=result.fingerprint,
                    actors=result.actors,
                    upcoming=tuple((u.day, u.text) for u in result.upcoming),
                    places=result.places,
                    sentences=result.sentences,
                )
                for result in results
            ],
            now,
        )
        for result in results:
            for candidate in result.candidates:
                self.store.note_candidate(candidate.name, candidate.cue, candidate.context, now)

    def _choose(
        self, item: ItemForAnalysis, result: ItemAnalysis, grown: dict[int, GrowingStory]
    ) -> int | None:
        published = item.published_at
        if result.event_date is None and result.preview_date is None and not item.dated:
            # Undated, and no date in the text: it may belong to a story of any day.
            found = self.store.recent_story_candidates(UNDATED_CANDIDATES)
        else:
            day = result.event_date or result.preview_date or published.date()
            anchor = datetime.combine(day, published.timetz())
            span = timedelta(days=self.window_days + 1)
            found = self.store.story_candidates(anchor - span, anchor + span)
            found += self.store.undated_story_candidates(UNDATED_CANDIDATES)
        candidates = {cand.id: cand for cand in found}
        candidates.update({story_id: growing.candidate for story_id, growing in grown.items()})
        return choose_story(
            self._story_item(item, result),
            result.fingerprint,
            list(candidates.values()),
            window_days=self.window_days,
        )

    def refresh_story(self, story_id: int, now: datetime) -> None:
        """Recompute a story's headline, date, kind, sources, actors and fingerprint."""
        members = self.store.story_members(story_id)
        if not members:
            self.store.delete_story(story_id)
            return
        items = [story_item(member) for member in members]
        fp: frozenset[str] = frozenset()
        for size, member in enumerate(members):
            fp = merge_fingerprint(fp, member.fingerprint, size)
        # The headline compares reports pairwise: choose it from a bounded, spread-out sample.
        sample = items if len(items) <= HEADLINE_SAMPLE else _spread(items, HEADLINE_SAMPLE)
        mentions: Counter[str] = Counter()
        for member in members:
            mentions.update(member.actors)
        title = headline(sample)
        lead = next((member for member in members if member.title == title), members[0])
        summaries = summarise([ReportLead(m.id, m.title, m.language, m.sentences) for m in members])
        places: Counter[str] = Counter()
        for member in members:
            places.update(member.places)
        self.store.update_story(
            story_id,
            StoryFields(
                headline=title,
                day=story_date(items),
                kind=story_kind([(item.title, item.text) for item in sample]),
                first_published=members[0].published_at,
                last_published=members[-1].published_at,
                size=len(members),
                sources=self.store.story_source_count(story_id),
                relevance=max(member.relevance for member in members),
                fingerprint=fp,
                actors=tuple(name for name, _ in mentions.most_common(STORY_ACTORS)),
                link=lead.link,
                updated_at=now,
                summary=summaries.default,
                summaries=summaries.by_language,
                places=tuple(name for name, _ in places.most_common(STORY_PLACES)),
                dated=any(member.dated for member in members),
            ),
        )
