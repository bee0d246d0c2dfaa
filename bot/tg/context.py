"""What every handler shares: the service and language of an update, replies, usage errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.app.service import Service
from bot.briefing import chat_state
from bot.core.i18n import Translator, choose_language, translator
from bot.core.integers import whole
from bot.tg import render
from bot.tg.flood import FloodGate

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


class Usage(Exception):
    """Bad arguments: answered with the command's usage line (``problem`` is a message key)."""

    def __init__(self, problem: str | None = None, **values: object) -> None:
        super().__init__(problem)
        self.problem = problem
        self.values = values


def tr_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The language to answer in: the user's /language choice, else their Telegram language."""
    user = update.effective_user
    if user is None:
        return translator(None)
    service = service_of(context)
    return translator(choose_language(chat_state.language_of(service, user.id), user.language_code))


def service_of(context: ContextTypes.DEFAULT_TYPE) -> Service:
    """The Service the application was built with."""
    return context.application.bot_data["service"]


def flood_gate(context: ContextTypes.DEFAULT_TYPE) -> FloodGate:
    return context.application.bot_data.setdefault("flood", FloodGate())


async def reply(
    update: Update,
    blocks: Sequence[str],
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send blocks as one or more messages (split at block boundaries); markup on the last."""
    messages = render.split_message(blocks)
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        await update.effective_message.reply_text(text, reply_markup=markup if last else None)


def anonymous_admin(update: Update) -> bool:
    """A group admin posting anonymously: Telegram sends it as the group itself."""
    message = update.effective_message
    chat = update.effective_chat
    return bool(message and chat and message.sender_chat and message.sender_chat.id == chat.id)


# --- argument helpers ---------------------------------------------------------------------------


def int_arg(args: Sequence[str], *, default: int, low: int, high: int, what: str) -> int:
    """The first argument as a whole number in [low, high], or the default when absent."""
    if not args:
        return default
    value = whole(args[0]) if len(args) == 1 else None
    if value is None:
        raise Usage("arg.whole", what=what)
    if not low <= value <= high:
        raise Usage("arg.range", what=what, low=low, high=high)
    return value


def parse_days(args: Sequence[str], default: int | None = 30) -> int | None:
    """``all`` → None (everything), a number of days, or the default."""
    if args and len(args) == 1 and args[0].lower() == "all":
        return None
    return int_arg(args, default=default or 30, low=1, high=3650, what="word.days")
