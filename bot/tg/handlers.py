"""Thin command handlers: parse arguments, call the service, render, reply."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Awaitable, Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.app.service import Service
from bot.briefing import reading as briefing
from bot.core.i18n import LANGUAGES, Translator, choose_language, translator
from bot.core.integers import whole
from bot.tg import callbacks, render
from bot.tg.commands import BY_NAME, commands_for
from bot.tg.flood import FloodGate

log = logging.getLogger(__name__)

TIMELINE_PAGE = 8
SEARCH_PAGE = 5

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
    return translator(choose_language(service.store.language_of(user.id), user.language_code))


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


def _anonymous_admin(update: Update) -> bool:
    """A group admin posting anonymously: Telegram sends it as the group itself."""
    message = update.effective_message
    chat = update.effective_chat
    return bool(message and chat and message.sender_chat and message.sender_chat.id == chat.id)


def command(name: str) -> Callable[[Handler], Handler]:
    """Wrap a handler: ignore bots, flood control, admin gating, usage on bad arguments."""
    spec = BY_NAME[name]

    def decorate(func: Handler) -> Handler:
        @functools.wraps(func)
        async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            user = update.effective_user
            message = update.effective_message
            if message is None or user is None:
                return
            if user.is_bot and not _anonymous_admin(update):
                return
            service = service_of(context)
            tr = tr_of(update, context)
            admin = service.is_admin(user.id)
            if not admin:
                verdict = flood_gate(context).check(user.id, service.clock())
                if verdict == "drop":
                    return
                if verdict == "warn":
                    log.warning("user %s is flooding; ignoring for a minute", user.id)
                    await update.effective_message.reply_text(tr("slow_down"))
                    return
            if spec.admin_only and not admin:
                log.warning("user %s tried admin command /%s", user.id, name)
                await update.effective_message.reply_text(tr("admin_only", command=name))
                return
            try:
                await func(update, context)
            except Usage as usage:
                problem = None
                if usage.problem:
                    values = {k: tr(v) if k == "what" else v for k, v in usage.values.items()}
                    problem = tr(usage.problem, **values)
                await update.effective_message.reply_text(render.usage_text(tr, spec, problem))

        return wrapper

    return decorate


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


# --- everyone -----------------------------------------------------------------------------------


@command("start")
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: what the bot does, with a subscribe button."""
    user = update.effective_user
    tr = tr_of(update, context)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(tr("start.button"), callback_data="sub")]])
    await update.effective_message.reply_text(
        render.start_text(tr, user.first_name if user else None), reply_markup=markup
    )


@command("help")
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands this user may use."""
    is_admin = service_of(context).is_admin(update.effective_user.id)
    tr = tr_of(update, context)
    await update.effective_message.reply_text(
        render.help_text(tr, commands_for(is_admin), is_admin)
    )


@command("latest")
async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/latest [n]."""
    count = int_arg(context.args, default=5, low=1, high=20, what="word.n")
    stories = briefing.latest(service_of(context), count)
    await reply(update, render.latest_blocks(tr_of(update, context), stories))


def parse_days(args: Sequence[str], default: int | None = 30) -> int | None:
    """``all`` → None (everything), a number of days, or the default."""
    if args and len(args) == 1 and args[0].lower() == "all":
        return None
    return int_arg(args, default=default or 30, low=1, high=3650, what="word.days")


def pager(
    tr: Translator, kind: str, key: object, page: int, pages: int, *, back: str, forward: str
) -> InlineKeyboardMarkup | None:
    """Back/forward buttons for a paged reply (none on a single page)."""
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(tr(back), callback_data=callbacks.encode(kind, key, page - 1))
        )
    if page < pages - 1:
        buttons.append(
            InlineKeyboardButton(tr(forward), callback_data=callbacks.encode(kind, key, page + 1))
        )
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def timeline_page(
    service: Service, tr: Translator, days: int | None, page: int
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """One page of the timeline and its Newer/Older buttons."""
    found = await briefing.timeline_page_async(
        service, days=days, page=page, per_page=TIMELINE_PAGE
    )
    page, pages = found.page, found.pages
    blocks = render.timeline_blocks(tr, found.entries, days=days, page=page, pages=pages)
    key = "a" if days is None else str(days)
    markup = pager(tr, "tl", key, page, pages, back="button.newer", forward="button.older")
    return blocks, markup


@command("timeline")
async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timeline [days|all]."""
    days = parse_days(context.args)
    blocks, markup = await timeline_page(service_of(context), tr_of(update, context), days, 0)
    await reply(update, blocks, markup)


@command("actors")
async def actors(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/actors [days]."""
    days = int_arg(context.args, default=7, low=1, high=365, what="word.days")
    stats = briefing.actor_stats(service_of(context), days=days)[:15]
    await reply(update, render.actors_blocks(tr_of(update, context), stats, days))


@command("actor")
async def actor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/actor NAME."""
    query = " ".join(context.args).strip()
    if not query:
        raise Usage("arg.name")
    if len(query) > 80:
        raise Usage("arg.name_long")
    tr = tr_of(update, context)
    profile = briefing.actor_profile(service_of(context), query)
    if profile is None:
        await update.effective_message.reply_text(tr("actor.none", query=render.escape(query)))
        return
    await reply(update, render.actor_blocks(tr, profile))


async def send_story(update: Update, context: ContextTypes.DEFAULT_TYPE, story_id: int) -> None:
    tr = tr_of(update, context)
    detail = briefing.story_detail(service_of(context), story_id)
    if detail is None:
        await update.effective_message.reply_text(tr("story.none", id=story_id))
        return
    await reply(update, render.story_blocks(tr, detail))


@command("story")
async def story(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/story ID."""
    story_id = whole(context.args[0]) if len(context.args) == 1 else None
    if story_id is None:
        raise Usage("arg.story")
    await send_story(update, context, story_id)


@command("story")
async def story_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/story_ID, the clickable form used in lists."""
    text = (update.effective_message.text or "").strip()
    command_word, _, addressee = text.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in this group
    number = command_word.removeprefix("/story_")
    story_id = whole(number)
    if story_id is None:
        raise Usage("arg.story")
    await send_story(update, context, story_id)


def search_page(
    service: Service, tr: Translator, query_id: int, words: list[str], page: int
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """One page of search results and its buttons."""
    result = briefing.search(service, words, page=page, per_page=SEARCH_PAGE)
    pages = max(1, math.ceil(result.total / SEARCH_PAGE))
    blocks = render.search_blocks(tr, words, result, page, pages)
    markup = pager(tr, "sr", query_id, page, pages, back="button.better", forward="button.more")
    return blocks, markup


@command("search")
async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/search WORDS."""
    words = [w for w in (a.strip("\"'*()^:") for a in context.args) if w][:8]
    if not words:
        raise Usage("arg.words")
    if any(len(word) > 60 for word in words):
        raise Usage("arg.words_long")
    service = service_of(context)
    query_id = service.store.save_search_query(words, service.clock())
    blocks, markup = search_page(service, tr_of(update, context), query_id, words, 0)
    await reply(update, blocks, markup)


@command("upcoming")
async def upcoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/upcoming."""
    events = briefing.upcoming(service_of(context))[:20]
    await reply(update, render.upcoming_blocks(tr_of(update, context), events))


@command("sources")
async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources."""
    feeds = service_of(context).store.list_feeds()
    await reply(update, render.sources_blocks(tr_of(update, context), feeds))


# --- buttons and the rest -----------------------------------------------------------------------


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline buttons: timeline and search paging; anything else gets a short answer."""
    query = update.callback_query
    if query is None:
        return
    parsed = callbacks.decode(query.data)
    service = service_of(context)
    tr = tr_of(update, context)
    try:
        if parsed is None:
            await query.answer(tr("expired"))
            return
        if parsed.kind == "tl":
            days_key, page = parsed.args
            days = None if days_key == "a" else int(days_key)
            blocks, markup = await timeline_page(service, tr, days, int(page))
        elif parsed.kind == "sr":
            query_id, page = int(parsed.args[0]), int(parsed.args[1])
            words = service.store.search_query(query_id)
            if words is None:
                await query.answer(tr("search.expired"))
                return
            blocks, markup = search_page(service, tr, query_id, words, page)
        else:
            handler = context.application.bot_data.get("callback_handlers", {}).get(parsed.kind)
            if handler is None:
                await query.answer(tr("expired"))
                return
            await handler(update, context, parsed)
            return
        await query.answer()
        text = render.split_message(blocks)[0]
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            log.warning("button answer failed: %s", error)
    except TelegramError as error:
        log.warning("button answer failed: %s", error)


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unknown commands get a hint; in groups only when addressed to this bot."""
    message = update.effective_message
    if (
        message is None
        or not message.text
        or (update.effective_user and update.effective_user.is_bot)
    ):
        return
    command_word = message.text.split()[0]
    if "@" in command_word:
        if command_word.split("@", 1)[1].lower() != (context.bot.username or "").lower():
            return
    elif message.chat.type != "private":
        return
    command = render.escape(command_word.split("@")[0], 40)
    await message.reply_text(tr_of(update, context)("unknown", command=command))


@command("language")
async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language [en|uk]: show or change the language of the bot's replies."""
    if not context.args:
        await update.effective_message.reply_text(tr_of(update, context)("language.current"))
        return
    choice = context.args[0].lower()
    if len(context.args) != 1 or choice not in LANGUAGES:
        raise Usage("arg.language")
    service_of(context).store.set_language(update.effective_user.id, choice)
    await update.effective_message.reply_text(translator(choice)("language.set"))
