"""Subscriptions and digests without Telegram: who is due, what they get, what was sent."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.app.service import Service
from bot.briefing.digest_selection import (
    ActorTrend,
    Digest,
    DigestStory,
    is_breaking,
    select_digest,
)
from bot.briefing.duetime import DAILY, catch_up_due, format_time_of_day, in_quiet_hours, next_due
from bot.briefing.reading import StoryBrief
from bot.core.timeutil import from_iso, to_iso

FIRST_DIGEST_LOOKBACK = timedelta(hours=24)
DUE_BATCH = 1000  # subscribers read and sent per batch of a digest round
MAX_ACTOR_WINDOW = timedelta(days=7)


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


def _subscription(row: dict[str, Any]) -> Subscription:
    hour, minute = (int(part) for part in row["digest_time"].split(":"))
    return Subscription(
        chat_id=row["chat_id"],
        chat_type=row["chat_type"],
        title=row["title"],
        at=time(hour, minute),
        timezone=row["timezone"],
        days=row["days"],
        alerts=bool(row["alerts"]),
        skip_empty=bool(row["skip_empty"]),
        weekly_chart=bool(row["weekly_chart"]),
        active=bool(row["active"]),
        next_due_at=from_iso(row["next_due_at"]),
        cursor=from_iso(row["cursor"]),
        language=row["language"],
    )


def get_subscription(service: Service, chat_id: int) -> Subscription | None:
    """The chat's subscription, active or not."""
    row = service.store.get_subscriber(chat_id)
    return _subscription(row) if row else None


def subscribe(
    service: Service,
    chat_id: int,
    *,
    chat_type: str = "private",
    title: str | None = None,
    at: time | None = None,
    zone: str | None = None,
    language: str | None = None,
) -> Subscription:
    """Subscribe (or re-subscribe) a chat; missing time and zone come from the config."""
    now = service.clock()
    defaults = service.settings.digest
    existing = get_subscription(service, chat_id)
    at = at or (existing.at if existing else defaults.default_time)
    zone = zone or (existing.timezone if existing else defaults.default_timezone)
    days = existing.days if existing else DAILY
    # A returning subscriber starts fresh: no digest of everything since they left.
    active = existing is not None and existing.active and existing.cursor is not None
    cursor = existing.cursor if active else now - FIRST_DIGEST_LOOKBACK
    service.store.save_subscriber(
        chat_id,
        {
            "chat_type": chat_type,
            "title": title,
            "digest_time": format_time_of_day(at),
            "timezone": zone,
            "days": days,
            "language": language,
            "active": 1,
            "next_due_at": to_iso(next_due(now, at, zone, days)),
            "cursor": to_iso(cursor),
        },
        now,
    )
    subscription = get_subscription(service, chat_id)
    assert subscription is not None
    return subscription


def unsubscribe(service: Service, chat_id: int) -> bool:
    """Stop digests for a chat; False if it was not subscribed."""
    existing = get_subscription(service, chat_id)
    if existing is None or not existing.active:
        return False
    service.store.save_subscriber(chat_id, {"active": 0}, service.clock())
    return True


def deactivate(service: Service, chat_id: int) -> None:
    """The chat blocked or removed the bot: stop sending to it."""
    service.store.save_subscriber(chat_id, {"active": 0}, service.clock())


def update_settings(service: Service, chat_id: int, **changes: Any) -> Subscription:
    """Change at/timezone/days/alerts/skip_empty/weekly_chart; the next due time follows."""
    current = get_subscription(service, chat_id)
    if current is None:
        raise LookupError("not subscribed")
    at = changes.get("at", current.at)
    zone = changes.get("timezone", current.timezone)
    days = changes.get("days", current.days)
    fields: dict[str, Any] = {
        "digest_time": format_time_of_day(at),
        "timezone": zone,
        "days": days,
        "next_due_at": to_iso(next_due(service.clock(), at, zone, days)),
    }
    for key in ("alerts", "skip_empty", "weekly_chart"):
        if key in changes:
            fields[key] = int(bool(changes[key]))
    service.store.save_subscriber(chat_id, fields, service.clock())
    updated = get_subscription(service, chat_id)
    assert updated is not None
    return updated


def _digest_story(row: dict[str, Any]) -> DigestStory:
    return DigestStory(
        id=row["id"],
        headline=row["headline"],
        link=row["link"],
        day=date.fromisoformat(row["day"]),
        kind=row["kind"],
        sources=row["sources"],
        relevance=row["relevance"],
        actors=tuple(json.loads(row["actors"] or "[]")),
        became_relevant_at=from_iso(row["created_at"]) or datetime.min,
        last_published=from_iso(row["last_published"]) or datetime.min,
    )


def build_digest(service: Service, since: datetime | None, until: datetime) -> Digest:
    """The digest for the window (since, until]: ranked stories and key actors with trends."""
    store = service.store
    start = since or until - FIRST_DIGEST_LOOKBACK
    rows = store.stories_created_between(
        to_iso(start),
        to_iso(until) or "",
        min_relevance=service.settings.analysis.relevance_threshold,
    )
    actor_start = max(start, until - MAX_ACTOR_WINDOW)
    span = until - actor_start
    current = store.actor_mentions(to_iso(actor_start), to_iso(until))
    earlier = {
        row["name"]: row["mentions"]
        for row in store.actor_mentions(to_iso(actor_start - span), to_iso(actor_start))
    }
    trends = [ActorTrend(r["name"], r["mentions"], earlier.get(r["name"], 0)) for r in current]
    return select_digest(
        [_digest_story(row) for row in rows],
        trends,
        since=start,
        until=until,
        max_stories=service.settings.digest.max_stories,
    )


def digest_for_chat(service: Service, chat_id: int) -> Digest:
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


def due_digests(service: Service) -> list[DueDigest]:
    """Every subscriber whose time has come, with their digest (one catch-up after downtime).

    Identical windows share one built digest, so a thousand subscribers with the same cursor
    cost one selection.
    """
    now = service.clock()
    built: dict[str | None, Digest] = {}
    due = []
    for row in service.store.due_subscribers(now, limit=DUE_BATCH):
        sub = _subscription(row)
        assert sub.next_due_at is not None
        is_due, following = catch_up_due(sub.next_due_at, now, sub.at, sub.timezone, sub.days)
        if not is_due:
            continue
        key = to_iso(sub.cursor)
        if key not in built:
            built[key] = build_digest(service, sub.cursor, now)
        due.append(DueDigest(sub, built[key], sub.next_due_at, following))
    return due


def breaking_alerts(service: Service) -> list[tuple[Subscription, StoryBrief]]:
    """(subscriber, story) pairs for stories breaking now; never twice, never at night."""
    from bot.briefing.reading import story_detail

    now = service.clock()
    window = timedelta(hours=2)
    per_story: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for row in service.store.story_report_times(to_iso(now - window) or ""):
        published = from_iso(row["published_at"])
        if published is not None:
            per_story[row["story_id"]].append((row["source"], published))
    breaking = [sid for sid, sources in per_story.items() if is_breaking(sources, now)]
    if not breaking:
        return []
    subscribers = [_subscription(row) for row in service.store.alert_subscribers()]
    pairs = []
    for story_id in sorted(breaking):
        detail = story_detail(service, story_id)
        if detail is None:
            continue
        for sub in subscribers:
            if not in_quiet_hours(now, sub.timezone):
                pairs.append((sub, detail.story))
    return pairs
