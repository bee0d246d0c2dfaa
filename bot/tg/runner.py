"""Running the bot with long polling until a signal stops it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import InvalidToken

from bot.service import Service
from bot.tg.app import build_application

log = logging.getLogger(__name__)


def run_polling(service: Service) -> int:
    """Start long polling; return the process exit status."""
    application = build_application(service)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
    except InvalidToken:
        log.error("Telegram rejected the bot token: check it with @BotFather")
        return 2
    return 0
