"""Compact inline-button data (Telegram allows 64 bytes) that stays valid after a restart.

Formats: ``tl:<days|a>:<page>`` (timeline page), ``sr:<query id>:<page>`` (search page, the
query stored in the database), ``sub`` (subscribe button), ``st:<key>:<value>`` (settings).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.integers import whole

MAX_PAGE = 10_000


@dataclass(frozen=True)
class Callback:
    kind: str
    args: tuple[str, ...]


def encode(kind: str, *args: object) -> str:
    """Build callback data; raises ValueError if it would not fit Telegram's 64 bytes."""
    data = ":".join([kind, *(str(arg) for arg in args)])
    if len(data.encode()) > 64:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None for anything malformed or forged."""
    if not data or len(data) > 64:
        return None
    kind, *args = data.split(":")
    if kind == "tl" and len(args) == 2:
        days, page = args
        number = whole(days, 4)
        if (days == "a" or (number is not None and 0 < number <= 3650)) and _page(page):
            return Callback(kind, (days, page))
    elif kind == "sr" and len(args) == 2:
        query_id, page = args
        if whole(query_id) is not None and _page(page):
            return Callback(kind, (query_id, page))
    elif kind == "fd" and len(args) == 2 and args[0] == "p" and _page(args[1]):
        return Callback(kind, tuple(args))
    elif kind == "sub" and not args:
        return Callback(kind, ())
    elif kind == "st" and len(args) == 2 and all(arg and len(arg) <= 40 for arg in args):
        return Callback(kind, tuple(args))
    return None


def _page(text: str) -> bool:
    number = whole(text, 5)
    return number is not None and number < MAX_PAGE
