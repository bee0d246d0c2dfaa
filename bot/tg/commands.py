"""The bot's command table: name, usage, one-line description, and who may use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    usage: str = ""
    example: str = ""
    admin_only: bool = False


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "What this bot does and how to subscribe"),
    CommandSpec("help", "The commands you can use"),
    CommandSpec("latest", "The newest relevant stories", "[n]", "/latest 10"),
    CommandSpec("timeline", "What happened when, newest first", "[days|all]", "/timeline 14"),
    CommandSpec("actors", "Who is involved, with trends", "[days]", "/actors 30"),
    CommandSpec("actor", "One actor: role, mentions, stories", "NAME", "/actor Zelensky"),
    CommandSpec("story", "One story with every source", "ID", "/story 12"),
    CommandSpec("search", "Search relevant reports", "WORDS", "/search reassurance force"),
    CommandSpec("upcoming", "Announced meetings and deadlines"),
    CommandSpec("sources", "The feeds in use and their health"),
    CommandSpec("chart", "A picture of the last days", "[days]", "/chart 14"),
    CommandSpec("subscribe", "Daily digest at your time", "[HH:MM] [Area/City]", "/subscribe 08:00 Europe/Kyiv"),
    CommandSpec("unsubscribe", "Stop the daily digest"),
    CommandSpec("settings", "Digest time, zone, days, alerts"),
    CommandSpec("digest", "The digest you would get now"),
    CommandSpec("language", "Choose English or Ukrainian", "[en|uk]", "/language uk"),
    CommandSpec("addfeed", "Add a feed (fetched and checked now)", "URL [name]", "/addfeed https://example.org/rss Example", admin_only=True),
    CommandSpec("removefeed", "Remove a feed", "ID|URL", "/removefeed 3", admin_only=True),
    CommandSpec("pausefeed", "Stop polling a feed", "ID|URL", "/pausefeed 3", admin_only=True),
    CommandSpec("resumefeed", "Poll a paused feed again", "ID|URL", "/resumefeed 3", admin_only=True),
    CommandSpec("feeds", "Feed health: successes, errors, next check", admin_only=True),
    CommandSpec("candidates", "Unknown names seen next to role words", admin_only=True),
    CommandSpec("addactor", "Accept a candidate as an actor", "NAME [person|state|organization]", "/addactor Jane Doe person", admin_only=True),
    CommandSpec("addadmin", "Make a user an admin", "USER_ID", "/addadmin 123456789", admin_only=True),
    CommandSpec("stats", "Items, stories, subscribers, last poll", admin_only=True),
)  # fmt: skip

BY_NAME = {spec.name: spec for spec in COMMANDS}


def commands_for(is_admin: bool) -> list[CommandSpec]:
    """The commands a user may use: everyone's, plus the admin ones for admins."""
    return [spec for spec in COMMANDS if is_admin or not spec.admin_only]
