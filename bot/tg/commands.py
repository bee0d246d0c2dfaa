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
    usage: str = ""
    example: str = ""
    admin_only: bool = False

    @property
    def help_key(self) -> str:
        """The message (in every language) that /help and the command menu show for it."""
        return f"cmd.{self.name}"


COMMANDS: tuple[Command, ...] = (
    Command("start", handlers.start),
    Command("help", handlers.help_command),
    Command("latest", handlers.latest, "[n]", "/latest 10"),
    Command("timeline", handlers.timeline, "[days|all]", "/timeline 14"),
    Command("actors", handlers.actors, "[days]", "/actors 30"),
    Command("actor", handlers.actor, "NAME", "/actor Zelensky"),
    Command("story", handlers.story, "ID", "/story 12"),
    Command("search", handlers.search, "WORDS", "/search \"reassurance force\" -Gaza"),
    Command("ask", handlers.ask_command, "QUESTION", "/ask what happened in Geneva?"),
    Command("upcoming", handlers.upcoming),
    Command("sources", handlers.sources),
    Command("chart", chart.chart, "[days]", "/chart 14"),
    Command("subscribe", subscribe.subscribe, "[HH:MM] [Area/City]", "/subscribe 08:00 Europe/Kyiv"),
    Command("unsubscribe", subscribe.unsubscribe),
    Command("settings", subscribe.settings),
    Command("digest", subscribe.digest_now),
    Command("language", handlers.language, "[en|uk]", "/language uk"),
    Command("addfeed", admin.addfeed, "URL [name]", "/addfeed https://example.org/rss Example", admin_only=True),
    Command("removefeed", admin.removefeed, "ID|URL", "/removefeed 3", admin_only=True),
    Command("pausefeed", admin.pausefeed, "ID|URL", "/pausefeed 3", admin_only=True),
    Command("resumefeed", admin.resumefeed, "ID|URL", "/resumefeed 3", admin_only=True),
    Command("feeds", admin.feeds, admin_only=True),
    Command("candidates", admin.candidates, admin_only=True),
    Command("addactor", admin.addactor, "NAME [person|state|organization]", "/addactor Jane Doe person", admin_only=True),
    Command("addadmin", admin.addadmin, "USER_ID", "/addadmin 123456789", admin_only=True),
    Command("removeadmin", admin.removeadmin, "USER_ID", "/removeadmin 123456789", admin_only=True),
    Command("stats", admin.stats, admin_only=True),
)  # fmt: skip

BY_NAME = {spec.name: spec for spec in COMMANDS}


def commands_for(is_admin: bool) -> list[Command]:
    """The commands a user may use: everyone's, plus the admin ones for admins."""
    return [spec for spec in COMMANDS if is_admin or not spec.admin_only]
