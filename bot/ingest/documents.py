"""Parsing one fetched document into normalised entries: the work a parse worker does.

Kept apart from the poll cycle so that worker processes import only the parsers (about 0.08 s)
rather than the cycle's HTTP client and database layer (about 0.27 s), which they never use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from bot.core.models import Entry, ParsedEntry, ParsedFeed
from bot.ingest.normalise import feed_title, normalise_entry
from bot.ingest.parse import ParseError, read_feed

# Stored summaries keep the opening of a report: enough for analysis to see who acted.
SUMMARY_MAX = 2000
# Entries kept from one document (feeds list newest first): a 50,000-entry feed must not stall
# the bot with its writes and analysis. Real feeds carry tens to a few hundred.
MAX_ENTRIES = 1000


@dataclass(frozen=True)
class ParsedDocument:
    """What the parse worker returns: feed metadata, normalised entries and warnings."""

    feed: ParsedFeed
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]


def parse_document(
    body: bytes, url: str, content_type: str | None, first_seen: datetime
) -> ParsedDocument:
    """Parse and normalise a fetched body. Pure and picklable: runs in a worker thread/process.

    Each entry is normalised as the parser reads it, so a large feed's entries are never all
    held with their whole text (a 2.5 MB feed's came to 6 MiB, beside its tree)."""
    parsed, results, usable = read_feed(
        body,
        partial(_normalised, feed_url=url, first_seen=first_seen),
        url=url,
        content_type=content_type,
        limit=MAX_ENTRIES,
    )
    warnings = list(parsed.warnings)
    if usable > MAX_ENTRIES:
        warnings.append(f"{usable} entries; only the first {MAX_ENTRIES} are kept")
    entries: list[Entry] = []
    for index, result in enumerate(results):
        if isinstance(result, Entry):
            entries.append(result)
        else:
            warnings.append(f"entry {index + 1} skipped: {result}")
    if usable and not entries:
        raise ParseError("no usable entries", code="no_entries")
    meta = ParsedFeed(
        title=feed_title(parsed.title),
        link=parsed.link,
        language=parsed.language,
        ttl_minutes=parsed.ttl_minutes,
        format=parsed.format,
    )
    return ParsedDocument(meta, tuple(entries), tuple(warnings))


def _normalised(
    raw: ParsedEntry, feed_language: str | None, *, feed_url: str, first_seen: datetime
) -> Entry | str:
    """The stored form of an entry, or why it cannot be stored."""
    try:
        return normalise_entry(
            raw,
            feed_url=feed_url,
            feed_language=feed_language,
            first_seen=first_seen,
            summary_max=SUMMARY_MAX,
        )
    except (ValueError, TypeError) as error:
        return str(error)
