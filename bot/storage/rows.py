"""Row → model decoding: the one place that knows how columns are encoded.

JSON columns (fingerprints, actor lists, timeline groups, search words) are decoded here and
nowhere else; instants are ISO 8601 text in UTC, days ISO dates.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from bot.core.models import Feed, LeadSentence
from bot.core.records import (
    ActorCandidate,
    Delivery,
    ItemForAnalysis,
    ItemRecord,
    SearchRow,
    Story,
    StoryCandidate,
    StoryMember,
    StoryReport,
    StorySummary,
    Subscription,
    TimelineEntry,
)
from bot.core.timeutil import from_iso, to_iso

Row = dict[str, Any]

_FEED_TIMES = ("next_check_at", "last_checked_at", "last_success_at", "failing_since", "created_at")


def instant(text: str | None) -> datetime:
    """A stored instant that the schema guarantees is present."""
    moment = from_iso(text)
    if moment is None:
        raise ValueError("a required timestamp is missing")
    return moment


def day_or_none(text: str | None) -> date | None:
    """A stored day (``YYYY-MM-DD…``), or None when empty or malformed."""
    if not text or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def iso(moment: datetime | None) -> str | None:
    """An instant as stored."""
    return to_iso(moment)


def encode_json(value: Any) -> str:
    """A value as a JSON column (sorted sets, non-ASCII kept)."""
    if isinstance(value, frozenset | set):
        value = sorted(value)
    elif isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, ensure_ascii=False)


def strings(text: str | None) -> tuple[str, ...]:
    """A JSON array column of strings."""
    return tuple(json.loads(text or "[]"))


def integers(text: str | None) -> tuple[int, ...]:
    """A JSON array column of numbers."""
    return tuple(int(value) for value in json.loads(text or "[]"))


def token_set(text: str | None) -> frozenset[str]:
    """A JSON array column read as a set (fingerprints)."""
    return frozenset(json.loads(text or "[]"))


def string_map(text: str | None) -> dict[str, str]:
    """A JSON object column of name → text."""
    return {str(key): str(value) for key, value in json.loads(text or "{}").items()}


def counts(text: str | None) -> dict[str, int]:
    """A JSON object column of name → count."""
    return {str(name): int(number) for name, number in json.loads(text or "{}").items()}


def encode_sentences(sentences: tuple[LeadSentence, ...]) -> str:
    """Lead sentences as a JSON column: [text, position, facts, words] each."""
    return encode_json([[s.text, s.position, sorted(s.facts), sorted(s.words)] for s in sentences])


def sentences(text: str | None) -> tuple[LeadSentence, ...]:
    """A lead-sentences JSON column."""
    return tuple(
        LeadSentence(str(t), int(p), frozenset(facts), frozenset(words))
        for t, p, facts, words in json.loads(text or "[]")
    )


def feed(row: Row) -> Feed:
    """A feeds row (with ``item_count``) as a Feed."""
    values = dict(row)
    for key in _FEED_TIMES:
        values[key] = from_iso(values.get(key))
    values["active"] = bool(values["active"])
    values["failure_notified"] = bool(values["failure_notified"])
    values["item_count"] = values.get("item_count") or 0
    return Feed(**values)


def item_record(row: Row) -> ItemRecord:
    """An items row with its ``feeds`` and ``actors`` JSON arrays."""
    return ItemRecord(
        id=row["id"],
        title=row["title"],
        link=row["link"],
        published_at=instant(row["published_at"]),
        feeds=strings(row["feeds"]),
        author=row["author"],
        language=row["language"],
        first_seen_at=instant(row["first_seen_at"]),
        updated_at=from_iso(row["updated_at"]),
        relevance=row["relevance"],
        relevant=bool(row["relevant"]),
        actors=strings(row["actors"]),
        story_id=row["story_id"],
        event_date=day_or_none(row["event_date"]),
        summary=row["summary"] or "",
        canonical_link=row["canonical_link"],
        update_count=row["update_count"],
        analysed_at=from_iso(row["analysed_at"]),
        story_summary=row.get("story_summary"),
    )


def item_for_analysis(row: Row) -> ItemForAnalysis:
    """The columns analysis reads."""
    return ItemForAnalysis(
        id=row["id"],
        title=row["title"] or "",
        summary=row["summary"] or "",
        language=row["language"],
        published_at=instant(row["published_at"]),
        story_id=row["story_id"],
        link=row["link"],
        content_hash=row["content_hash"],
        dated=bool(row.get("dated", 1)),
    )


def actor_candidate(row: Row) -> ActorCandidate:
    """An actor_candidates row."""
    return ActorCandidate(
        name=row["name"],
        cue=row["cue"],
        context=row["context"] or "",
        mentions=row["mentions"],
        first_seen=from_iso(row["first_seen"]),
        last_seen=from_iso(row["last_seen"]),
        status=row["status"],
    )


def story_candidate(row: Row) -> StoryCandidate:
    """A story's grouping columns."""
    return StoryCandidate(
        id=row["id"],
        fingerprint=token_set(row["fingerprint"]),
        actors=frozenset(strings(row["actors"])),
        first_published=instant(row["first_published"]),
        last_published=instant(row["last_published"]),
        event_date=day_or_none(row["day"]),
        size=row["size"],
        dated=bool(row.get("dated", 1)),
    )


def story_member(row: Row) -> StoryMember:
    """A story's report with its ``actors`` JSON object."""
    return StoryMember(
        id=row["id"],
        title=row["title"] or "",
        summary=row["summary"] or "",
        language=row["language"],
        published_at=instant(row["published_at"]),
        event_date=day_or_none(row["event_date"]),
        relevance=row["relevance"] or 0.0,
        link=row["link"],
        fingerprint=token_set(row["fingerprint"]),
        actors=counts(row["actors"]),
        dated=bool(row.get("dated", 1)),
        places=counts(row.get("places")),
        sentences=sentences(row.get("sentences")),
    )


def story(row: Row) -> Story:
    """A stories row."""
    day = day_or_none(row["day"])
    if day is None:
        raise ValueError(f"story {row['id']} has no day")
    return Story(
        id=row["id"],
        headline=row["headline"],
        day=day,
        kind=row["kind"],
        first_published=instant(row["first_published"]),
        last_published=instant(row["last_published"]),
        size=row["size"],
        sources=row["sources"],
        relevance=row["relevance"],
        actors=strings(row["actors"]),
        link=row["link"],
        created_at=instant(row["created_at"]),
        summary=row.get("summary"),
        summaries=string_map(row.get("summaries")),
        places=strings(row.get("places")),
    )


def story_summary(row: Row) -> StorySummary:
    """A stories row as the timeline groups it."""
    return StorySummary(
        id=row["id"],
        headline=row["headline"],
        day=date.fromisoformat(row["day"]),
        kind=row["kind"],
        sources=row["sources"],
        size=row["size"],
        actors=strings(row["actors"]),
        fingerprint=token_set(row["fingerprint"]),
        relevance=row["relevance"],
    )


def story_report(row: Row) -> StoryReport:
    """A story's report with its ``feeds`` JSON array."""
    return StoryReport(
        id=row["id"],
        title=row["title"],
        link=row["link"],
        published_at=instant(row["published_at"]),
        feeds=strings(row["feeds"]),
    )


def timeline_entry(row: Row) -> TimelineEntry:
    """A timeline row."""
    return TimelineEntry(
        day=date.fromisoformat(row["day"]),
        headline=row["headline"],
        kind=row["kind"],
        story=row["story"],
        sources=row["sources"],
        reports=row["reports"],
        stories=integers(row["stories"]),
        actors=strings(row["actors"]),
    )


def search_row(row: Row) -> SearchRow:
    """A search hit."""
    return SearchRow(
        id=row["id"],
        title=row["title"],
        link=row["link"],
        published_at=instant(row["published_at"]),
        story_id=row["story_id"],
        snippet=row["snippet"] or "",
    )


def subscription(row: Row) -> Subscription:
    """A subscribers row."""
    hour, minute = (int(part) for part in row["digest_time"].split(":"))
    return Subscription(
        chat_id=row["chat_id"],
        chat_type=row["chat_type"],
        title=row["title"],
        at=time(hour, minute),
        timezone=row["timezone"],
        days=row["days"],
        alerts=bool(row["alerts"]),
        skip_empty=bool(row["skip_empty"]),
        weekly_chart=bool(row["weekly_chart"]),
        active=bool(row["active"]),
        next_due_at=from_iso(row["next_due_at"]),
        cursor=from_iso(row["cursor"]),
        language=row["language"],
        last_digest_at=from_iso(row.get("last_digest_at")),
    )


def delivery(row: Row) -> Delivery:
    """A deliveries row."""
    return Delivery(
        id=row["id"],
        chat_id=row["chat_id"],
        due_at=instant(row["due_at"]),
        window_start=from_iso(row["window_start"]),
        window_end=instant(row["window_end"]),
        digest_key=row["digest_key"],
        status=row["status"],
        attempts=row["attempts"],
        error=row["error"],
        created_at=instant(row["created_at"]),
        sent_at=from_iso(row["sent_at"]),
    )
