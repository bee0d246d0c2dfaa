"""Read-side use cases shared by the CLI and the chat: timeline, actors, upcoming events."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bot.analysis.search_syntax import parse_search
from bot.briefing import stored_timeline as timelines
from bot.briefing.context import Briefing
from bot.core.models import Feed
from bot.core.records import (
    ActorCandidate,
    DayCount,
    FetchCounts,
    ItemRecord,
    Story,
    TimelineEntry,
    Totals,
    summary_in,
)


@dataclass(frozen=True)
class ActorStat:
    """How much an actor figured in relevant reports over a window."""

    name: str
    kind: str
    role: str | None
    mentions: int
    items: int
    last_seen: datetime | None
    previous: int | None

    @property
    def trend(self) -> int | None:
        """Mentions in the window minus mentions in the window before (None without a window)."""
        return None if self.previous is None else self.mentions - self.previous


@dataclass(frozen=True)
class UpcomingEvent:
    """A future date announced in a relevant report."""

    day: date
    text: str
    item: int
    title: str
    link: str | None
    story: int | None


@dataclass(frozen=True)
class TimelinePage:
    """One page of the timeline: ``page`` counts from 0 and is clamped to the pages there are."""

    entries: tuple[TimelineEntry, ...]
    page: int
    pages: int
    total: int


def since_day(now: datetime, days: int | None) -> str | None:
    """The first day of a window of ``days`` days ending today (None: no window)."""
    return None if days is None else (now.date() - timedelta(days=days - 1)).isoformat()


def _refresh_timeline(service: Briefing) -> None:
    timelines.refresh(service.store, service.settings.analysis.relevance_threshold)


def timeline(
    service: Briefing,
    *,
    days: int | None = 30,
    newest_first: bool = True,
    limit: int | None = None,
) -> list[TimelineEntry]:
    """Dated entries up to today, one per development (near-duplicates collapsed)."""
    _refresh_timeline(service)
    now = service.clock()
    entries = service.store.timeline_page(
        since_day(now, days),
        now.date().isoformat(),
        newest_first=newest_first,
        limit=-1 if limit is None else max(0, limit),
        offset=0,
    )
    return _with_distinct_sources(service, entries)


def timeline_page(
    service: Briefing, *, days: int | None = 30, page: int = 0, per_page: int = 8
) -> TimelinePage:
    """One page of the timeline, newest first."""
    _refresh_timeline(service)
    return _read_page(service, days, page, per_page)


async def timeline_page_async(
    service: Briefing, *, days: int | None = 30, page: int = 0, per_page: int = 8
) -> TimelinePage:
    """:func:`timeline_page` for the chat: a pending regrouping runs in a worker thread."""
    await timelines.refresh_async(service.store, service.settings.analysis.relevance_threshold)
    return _read_page(service, days, page, per_page)


def entry_items(service: Briefing, entries: list[TimelineEntry]) -> dict[int, list[int]]:
    """The report ids behind each entry (keyed by the entry's story), oldest report first."""
    of_story = service.store.story_item_ids([s for entry in entries for s in entry.stories])
    return {
        entry.story: sorted(item for story in entry.stories for item in of_story.get(story, ()))
        for entry in entries
    }


def _read_page(service: Briefing, days: int | None, page: int, per_page: int) -> TimelinePage:
    now = service.clock()
    since, until = since_day(now, days), now.date().isoformat()
    total = service.store.timeline_size(since, until)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 0), pages - 1)
    entries = service.store.timeline_page(
        since, until, newest_first=True, limit=per_page, offset=page * per_page
    )
    return TimelinePage(tuple(_with_distinct_sources(service, entries)), page, pages, total)


def _with_distinct_sources(
    service: Briefing, entries: Sequence[TimelineEntry]
) -> list[TimelineEntry]:
    """Entries whose sources count each feed once across their stories (as /story does)."""
    counted = entry_sources(service, entries)
    return [replace(entry, sources=counted[entry.story] or entry.sources) for entry in entries]


def upcoming(service: Briefing) -> list[UpcomingEvent]:
    """Announced meetings and deadlines from today on, soonest first (one per day and story)."""
    seen: set[tuple[date, int]] = set()
    events = []
    for event in service.store.upcoming_events(service.clock().date()):
        key = (event.day, event.story_id or -event.item_id)
        if key in seen:
            continue
        seen.add(key)
        events.append(
            UpcomingEvent(
                event.day, event.text, event.item_id, event.title, event.link, event.story_id
            )
        )
    return events


def actor_stats(service: Briefing, *, days: int | None = 7) -> list[ActorStat]:
    """Actors by mentions in relevant reports of the last ``days`` days, with their trend."""
    now = service.clock()
    gazetteer = service.analyser.gazetteer
    if days is None:
        current = service.store.actor_mentions(None, None)
        previous: dict[str, int] | None = None
    else:
        start = now - timedelta(days=days)
        current = service.store.actor_mentions(start, None)
        earlier = service.store.actor_mentions(start - timedelta(days=days), start)
        previous = {row.name: row.mentions for row in earlier}
    stats = []
    for row in current:
        actor = gazetteer.actors.get(row.name)
        stats.append(
            ActorStat(
                name=row.name,
                kind=actor.kind if actor else "unknown",
                role=actor.role_on(now.date()) if actor else None,
                mentions=row.mentions,
                items=row.items,
                last_seen=row.last_seen,
                previous=None if previous is None else previous.get(row.name, 0),
            )
        )
    return stats


@dataclass(frozen=True)
class StoryBrief:
    """A story as lists show it."""

    id: int
    headline: str
    day: date
    kind: str
    sources: int
    link: str | None
    actors: tuple[str, ...]
    last_published: datetime
    summary: str | None = None
    summaries: Mapping[str, str] = field(default_factory=dict)

    def summary_for(self, language: str | None) -> str | None:
        """The summary for a reader of ``language`` (from reports in it where there are)."""
        return summary_in(self.summary, self.summaries, language)


@dataclass(frozen=True)
class SourceReport:
    """One report of a story."""

    item: int
    title: str
    link: str | None
    published: datetime
    feeds: tuple[str, ...]


@dataclass(frozen=True)
class StoryDetail:
    """A story with every report that makes it up."""

    story: StoryBrief
    reports: tuple[SourceReport, ...]


@dataclass(frozen=True)
class ActorProfile:
    """One actor: who, how often over time, in which stories, alongside whom."""

    name: str
    kind: str
    role: str | None
    aliases: tuple[str, ...]
    weekly: tuple[tuple[str, int], ...]
    stories: tuple[StoryBrief, ...]
    alongside: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SearchHit:
    """One matching report; ``snippet`` marks matches with \\x02 … \\x03."""

    item: int
    title: str
    link: str | None
    published: datetime
    story: int | None
    snippet: str


@dataclass(frozen=True)
class SearchPage:
    """One page of search results: ``page`` counts from 0 and is clamped to the pages there
    are; ``nothing_to_find`` when the query had no word to look for."""

    total: int
    hits: tuple[SearchHit, ...]
    page: int = 0
    pages: int = 1
    nothing_to_find: bool = False


def brief(story: Story) -> StoryBrief:
    """A stored story as lists show it."""
    return StoryBrief(
        id=story.id,
        headline=story.headline,
        day=story.day,
        kind=story.kind,
        sources=story.sources,
        link=story.link,
        actors=story.actors,
        last_published=story.last_published,
        summary=story.summary,
        summaries=story.summaries,
    )


def latest(service: Briefing, count: int = 5) -> list[StoryBrief]:
    """The newest relevant stories."""
    stories = service.store.latest_stories(
        count, min_relevance=service.settings.analysis.relevance_threshold
    )
    return [brief(story) for story in stories]


def story_detail(service: Briefing, story_id: int) -> StoryDetail | None:
    """A story with all its reports, or None when there is no such story."""
    story = service.store.get_story(story_id)
    if story is None:
        return None
    # The timeline shows near-duplicate stories as one entry: list all of its reports, and count
    # the feeds behind them, so /story and its timeline entry agree.
    group = list(service.store.timeline_group(story_id))
    reports = tuple(
        SourceReport(item=r.id, title=r.title, link=r.link, published=r.published_at, feeds=r.feeds)
        for r in service.store.story_sources(group)
    )
    sources = service.store.distinct_sources(group) if len(group) > 1 else story.sources
    return StoryDetail(replace(brief(story), sources=sources), reports)


def entry_summaries(
    service: Briefing, entries: Sequence[TimelineEntry], language: str | None
) -> dict[int, str | None]:
    """The summary of each timeline entry (its lead story's), for a reader of ``language``."""
    found = service.store.story_summaries([entry.story for entry in entries])
    return {
        entry.story: summary_in(*found.get(entry.story, (None, {})), language) for entry in entries
    }


def entry_sources(service: Briefing, entries: Sequence[TimelineEntry]) -> dict[int, int]:
    """The feeds behind each timeline entry (its stories' reports, each feed counted once)."""
    return {
        entry.story: (
            service.store.distinct_sources(list(entry.stories))
            if len(entry.stories) > 1
            else entry.sources
        )
        for entry in entries
    }


def _iso_weeks(days: list[DayCount]) -> tuple[tuple[str, int], ...]:
    """Daily mention counts summed per ISO week ("2026-W08")."""
    weeks: dict[str, int] = {}
    for row in days:
        year, week, _ = row.day.isocalendar()
        key = f"{year}-W{week:02d}"
        weeks[key] = weeks.get(key, 0) + row.count
    return tuple(sorted(weeks.items()))


def actor_profile(service: Briefing, query: str, *, weeks: int = 8) -> ActorProfile | None:
    """The actor ``query`` means (any alias, inflection, script, a typo or a prefix of three
    letters or more), or None."""
    actor = service.analyser.gazetteer.find(query)
    if actor is None:
        return None
    now = service.clock()
    since = now - timedelta(weeks=weeks)
    return ActorProfile(
        name=actor.name,
        kind=actor.kind,
        role=actor.role_on(now.date()),
        aliases=tuple(alias for alias in actor.aliases if alias != actor.name)[:6],
        weekly=_iso_weeks(service.store.actor_daily_mentions(actor.name, since)),
        stories=tuple(brief(story) for story in service.store.actor_stories(actor.name, 5)),
        alongside=tuple((row.name, row.count) for row in service.store.co_actors(actor.name, 5)),
    )


def search(service: Briefing, text: str, *, page: int = 0, per_page: int = 5) -> SearchPage:
    """Full-text search over relevant reports, best first: words as prefixes, "exact
    phrases", OR, -word / NOT word, names in any spelling. A page past the last is the last."""
    query = parse_search(text, service.analyser.gazetteer)
    total, rows = service.store.search_items(query, limit=per_page, offset=page * per_page)
    pages = max(1, math.ceil(total / per_page))
    if page >= pages and total:
        page = pages - 1
        total, rows = service.store.search_items(query, limit=per_page, offset=page * per_page)
    hits = tuple(
        SearchHit(
            item=row.id,
            title=row.title,
            link=row.link,
            published=row.published_at,
            story=row.story_id,
            snippet=row.snippet,
        )
        for row in rows
    )
    return SearchPage(total, hits, min(page, pages - 1), pages, query.empty)


@dataclass(frozen=True)
class Stats:
    """Totals and the last poll cycle, for /stats."""

    totals: Totals
    last_poll_at: str | None
    last_poll: str | None  # the English one-liner `briefbot fetch` prints
    last_counts: FetchCounts | None = None  # the same in numbers (None before they were kept)


def stats(service: Briefing) -> Stats:
    """Totals and the last fetch of feeds, for /stats: the bot's poll cycle, ``briefbot
    fetch``, or an added feed's first fetch (databases from before that was recorded show the
    bot's last poll cycle)."""
    store = service.store
    if fetched := store.get_state("last_fetch_at"):
        return Stats(
            store.counts(),
            fetched,
            store.get_state("last_fetch_summary"),
            FetchCounts.from_json(store.get_state("last_fetch_counts")),
        )
    return Stats(
        store.counts(), store.get_state("last_poll_at"), store.get_state("last_poll_summary")
    )


def feeds(service: Briefing) -> list[Feed]:
    """Every feed with its health, by id."""
    return service.store.list_feeds()


def items(service: Briefing, *, days: int | None) -> list[ItemRecord]:
    """Stored reports published in the last ``days`` days (all with None), newest first."""
    since = None if days is None else service.clock() - timedelta(days=days)
    return service.store.list_items(since=since)


def candidates(service: Briefing, *, limit: int = 50) -> list[ActorCandidate]:
    """Unknown names seen next to role words, most often seen first."""
    return service.store.candidates(limit=limit)
