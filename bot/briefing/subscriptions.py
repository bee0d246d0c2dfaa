"""Subscribing a chat to the daily digest and changing when and how it arrives."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from bot.briefing.context import Briefing
from bot.briefing.duetime import DAILY, next_due
from bot.core.records import Subscription

__all__ = [
    "FIRST_DIGEST_LOOKBACK",
    "Subscription",
    "deactivate",
    "get_subscription",
    "subscribe",
    "unsubscribe",
    "update_settings",
]

FIRST_DIGEST_LOOKBACK = timedelta(hours=24)


def get_subscription(service: Briefing, chat_id: int) -> Subscription | None:
    """The chat's subscription, active or not."""
    return service.store.get_subscriber(chat_id)


def subscribe(
    service: Briefing,
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
    cursor = existing.cursor if active and existing else now - FIRST_DIGEST_LOOKBACK
    return service.store.save_subscriber(
        chat_id,
        {
            "chat_type": chat_type,
            "title": title,
            "at": at,
            "timezone": zone,
            "days": days,
            "language": language,
            "active": True,
            "next_due_at": next_due(now, at, zone, days),
            "cursor": cursor,
        },
        now,
    )


def unsubscribe(service: Briefing, chat_id: int) -> bool:
    """Stop digests for a chat; False if it was not subscribed."""
    existing = get_subscription(service, chat_id)
    if existing is None or not existing.active:
        return False
    service.store.save_subscriber(chat_id, {"active": False}, service.clock())
    return True


def deactivate(service: Briefing, chat_id: int) -> None:
    """The chat blocked or removed the bot: stop sending to it."""
    service.store.save_subscriber(chat_id, {"active": False}, service.clock())


def update_settings(service: Briefing, chat_id: int, **changes: Any) -> Subscription:
    """Change at/timezone/days/alerts/skip_empty/weekly_chart; the next due time follows."""
    current = get_subscription(service, chat_id)
    if current is None:
        raise LookupError("not subscribed")
    at = changes.get("at", current.at)
    zone = changes.get("timezone", current.timezone)
    days = changes.get("days", current.days)
    fields: dict[str, Any] = {
        "at": at,
        "timezone": zone,
        "days": days,
        "next_due_at": next_due(service.clock(), at, zone, days),
    }
    for key in ("alerts", "skip_empty", "weekly_chart"):
        if key in changes:
            fields[key] = bool(changes[key])
    return service.store.save_subscriber(chat_id, fields, service.clock())
