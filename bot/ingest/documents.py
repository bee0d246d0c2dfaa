"""Parsing one fetched document into normalised entries: the work a parse worker does.

Kept apart from the poll cycle so that worker processes import only the parsers (about 0.08 s)
rather than the cycle's HTTP client and database layer (about 0.27 s), which they never use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Entry, ParsedFeed
from bot.ingest.normalise import feed_title, normalise_entry
from bot.ingest.parse import ParseError, parse_feed

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
    """Parse and normalise a fetched body. Pure and picklable: runs in a worker thread/process."""
    parsed = parse_feed(body, url=url, content_type=content_type)
    entries: list[Entry] = []
    warnings = list(parsed.warnings)
    raw_entries = parsed.entries[:MAX_ENTRIES]
    if len(parsed.entries) > MAX_ENTRIES:
        warnings.append(f"{len(parsed.entries)} entries; only the first {MAX_ENTRIES} are kept")
    for index, raw in enumerate(raw_entries):
        try:
            entries.append(
                normalise_entry(
                    raw,
                    feed_url=url,
                    feed_language=parsed.language,
                    first_seen=first_seen,
                    summary_max=SUMMARY_MAX,
                )
            )
        except (ValueError, TypeError) as error:
            warnings.append(f"entry {index + 1} skipped: {error}")
    if parsed.entries and not entries:
        raise ParseError("no usable entries", code="no_entries")
    meta = ParsedFeed(
        title=feed_title(parsed.title),
        link=parsed.link,
        language=parsed.language,
        ttl_minutes=parsed.ttl_minutes,
        format=parsed.format,
    )
    return ParsedDocument(meta, tuple(entries), tuple(warnings))
