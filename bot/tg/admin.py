"""Admin-only commands: feeds, actors, admins and stats. The guard (tg/guard.py) gates them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import ContextTypes

from bot.analysis.actors import KINDS
from bot.app import feedadmin
from bot.app.service import Service
from bot.briefing import chat_state, reading
from bot.core.i18n import Translator
from bot.core.integers import whole
from bot.core.models import Feed
from bot.storage.db import is_disk_full
from bot.tg import delivery, render
from bot.tg.callbacks import Callback
from bot.tg.context import Usage, args_of, message_of, reply, service_of, tr_of, user_of
from bot.tg.handlers import pager

log = logging.getLogger(__name__)


async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addfeed URL [name]: fetch and parse now; add only a reachable, usable feed."""
    if not args_of(context):
        raise Usage("arg.url")
    url, name = args_of(context)[0], " ".join(args_of(context)[1:]).strip() or None
    if len(url) > 2000 or (name and len(name) > 100):
        raise Usage("arg.too_long")
    # The fetch may take the whole fetch timeout: do it in the background and reply when done,
    # so this update's turn ends now and the admin's next commands are answered meanwhile.
    context.application.create_task(_add_and_reply(update, context, url, name), update=update)


async def _add_and_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, url: str, name: str | None
) -> None:
    service = service_of(context)
    tr = tr_of(update, context)
    fetcher = context.application.bot_data["fetcher"]
    try:
        added = await feedadmin.add_feed(service, fetcher, url, name)
    except feedadmin.FeedAdminError as error:
        await message_of(update).reply_text(tr("addfeed.refused", reason=_refusal(tr, error)))
        return
    except Exception as error:
        # In the background nothing else would answer the admin: say it failed, then let the
        # error handler log it as it logs any other.
        reason = tr("addfeed.disk_full") if is_disk_full(error) else tr("addfeed.failed")
        await message_of(update).reply_text(tr("addfeed.refused", reason=reason))
        raise
    feed = added.feed
    log.info("admin %s added feed %s", user_of(update).id, feed.id)
    await message_of(update).reply_text(
        tr("addfeed.added", id=feed.id, name=render.escape(feed.display_name, 100))
        + "\n"
        + tr.n("addfeed.found", added.outcome.entries, relevant=added.relevant)
    )
    # Its reports may make a story breaking: check now, as after every poll cycle.
    await delivery.send_breaking_alerts(context.application)


def _refusal(tr: Translator, error: feedadmin.FeedAdminError) -> str:
    """A refused feed operation in the admin's language (what came from outside escaped)."""
    values = {key: render.escape(value, 200) for key, value in error.values.items()}
    return tr(f"feedadmin.{error.code}", **values)


async def _feed_action(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    action: Callable[[Service, str], Feed],
    done: str,
) -> None:
    if len(args_of(context)) != 1:
        raise Usage("arg.feed_ref")
    service = service_of(context)
    try:
        feed = action(service, args_of(context)[0])
    except feedadmin.FeedAdminError as error:
        await message_of(update).reply_text(_refusal(tr_of(update, context), error))
        return
    tr = tr_of(update, context)
    await message_of(update).reply_text(
        tr(done, id=feed.id, name=render.escape(feed.display_name, 100))
    )


async def removefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/removefeed ID|URL."""
    await _feed_action(update, context, feedadmin.remove_feed, "feed.removed")


async def pausefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pausefeed ID|URL."""
    await _feed_action(
        update, context, lambda s, ref: feedadmin.set_feed_paused(s, ref, True), "feed.paused"
    )


async def resumefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resumefeed ID|URL."""
    await _feed_action(
        update, context, lambda s, ref: feedadmin.set_feed_paused(s, ref, False), "feed.resumed"
    )


def feeds_page(service: Service, tr: Translator, page: int) -> tuple[list[str], Markup | None]:
    """One page of /feeds (one message: at most 15 feeds, fewer when they are long) and its
    Previous/Next buttons."""
    feeds = reading.feeds(service)
    pages = render.feeds_admin_pages(tr, feeds)
    page = min(max(page, 0), len(pages) - 1) if pages else 0
    blocks = render.feeds_admin_blocks(tr, len(feeds), pages, page)
    markup = pager(tr, "fd", "p", page, len(pages), back="button.previous", forward="button.next")
    return blocks, markup


async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds: health of every feed, a page at a time."""
    blocks, markup = feeds_page(service_of(context), tr_of(update, context), 0)
    await reply(update, blocks, markup)


async def on_feeds_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, parsed: Callback
) -> None:
    """Previous/Next under /feeds: obeyed only for an admin (anyone can press a button in a
    group the list was posted to)."""
    query = update.callback_query
    assert query is not None
    tr = tr_of(update, context)
    service = service_of(context)
    if not service.is_admin(query.from_user.id if query.from_user else None):
        await query.answer(tr("admin_only", command="feeds"), show_alert=True)
        return
    blocks, markup = feeds_page(service, tr, int(parsed.args[1]))
    await query.answer()
    await query.edit_message_text(render.split_message(blocks)[0], reply_markup=markup)


CALLBACKS = {"fd": on_feeds_button}


async def candidates(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/candidates: unknown names seen next to role words."""
    rows = reading.candidates(service_of(context), limit=30)
    await reply(update, render.candidates_blocks(tr_of(update, context), rows))


async def addactor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addactor NAME [kind]: accept a candidate; later reports are matched against it."""
    args = list(args_of(context))
    kind = "person"
    if args and args[-1].lower() in KINDS:
        kind = args.pop().lower()
    name = " ".join(args).strip()
    if not name:
        raise Usage("arg.actor_name")
    if len(name) > 80 or not any(ch.isalpha() for ch in name):
        raise Usage("arg.bad_name")
    service = service_of(context)
    service.add_actor(name, kind, user_of(update).id)
    log.info("admin %s added an actor (%s)", user_of(update).id, kind)
    tr = tr_of(update, context)
    await message_of(update).reply_text(
        tr("addactor.done", kind=tr(f"kind.{kind}"), name=render.escape(name))
    )


def _user_id_arg(context: ContextTypes.DEFAULT_TYPE) -> int:
    """The one argument as a Telegram user id, or a usage answer."""
    user_id = whole(args_of(context)[0], 15) if len(args_of(context)) == 1 else None
    if not user_id:
        raise Usage("arg.user_id")
    return user_id


async def addadmin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addadmin USER_ID."""
    user_id = _user_id_arg(context)
    service = service_of(context)
    tr = tr_of(update, context)
    try:
        added = chat_state.add_admin(service, user_id, user_of(update).id)
    except chat_state.NotAnAdmin:
        await message_of(update).reply_text(tr("addadmin.shared", id=user_id))
        return
    log.info("admin %s made %s an admin", user_of(update).id, user_id)
    await message_of(update).reply_text(
        tr("addadmin.done" if added else "addadmin.already", id=user_id)
    )


async def removeadmin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/removeadmin USER_ID: take away an admin added from chat."""
    user_id = _user_id_arg(context)
    service = service_of(context)
    tr = tr_of(update, context)
    try:
        removed = chat_state.remove_admin(service, user_id)
    except chat_state.NotAnAdmin:
        await message_of(update).reply_text(tr("removeadmin.configured", id=user_id))
        return
    log.info("admin %s removed admin %s", user_of(update).id, user_id)
    await message_of(update).reply_text(
        tr("removeadmin.done" if removed else "removeadmin.not", id=user_id)
    )


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats."""
    totals = reading.stats(service_of(context))
    await message_of(update).reply_text(render.stats_text(tr_of(update, context), totals))
