"""Runs the real python-telegram-bot Application against the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import Application

from bot.app.service import Service
from bot.tg.app import build_application


@asynccontextmanager
async def running_bot(service: Service, *, poll_job: bool = False) -> AsyncIterator[Application]:
    """Start the Application with long polling (as `briefbot run` does); stop it cleanly.

    The periodic poll and digest jobs are removed unless ``poll_job``: tests drive cycles and
    digest rounds themselves so that the injected clock, not a timer, decides what is due.
    """
    application = build_application(service)
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    if not poll_job:
        for name in ("poll", "digests"):
            for job in application.job_queue.get_jobs_by_name(name):
                job.schedule_removal()
    await application.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
    )
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
