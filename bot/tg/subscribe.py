"""/subscribe, /unsubscribe, /settings and /digest, with their inline keyboards."""

from __future__ import annotations

import logging
from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import digests
from bot.duetime import DAILY, WEEKDAYS, common_times, common_zones, parse_time_of_day, parse_zone
from bot.tg import render
from bot.tg.callbacks import Callback, encode
from bot.tg.handlers import Usage, command, reply, service_of

log = logging.getLogger(__name__)

EXAMPLES = "e.g. /subscribe 08:00 Europe/Kyiv or /subscribe 7:30 America/New_York"


def times_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text, callback_data=encode("st", "t", text.replace(":", "")))
        for text in common_times()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def zones_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            zone.split("/")[-1].replace("_", " "), callback_data=encode("st", "z", i)
        )
        for i, zone in enumerate(common_zones())
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def settings_keyboard(sub: digests.Subscription) -> InlineKeyboardMarkup:
    days = ("Weekdays only", "wd") if sub.days == DAILY else ("Every day", "dl")
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🕗 Change time", callback_data=encode("st", "ct", "1")),
                InlineKeyboardButton("🌍 Change zone", callback_data=encode("st", "cz", "1")),
            ],
            [InlineKeyboardButton(days[0], callback_data=encode("st", "dy", days[1]))],
            [
                InlineKeyboardButton(
                    f"Breaking alerts: turn {'off' if sub.alerts else 'on'}",
                    callback_data=encode("st", "al", "0" if sub.alerts else "1"),
                )
            ],
            [
                InlineKeyboardButton(
                    "Days with no news: " + ("send a note" if sub.skip_empty else "skip"),
                    callback_data=encode("st", "sk", "0" if sub.skip_empty else "1"),
                )
            ],
        ]
    )


async def _may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In groups only the group's admins may change its subscription."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if service_of(context).is_admin(update.effective_user.id):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, update.effective_user.id)
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
            except ValueError as error:
                raise Usage(str(error).split(".")[0]) from None
        elif zone is None:
            try:
                zone = parse_zone(arg)
            except ValueError:
                raise Usage(f"Unknown time zone {arg!r}") from None
        else:
            raise Usage("Too many arguments")
    return at, zone


async def _subscribe_chat(
    update: Update, context: ContextTypes.DEFAULT_TYPE, at: time | None, zone: str | None
) -> None:
    chat = update.effective_chat
    sub = digests.subscribe(
        service_of(context),
        chat.id,
        chat_type=chat.type,
        title=chat.title,
        at=at,
        zone=zone,
        language=update.effective_user.language_code if update.effective_user else None,
    )
    await update.effective_message.reply_text(
        "Subscribed. " + render.subscription_text(sub) + "\nChange it with /settings.",
        reply_markup=settings_keyboard(sub),
    )


@command("subscribe")
async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe [HH:MM] [Area/City]; /subscribe @channel HH:MM Zone for bot admins."""
    args = list(context.args)
    service = service_of(context)
    if args and args[0].startswith("@"):
        await _subscribe_channel(update, context, args)
        return
    if not await _may_manage(update, context):
        await update.effective_message.reply_text(
            "Only the group's admins can subscribe this group."
        )
        return
    if len(args) > 2:
        raise Usage("Too many arguments")
    if not args:
        existing = digests.get_subscription(service, update.effective_chat.id)
        intro = "Pick the time for your daily digest" + (
            " (you are subscribed; this changes the time):" if existing and existing.active else ":"
        )
        await update.effective_message.reply_text(intro, reply_markup=times_keyboard())
        return
    at, zone = _parse_schedule(args)
    await _subscribe_chat(update, context, at, zone)


async def _subscribe_channel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    service = service_of(context)
    if not service.is_admin(update.effective_user.id):
        await update.effective_message.reply_text("Only the bot's admins can subscribe a channel.")
        return
    name = args[0]
    if len(name) > 40 or not name[1:].replace("_", "").isalnum():
        raise Usage("That is not a channel username")
    at, zone = _parse_schedule(args[1:])
    try:
        chat = await context.bot.get_chat(name)
    except TelegramError as error:
        await update.effective_message.reply_text(
            f"Cannot reach {render.escape(name)}: {render.escape(error)}. "
            "Add the bot to the channel as an admin first."
        )
        return
    sub = digests.subscribe(
        service, chat.id, chat_type="channel", title=chat.title, at=at, zone=zone
    )
    await update.effective_message.reply_text(
        f"Subscribed {render.escape(name)}. " + render.subscription_text(sub)
    )


@command("unsubscribe")
async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe."""
    if not await _may_manage(update, context):
        await update.effective_message.reply_text("Only the group's admins can do that.")
        return
    if digests.unsubscribe(service_of(context), update.effective_chat.id):
        await update.effective_message.reply_text(
            "Unsubscribed. No more digests. /subscribe brings them back."
        )
    else:
        await update.effective_message.reply_text("You were not subscribed. /subscribe to start.")


@command("settings")
async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings: current digest settings with buttons to change them."""
    sub = digests.get_subscription(service_of(context), update.effective_chat.id)
    if sub is None or not sub.active:
        await update.effective_message.reply_text(
            "You are not subscribed. Send /subscribe to get a daily digest."
        )
        return
    await update.effective_message.reply_text(
        render.subscription_text(sub), reply_markup=settings_keyboard(sub)
    )


@command("digest")
async def digest_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest: the digest this chat would get now (nothing is marked as sent)."""
    service = service_of(context)
    digest = digests.digest_for_chat(service, update.effective_chat.id)
    header = render.digest_header(service.clock().date())
    await reply(update, [header, *render.digest_body(digest)])


async def on_settings_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, parsed: Callback
) -> None:
    """Buttons of /subscribe and /settings (``st:<key>:<value>``)."""
    query = update.callback_query
    service = service_of(context)
    chat = update.effective_chat
    if chat is None:
        await query.answer("This button has expired.")
        return
    if not await _may_manage(update, context):
        await query.answer("Only the group's admins can change this.")
        return
    key, value = parsed.args
    sub = digests.get_subscription(service, chat.id)
    try:
        if key == "t":
            at = parse_time_of_day(value[:2] + ":" + value[2:])
            if sub is None or not sub.active:
                context.chat_data["pending_time"] = at
                await query.answer()
                await query.edit_message_text(
                    f"Digest at {at.strftime('%H:%M')}. Now pick your time zone:",
                    reply_markup=zones_keyboard(),
                )
                return
            sub = digests.update_settings(service, chat.id, at=at)
        elif key == "z":
            zones = common_zones()
            if not value.isdigit() or int(value) >= len(zones):
                await query.answer("This button has expired.")
                return
            if sub is None or not sub.active:
                at = context.chat_data.pop("pending_time", None)
                sub = digests.subscribe(
                    service,
                    chat.id,
                    chat_type=chat.type,
                    title=chat.title,
                    at=at,
                    zone=zones[int(value)],
                )
            else:
                sub = digests.update_settings(service, chat.id, timezone=zones[int(value)])
        elif sub is None or not sub.active:
            await query.answer("Subscribe first: /subscribe")
            return
        elif key == "ct":
            await query.answer()
            await query.edit_message_text("Pick the new time:", reply_markup=times_keyboard())
            return
        elif key == "cz":
            await query.answer()
            await query.edit_message_text("Pick your time zone:", reply_markup=zones_keyboard())
            return
        elif key == "dy" and value in ("wd", "dl"):
            sub = digests.update_settings(
                service, chat.id, days=WEEKDAYS if value == "wd" else DAILY
            )
        elif key == "al" and value in ("0", "1"):
            sub = digests.update_settings(service, chat.id, alerts=value == "1")
        elif key == "sk" and value in ("0", "1"):
            sub = digests.update_settings(service, chat.id, skip_empty=value == "1")
        else:
            await query.answer("This button has expired.")
            return
    except ValueError:
        await query.answer("This button has expired.")
        return
    await query.answer("Saved.")
    await query.edit_message_text(
        render.subscription_text(sub), reply_markup=settings_keyboard(sub)
    )


async def on_subscribe_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, parsed: Callback
) -> None:
    """The subscribe button of /start: offer the times."""
    await update.callback_query.answer()
    await update.effective_message.reply_text(
        "Pick the time for your daily digest:", reply_markup=times_keyboard()
    )


CALLBACKS = {"st": on_settings_button, "sub": on_subscribe_button}
