"""Sending to many chats: rate limits, retries, blocked chats, migrated groups, digests, alerts."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from bot.briefing import digests
from bot.core.i18n import Translator, translator
from bot.core.timeutil import to_iso
from bot.tg import render

log = logging.getLogger(__name__)

# Retries for network errors and 5xx within one round; the next tick tries again after that.
NETWORK_RETRIES = 3
NETWORK_BACKOFF = 1.0
FAN_OUT = 32  # concurrent sends; the rate limiter keeps them within Telegram's limits
# A digest Telegram keeps refusing is retried after 5, 10, 20, 40 minutes, then skipped.
MAX_ATTEMPTS = 5
RETRY_MINUTES = 5
# Network errors and 5xx are retried at every tick (30 s) for about ten minutes first.
MAX_TRANSIENT_ATTEMPTS = 20


@dataclass(frozen=True)
class SendOutcome:
    """How sending one message (or a few parts) to one chat ended."""

    status: str  # "sent" | "blocked" | "migrated" | "failed"
    chat_id: int
    new_chat_id: int | None = None
    error: str | None = None
    transient: bool = False  # network trouble or a server error: worth trying at the next tick


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
    return application.bot_data["service"]


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
    store = service.store
    now = service.clock()
    cursor = to_iso(digest.until)
    next_due = to_iso(item.next_due_at)
    delivery = store.begin_delivery(
        sub.chat_id,
        to_iso(item.due_at) or "",
        (to_iso(digest.since), cursor or ""),
        digest.key(),
        now,
    )
    if digest.is_empty() and sub.skip_empty:
        store.finish_delivery(
            delivery, sub.chat_id, status="skipped", now=now, cursor=cursor, next_due_at=next_due
        )
        return "skipped"
    tr = translator(sub.language)
    key = f"{digest.key()}:{tr.lang}"
    if key not in bodies:
        bodies[key] = render.digest_body(tr, digest)
    local_day = _local_day(now, sub.timezone)
    parts = render.split_message([render.digest_header(tr, local_day), *bodies[key]])
    outcome = await send_parts(application.bot, sub.chat_id, parts)
    if outcome.status == "migrated" and outcome.new_chat_id:
        log.info("chat %s migrated to %s", sub.chat_id, outcome.new_chat_id)
        store.move_subscriber(sub.chat_id, outcome.new_chat_id)
        outcome = await send_parts(application.bot, outcome.new_chat_id, parts)
    chat_id = outcome.chat_id
    if outcome.status == "sent" and sub.weekly_chart and local_day.weekday() == 0:
        await _send_week_chart(application, service, outcome.chat_id, tr)
    if outcome.status == "sent":
        store.finish_delivery(
            delivery,
            chat_id,
            status="sent",
            now=service.clock(),
            cursor=cursor,
            next_due_at=next_due,
        )
        return "sent"
    if outcome.status == "blocked":
        log.info("chat %s blocked the bot or is gone; unsubscribing it", chat_id)
        digests.deactivate(service, chat_id)
        store.finish_delivery(
            delivery,
            chat_id,
            status="blocked",
            now=now,
            cursor=None,
            next_due_at=None,
            error=outcome.error,
        )
        return "blocked"
    attempts = store.delivery_attempts(delivery) + 1
    if outcome.transient and attempts < MAX_TRANSIENT_ATTEMPTS:
        log.warning("digest to chat %s failed this round (%s); next tick", chat_id, outcome.error)
        store.postpone_delivery(
            delivery, chat_id, error=outcome.error, retry_at=to_iso(item.due_at)
        )
        return "failed"
    if attempts >= MAX_ATTEMPTS:
        # Give this slot up; the cursor stays, so the next digest carries these stories.
        log.warning("digest to chat %s failed %d times; skipping this one", chat_id, attempts)
        store.finish_delivery(
            delivery,
            chat_id,
            status="failed",
            now=now,
            cursor=None,
            next_due_at=None,
            error=outcome.error,
        )
        store.save_subscriber(chat_id, {"next_due_at": next_due}, now)
        return "failed"
    retry_at = now + timedelta(minutes=RETRY_MINUTES * 2 ** (attempts - 1))
    log.warning(
        "digest to chat %s failed (%s); retrying at %s", chat_id, outcome.error, to_iso(retry_at)
    )
    store.postpone_delivery(delivery, chat_id, error=outcome.error, retry_at=to_iso(retry_at))
    return "failed"


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
        png = await asyncio.to_thread(draw, data)
        await application.bot.send_photo(
            chat_id, photo=png, caption=caption(data, tr), filename="week.png"
        )
    except (TelegramError, ValueError, RuntimeError) as error:
        log.warning("weekly chart for chat %s not sent: %s", chat_id, error)


def _local_day(now: datetime, zone: str):
    return now.astimezone(ZoneInfo(zone)).date()


async def send_breaking_alerts(application: Application) -> int:
    """Send each breaking story once to subscribers with alerts on (not at night)."""
    service = service_of(application)
    sent = 0
    for sub, story in digests.breaking_alerts(service):
        # Marked first so a crash during the send cannot repeat it; unmarked again on failure.
        if not service.store.mark_alert_sent(sub.chat_id, story.id, service.clock()):
            continue
        parts = [render.alert_text(translator(sub.language), story)]
        outcome = await send_parts(application.bot, sub.chat_id, parts)
        if outcome.status == "migrated" and outcome.new_chat_id:
            service.store.move_subscriber(sub.chat_id, outcome.new_chat_id)
            service.store.mark_alert_sent(outcome.new_chat_id, story.id, service.clock())
            outcome = await send_parts(application.bot, outcome.new_chat_id, parts)
        if outcome.status == "blocked":
            digests.deactivate(service, outcome.chat_id)
        elif outcome.status != "sent":
            service.store.forget_alert(outcome.chat_id, story.id)
        sent += outcome.status == "sent"
    return sent
