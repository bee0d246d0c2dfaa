"""Timeline: one dated line per development, near-duplicates on adjacent days collapsed.

Pure. Stories are grouped in one sweep from the oldest day to the newest: a story joins the
heaviest group, begun on its own day or up to ``day_window`` days before, whose first story
(the anchor) looks alike (fingerprint, or the same actors with some shared wording); otherwise
it begins a group. A day's grouping therefore depends only on that day's stories and the
anchors of the days just before it, so :func:`regroup` can bring a stored grouping up to date
by recomputing the changed days and, after them, only as far as the result differs.

An entry shows its group's biggest story (headline, day, kind) and adds up the others' sources
and reports.
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date

from bot.analysis.fingerprints import fingerprint_similarity, place_agreement
from bot.core.records import StorySummary, TimelineEntry

__all__ = ["StorySummary", "TimelineEntry", "build_timeline", "regroup", "timeline_entries"]

# fingerprint similarity above which two nearby stories are one development
SAME_STORY = 0.35
# a weaker wording match suffices when the specific actors coincide
SAME_STORY_WITH_ACTORS = 0.2
DAY_WINDOW = 1


def _rank(story: StorySummary) -> tuple[int, int, float, int]:
    # biggest first; ties to the more relevant, then the older story
    return (-story.sources, -story.size, -story.relevance, story.id)


def _alike(a: StorySummary, b: StorySummary) -> bool:
    if (
        min(
            place_agreement(a.fingerprint, b.fingerprint),
            place_agreement(b.fingerprint, a.fingerprint),
        )
        < 0
    ):
        return False  # held in different places: two developments, however alike the words
    words = fingerprint_similarity(a.fingerprint, b.fingerprint)
    if words >= SAME_STORY:
        return True
    if not a.actors or not b.actors:
        return False
    small, large = sorted((set(a.actors), set(b.actors)), key=len)
    return len(small & large) / len(small) >= 0.8 and words >= SAME_STORY_WITH_ACTORS


def _group_day(
    stories: list[StorySummary], earlier_anchors: Iterable[StorySummary]
) -> dict[int, int]:
    """Anchor ids for one day's stories (heaviest first), given the open groups before it."""
    pool = sorted(earlier_anchors, key=_rank)
    assigned = {}
    for story in stories:
        anchor = next((group for group in pool if _alike(group, story)), None)
        if anchor is None:
            assigned[story.id] = story.id
            insort(pool, story, key=_rank)
        else:
            assigned[story.id] = anchor.id
    return assigned


def regroup(
    stories: Sequence[StorySummary],
    *,
    day_window: int = DAY_WINDOW,
    stored: Mapping[int, int] | None = None,
    changed: Collection[date] | None = None,
) -> dict[int, int]:
    """Assign every story to its group's anchor: story id → anchor id.

    Without ``changed`` everything is grouped afresh. With it, ``stored`` is an earlier result
    and ``changed`` the days whose stories were added, altered or removed since: days before
    the first changed day keep their stored groups, and a later day is recomputed only when it
    changed or lies within ``day_window`` days after a day whose groups came out different.
    The result is the same as grouping afresh. ``stories`` must then hold every story from
    ``day_window`` days before the first changed day on.
    """
    by_day: dict[int, list[StorySummary]] = defaultdict(list)
    for story in stories:
        by_day[story.day.toordinal()].append(story)
    stored = stored or {}
    dirty = None if changed is None else {day.toordinal() for day in changed}
    first_dirty = None if dirty is None else min(dirty, default=None)
    anchors: dict[int, list[StorySummary]] = {}
    assignment: dict[int, int] = {}
    last_difference: int | None = None
    for day in sorted(by_day.keys() | (dirty or set())):
        members = sorted(by_day.get(day, ()), key=_rank)
        known = all(story.id in stored for story in members)
        recompute = (
            dirty is None
            or not known
            or day in dirty
            or (last_difference is not None and day - last_difference <= day_window)
        )
        if first_dirty is not None and day < first_dirty and known:
            recompute = False
        if recompute:
            earlier = (a for back in range(1, day_window + 1) for a in anchors.get(day - back, ()))
            day_groups = _group_day(members, earlier)
            if (
                dirty is None
                or day in dirty
                or any(stored.get(story_id) != anchor for story_id, anchor in day_groups.items())
            ):
                last_difference = day
        else:
            day_groups = {story.id: stored[story.id] for story in members}
        assignment.update(day_groups)
        anchors[day] = [story for story in members if day_groups[story.id] == story.id]
    return assignment


def timeline_entries(
    stories: Iterable[StorySummary], assignment: Mapping[int, int]
) -> dict[int, TimelineEntry]:
    """One entry per anchor (anchor id → entry) for the groups whose stories are all given."""
    groups: dict[int, list[StorySummary]] = defaultdict(list)
    for story in stories:
        groups[assignment[story.id]].append(story)
    entries = {}
    for anchor, members in groups.items():
        members.sort(key=_rank)
        lead = members[0]
        entries[anchor] = TimelineEntry(
            day=lead.day,
            headline=lead.headline,
            kind=lead.kind,
            story=lead.id,
            sources=sum(member.sources for member in members),
            reports=sum(member.size for member in members),
            stories=tuple(member.id for member in members),
            actors=tuple(dict.fromkeys(actor for member in members for actor in member.actors)),
        )
    return entries


def entry_order(entry: TimelineEntry, *, newest_first: bool = True) -> tuple[int, int, int]:
    """Timeline order: by day (newest first by default), then more sources, then story id."""
    day = entry.day.toordinal()
    return (-day if newest_first else day, -entry.sources, entry.story)


def build_timeline(
    stories: Sequence[StorySummary],
    *,
    newest_first: bool = True,
    day_window: int = DAY_WINDOW,
    min_sources: int = 1,
    limit: int | None = None,
) -> list[TimelineEntry]:
    """The whole timeline of ``stories`` at once (the bot keeps a stored one up to date).

    Entries with fewer than ``min_sources`` sources (after collapsing) are left out; ``limit``
    keeps the first entries of the order.
    """
    assignment = regroup(stories, day_window=day_window)
    entries = [
        entry
        for entry in timeline_entries(stories, assignment).values()
        if entry.sources >= min_sources
    ]
    entries.sort(key=lambda entry: entry_order(entry, newest_first=newest_first))
    return entries if limit is None else entries[: max(0, limit)]
