"""What the chat remembers for its users: languages, searches behind buttons, admins."""

from __future__ import annotations

from bot.briefing.context import Briefing


def language_of(service: Briefing, user_id: int) -> str | None:
    """The language a user chose with /language, if any."""
    return service.store.language_of(user_id)


def set_language(service: Briefing, user_id: int, language: str) -> None:
    """Remember a user's language (their private chat's digests follow it)."""
    service.store.set_language(user_id, language)


def remember_search(service: Briefing, words: list[str]) -> int:
    """Keep a search's words so its paging buttons work after a restart; return its id."""
    return service.store.save_search_query(words, service.clock())


def search_words(service: Briefing, query_id: int) -> list[str] | None:
    """The words of a remembered search, or None when there is no such search."""
    return service.store.search_query(query_id)


def add_admin(service: Briefing, user_id: int, added_by: int | None) -> bool:
    """Make a user an admin from chat; False when they already were one."""
    return service.store.add_admin(user_id, added_by, service.clock())
