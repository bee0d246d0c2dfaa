"""/subscribe, /unsubscribe, /settings and /digest, with their inline keyboards."""

from __future__ import annotations

import logging
from datetime import time
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.briefing import digests, subscriptions
from bot.briefing.duetime import (
    DAILY,
    WEEKDAYS,
    common_times,
    common_zones,
    parse_time_of_day,
    parse_zone,
)
from bot.core.i18n import Translator
from bot.core.integers import whole
from bot.tg import render
from bot.tg.callbacks import Callback, encode
from bot.tg.context import (
    Usage,
    anonymous_admin,
    args_of,
    chat_data,
    chat_of,
    message_of,
    query_of,
    reply,
    service_of,
    tr_of,
    user_of,
)

log = logging.getLogger(__name__)


def times_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text, callback_data=encode("st", "t", text.replace(":", "")))
        for text in common_times()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def zones_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    """The common time zones as buttons, each named by its city in the reader's language."""
    buttons = [
        InlineKeyboardButton(tr.city(ZoneInfo(zone)), callback_data=encode("st", "z", i))
        for i, zone in enumerate(common_zones())
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def settings_keyboard(tr: Translator, sub: subscriptions.Subscription) -> InlineKeyboardMarkup:
    days = ("button.weekdays", "wd") if sub.days == DAILY else ("button.every_day", "dl")
    alerts = "button.alerts_off" if sub.alerts else "button.alerts_on"
    empty = "button.empty_note" if sub.skip_empty else "button.empty_skip"
    chart = "button.chart_off" if sub.weekly_chart else "button.chart_on"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr("button.change_time"), callback_data="st:ct:1"),
                InlineKeyboardButton(tr("button.change_zone"), callback_data="st:cz:1"),
            ],
            [InlineKeyboardButton(tr(days[0]), callback_data=encode("st", "dy", days[1]))],
            [InlineKeyboardButton(tr(alerts), callback_data=f"st:al:{0 if sub.alerts else 1}")],
            [InlineKeyboardButton(tr(empty), callback_data=f"st:sk:{0 if sub.skip_empty else 1}")],
            [
                InlineKeyboardButton(
                    tr(chart), callback_data=f"st:wc:{0 if sub.weekly_chart else 1}"
                )
            ],
        ]
    )


async def _may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In groups only the group's admins may change its subscription."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if service_of(context).is_admin(user_of(update).id):
        return True
    # An anonymous admin's message comes from the group itself. A button press never does: the
    # message a button sits on may be the bot's own post in a channel, which says nothing about
    # who pressed it. Presses are judged by the presser (from_user) alone.
    if update.callback_query is None and anonymous_admin(update):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user_of(update).id)
    except TelegramError as error:
        log.warning("could not check group admin status: %s", error)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def _parse_schedule(args: list[str]) -> tuple[time | None, str | None]:
    at = zone = None
    for arg in args:
        if at is None and any(ch.isdigit() for ch in arg):
            try:
                at = parse_time_of_day(arg)
            except ValueError:
                raise Usage("arg.time") from None
        elif zone is None:
            try:
                zone = parse_zone(arg)
            except ValueError:
                raise Usage("arg.zone", zone=render.clean(arg, 60)) from None
        else:
            raise Usage("arg.too_many")
    return at, zone


async def _subscribe_chat(
    update: Update, context: ContextTypes.DEFAULT_TYPE, at: time | None, zone: str | None
) -> None:
    chat = chat_of(update)
    tr = tr_of(update, context)
    sub = subscriptions.subscribe(
        service_of(context),
        chat.id,
        chat_type=chat.type,
        title=chat.title,
        at=at,
        zone=zone,
        language=tr.lang,
    )
    await message_of(update).reply_text(
        tr("sub.done", settings=render.subscription_text(tr, sub)),
        reply_markup=settings_keyboard(tr, sub),
    )


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe [HH:MM] [Area/City]; /subscribe @channel HH:MM Zone for bot admins."""
    args = list(args_of(context))
    service = service_of(context)
    tr = tr_of(update, context)
    if args and args[0].startswith("@"):
        await _subscribe_channel(update, context, args)
        return
    if not await _may_manage(update, context):
        await message_of(update).reply_text(tr("sub.group_admins"))
        return
    if len(args) > 2:
        raise Usage("arg.too_many")
    if not args:
        existing = subscriptions.get_subscription(service, chat_of(update).id)
        intro = tr("sub.pick_time.again" if existing and existing.active else "sub.pick_time")
        await message_of(update).reply_text(intro, reply_markup=times_keyboard())
        return
    at, zone = _parse_schedule(args)
    await _subscribe_chat(update, context, at, zone)


async def _subscribe_channel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    service = service_of(context)
    tr = tr_of(update, context)
    if not service.is_admin(user_of(update).id):
        await message_of(update).reply_text(tr("sub.bot_admins"))
        return
    name = args[0]
    if len(name) > 40 or not name[1:].replace("_", "").isalnum():
        raise Usage("arg.channel")
    at, zone = _parse_schedule(args[1:])
    try:
        chat = await context.bot.get_chat(name)
    except TelegramError as error:
        await message_of(update).reply_text(
            tr("sub.unreachable", channel=render.escape(name), error=render.escape(error))
        )
        return
    sub = subscriptions.subscribe(
        service, chat.id, chat_type="channel", title=chat.title, at=at, zone=zone, language=tr.lang
    )
    settings_text = render.subscription_text(tr, sub)
    await message_of(update).reply_text(
        tr("sub.channel_done", channel=render.escape(name), settings=settings_text)
    )


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe."""
    tr = tr_of(update, context)
    if not await _may_manage(update, context):
        await message_of(update).reply_text(tr("sub.group_admins_change"))
        return
    if subscriptions.unsubscribe(service_of(context), chat_of(update).id):
        await message_of(update).reply_text(tr("sub.gone"))
    else:
        await message_of(update).reply_text(tr("sub.not"))


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings: current digest settings with buttons to change them."""
    tr = tr_of(update, context)
    sub = subscriptions.get_subscription(service_of(context), chat_of(update).id)
    if sub is None or not sub.active:
        await message_of(update).reply_text(tr("sub.not_settings"))
        return
    await message_of(update).reply_text(
        render.subscription_text(tr, sub), reply_markup=settings_keyboard(tr, sub)
    )


async def digest_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest: the digest this chat would get now (nothing is marked as sent)."""
    service = service_of(context)
    tr = tr_of(update, context)
    chat_id = chat_of(update).id
    digest = digests.digest_for_chat(service, chat_id)
    sub = subscriptions.get_subscription(service, chat_id)
    zone = sub.timezone if sub else service.settings.digest.default_timezone
    header = render.digest_header(tr, service.clock().astimezone(ZoneInfo(zone)).date())
    await reply(update, [header, *render.digest_body(tr, digest)])


async def on_settings_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, parsed: Callback
) -> None:
    """Buttons of /subscribe and /settings (``st:<key>:<value>``)."""
    query = query_of(update)
    service = service_of(context)
    tr = tr_of(update, context)
    chat = update.effective_chat
    if chat is None:
        await query.answer(tr("expired"))
        return
    if not await _may_manage(update, context):
        await query.answer(tr("sub.group_admins_change"))
        return
    key, value = parsed.args
    sub = subscriptions.get_subscription(service, chat.id)
    active = sub is not None and sub.active
    try:
        if key == "t":
            at = parse_time_of_day(value[:2] + ":" + value[2:])
            if not active:
                chat_data(context)["pending_time"] = at
                await query.answer()
                await query.edit_message_text(
                    tr("sub.pick_zone", time=at.strftime("%H:%M")), reply_markup=zones_keyboard(tr)
                )
                return
            sub = subscriptions.update_settings(service, chat.id, at=at)
        elif key == "z":
            zones = common_zones()
            if whole(value, 3) is None or int(value) >= len(zones):
                await query.answer(tr("expired"))
                return
            if not active:
                sub = subscriptions.subscribe(
                    service,
                    chat.id,
                    chat_type=chat.type,
                    title=chat.title,
                    at=chat_data(context).pop("pending_time", None),
                    zone=zones[int(value)],
                    language=tr.lang,
                )
            else:
                sub = subscriptions.update_settings(service, chat.id, timezone=zones[int(value)])
        elif not active:
            await query.answer(tr("sub.first"))
            return
        elif key in ("ct", "cz"):
            await query.answer()
            prompt, keyboard = (
                ("sub.new_time", times_keyboard())
                if key == "ct"
                else ("sub.new_zone", zones_keyboard(tr))
            )
            await query.edit_message_text(tr(prompt), reply_markup=keyboard)
            return
        elif key == "dy" and value in ("wd", "dl"):
            sub = subscriptions.update_settings(
                service, chat.id, days=WEEKDAYS if value == "wd" else DAILY
            )
        elif key == "al" and value in ("0", "1"):
            sub = subscriptions.update_settings(service, chat.id, alerts=value == "1")
        elif key == "sk" and value in ("0", "1"):
            sub = subscriptions.update_settings(service, chat.id, skip_empty=value == "1")
        elif key == "wc" and value in ("0", "1"):
            sub = subscriptions.update_settings(service, chat.id, weekly_chart=value == "1")
        else:
            await query.answer(tr("expired"))
            return
    except ValueError:
        await query.answer(tr("expired"))
        return
    await query.answer(tr("saved"))
    await query.edit_message_text(
        render.subscription_text(tr, sub), reply_markup=settings_keyboard(tr, sub)
    )


async def on_subscribe_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, parsed: Callback
) -> None:
    """The subscribe button of /start: offer the times (to whoever may subscribe the chat)."""
    if not await _may_manage(update, context):
        await query_of(update).answer(tr_of(update, context)("sub.group_admins"))
        return
    await query_of(update).answer()
    await message_of(update).reply_text(
        tr_of(update, context)("sub.pick_time"), reply_markup=times_keyboard()
    )


CALLBACKS = {"st": on_settings_button, "sub": on_subscribe_button}
