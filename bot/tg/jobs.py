"""JobQueue jobs: the poll tick. Schedules live in the database; jobs only look at what is due."""

from __future__ import annotations

import logging
from typing import cast

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.app.service import Service
from bot.briefing import chat_state
from bot.core.i18n import translator
from bot.ingest.cycle import FeedNotice
from bot.ingest.fetch import Fetcher
from bot.storage.db import DiskFull
from bot.tg import delivery

log = logging.getLogger(__name__)

POLL_TICK_SECONDS = 30
DIGEST_TICK_SECONDS = 30


def service_of(application: Application) -> Service:
    return cast(Service, application.bot_data["service"])


async def start_jobs(application: Application) -> None:
    """Create the shared fetcher and schedule the poll tick (first run right away)."""
    service = service_of(application)
    application.bot_data["fetcher"] = Fetcher.from_settings(service.settings.feeds)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            poll_tick, interval=POLL_TICK_SECONDS, first=1, name="poll"
        )
        application.job_queue.run_repeating(
            digest_tick, interval=DIGEST_TICK_SECONDS, first=5, name="digests"
        )


async def stop_jobs(application: Application) -> None:
    """Close the shared fetcher."""
    fetcher: Fetcher | None = application.bot_data.pop("fetcher", None)
    if fetcher is not None:
        await fetcher.aclose()


async def poll_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: one poll cycle."""
    await poll_and_notify(context.application)


async def poll_and_notify(application: Application) -> None:
    """Poll the feeds that are due and tell admins about feeds that failed or recovered."""
    service = service_of(application)
    fetcher: Fetcher = application.bot_data["fetcher"]
    try:
        report = await service.ingestor(fetcher).run_cycle()
    except DiskFull as error:
        # Not the feeds' fault, and chat keeps working (reading needs no space): say it once
        # a cycle, without a traceback, and try again at the next one.
        log.error("%s; the poll cycle stopped and runs again at the next tick", error)
        return
    if report.outcomes:
        log.info("poll cycle: %s", report.summary())
        service.record_poll_cycle(report.summary())
    for notice in report.notices:
        await notify_admins(application, notice)
    # Every tick, not only after new items of this cycle: reports stored by /addfeed or by the
    # CLI's fetch beside the bot count too (an alert is claimed once, so never twice).
    await delivery.send_breaking_alerts(application)


async def digest_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: send the digests that are due (schedules live in the database)."""
    await delivery.deliver_due_digests(context.application)


async def notify_admins(application: Application, notice: FeedNotice) -> None:
    """Send a plain-text notice to every admin in their language; failures are only logged."""
    service = service_of(application)
    for admin_id in sorted(service.admin_ids()):
        tr = translator(chat_state.language_of(service, admin_id))
        if notice.kind == "recovered":
            text = tr("notice.recovered", feed=notice.feed)
        else:
            text = tr(
                "notice.failing", feed=notice.feed, attempts=notice.attempts, error=notice.error
            )
        try:
            await application.bot.send_message(admin_id, text, parse_mode=None)
        except TelegramError as error:
            log.warning("could not notify admin %s: %s", admin_id, error)
