"""Pieces shared by the feed parsers: the error type, entry collection and small converters."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.core.models import ParsedEntry

MAX_WARNINGS = 20
T = TypeVar("T")


class ParseError(ValueError):
    """The document is not a usable feed; the message is a one-line reason, and ``code``
    names the common reasons for those who word them in other languages ("no_entries",
    "html_page", "empty"; "" for the rest)."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def text_or_none(value: Any) -> str | None:
    """A stripped non-empty string, else None (also for non-strings)."""
    if isinstance(value, str):
        return value.strip() or None
    return None


def usable(entry: ParsedEntry) -> bool:
    """An entry is worth keeping when it has a title, a link, or a guid with a summary."""
    return bool(entry.title or entry.link or (entry.guid and entry.summary))


def collect(
    raw_entries: Iterable[Any], convert: Callable[[Any], ParsedEntry], warnings: list[str]
) -> tuple[ParsedEntry, ...]:
    """Convert entries, skipping unusable ones with a warning; fail only if none is usable."""
    entries, _ = gather(raw_entries, convert, warnings, as_read)
    return entries


def gather(
    raw_entries: Iterable[Any],
    convert: Callable[[Any], ParsedEntry],
    warnings: list[str],
    finish: Callable[[ParsedEntry], T],
    limit: int | None = None,
) -> tuple[tuple[T, ...], int]:
    """:func:`collect`, handing each of the first ``limit`` (default all) usable entries to
    ``finish`` as soon as it is read, so that only what ``finish`` makes of them is kept;
    returns those and how many entries were usable in all."""
    finished: list[T] = []
    usable_count = number = 0
    for number, raw in enumerate(raw_entries, start=1):  # noqa: B007 (number used after loop)
        try:
            entry = convert(raw)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
            warnings.append(f"entry {number} skipped: {error}")
            continue
        if usable(entry):
            usable_count += 1
            if limit is None or usable_count <= limit:
                finished.append(finish(entry))
        else:
            warnings.append(f"entry {number} skipped: no title, link or guid with summary")
    if number and not usable_count:
        raise ParseError(f"no usable entries ({number} skipped)", code="no_entries")
    return tuple(finished), usable_count


def as_read(entry: ParsedEntry, feed_language: str | None = None) -> ParsedEntry:
    """The entry as the parser read it: the ``finish`` of callers that keep every entry."""
    return entry


def capped(warnings: list[str]) -> tuple[str, ...]:
    """At most MAX_WARNINGS warnings, the last one saying how many more there were."""
    if len(warnings) <= MAX_WARNINGS:
        return tuple(warnings)
    extra = len(warnings) - MAX_WARNINGS + 1
    return (*warnings[: MAX_WARNINGS - 1], f"… and {extra} more warnings")


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed values are UTC struct_times."""
    if not value:
        return None
    try:
        return datetime(*value[:5], min(value[5], 59), tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


def ttl_minutes(value: Any) -> int | None:
    """RSS <ttl>: a positive number of minutes, else None."""
    match = re.match(r"\s*(\d{1,7})\b", str(value)) if value is not None else None
    minutes = int(match.group(1)) if match else 0
    return minutes if minutes > 0 else None
