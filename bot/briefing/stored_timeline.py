"""Keeps the stored timeline in step with the stories, so reading it is a query.

Every change to a story row marks its old and new day (database triggers, so no writer can
forget). :func:`refresh` regroups from the first marked day on with
:func:`bot.analysis.timeline_grouping.regroup`
and saves the result; when the rules, the window or the relevance threshold differ from those
the stored timeline was built with, it rebuilds everything once. The async variant reads and
writes on the caller's thread (the connection's) and groups in a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

from bot.analysis.timeline_grouping import DAY_WINDOW, regroup, timeline_entries
from bot.core.records import StoredTimelineEntry, StorySummary
from bot.storage.store import Store

# Bump when the grouping rules change: stored timelines are then rebuilt.
RULES_VERSION = 3
_STATE_KEY = "timeline"


@dataclass(frozen=True)
class _Work:
    """What a refresh reads: the stories to regroup and what they replace."""

    since: date | None  # None: the whole timeline
    changed: frozenset[date] | None
    changes_upto: int
    stories: list[StorySummary]
    stored: dict[int, int]
    signature: str
    generation: str


def signature(threshold: float, day_window: int = DAY_WINDOW) -> str:
    """What a stored timeline depends on besides the stories."""
    return f"v{RULES_VERSION} window={day_window} threshold={threshold!r}"


def _pending(store: Store, threshold: float, day_window: int) -> _Work | None:
    wanted = signature(threshold, day_window)
    saved = store.get_state(_STATE_KEY)
    changes = store.timeline_changes()
    changed = set(changes.days)
    rebuild = saved != wanted
    if not rebuild and not changed:
        return None
    since = None if rebuild else min(changed) - timedelta(days=day_window)
    found = store.timeline_stories(since.isoformat() if since else None, min_relevance=threshold)
    return _Work(
        since=since,
        changed=None if rebuild else frozenset(changed),
        changes_upto=changes.upto,
        stories=[story.summary for story in found],
        stored={story.summary.id: story.anchor for story in found if story.anchor},
        signature=wanted,
        generation=store.get_state("timeline_generation") or "0",
    )


def _group(work: _Work, day_window: int) -> tuple[dict[int, int], list[StoredTimelineEntry]]:
    """Pure: the new anchors and the entries from ``work.since`` on."""
    stories = work.stories
    anchors = regroup(stories, day_window=day_window, stored=work.stored, changed=work.changed)
    days = {story.id: story.day for story in stories}
    rows = []
    for anchor, entry in timeline_entries(stories, anchors).items():
        if anchor not in days or (work.since is not None and days[anchor] < work.since):
            continue  # a group begun earlier, with all its stories earlier: left as stored
        rows.append(
            StoredTimelineEntry(
                anchor=anchor,
                anchor_day=days[anchor],
                last_day=max(days[story] for story in entry.stories),
                entry=entry,
            )
        )
    return anchors, rows


def _save(
    store: Store, work: _Work, anchors: dict[int, int], rows: list[StoredTimelineEntry]
) -> bool:
    with store.transaction():
        # Another refresh (here or in another process) saved since this one read: its result
        # stands and this one is dropped; the changes it would have cleared stay marked.
        if not store.advance_counter("timeline_generation", work.generation):
            return False
        store.save_timeline(
            work.since.isoformat() if work.since else None,
            anchors,
            rows,
            changes_upto=work.changes_upto,
            signature=work.signature,
        )
    return True


def refresh(store: Store, threshold: float, *, day_window: int = DAY_WINDOW) -> bool:
    """Bring the stored timeline up to date; return whether anything was regrouped."""
    work = _pending(store, threshold, day_window)
    if work is None:
        return False
    anchors, rows = _group(work, day_window)
    return _save(store, work, anchors, rows)


async def refresh_async(store: Store, threshold: float, *, day_window: int = DAY_WINDOW) -> bool:
    """:func:`refresh` with the grouping in a worker thread, so the event loop keeps going."""
    work = _pending(store, threshold, day_window)
    if work is None:
        return False
    anchors, rows = await asyncio.to_thread(_group, work, day_window)
    return _save(store, work, anchors, rows)
