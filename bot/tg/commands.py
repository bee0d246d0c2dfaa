"""The bot's one command table: name, who may use it, its handler, usage and example.

The one-line help of each command is the message ``cmd.<name>`` of :mod:`bot.core.i18n`, so
that /help and the command menu speak the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.tg import admin, chart, handlers, subscribe
from bot.tg.context import Handler


@dataclass(frozen=True)
class Command:
    """One chat command."""

    name: str
    handler: Handler
    example: str = ""  # language-neutral examples; ones in words are messages (example_key)
    admin_only: bool = False

    @property
    def help_key(self) -> str:
        """The message (in every language) that /help and the command menu show for it."""
        return f"cmd.{self.name}"

    @property
    def args_key(self) -> str:
        """The message with its argument syntax ("[days|all]"), when it takes arguments."""
        return f"args.{self.name}"

    @property
    def example_key(self) -> str:
        """The message with an example in words, where ``example`` alone would be English."""
        return f"example.{self.name}"


COMMANDS: tuple[Command, ...] = (
    Command("start", handlers.start),
    Command("help", handlers.help_command),
    Command("latest", handlers.latest, "/latest 10"),
    Command("timeline", handlers.timeline, "/timeline 14"),
    Command("actors", handlers.actors, "/actors 30"),
    Command("actor", handlers.actor),
    Command("story", handlers.story, "/story 12"),
    Command("search", handlers.search),
    Command("ask", handlers.ask_command),
    Command("upcoming", handlers.upcoming),
    Command("sources", handlers.sources),
    Command("chart", chart.chart, "/chart 14"),
    Command("subscribe", subscribe.subscribe, "/subscribe 08:00 Europe/Kyiv"),
    Command("unsubscribe", subscribe.unsubscribe),
    Command("settings", subscribe.settings),
    Command("digest", subscribe.digest_now),
    Command("language", handlers.language, "/language uk"),
    Command("addfeed", admin.addfeed, admin_only=True),
    Command("removefeed", admin.removefeed, "/removefeed 3", admin_only=True),
    Command("pausefeed", admin.pausefeed, "/pausefeed 3", admin_only=True),
    Command("resumefeed", admin.resumefeed, "/resumefeed 3", admin_only=True),
    Command("feeds", admin.feeds, admin_only=True),
    Command("candidates", admin.candidates, admin_only=True),
    Command("addactor", admin.addactor, admin_only=True),
    Command("addadmin", admin.addadmin, "/addadmin 123456789", admin_only=True),
    Command("removeadmin", admin.removeadmin, "/removeadmin 123456789", admin_only=True),
    Command("stats", admin.stats, admin_only=True),
)  # fmt: skip

BY_NAME = {spec.name: spec for spec in COMMANDS}


def commands_for(is_admin: bool) -> list[Command]:
    """The commands a user may use: everyone's, plus the admin ones for admins."""
    return [spec for spec in COMMANDS if is_admin or not spec.admin_only]
