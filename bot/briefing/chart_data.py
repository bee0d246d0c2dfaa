"""What `/chart` and `briefbot chart` draw, as plain data: reports per day, big stories, actors.

Days are UTC calendar days; the window ends today (by the service's clock) and holds ``days`` days
(a long window only as far back as its data goes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.briefing import reading
from bot.briefing.context import Briefing

DEFAULT_DAYS = 14
# A longer window is drawn only as far back as its data goes (never shorter than this): a
# 27-year axis of empty days would hide the reports in a few pixels.
MIN_SPAN = 90
TOP_STORIES = 3
TOP_ACTORS = 5


@dataclass(frozen=True)
class MarkedStory:
    """One of the timeline's biggest stories, marked on its day."""

    day: date
    headline: str
    story: int
    sources: int


@dataclass(frozen=True)
class ActorSeries:
    """An actor's mentions in relevant reports, one number per day of the window."""

    name: str
    mentions: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.mentions)


@dataclass(frozen=True)
class ChartData:
    """Everything the chart shows; every per-day tuple lines up with ``days``."""

    days: tuple[date, ...]
    reports: tuple[int, ...]
    stories: tuple[MarkedStory, ...]
    actors: tuple[ActorSeries, ...]

    @property
    def total_reports(self) -> int:
        """Relevant reports in the whole window."""
        return sum(self.reports)

    def reports_on(self, day: date) -> int:
        """Relevant reports on one day of the window (0 outside it)."""
        return dict(zip(self.days, self.reports, strict=True)).get(day, 0)


def _window(today: date, days: int) -> tuple[date, ...]:
    first = today - timedelta(days=days - 1)
    return tuple(first + timedelta(days=offset) for offset in range(days))


def _bounds(window: tuple[date, ...]) -> tuple[datetime, datetime]:
    """[since, until): midnight UTC of the first day and of the day after the last."""
    after = window[-1] + timedelta(days=1)
    return (
        datetime.combine(window[0], time(), tzinfo=UTC),
        datetime.combine(after, time(), tzinfo=UTC),
    )


def biggest_stories(service: Briefing, days: int, count: int = TOP_STORIES) -> list[MarkedStory]:
    """The ``count`` biggest timeline entries of the window (most sources, then most reports)."""
    entries = reading.timeline(service, days=days, newest_first=True)
    ranked = sorted(entries, key=lambda e: (-e.sources, -e.reports, -e.day.toordinal()))
    marked = [MarkedStory(e.day, e.headline, e.story, e.sources) for e in ranked[:count]]
    return sorted(marked, key=lambda story: (story.day, story.story))


def chart_data(
    service: Briefing,
    *,
    days: int = DEFAULT_DAYS,
    top_stories: int = TOP_STORIES,
    top_actors: int = TOP_ACTORS,
) -> ChartData:
    """Relevant reports per day, the biggest stories and the top actors' daily mentions.

    A window longer than ``MIN_SPAN`` days starts at its first day with data (or ``MIN_SPAN``
    days back, if that is earlier)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    today = service.clock().date()
    window = _window(today, days)
    since, until = _bounds(window)
    store = service.store
    per_day = {row.day: row.count for row in store.relevant_reports_per_day(since, until)}
    names = [row.name for row in store.actor_mentions(since, until)[:top_actors]]
    mentions: dict[tuple[str, date], int] = {
        (row.name, row.day): row.mentions
        for row in store.actor_mentions_per_day(names, since, until)
    }
    stories = biggest_stories(service, days, top_stories)
    if days > MIN_SPAN:
        data_days = [day for day, count in per_day.items() if count]
        data_days += [day for (_, day), count in mentions.items() if count]
        data_days += [story.day for story in stories]
        first = min([*data_days, today - timedelta(days=MIN_SPAN - 1)])
        window = tuple(day for day in window if day >= first)
    return ChartData(
        days=window,
        reports=tuple(per_day.get(day, 0) for day in window),
        stories=tuple(stories),
        actors=tuple(
            ActorSeries(name, tuple(mentions.get((name, day), 0) for day in window))
            for name in names
        ),
    )
