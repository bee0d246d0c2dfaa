"""Frozen dataclasses shared by every layer. Plain data only: no I/O, no Telegram."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Telegram's shared senders: GroupAnonymousBot (a group admin posting as the group) and
# Channel_Bot (a channel's own posts). Every anonymous admin of every group has the same id, so
# it can never be a bot admin, and it is flood-limited per chat.
SHARED_SENDER_IDS = frozenset({1087968824, 136817688})


@dataclass(frozen=True)
class Feed:
    """A feed as stored, with its polling state."""

    id: int
    url: str
    name: str | None = None
    title: str | None = None
    site_url: str | None = None
    language: str | None = None
    active: bool = True
    interval_seconds: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    next_check_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    error_count: int = 0
    failing_since: datetime | None = None
    failure_notified: bool = False
    created_at: datetime | None = None
    item_count: int = 0

    @property
    def display_name(self) -> str:
        """What to call the feed in lists: its given name, else its own title, else its URL."""
        return self.name or self.title or self.url


@dataclass(frozen=True)
class FetchResult:
    """Outcome of one HTTP fetch of a feed. Exactly one of body / not_modified / error applies."""

    url: str
    final_url: str
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False
    error: str | None = None
    permanent_redirect: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ParsedEntry:
    """One entry as the parser saw it: text fields may still hold HTML and entities."""

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    summary: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed document: metadata, usable entries, and warnings about skipped ones."""

    title: str | None = None
    link: str | None = None
    language: str | None = None
    ttl_minutes: int | None = None
    entries: tuple[ParsedEntry, ...] = ()
    warnings: tuple[str, ...] = ()
    format: str = "unknown"


@dataclass(frozen=True)
class Entry:
    """A normalised entry, ready to store: plain text, canonical link, UTC time, identity key."""

    entry_key: str
    title: str
    summary: str
    published_at: datetime
    content_hash: str
    guid: str | None = None
    link: str | None = None
    canonical_link: str | None = None
    author: str | None = None
    language: str | None = None
    dated: bool = True  # the publication time is the entry's own, not when it was first seen
    # Scored where it was parsed (None: not scored). An off-topic entry is stored analysed: the
    # full analysis only runs for the others (most reports of most feeds are off-topic).
    relevance: float | None = None
    off_topic: bool = False


@dataclass(frozen=True)
class LeadSentence:
    """A sentence near the top of a report, with its position (0 = first) and what it states:
    language-independent fact keys (actors, places, days, numbers, outcomes) and word stems."""

    text: str
    position: int
    facts: frozenset[str]
    words: frozenset[str]


@dataclass(frozen=True)
class KnownEntry:
    """What the store already holds for an entry key of this feed."""

    item_id: int
    content_hash: str
    update_count: int


@dataclass(frozen=True)
class IngestPlan:
    """The writes one feed's poll needs. Applied by the store in one transaction."""

    new: tuple[Entry, ...] = ()
    changed: tuple[tuple[int, Entry], ...] = ()
    linked: tuple[tuple[int, Entry], ...] = ()
    unchanged: int = 0
    frozen: int = 0
    duplicates_in_feed: int = 0
