"""Admin-only commands: feeds, actors, admins and stats. Gating happens in ``command``."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import briefing, feedadmin
from bot.actors import KINDS
from bot.tg import render
from bot.tg.handlers import Usage, command, reply, service_of

log = logging.getLogger(__name__)


@command("addfeed")
async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addfeed URL [name]: fetch and parse now; add only a reachable, usable feed."""
    if not context.args:
        raise Usage("Give the feed's URL")
    url, name = context.args[0], " ".join(context.args[1:]).strip() or None
    if len(url) > 2000 or (name and len(name) > 100):
        raise Usage("That URL or name is too long")
    service = service_of(context)
    fetcher = context.application.bot_data["fetcher"]
    try:
        added = await feedadmin.add_feed(service, fetcher, url, name)
    except feedadmin.FeedAdminError as error:
        await update.effective_message.reply_text(f"Not added: {render.escape(error, 300)}")
        return
    relevant = service.store.count_relevant(list(added.outcome.new_ids))
    feed = added.feed
    log.info("admin %s added feed %s", update.effective_user.id, feed.id)
    await update.effective_message.reply_text(
        f"Added feed {feed.id}: <b>{render.escape(feed.display_name, 100)}</b>\n"
        f"{added.outcome.entries} items found, {relevant} relevant."
    )


async def _feed_action(update: Update, context: ContextTypes.DEFAULT_TYPE, action, verb: str):
    if len(context.args) != 1:
        raise Usage("Give one feed id or URL")
    service = service_of(context)
    try:
        feed = action(service, context.args[0])
    except feedadmin.FeedAdminError as error:
        await update.effective_message.reply_text(render.escape(error, 300))
        return
    await update.effective_message.reply_text(
        f"{verb} feed {feed.id}: {render.escape(feed.display_name, 100)}"
    )


@command("removefeed")
async def removefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/removefeed ID|URL."""
    await _feed_action(update, context, feedadmin.remove_feed, "Removed")


@command("pausefeed")
async def pausefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pausefeed ID|URL."""
    await _feed_action(
        update, context, lambda s, ref: feedadmin.set_feed_paused(s, ref, True), "Paused"
    )


@command("resumefeed")
async def resumefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resumefeed ID|URL."""
    await _feed_action(
        update, context, lambda s, ref: feedadmin.set_feed_paused(s, ref, False), "Resumed"
    )


@command("feeds")
async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds: health of every feed."""
    await reply(update, render.feeds_admin_blocks(service_of(context).store.list_feeds()))


@command("candidates")
async def candidates(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/candidates: unknown names seen next to role words."""
    await reply(update, render.candidates_blocks(service_of(context).store.candidates(limit=30)))


@command("addactor")
async def addactor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addactor NAME [kind]: accept a candidate; later reports are matched against it."""
    args = list(context.args)
    kind = "person"
    if args and args[-1].lower() in KINDS:
        kind = args.pop().lower()
    name = " ".join(args).strip()
    if not name:
        raise Usage("Give the actor's name")
    if len(name) > 80 or not any(ch.isalpha() for ch in name):
        raise Usage("That is not a usable name")
    service = service_of(context)
    service.add_actor(name, kind, update.effective_user.id)
    log.info("admin %s added actor %r", update.effective_user.id, name)
    await update.effective_message.reply_text(
        f"Added {render.escape(kind)} <b>{render.escape(name)}</b>. New reports will be matched."
    )


@command("addadmin")
async def addadmin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addadmin USER_ID."""
    if len(context.args) != 1 or not context.args[0].isdigit() or len(context.args[0]) > 15:
        raise Usage("Give the user's numeric Telegram id")
    service = service_of(context)
    user_id = int(context.args[0])
    added = service.store.add_admin(user_id, update.effective_user.id, service.clock())
    log.info("admin %s made %s an admin", update.effective_user.id, user_id)
    text = f"User {user_id} is now an admin." if added else f"User {user_id} already is an admin."
    await update.effective_message.reply_text(text)


@command("stats")
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats."""
    await update.effective_message.reply_text(
        render.stats_text(briefing.stats(service_of(context)))
    )
