"""What every handler shares: the service and language of an update, replies, usage errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, cast

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import ContextTypes

from bot.app.service import Service
from bot.briefing import chat_state
from bot.core.i18n import Translator, choose_language, translator
from bot.core.integers import whole
from bot.tg import render
from bot.tg.flood import FloodGate

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


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
    return cast(Service, context.application.bot_data["service"])


def flood_gate(context: ContextTypes.DEFAULT_TYPE) -> FloodGate:
    """The per-user flood limiter of this application."""
    return cast(FloodGate, context.application.bot_data.setdefault("flood", FloodGate()))


class MissingPart(Exception):
    """An update lacks the message, user, chat or button its handler needs (never for a
    command the guard let through: those always have them)."""


def message_of(update: Update) -> Message:
    """The update's message (a command's, or the one a button sits on)."""
    if update.effective_message is None:
        raise MissingPart("message")
    return update.effective_message


def user_of(update: Update) -> User:
    """Who sent the update."""
    if update.effective_user is None:
        raise MissingPart("user")
    return update.effective_user


def chat_of(update: Update) -> Chat:
    """The chat the update came from."""
    if update.effective_chat is None:
        raise MissingPart("chat")
    return update.effective_chat


def query_of(update: Update) -> CallbackQuery:
    """The pressed button of a callback update."""
    if update.callback_query is None:
        raise MissingPart("callback query")
    return update.callback_query


def chat_data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    """What the bot remembers for this chat between two steps of a dialogue (in memory)."""
    if context.chat_data is None:
        raise MissingPart("chat data")
    return context.chat_data


def args_of(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    """The command's arguments (none for a button or a plain message)."""
    return list(context.args or [])


async def reply(
    update: Update,
    blocks: Sequence[str],
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send blocks as one or more messages (split at block boundaries); markup on the last."""
    messages = render.split_message(blocks)
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        await message_of(update).reply_text(text, reply_markup=markup if last else None)


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
    if value is None and len(args) == 1 and args[0].isascii() and args[0].strip().isdigit():
        raise Usage("arg.range", what=what, low=low, high=high)  # a whole number, only too big
    if value is None:
        raise Usage("arg.whole", what=what)
    if not low <= value <= high:
        raise Usage("arg.range", what=what, low=low, high=high)
    return value


def parse_days(args: Sequence[str], default: int | None = 30) -> int | None:
    """``all`` → None (everything), a number of days, or the default."""
    if args and len(args) == 1 and args[0].lower() == "all":
        return None
    return int_arg(args, default=default or 30, low=1, high=3650, what="subject.days")
