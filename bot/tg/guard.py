"""The guard every command passes first: bots ignored, flood control, admin gating, usage."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import ContextTypes

from bot.tg import render
from bot.tg.context import (
    Handler,
    Usage,
    anonymous_admin,
    flood_gate,
    message_of,
    service_of,
    tr_of,
)
from bot.tg.fairness import sender_key

if TYPE_CHECKING:
    from bot.tg.commands import Command

log = logging.getLogger(__name__)


def flood_verdict(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Count a command, question or button press against its sender's flood limit: "ok",
    "warn" (answer with the one slow-down reply) or "drop". Admins are never limited."""
    user = update.effective_user
    service = service_of(context)
    if user is None or service.is_admin(user.id):
        return "ok"
    verdict = flood_gate(context).check(sender_key(update), service.clock())
    if verdict == "warn":
        log.warning("user %s is flooding; ignoring for a minute", user.id)
    return verdict


def guarded(spec: Command, func: Handler | None = None) -> Handler:
    """``func`` (the command's own handler by default) behind the checks every command needs:
    other bots are ignored, non-admins are flood-limited, admin commands refuse others, and a
    :class:`Usage` raised by the handler is answered with the command's usage line."""
    handler = func or spec.handler
    name = spec.name

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        message = update.effective_message
        if message is None or user is None:
            return
        if user.is_bot and not anonymous_admin(update):
            return
        service = service_of(context)
        tr = tr_of(update, context)
        admin = service.is_admin(user.id)
        verdict = flood_verdict(update, context)
        if verdict == "drop":
            return
        if verdict == "warn":
            await message_of(update).reply_text(tr("slow_down"))
            return
        if spec.admin_only and not admin:
            log.warning("user %s tried admin command /%s", user.id, name)
            await message_of(update).reply_text(tr("admin_only", command=name))
            return
        try:
            await handler(update, context)
        except Usage as usage:
            problem = None
            if usage.problem:
                values = {
                    k: tr(str(v))
                    if k == "what"
                    else tr.number(v)
                    if isinstance(v, int)
                    else render.escape(v)
                    for k, v in usage.values.items()
                }
                problem = tr(usage.problem, **values)
            await message_of(update).reply_text(render.usage_text(tr, spec, problem))

    return wrapper
