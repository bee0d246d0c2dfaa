"""What the chat remembers for its users: languages, searches behind buttons, admins."""

from __future__ import annotations

from bot.briefing.context import Briefing
from bot.core.models import SHARED_SENDER_IDS


def language_of(service: Briefing, user_id: int) -> str | None:
    """The language a user chose with /language, if any."""
    return service.store.language_of(user_id)


def set_language(service: Briefing, user_id: int, language: str) -> None:
    """Remember a user's language (their private chat's digests follow it)."""
    service.store.set_language(user_id, language)


def remember_search(service: Briefing, chat_id: int, words: list[str]) -> int:
    """Keep a chat's search words so its paging buttons work after a restart; return its id."""
    return service.store.save_search_query(chat_id, words, service.clock())


def search_words(service: Briefing, query_id: int, chat_id: int) -> list[str] | None:
    """The words of a search made in this chat, or None (no such search, or another chat's)."""
    return service.store.search_query(query_id, chat_id)


class NotAnAdmin(ValueError):
    """This user cannot be made (or unmade) an admin from chat; the message says why."""


def add_admin(service: Briefing, user_id: int, added_by: int | None) -> bool:
    """Make a user an admin from chat; False when they already were one. Telegram's shared
    anonymous senders never can be (NotAnAdmin)."""
    if user_id in SHARED_SENDER_IDS:
        raise NotAnAdmin("shared")
    return service.store.add_admin(user_id, added_by, service.clock())


def remove_admin(service: Briefing, user_id: int) -> bool:
    """Take an admin added from chat away; False when they were not one. Admins of the
    configuration file stay (NotAnAdmin): only the operator can change that file."""
    if user_id in service.settings.telegram.admins:
        raise NotAnAdmin("configured")
    return service.store.remove_admin(user_id)
