"""Thin command handlers: parse arguments, call the service, render, reply."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.analysis.actors import MIN_QUERY_LETTERS
from bot.analysis.questions import clean_text
from bot.app.service import Service
from bot.briefing import ask, chat_state, reading
from bot.core.i18n import LANGUAGES, Translator, language_choices, language_name, translator
from bot.core.integers import whole
from bot.tg import callbacks, render
from bot.tg.context import (
    Usage,
    args_of,
    chat_of,
    int_arg,
    message_of,
    parse_days,
    reply,
    service_of,
    tr_of,
    user_of,
)
from bot.tg.guard import flood_verdict

log = logging.getLogger(__name__)

TIMELINE_PAGE = 8
SEARCH_PAGE = 5

# --- everyone -----------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: what the bot does, with a subscribe button."""
    user = update.effective_user
    tr = tr_of(update, context)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(tr("start.button"), callback_data="sub")]])
    await message_of(update).reply_text(
        render.start_text(tr, user.first_name if user else None), reply_markup=markup
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands this user may use."""
    from bot.tg.commands import commands_for

    is_admin = service_of(context).is_admin(user_of(update).id)
    tr = tr_of(update, context)
    await message_of(update).reply_text(render.help_text(tr, commands_for(is_admin), is_admin))


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/latest [n]."""
    count = int_arg(args_of(context), default=5, low=1, high=20, what="subject.n")
    stories = reading.latest(service_of(context), count)
    await reply(update, render.latest_blocks(tr_of(update, context), stories))


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
    found = await reading.timeline_page_async(service, days=days, page=page, per_page=TIMELINE_PAGE)
    page, pages = found.page, found.pages
    summaries = reading.entry_summaries(service, found.entries, tr.lang)
    blocks = render.timeline_blocks(
        tr, found.entries, days=days, page=page, pages=pages, summaries=summaries
    )
    key = "a" if days is None else str(days)
    markup = pager(tr, "tl", key, page, pages, back="button.newer", forward="button.older")
    return blocks, markup


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timeline [days|all]."""
    days = parse_days(args_of(context))
    blocks, markup = await timeline_page(service_of(context), tr_of(update, context), days, 0)
    await reply(update, blocks, markup)


async def actors(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/actors [days]."""
    days = int_arg(args_of(context), default=7, low=1, high=365, what="subject.days")
    stats = reading.actor_stats(service_of(context), days=days)[:15]
    await reply(update, render.actors_blocks(tr_of(update, context), stats, days))


async def actor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/actor NAME."""
    query = clean_text(" ".join(args_of(context)))
    if not query:
        raise Usage("arg.name")
    if len(query) > 80:
        raise Usage("arg.name_long")
    if sum(ch.isalpha() for ch in query) < MIN_QUERY_LETTERS:
        raise Usage("arg.name_short")
    tr = tr_of(update, context)
    profile = reading.actor_profile(service_of(context), query)
    if profile is None:
        await message_of(update).reply_text(tr("actor.none", query=render.escape(query)))
        return
    await reply(update, render.actor_blocks(tr, profile))


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
) -> None:
    """Answer ``question`` with the stories that fit it (or the actor it asks about)."""
    tr = tr_of(update, context)
    found = ask.ask(service_of(context), question)
    await reply(update, render.answer_blocks(tr, found))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION."""
    question = " ".join(args_of(context)).strip()
    if not question:
        raise Usage("arg.question")
    await answer_question(update, context, question)


def _addressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The question in a plain message meant for the bot, or None: any message in a private
    chat; in a group, one that names the bot (@name) or replies to one of its messages."""
    message = message_of(update)
    text = message.text or ""
    if message.chat.type == "private":
        return text
    username = context.bot.username or ""
    mention = f"@{username}".lower() if username else ""
    replied = message.reply_to_message
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    ):
        return text
    if mention and mention in text.lower():
        at = text.lower().index(mention)
        return (text[:at] + text[at + len(mention) :]).strip()
    return None


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain message: a question when it is meant for the bot (then it passes the guard
    /ask passes, flood limit included); group chatter is left alone."""
    from bot.tg.commands import BY_NAME
    from bot.tg.guard import guarded

    if update.effective_message is None or _addressed(update, context) is None:
        return
    await guarded(BY_NAME["ask"], _plain_question)(update, context)


async def _plain_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = _addressed(update, context)
    if text is not None:
        await answer_question(update, context, text)


async def send_story(update: Update, context: ContextTypes.DEFAULT_TYPE, story_id: int) -> None:
    tr = tr_of(update, context)
    detail = reading.story_detail(service_of(context), story_id)
    if detail is None:
        await message_of(update).reply_text(tr("story.none", id=story_id))
        return
    await reply(update, render.story_blocks(tr, detail))


async def story(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/story ID."""
    story_id = whole(args_of(context)[0]) if len(args_of(context)) == 1 else None
    if story_id is None:
        raise Usage("arg.story")
    await send_story(update, context, story_id)


async def story_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/story_ID, the clickable form used in lists."""
    text = (message_of(update).text or "").strip()
    command_word, _, addressee = text.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in this group
    number = command_word.removeprefix("/story_")
    story_id = whole(number)
    if story_id is None:
        raise Usage("arg.story")
    await send_story(update, context, story_id)


def search_page(
    service: Service, tr: Translator, query_id: int, text: str, page: int
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """One page of search results and its buttons."""
    result = reading.search(service, text, page=page, per_page=SEARCH_PAGE)
    blocks = render.search_blocks(tr, text, result)
    markup = pager(
        tr, "sr", query_id, result.page, result.pages, back="button.better", forward="button.more"
    )
    return blocks, markup


def _query_text(update: Update) -> str:
    """What follows the command, as typed (quotes and all)."""
    text = message_of(update).text or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/search WORDS ("exact phrase", OR, -word, NOT word)."""
    text = _query_text(update)
    if not text or not any(ch.isalnum() for ch in text):
        raise Usage("arg.words")
    if len(text) > 300:
        raise Usage("arg.words_long")
    service = service_of(context)
    query_id = chat_state.remember_search(service, chat_of(update).id, [text])
    blocks, markup = search_page(service, tr_of(update, context), query_id, text, 0)
    await reply(update, blocks, markup)


async def upcoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/upcoming."""
    events = reading.upcoming(service_of(context))[:20]
    await reply(update, render.upcoming_blocks(tr_of(update, context), events))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources."""
    feeds = reading.feeds(service_of(context))
    await reply(update, render.sources_blocks(tr_of(update, context), feeds))


# --- buttons and the rest -----------------------------------------------------------------------


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline buttons: timeline and search paging; anything else gets a short answer."""
    if update.callback_query is None:
        return
    query = update.callback_query
    parsed = callbacks.decode(query.data)
    service = service_of(context)
    tr = tr_of(update, context)
    try:
        verdict = flood_verdict(update, context)
        if verdict != "ok":
            # Presses count like commands; a dropped one is not even answered.
            if verdict == "warn":
                await query.answer(tr("slow_down"), show_alert=True)
            return
        if parsed is None:
            await query.answer(tr("expired"))
            return
        if parsed.kind == "tl":
            days_key, page = parsed.args
            days = None if days_key == "a" else int(days_key)
            blocks, markup = await timeline_page(service, tr, days, int(page))
        elif parsed.kind == "sr":
            query_id, search_page_number = int(parsed.args[0]), int(parsed.args[1])
            chat = update.effective_chat
            words = chat_state.search_words(service, query_id, chat.id) if chat else None
            if words is None:
                await query.answer(tr("search.expired"))
                return
            blocks, markup = search_page(service, tr, query_id, " ".join(words), search_page_number)
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


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language [code]: show the languages and the one in use, or change it."""
    if not args_of(context):
        tr = tr_of(update, context)
        await message_of(update).reply_text(
            tr("language.current", language=language_name(tr.lang), choices=language_choices())
        )
        return
    choice = args_of(context)[0].lower()
    if len(args_of(context)) != 1 or choice not in LANGUAGES:
        raise Usage("arg.language", choices=", ".join(LANGUAGES))
    chat_state.set_language(service_of(context), user_of(update).id, choice)
    await message_of(update).reply_text(translator(choice)("language.set"))
