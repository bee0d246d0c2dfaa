"""Digests and breaking alerts without Telegram: who is due, and what they get."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.briefing.context import Briefing
from bot.briefing.digest_selection import (
    ActorTrend,
    Coming,
    Digest,
    DigestStory,
    select_digest,
    sources_in_window,
)
from bot.briefing.duetime import catch_up_due, in_quiet_hours
from bot.briefing.reading import StoryBrief, story_detail, upcoming
from bot.briefing.subscriptions import FIRST_DIGEST_LOOKBACK, get_subscription
from bot.core.records import Story, Subscription

DUE_BATCH = 1000  # subscribers read and sent per batch of a digest round
MAX_ACTOR_WINDOW = timedelta(days=7)
# A digest's news is what was published in its window: a back catalogue fetched today (/addfeed,
# a first start) is not news. A report fetched late (a slow feed) still counts when published
# up to FETCH_LAG before the window, so a first digest (its window is the last 24 hours) covers
# at most 30 hours; a catch-up after downtime covers at most CATCH_UP.
FETCH_LAG = timedelta(hours=6)
CATCH_UP = timedelta(days=7)
COMING_DAYS = 14  # "What's next" looks this far ahead
BREAKING_SOURCES = 3  # distinct outlets within two hours make a story breaking


def _digest_story(story: Story, news_at: datetime) -> DigestStory:
    return DigestStory(
        id=story.id,
        headline=story.headline,
        link=story.link,
        day=story.day,
        kind=story.kind,
        sources=story.sources,
        relevance=story.relevance,
        actors=story.actors,
        became_relevant_at=news_at,
        last_published=story.last_published,
        summary=story.summary,
        summaries=story.summaries,
    )


def build_digest(service: Briefing, since: datetime | None, until: datetime) -> Digest:
    """The digest for the window (since, until]: the stories with news in it (reports first
    seen in the window and published in it, give or take :data:`FETCH_LAG`), ranked; what is
    coming in the next :data:`COMING_DAYS` days; the actors in the news with their trends."""
    store = service.store
    start = since or until - FIRST_DIGEST_LOOKBACK
    news = store.stories_with_news(
        start,
        until,
        published_after=max(start - FETCH_LAG, until - CATCH_UP),
        min_relevance=service.settings.analysis.relevance_threshold,
    )
    actor_start = max(start, until - MAX_ACTOR_WINDOW)
    span = until - actor_start
    current = store.actor_mentions(actor_start, until)
    earlier = {
        row.name: row.mentions for row in store.actor_mentions(actor_start - span, actor_start)
    }
    trends = [ActorTrend(row.name, row.mentions, earlier.get(row.name, 0)) for row in current]
    return select_digest(
        [_digest_story(story, news_at) for story, news_at in news],
        trends,
        since=start,
        until=until,
        max_stories=service.settings.digest.max_stories,
        coming=_coming(service, until),
    )


def _coming(service: Briefing, now: datetime) -> list[Coming]:
    """Announced meetings and deadlines from today to :data:`COMING_DAYS` days ahead."""
    last = now.date() + timedelta(days=COMING_DAYS)
    return [
        Coming(event.day, event.text, event.title, event.link, event.story)
        for event in upcoming(service)
        if event.day <= last
    ]


def digest_for_chat(service: Briefing, chat_id: int) -> Digest:
    """What the chat would get now (since its last digest; a day for non-subscribers)."""
    subscription = get_subscription(service, chat_id)
    now = service.clock()
    since = subscription.cursor if subscription and subscription.cursor else None
    return build_digest(service, since, now)


@dataclass(frozen=True)
class DueDigest:
    """A digest to deliver now, and where the subscriber's schedule goes after it."""

    subscription: Subscription
    digest: Digest
    due_at: datetime
    next_due_at: datetime


def due_digests(service: Briefing) -> list[DueDigest]:
    """Every subscriber whose time has come, with their digest (one catch-up after downtime).

    Identical windows share one built digest, so a thousand subscribers with the same cursor
    cost one selection.
    """
    now = service.clock()
    built: dict[datetime | None, Digest] = {}
    due = []
    for sub in service.store.due_subscribers(now, limit=DUE_BATCH):
        assert sub.next_due_at is not None
        is_due, following = catch_up_due(sub.next_due_at, now, sub.at, sub.timezone, sub.days)
        if not is_due:
            continue
        key = sub.cursor
        if key not in built:
            built[key] = build_digest(service, sub.cursor, now)
        due.append(DueDigest(sub, built[key], sub.next_due_at, following))
    return due


@dataclass(frozen=True)
class BreakingAlert:
    """A story breaking now, for one subscriber, with the outlets that reported it within the
    window (not every source the story ever had)."""

    subscription: Subscription
    story: StoryBrief
    sources_in_window: int


def breaking_alerts(service: Briefing) -> list[BreakingAlert]:
    """Alerts for stories breaking now; never twice (see claim_alert), never at night. Reads
    only what is stored, so reports stored by anything (a poll cycle, /addfeed, the CLI's
    fetch beside the bot) count at the next check."""
    now = service.clock()
    window = timedelta(hours=2)
    per_story: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for report in service.store.story_report_times(now - window):
        per_story[report.story_id].append((report.source, report.published_at))
    counts = {
        sid: sources_in_window(sources, now, window=window) for sid, sources in per_story.items()
    }
    breaking = sorted(sid for sid, count in counts.items() if count >= BREAKING_SOURCES)
    if not breaking:
        return []
    subscribers = service.store.alert_subscribers()
    alerts = []
    for story_id in breaking:
        detail = story_detail(service, story_id)
        if detail is None:
            continue
        for sub in subscribers:
            if not in_quiet_hours(now, sub.timezone):
                alerts.append(BreakingAlert(sub, detail.story, counts[story_id]))
    return alerts
