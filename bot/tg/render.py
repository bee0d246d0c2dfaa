"""Telegram HTML rendering: escaping and message texts. Pure functions, no I/O."""

from __future__ import annotations

import html

from bot.tg.commands import CommandSpec

BOT_NAME = "briefbot"


def escape(text: object) -> str:
    """Escape any text (from feeds or users) for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=True)


def start_text(first_name: str | None) -> str:
    """The /start greeting."""
    hello = f"Hello, {escape(first_name)}!" if first_name else "Hello!"
    return (
        f"{hello} I am <b>{BOT_NAME}</b>. I follow the news on <b>security guarantees for "
        "Ukraine</b> and the peace talks around them across dozens of outlets, keep the reports "
        "that matter, and tell you who did what and when.\n\n"
        "Send /help to see everything I can do."
    )


def help_text(commands: list[CommandSpec], is_admin: bool) -> str:
    """The /help reply: one line per command this user may use."""
    lines = ["<b>Commands</b>"]
    lines += [
        f"/{spec.name}{' ' + escape(spec.usage) if spec.usage else ''} — {escape(spec.description)}"
        for spec in commands
        if not spec.admin_only
    ]
    admin_lines = [
        f"/{spec.name}{' ' + escape(spec.usage) if spec.usage else ''} — {escape(spec.description)}"
        for spec in commands
        if spec.admin_only
    ]
    if is_admin and admin_lines:
        lines += ["", "<b>Admin commands</b>", *admin_lines]
    return "\n".join(lines)
