"""Running the bot with long polling until SIGINT or SIGTERM stops it, one instance per database.

Shutdown order: stop fetching updates, let the running job (a poll cycle or a digest round) finish
for up to ``SHUTDOWN_GRACE`` seconds, then cancel it, stop the Application, close the Bot API and
feed HTTP clients. Cancelling is safe because every database write is synchronous on the event
loop thread and is its own transaction: a task can only be cancelled between transactions, never
inside one. The caller closes the database afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot.app.lock import AlreadyRunning, instance_lock
from bot.app.runtime import open_service
from bot.app.service import Service
from bot.core.config import Settings
from bot.tg.app import build_application
from bot.tg.webhook import WebhookServer

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SHUTDOWN_GRACE = 5.0  # seconds the running job may take after a stop signal (docker stop: 10 s)
POLL_TIMEOUT = 10  # seconds of long polling per getUpdates call
EXIT_OK = 0
EXIT_TOKEN = 2
EXIT_LOCKED = 1

CONFLICT_MESSAGE = (
    "Telegram answered 409 Conflict to getUpdates: another process is polling updates with this "
    "bot token (a second briefbot elsewhere, or a webhook). Retrying with backoff; stop the "
    "other instance."
)


def run(settings: Settings) -> int:
    """Take the instance lock, open the database, serve until a stop signal; return the status.

    The lock comes first, so a second instance refuses before touching (or migrating) the
    database the running one uses.
    """
    try:
        with instance_lock(settings.storage.path), open_service(settings, clients=True) as service:
            service.analyser  # noqa: B018  (an unusable topic or gazetteer stops the start, exit 2)
            return asyncio.run(serve(service))
    except AlreadyRunning as error:
        print(f"briefbot: {error}", file=sys.stderr)
        return EXIT_LOCKED


async def serve(service: Service, stop: asyncio.Event | None = None) -> int:
    """Run the Application until ``stop`` is set or a stop signal arrives; shut down cleanly."""
    stop = stop or asyncio.Event()
    hurry = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s again: stopping now", name)
            hurry.set()
            return
        log.info("%s received: stopping", name)
        stop.set()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    application = build_application(service)
    try:
        delay = 1.0
        while True:
            try:
                await application.initialize()
                break
            except InvalidToken:
                log.error("Telegram rejected the bot token: check it with @BotFather")
                return EXIT_TOKEN
            except (NetworkError, TimedOut) as error:
                # Telegram unreachable (a container whose network is not up yet): keep trying.
                log.warning("cannot reach Telegram (%s); retrying in %.0f s", error, delay)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                    log.info("stopped before Telegram could be reached")
                    return EXIT_OK
                except TimeoutError:
                    delay = min(delay * 2, 60.0)
        try:
            if not stop.is_set():
                await _start(application)
                await stop.wait()
        finally:
            await _shutdown(application, hurry)
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
    log.info("stopped")
    return EXIT_OK


async def _start(application: Application) -> None:
    if application.post_init:
        await application.post_init(application)
    assert application.updater is not None
    telegram = application.bot_data["service"].settings.telegram
    if telegram.mode == "webhook":
        # Telegram posts to webhook_url; its path is served here, and only requests carrying
        # the secret token are accepted (others get 403; a body that is not an update, 400).
        path = urlsplit(telegram.webhook_url).path.strip("/")
        server = WebhookServer(
            application,
            listen=telegram.listen,
            port=telegram.port,
            path=path,
            secret=telegram.secret_token,
        )
        server.start()
        application.bot_data["webhook_server"] = server
        await application.bot.set_webhook(
            url=telegram.webhook_url,
            secret_token=telegram.secret_token,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("webhook server on %s:%s/%s", telegram.listen, telegram.port, path)
    else:
        await application.updater.start_polling(
            timeout=POLL_TIMEOUT,
            allowed_updates=Update.ALL_TYPES,
            error_callback=polling_error,
        )
    await application.start()
    log.info("briefbot is running (Ctrl+C or SIGTERM stops it)")


def polling_error(error: TelegramError) -> None:
    """Report a failed getUpdates; python-telegram-bot retries with backoff (1 s up to 30 s)."""
    if isinstance(error, Conflict):
        log.error(CONFLICT_MESSAGE)
    else:
        log.warning("getUpdates failed (%s: %s); retrying", type(error).__name__, error)


async def _shutdown(application: Application, hurry: asyncio.Event) -> None:
    updater = application.updater
    if updater is not None and updater.running:
        await updater.stop()
    server: WebhookServer | None = application.bot_data.pop("webhook_server", None)
    if server is not None:
        await server.stop()
    if application.running:
        stopping = asyncio.ensure_future(application.stop())
        hurried = asyncio.ensure_future(hurry.wait())
        await asyncio.wait(
            {stopping, hurried}, timeout=SHUTDOWN_GRACE, return_when=asyncio.FIRST_COMPLETED
        )
        hurried.cancel()
        if not stopping.done():
            log.warning(
                "stopping: the running job did not finish within %.0f s; cancelling it "
                "(completed writes are kept, the interrupted one was never begun)",
                SHUTDOWN_GRACE,
            )
            # APScheduler logs a cancelled job with a traceback; here it is expected.
            logging.getLogger("apscheduler.executors.default").setLevel(logging.CRITICAL)
            _cancel_other_tasks(keep={stopping})
            await asyncio.wait({stopping}, timeout=SHUTDOWN_GRACE)
        if application.post_stop:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


def _cancel_other_tasks(keep: set[asyncio.Future]) -> None:
    current = asyncio.current_task()
    for task in asyncio.all_tasks():
        if task is not current and task not in keep:
            task.cancel()
