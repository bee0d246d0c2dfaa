"""The bot's command table: name, one-line description, and who may use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    usage: str = ""
    admin_only: bool = False


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "What this bot does and how to subscribe"),
    CommandSpec("help", "The commands you can use"),
)


def commands_for(is_admin: bool) -> list[CommandSpec]:
    """The commands a user may use: everyone's, plus the admin ones for admins."""
    return [spec for spec in COMMANDS if is_admin or not spec.admin_only]
