"""Sending to many chats: rate limits, retries, blocked chats, migrated groups, digests, alerts."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.app.service import Service
from bot.briefing import deliveries, digests
from bot.briefing.delivery_policy import SendOutcome
from bot.core.i18n import Translator, translator
from bot.tg import render

log = logging.getLogger(__name__)

# Retries for network errors and 5xx within one round; the next tick tries again after that.
NETWORK_RETRIES = 3
NETWORK_BACKOFF = 1.0
FAN_OUT = 32  # concurrent sends; the rate limiter keeps them within Telegram's limits


async def send_parts(bot: Bot, chat_id: int, parts: list[str]) -> SendOutcome:
    """Send message parts in order, with retries; never raises for Telegram trouble."""
    for part in parts:
        outcome = await _send_one(bot, chat_id, part)
        if outcome.status != "sent":
            return outcome
    return SendOutcome("sent", chat_id)


async def _send_one(bot: Bot, chat_id: int, text: str) -> SendOutcome:
    plain_fallback = False
    for attempt in range(NETWORK_RETRIES + 1):
        try:
            if plain_fallback:
                # Plain text, in pieces that fit even if Telegram counted the HTML as too long.
                for piece in render.split_message([render.plain_text(text)]):
                    await bot.send_message(chat_id, piece, parse_mode=None)
            else:
                await bot.send_message(chat_id, text)
            return SendOutcome("sent", chat_id)
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            log.info("chat %s: flood limit, waiting %.0f s", chat_id, seconds)
            await asyncio.sleep(seconds)
        except ChatMigrated as error:
            return SendOutcome("migrated", chat_id, new_chat_id=error.new_chat_id)
        except Forbidden as error:
            return SendOutcome("blocked", chat_id, error=str(error))
        except BadRequest as error:
            message = str(error).lower()
            if "chat not found" in message or "chat_id is empty" in message:
                return SendOutcome("blocked", chat_id, error=str(error))
            refused = "can't parse entities" in message or "message is too long" in message
            if refused and not plain_fallback:
                log.warning("chat %s: HTML refused (%s); sending plain text", chat_id, error)
                plain_fallback = True
                continue
            return SendOutcome("failed", chat_id, error=str(error))
        except (TimedOut, NetworkError) as error:
            if attempt == NETWORK_RETRIES:
                return SendOutcome("failed", chat_id, error=str(error), transient=True)
            await asyncio.sleep(NETWORK_BACKOFF * 2**attempt)
        except TelegramError as error:
            return SendOutcome("failed", chat_id, error=str(error))
    return SendOutcome("failed", chat_id, error="gave up after retries")


def service_of(application: Application) -> Service:
    return cast(Service, application.bot_data["service"])


async def deliver_due_digests(application: Application) -> dict[str, int]:
    """Send every due digest once; returns counts per outcome (sent, skipped, blocked, failed)."""
    service = service_of(application)
    bodies: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    limiter = asyncio.Semaphore(FAN_OUT)
    done: set[int] = set()

    async def deliver(item: digests.DueDigest) -> None:
        async with limiter:
            status = await _deliver_one(application, service, item, bodies)
        counts[status] = counts.get(status, 0) + 1

    # Subscribers are read in batches; keep going while a full batch came back, so 10,000
    # chats due at 08:00 are served in one round rather than 1,000 per tick.
    while True:
        batch = digests.due_digests(service)
        due = [item for item in batch if item.subscription.chat_id not in done]
        if not due:
            break
        await asyncio.gather(*(deliver(item) for item in due))
        done.update(item.subscription.chat_id for item in due)
        if len(batch) < digests.DUE_BATCH:
            break
    if done:
        log.info("digests: %s", counts)
    return counts


async def _deliver_one(
    application: Application,
    service: Service,
    item: digests.DueDigest,
    bodies: dict[str, list[str]],
) -> str:
    sub, digest = item.subscription, item.digest
    attempt = deliveries.begin(service, item)
    if digest.is_empty() and sub.skip_empty:
        deliveries.skip(service, attempt)
        return "skipped"
    tr = translator(sub.language)
    key = f"{digest.key()}:{tr.lang}"
    if key not in bodies:
        bodies[key] = render.digest_body(tr, digest)
    local_day = _local_day(service.clock(), sub.timezone)
    parts = render.split_message([render.digest_header(tr, local_day), *bodies[key]])
    outcome = await send_parts(application.bot, sub.chat_id, parts)
    if outcome.status == "migrated" and outcome.new_chat_id:
        deliveries.chat_migrated(service, sub.chat_id, outcome.new_chat_id)
        outcome = await send_parts(application.bot, outcome.new_chat_id, parts)
    if outcome.status == "sent" and sub.weekly_chart and local_day.weekday() == 0:
        await _send_week_chart(application, service, outcome.chat_id, tr)
    return deliveries.record(service, attempt, outcome)


async def _send_week_chart(
    application: Application, service: Service, chat_id: int, tr: Translator
) -> None:
    """Monday's digest carries the last week's chart when the subscriber asked for it.

    Best effort: without matplotlib, or if Telegram refuses the photo, the digest stands alone.
    """
    from bot.briefing import chart_drawing as charts
    from bot.tg.chart import caption, draw, read_chart_data

    if not charts.available():
        return
    data = await read_chart_data(service, 7)
    if not data.total_reports:
        return
    try:
        png = await asyncio.to_thread(draw, data, tr)
        await application.bot.send_photo(
            chat_id, photo=png, caption=caption(data, tr), filename="week.png"
        )
    except (TelegramError, ValueError, RuntimeError) as error:
        log.warning("weekly chart for chat %s not sent: %s", chat_id, error)


def _local_day(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


async def send_breaking_alerts(application: Application) -> int:
    """Send each breaking story once to subscribers with alerts on (not at night)."""
    service = service_of(application)
    sent = 0
    for alert in digests.breaking_alerts(service):
        sub, story = alert.subscription, alert.story
        if not deliveries.claim_alert(service, sub.chat_id, story.id):
            continue
        parts = [render.alert_text(translator(sub.language), story, alert.sources_in_window)]
        outcome = await send_parts(application.bot, sub.chat_id, parts)
        if outcome.status == "migrated" and outcome.new_chat_id:
            deliveries.alert_migrated(service, sub.chat_id, outcome.new_chat_id, story.id)
            outcome = await send_parts(application.bot, outcome.new_chat_id, parts)
        deliveries.alert_outcome(service, story.id, outcome)
        sent += outcome.status == "sent"
    return sent
