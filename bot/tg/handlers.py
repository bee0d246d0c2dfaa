"""Thin command handlers: parse arguments, call the service, render, reply."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.service import Service
from bot.tg import render
from bot.tg.commands import commands_for


def service_of(context: ContextTypes.DEFAULT_TYPE) -> Service:
    """The Service the application was built with."""
    return context.application.bot_data["service"]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: what the bot does."""
    user = update.effective_user
    await update.effective_message.reply_text(render.start_text(user.first_name if user else None))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands this user may use."""
    user = update.effective_user
    is_admin = service_of(context).is_admin(user.id if user else None)
    await update.effective_message.reply_text(render.help_text(commands_for(is_admin), is_admin))
