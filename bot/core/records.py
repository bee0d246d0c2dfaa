"""What the storage layer returns: one frozen dataclass per kind of stored row or aggregate.

Instants are aware UTC datetimes, days are dates, JSON columns arrive decoded (tuples, frozen
sets, dicts). Plain data only: no I/O, no SQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.core.models import LeadSentence

# --- items -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRecord:
    """A stored report with its feeds' names and its actors (most mentioned first)."""

    id: int
    title: str
    link: str | None
    published_at: datetime
    feeds: tuple[str, ...]
    author: str | None
    language: str | None
    first_seen_at: datetime
    updated_at: datetime | None
    relevance: float | None
    relevant: bool
    actors: tuple[str, ...]
    story_id: int | None
    event_date: date | None
    summary: str = ""
    canonical_link: str | None = None
    update_count: int = 0
    analysed_at: datetime | None = None
    story_summary: str | None = None


@dataclass(frozen=True)
class ItemForAnalysis:
    """What analysis reads of a stored item, and what tells whether it changed meanwhile."""

    id: int
    title: str
    summary: str
    language: str | None
    published_at: datetime
    story_id: int | None
    link: str | None
    content_hash: str
    dated: bool = True


@dataclass(frozen=True)
class SavedAnalysis:
    """One item's analysis as the store writes it."""

    item_id: int
    relevance: float
    relevant: bool
    event_date: date | None
    fingerprint: frozenset[str]
    actors: dict[str, int]
    upcoming: tuple[tuple[date, str], ...]
    places: dict[str, int] = field(default_factory=dict)
    sentences: tuple[LeadSentence, ...] = ()


@dataclass(frozen=True)
class ActorCandidate:
    """An unknown name seen next to a role word, awaiting an admin's review."""

    name: str
    cue: str
    context: str
    mentions: int
    first_seen: datetime | None
    last_seen: datetime | None
    status: str = "new"


@dataclass(frozen=True)
class CustomActor:
    """An actor an admin accepted from chat."""

    name: str
    kind: str


# --- stories -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryCandidate:
    """An existing story as grouping compares it: merged fingerprint, actors, time span."""

    id: int
    fingerprint: frozenset[str]
    actors: frozenset[str]
    first_published: datetime
    last_published: datetime
    event_date: date | None
    size: int
    dated: bool = True  # some report of it has a date of its own


@dataclass(frozen=True)
class StoryMember:
    """A report of a story with what the story's derived fields are computed from."""

    id: int
    title: str
    summary: str
    language: str | None
    published_at: datetime
    event_date: date | None
    relevance: float
    link: str | None
    fingerprint: frozenset[str]
    actors: dict[str, int]
    dated: bool = True
    places: dict[str, int] = field(default_factory=dict)
    sentences: tuple[LeadSentence, ...] = ()


@dataclass(frozen=True)
class StoryFields:
    """A story's derived fields, recomputed from its members and written in one go."""

    headline: str
    day: date
    kind: str
    first_published: datetime
    last_published: datetime
    size: int
    sources: int
    relevance: float
    fingerprint: frozenset[str]
    actors: tuple[str, ...]
    link: str | None
    updated_at: datetime
    summary: str | None = None
    summaries: Mapping[str, str] = field(default_factory=dict)
    places: tuple[str, ...] = ()
    dated: bool = True


@dataclass(frozen=True)
class Story:
    """A stored story: a development reported by one or more reports."""

    id: int
    headline: str
    day: date
    kind: str
    first_published: datetime
    last_published: datetime
    size: int
    sources: int
    relevance: float
    actors: tuple[str, ...]
    link: str | None
    created_at: datetime
    summary: str | None = None
    summaries: Mapping[str, str] = field(default_factory=dict)
    places: tuple[str, ...] = ()

    def summary_for(self, language: str | None) -> str | None:
        """The summary for a reader of ``language``: from reports in it, else the default."""
        return summary_in(self.summary, self.summaries, language)


def summary_in(
    default: str | None, by_language: Mapping[str, str], language: str | None
) -> str | None:
    """A story summary for a reader of ``language``: the one from reports in that language
    when the story has one, else the default."""
    if language and (found := by_language.get(language.lower()[:2])):
        return found
    return default


@dataclass(frozen=True)
class StoryReport:
    """One report of a story with the names of the feeds that carried it."""

    id: int
    title: str
    link: str | None
    published_at: datetime
    feeds: tuple[str, ...]


@dataclass(frozen=True)
class ReportTime:
    """When a feed published a report of a story (breaking-news detection)."""

    story_id: int
    source: str
    published_at: datetime


# --- timeline ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StorySummary:
    """A story as the timeline groups it."""

    id: int
    headline: str
    day: date
    kind: str
    sources: int
    size: int
    actors: tuple[str, ...]
    fingerprint: frozenset[str]
    relevance: float = 1.0


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: a group of stories shown as its biggest one."""

    day: date
    headline: str
    kind: str
    story: int
    sources: int
    reports: int
    stories: tuple[int, ...]
    actors: tuple[str, ...]


@dataclass(frozen=True)
class TimelineStory:
    """A story the stored timeline groups, with the group anchor it was stored under."""

    summary: StorySummary
    anchor: int | None


@dataclass(frozen=True)
class StoredTimelineEntry:
    """A timeline entry as stored: its group's anchor story, first and last day."""

    anchor: int
    anchor_day: date
    last_day: date
    entry: TimelineEntry


@dataclass(frozen=True)
class TimelineChanges:
    """The newest change number and the days whose stories changed up to it."""

    upto: int
    days: frozenset[date]


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpcomingRecord:
    """A future day announced in a relevant report."""

    day: date
    text: str
    item_id: int
    title: str
    link: str | None
    story_id: int | None


@dataclass(frozen=True)
class ActorMentions:
    """An actor's mentions in relevant reports over a window."""

    name: str
    mentions: int
    items: int
    last_seen: datetime | None


@dataclass(frozen=True)
class NameCount:
    """A name and a count (actors named alongside another, and the like)."""

    name: str
    count: int


@dataclass(frozen=True)
class DayCount:
    """A count for one UTC day."""

    day: date
    count: int


@dataclass(frozen=True)
class ActorDayCount:
    """An actor's mentions on one UTC day."""

    day: date
    name: str
    mentions: int


@dataclass(frozen=True)
class SearchRow:
    """A report matching a search; ``snippet`` marks matches with \\x02 … \\x03."""

    id: int
    title: str
    link: str | None
    published_at: datetime
    story_id: int | None
    snippet: str


@dataclass(frozen=True)
class Totals:
    """Counts for /stats."""

    items: int
    relevant_items: int
    stories: int
    feeds: int
    active_feeds: int
    subscribers: int


# --- subscribers and deliveries ----------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """A chat that receives digests."""

    chat_id: int
    chat_type: str
    title: str | None
    at: time
    timezone: str
    days: str
    alerts: bool
    skip_empty: bool
    weekly_chart: bool
    active: bool
    next_due_at: datetime | None
    cursor: datetime | None
    language: str | None
    last_digest_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """One digest to one chat: pending until Telegram accepted it (or it was given up)."""

    id: int
    chat_id: int
    due_at: datetime
    window_start: datetime | None
    window_end: datetime
    digest_key: str
    status: str
    attempts: int
    error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class SchemaStatus:
    """Which migrations a database has and which it lacks."""

    applied: tuple[str, ...]
    pending: tuple[str, ...]
    created_at: datetime | None = None
    extra: tuple[str, ...] = field(default=())


# --- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchTerm:
    """A word (matched as a prefix: "guarant" finds "guarantees") or an exact phrase."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """What /search looks for: every group must match (one of its terms will do), no excluded
    term may."""

    groups: tuple[tuple[SearchTerm, ...], ...]
    excluded: tuple[SearchTerm, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to look for (exclusions alone find nothing)."""
        return not self.groups


@dataclass(frozen=True)
class FetchCounts:
    """What the last fetch of feeds came to, in numbers /stats words in the reader's language."""

    feeds: int
    ok: int
    not_modified: int
    failed: int
    new: int
    updated: int

    def to_json(self) -> str:
        """As stored in the state table."""
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str | None) -> FetchCounts | None:
        """Read back what :meth:`to_json` stored (None for nothing or anything unreadable)."""
        try:
            return cls(**{key: int(value) for key, value in json.loads(text or "").items()})
        except (ValueError, TypeError, AttributeError):
            return None
