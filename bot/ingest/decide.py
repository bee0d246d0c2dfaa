"""Pure decisions about a feed's entries: new, changed, carried by another feed, or unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.core.models import Entry, IngestPlan, KnownEntry

# An item is updated in place at most this many times, so feeds that rewrite every entry on each
# poll cannot churn the database (or re-trigger analysis) forever.
MAX_UPDATES_PER_ITEM = 5


def unique_entries(entries: Iterable[Entry]) -> tuple[list[Entry], int]:
    """Drop repeated entry keys and links inside one document; return survivors and drop count."""
    seen_keys: set[str] = set()
    seen_links: set[str] = set()
    kept: list[Entry] = []
    dropped = 0
    for entry in entries:
        if entry.entry_key in seen_keys or (
            entry.canonical_link and entry.canonical_link in seen_links
        ):
            dropped += 1
            continue
        seen_keys.add(entry.entry_key)
        if entry.canonical_link:
            seen_links.add(entry.canonical_link)
        kept.append(entry)
    return kept, dropped


def plan_ingest(
    entries: Sequence[Entry],
    known_by_key: Mapping[str, KnownEntry],
    items_by_link: Mapping[str, int],
    *,
    max_updates: int = MAX_UPDATES_PER_ITEM,
) -> IngestPlan:
    """Decide what to write for one feed's entries.

    ``known_by_key`` maps this feed's entry keys to stored items; ``items_by_link`` maps canonical
    links to items stored from any feed (the same report in two feeds is stored once).
    """
    kept, dropped = unique_entries(entries)
    new: list[Entry] = []
    changed: list[tuple[int, Entry]] = []
    linked: list[tuple[int, Entry]] = []
    unchanged = frozen = 0
    for entry in kept:
        known = known_by_key.get(entry.entry_key)
        if known is not None:
            if known.content_hash == entry.content_hash:
                unchanged += 1
            elif known.update_count >= max_updates:
                frozen += 1
            else:
                changed.append((known.item_id, entry))
            continue
        other = items_by_link.get(entry.canonical_link) if entry.canonical_link else None
        if other is not None:
            linked.append((other, entry))
        else:
            new.append(entry)
    return IngestPlan(
        new=tuple(new),
        changed=tuple(changed),
        linked=tuple(linked),
        unchanged=unchanged,
        frozen=frozen,
        duplicates_in_feed=dropped,
    )
