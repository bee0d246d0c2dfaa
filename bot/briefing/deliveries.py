"""Recording digests and alerts as they are sent: pending → sent, retried, or given up.

Each digest is recorded before it is sent and finished after Telegram accepted it, so a
crash repeats at most the one message in flight; what happens after a failed send is
decided by :func:`bot.briefing.delivery_policy.decide`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.briefing.context import Briefing
from bot.briefing.delivery_policy import SendOutcome, decide
from bot.briefing.digests import DueDigest
from bot.briefing.subscriptions import deactivate
from bot.core.records import Delivery
from bot.core.timeutil import to_iso

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """A delivery under way: the due digest, its pending record and when it began (failed
    sends are dated and retried from then, however long Telegram kept us waiting)."""

    due: DueDigest
    delivery: Delivery
    began: datetime


def begin(service: Briefing, due: DueDigest) -> Attempt:
    """Record the digest as pending (a retry reuses the chat's pending record)."""
    digest = due.digest
    now = service.clock()
    delivery = service.store.begin_delivery(
        due.subscription.chat_id, due.due_at, (digest.since, digest.until), digest.key(), now
    )
    return Attempt(due, delivery, now)


def skip(service: Briefing, attempt: Attempt) -> None:
    """An empty digest the subscriber does not want: done, and the schedule moves on."""
    due = attempt.due
    service.store.finish_delivery(
        attempt.delivery.id,
        due.subscription.chat_id,
        status="skipped",
        now=attempt.began,
        cursor=due.digest.until,
        next_due_at=due.next_due_at,
    )


def chat_migrated(service: Briefing, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: follow it to its new id."""
    log.info("chat %s migrated to %s", old_chat_id, new_chat_id)
    service.store.move_subscriber(old_chat_id, new_chat_id)


def record(service: Briefing, attempt: Attempt, outcome: SendOutcome) -> str:
    """Carry out the policy's decision for a send; return the outcome's name for the counts."""
    due, delivery = attempt.due, attempt.delivery
    store = service.store
    now = attempt.began
    chat_id = outcome.chat_id
    decision = decide(outcome, attempts=delivery.attempts + 1, now=now, due_at=due.due_at)
    if decision.action == "finish":
        store.finish_delivery(
            delivery.id,
            chat_id,
            status="sent",
            now=service.clock(),  # when Telegram accepted it
            cursor=due.digest.until,
            next_due_at=due.next_due_at,
        )
        return "sent"
    if decision.action == "deactivate":
        log.info("chat %s blocked the bot or is gone; unsubscribing it", chat_id)
        deactivate(service, chat_id)
        store.finish_delivery(
            delivery.id,
            chat_id,
            status="blocked",
            now=now,
            cursor=None,
            next_due_at=None,
            error=outcome.error,
        )
        return "blocked"
    if decision.action == "give_up":
        # Give this slot up; the cursor stays, so the next digest carries these stories.
        log.warning(
            "digest to chat %s failed %d times; skipping this one", chat_id, delivery.attempts + 1
        )
        store.finish_delivery(
            delivery.id,
            chat_id,
            status="failed",
            now=now,
            cursor=None,
            next_due_at=None,
            error=outcome.error,
        )
        store.save_subscriber(chat_id, {"next_due_at": due.next_due_at}, now)
        return "failed"
    if decision.action == "retry":
        log.warning("digest to chat %s failed this round (%s); next tick", chat_id, outcome.error)
    else:
        log.warning(
            "digest to chat %s failed (%s); retrying at %s",
            chat_id,
            outcome.error,
            to_iso(decision.retry_at),
        )
    store.postpone_delivery(delivery.id, chat_id, error=outcome.error, retry_at=decision.retry_at)
    return "failed"


def claim_alert(service: Briefing, chat_id: int, story_id: int) -> bool:
    """Mark an alert as sent before sending it, so a crash cannot repeat it; False if this
    chat already had one for the story."""
    return service.store.mark_alert_sent(chat_id, story_id, service.clock())


def alert_migrated(service: Briefing, old_chat_id: int, new_chat_id: int, story_id: int) -> None:
    """The chat of an alert became a supergroup: follow it, and claim the alert there."""
    service.store.move_subscriber(old_chat_id, new_chat_id)
    service.store.mark_alert_sent(new_chat_id, story_id, service.clock())


def alert_outcome(service: Briefing, story_id: int, outcome: SendOutcome) -> None:
    """After an alert's send: a blocked chat is unsubscribed, a failed one may get it later."""
    if outcome.status == "blocked":
        deactivate(service, outcome.chat_id)
    elif outcome.status != "sent":
        service.store.forget_alert(outcome.chat_id, story_id)
