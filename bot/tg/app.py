"""Builds the python-telegram-bot Application: handlers, defaults, error handler, commands."""

from __future__ import annotations

import logging
from collections import deque

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.app.service import Service
from bot.core.i18n import DEFAULT, LANGUAGES, translator
from bot.core.tls import client_context
from bot.storage.db import is_disk_full
from bot.tg import admin, handlers, jobs, subscribe
from bot.tg.commands import BY_NAME, COMMANDS, commands_for
from bot.tg.context import tr_of
from bot.tg.fairness import FairUpdateProcessor
from bot.tg.guard import guarded

log = logging.getLogger(__name__)


def file_base_url(base_url: str) -> str:
    """Derive the file download URL from the API base URL (``…/bot`` → ``…/file/bot``)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url


# Updates handled at once (from different senders): handlers wait mostly on the Bot API.
UPDATES_AT_ONCE = 16


def build_application(service: Service) -> Application:
    """Create the Application for ``service``; honours ``[telegram] base_url`` when set."""
    settings = service.settings.telegram
    tls = {"verify": client_context()}
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        # Evenly spaced sends at 28 a second: Telegram counts 30 per sliding second, and the
        # default limiter's initial burst of 30 earned thousands of 429s in the fan-out bench.
        .rate_limiter(AIORateLimiter(max_retries=3, overall_max_rate=1, overall_time_period=1 / 28))
        # One TLS context for both Bot API clients (and the fetcher): see bot/core/tls.py.
        .request(HTTPXRequest(connection_pool_size=256, httpx_kwargs=tls))
        .get_updates_request(HTTPXRequest(connection_pool_size=1, httpx_kwargs=tls))
        .post_init(_post_init)
        .post_shutdown(jobs.stop_jobs)
        # Several users at once, each user's updates in order (bot/tg/fairness.py).
        .concurrent_updates(FairUpdateProcessor(UPDATES_AT_ONCE))
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url).base_file_url(
            file_base_url(settings.base_url)
        )
    application = builder.build()
    application.bot_data["service"] = service
    application.bot_data["callback_handlers"] = {**subscribe.CALLBACKS, **admin.CALLBACKS}
    for spec in COMMANDS:
        application.add_handler(CommandHandler(spec.name, guarded(spec)))
    application.add_handler(
        MessageHandler(
            filters.Regex(r"^/story_\d+(@\w+)?$"), guarded(BY_NAME["story"], handlers.story_link)
        )
    )
    application.add_handler(CallbackQueryHandler(handlers.on_callback))
    # Plain text is a question (in groups when it names the bot or replies to it).
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, handlers.question
        )
    )
    application.add_handler(MessageHandler(filters.COMMAND, handlers.unknown))
    application.add_error_handler(_log_error)
    return application


async def _post_init(application: Application) -> None:
    """Start the jobs and publish the command list; a failure there never stops the bot."""
    await jobs.start_jobs(application)
    for lang in LANGUAGES:
        tr = translator(lang)
        commands = [BotCommand(spec.name, tr(spec.help_key)) for spec in commands_for(False)]
        try:
            # English is the default menu; Ukrainian clients get theirs.
            await application.bot.set_my_commands(
                commands, language_code=None if lang == DEFAULT else lang
            )
        except TelegramError as error:
            log.warning("could not publish the %s command list (setMyCommands): %s", lang, error)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every error raised in a handler or job, traceback first (a full disk in one line:
    nothing in the code is wrong, and it would repeat at every write)."""
    if context.error is not None and is_disk_full(context.error):
        log.error("the disk holding the database is full: %s", context.error)
    else:
        log.error("error while handling an update", exc_info=context.error)
    # The latest errors, for /stats-style inspection and tests; bounded so memory stays flat.
    context.application.bot_data.setdefault("errors", deque(maxlen=50)).append(context.error)
    if isinstance(update, Update):
        log.error("the update was %s", update.update_id)
        if not _telegram_unreachable(context.error):
            await _say_it_failed(update, context)


def _telegram_unreachable(error: BaseException | None) -> bool:
    """Whether Telegram itself failed (timeout, network, flood control, blocked by the user):
    an apology would most likely fail too, after its own retries, holding up other updates.
    A BadRequest ("can't parse entities", "message is too long") is our mistake: apologise."""
    if isinstance(error, RetryAfter | Forbidden):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def _say_it_failed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the user their request failed, so a crash never looks like a bot that ignores them."""
    try:
        tr = tr_of(update, context)
    except Exception:  # the store itself may be what failed
        tr = translator(None)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(tr("failed"), show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(tr("failed"))
    except TelegramError as error:
        log.warning("could not tell the user that their request failed: %s", error)
