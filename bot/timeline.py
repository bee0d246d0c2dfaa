"""Timeline: one dated line per significant story, without near-duplicates on adjacent days.

Pure. Stories that look alike (fingerprint or actors with some shared wording) and lie within a
day or so of each other are collapsed into the biggest of them, which keeps its headline, day and
kind and takes over the others' reports and sources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.stories import fingerprint_similarity

__all__ = ["StorySummary", "TimelineEntry", "build_timeline"]

# fingerprint similarity above which two nearby stories are one development
SAME_STORY = 0.35
# a weaker wording match suffices when the specific actors coincide
SAME_STORY_WITH_ACTORS = 0.2


@dataclass(frozen=True)
class StorySummary:
    """A story as the timeline needs it."""

    id: int
    headline: str
    day: date
    kind: str
    sources: int
    items: tuple[int, ...]
    actors: tuple[str, ...]
    fingerprint: frozenset[str]
    relevance: float = 1.0


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline."""

    day: date
    headline: str
    kind: str
    story: int
    sources: int
    items: tuple[int, ...]
    actors: tuple[str, ...]


def _weight(story: StorySummary) -> tuple[int, int, float, int]:
    # biggest first; ties to the more relevant, then the older story
    return (story.sources, len(story.items), story.relevance, -story.id)


def _alike(a: StorySummary, b: StorySummary) -> bool:
    words = fingerprint_similarity(a.fingerprint, b.fingerprint)
    if words >= SAME_STORY:
        return True
    if not a.actors or not b.actors:
        return False
    small, large = sorted((set(a.actors), set(b.actors)), key=len)
    return len(small & large) / len(small) >= 0.8 and words >= SAME_STORY_WITH_ACTORS


def build_timeline(
    stories: Sequence[StorySummary],
    *,
    newest_first: bool = True,
    day_window: int = 1,
    min_sources: int = 1,
    limit: int | None = None,
) -> list[TimelineEntry]:
    """Build the timeline: similar stories within ``day_window`` days collapse into the biggest.

    Entries with fewer than ``min_sources`` sources (after collapsing) are left out. Ordered by
    day (newest first by default; ties: more sources first); ``limit`` keeps the first entries of
    that order.
    """
    groups: list[tuple[StorySummary, list[StorySummary]]] = []
    # Groups by their leader's day, so a story meets only the groups within the day window.
    by_day: dict[int, list[tuple[StorySummary, list[StorySummary]]]] = defaultdict(list)
    for story in sorted(stories, key=_weight, reverse=True):
        day = story.day.toordinal()
        nearby = (
            group
            for offset in range(-day_window, day_window + 1)
            for group in by_day.get(day + offset, ())
        )
        for leader, members in sorted(nearby, key=lambda group: _weight(group[0]), reverse=True):
            if _alike(leader, story):
                members.append(story)
                break
        else:
            group = (story, [story])
            groups.append(group)
            by_day[day].append(group)

    entries = []
    for leader, members in groups:
        items = tuple(sorted({item for member in members for item in member.items}))
        actors = tuple(dict.fromkeys(actor for member in members for actor in member.actors))
        sources = sum(member.sources for member in members)
        if sources < min_sources:
            continue
        entries.append(
            TimelineEntry(
                day=leader.day,
                headline=leader.headline,
                kind=leader.kind,
                story=leader.id,
                sources=sources,
                items=items,
                actors=actors,
            )
        )

    def order(entry: TimelineEntry) -> tuple[int, int, int]:
        day = entry.day.toordinal()
        return (-day if newest_first else day, -entry.sources, entry.story)

    entries.sort(key=order)
    return entries if limit is None else entries[: max(0, limit)]
