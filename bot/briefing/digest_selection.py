"""What goes into a digest: the stories that became relevant in a window, ranked, capped, and
the actors most in the news. Pure data; rendering (Telegram HTML) happens elsewhere.

Also decides whether a story is *breaking*: several independent outlets reporting it within a
short window.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.core.records import summary_in

__all__ = [
    "ActorTrend",
    "Coming",
    "Digest",
    "DigestStory",
    "importance",
    "is_breaking",
    "sources_in_window",
    "select_digest",
]

# importance = weighted mix of four scores in [0, 1]; the weights sum to 1
SOURCES_WEIGHT = 0.4
RELEVANCE_WEIGHT = 0.3
RECENCY_WEIGHT = 0.2
ACTORS_WEIGHT = 0.1
SOURCES_SATURATION = 10  # this many outlets score full marks
ACTORS_SATURATION = 4
RECENCY_HALF_LIFE = timedelta(hours=12)


@dataclass(frozen=True)
class DigestStory:
    """A story as the digest sees it. ``became_relevant_at`` decides which digest window it
    belongs to; ``last_published`` is the newest report in it."""

    id: int
    headline: str
    link: str | None
    day: date
    kind: str
    sources: int
    relevance: float
    actors: tuple[str, ...]
    became_relevant_at: datetime
    last_published: datetime
    summary: str | None = None
    summaries: Mapping[str, str] = field(default_factory=dict)

    def summary_for(self, language: str | None) -> str | None:
        """The summary for a reader of ``language`` (from reports in it where there are)."""
        return summary_in(self.summary, self.summaries, language)


@dataclass(frozen=True)
class Coming:
    """An announced meeting or deadline a digest lists under "What's next"."""

    day: date
    text: str
    title: str
    link: str | None
    story: int | None


@dataclass(frozen=True)
class ActorTrend:
    """How often an actor was mentioned in the digest window and in the window before it."""

    name: str
    mentions: int
    previous: int

    @property
    def change(self) -> int:
        """Mentions gained (positive) or lost (negative) against the previous window."""
        return self.mentions - self.previous

    @property
    def trend(self) -> str:
        """``"new"`` (absent before), ``"up"``, ``"down"`` or ``"steady"``."""
        if self.previous == 0 and self.mentions > 0:
            return "new"
        if self.change > 0:
            return "up"
        if self.change < 0:
            return "down"
        return "steady"


@dataclass(frozen=True)
class Digest:
    """The content of one digest for the window ``(since, until]``. ``more`` counts stories of
    the window left out by the cap."""

    stories: tuple[DigestStory, ...]
    more: int
    actors: tuple[ActorTrend, ...]
    since: datetime
    until: datetime
    coming: tuple[Coming, ...] = ()

    def is_empty(self) -> bool:
        """True when the window brought no story at all (actor counts alone are not news)."""
        return not self.stories and self.more == 0

    def key(self) -> str:
        """A short hash of the content: stories in order with every field, ``more`` and the
        actors. Digests with equal content share a key even when their windows differ, so
        subscribers due at the same moment can share one rendering; anything that differs per
        subscriber (the window shown in the header, the zone) belongs outside the cached part."""
        content = {
            "stories": [_story_content(story) for story in self.stories],
            "more": self.more,
            "actors": [[a.name, a.mentions, a.previous] for a in self.actors],
            "coming": [[c.day.isoformat(), c.text, c.title, c.link, c.story] for c in self.coming],
        }
        encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32]


def importance(story: DigestStory, now: datetime) -> float:
    """How much a story deserves a place near the top, in ``[0, 1]``.

    Mixes how many outlets report it (saturating at 10), its relevance score, how recent its
    newest report is (halving every 12 hours) and how many distinct actors take part (up to 4).
    """
    sources = min(1.0, math.log1p(max(0, story.sources)) / math.log1p(SOURCES_SATURATION))
    relevance = min(1.0, max(0.0, story.relevance))
    age = max(timedelta(0), _as_utc(now) - _as_utc(story.last_published))
    recency = 0.5 ** (age / RECENCY_HALF_LIFE)
    actors = min(1.0, len(set(story.actors)) / ACTORS_SATURATION)
    return float(
        SOURCES_WEIGHT * sources
        + RELEVANCE_WEIGHT * relevance
        + RECENCY_WEIGHT * recency
        + ACTORS_WEIGHT * actors
    )


def select_digest(
    stories: Sequence[DigestStory],
    actors: Sequence[ActorTrend],
    *,
    since: datetime,
    until: datetime,
    max_stories: int = 8,
    max_actors: int = 5,
    coming: Sequence[Coming] = (),
    max_coming: int = 5,
) -> Digest:
    """Build the digest for the window ``(since, until]``.

    Keeps the stories whose ``became_relevant_at`` falls in the window (each id once), ranks
    them by :func:`importance` at ``until`` (ties: newer first, then lower id), keeps at most
    ``max_stories`` and counts the rest in ``more``. Actors with mentions are ranked by
    mentions, then by their rise, then by name, at most ``max_actors``.
    """
    if max_stories < 0 or max_actors < 0:
        raise ValueError("max_stories and max_actors must not be negative")
    start, end = _as_utc(since), _as_utc(until)
    if start > end:
        raise ValueError("the digest window must not end before it starts")

    in_window = [s for s in stories if start < _as_utc(s.became_relevant_at) <= end]
    ranked = sorted(
        in_window,
        key=lambda s: (-importance(s, end), -_as_utc(s.last_published).timestamp(), s.id),
    )
    unique: list[DigestStory] = []
    seen: set[int] = set()
    for story in ranked:
        if story.id not in seen:
            seen.add(story.id)
            unique.append(story)

    trends: list[ActorTrend] = []
    names: set[str] = set()
    for trend in sorted(actors, key=lambda a: (-a.mentions, -a.change, a.name)):
        if trend.mentions > 0 and trend.name not in names:
            names.add(trend.name)
            trends.append(trend)

    return Digest(
        stories=tuple(unique[:max_stories]),
        more=max(0, len(unique) - max_stories),
        actors=tuple(trends[:max_actors]),
        since=start,
        until=end,
        coming=tuple(coming[:max_coming]),
    )


def is_breaking(
    story_sources: Sequence[tuple[str, datetime]],
    now: datetime,
    *,
    min_sources: int = 3,
    window: timedelta = timedelta(hours=2),
) -> bool:
    """True when at least ``min_sources`` distinct outlets reported the story within
    ``[now - window, now]`` (:func:`sources_in_window`)."""
    return sources_in_window(story_sources, now, window=window) >= min_sources


def sources_in_window(
    story_sources: Sequence[tuple[str, datetime]],
    now: datetime,
    *,
    window: timedelta = timedelta(hours=2),
) -> int:
    """How many distinct outlets reported the story within ``[now - window, now]``.
    ``story_sources`` holds ``(source name, published)`` pairs; names count as one outlet
    regardless of case, spacing or a leading ``www.``. Reports dated after ``now`` do not count."""
    end = _as_utc(now)
    start = end - window
    outlets = {
        _outlet(name)
        for name, published in story_sources
        if name and name.strip() and start <= _as_utc(published) <= end
    }
    return len(outlets)


def _outlet(name: str) -> str:
    folded = re.sub(r"\s+", " ", name.strip().casefold())
    return folded.removeprefix("www.")


def _story_content(story: DigestStory) -> list[object]:
    return [
        story.id,
        story.headline,
        story.link,
        story.day.isoformat(),
        story.kind,
        story.sources,
        repr(float(story.relevance)),
        list(story.actors),
        _as_utc(story.became_relevant_at).isoformat(),
        _as_utc(story.last_published).isoformat(),
        story.summary,
        sorted(story.summaries.items()),
    ]


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
