"""Event dates: which day a report's development happened, and which future events it announces.

Pure: dates are resolved against the report's publication instant, which the caller passes in.
Explicit dates ("18 August", "18 серпня", "2025-08-18", "Dec. 14") and relative ones ("on Monday",
"yesterday", "last week") become candidates; each is weighted by where it stands (title and opening
count most), how close it lies before publication (historical dates lose), and how precise it is.
Dates after publication and phrases in the future tense become :class:`Upcoming` entries instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.analysis.date_words import (
    BEFORE_YESTERDAY,
    DAY_UNITS,
    LAST_WEEK,
    MONTH_FORMS,
    NEXT_MONTH,
    NEXT_WEEK,
    NUMBER_WORDS,
    TODAY,
    TOMORROW,
    WEEK_UNITS,
    WEEKDAY_FORMS,
    YESTERDAY,
)

__all__ = ["EventDates", "Upcoming", "resolve_dates"]


@dataclass(frozen=True)
class Upcoming:
    """An announced future event: the day it is expected and the phrase that announced it."""

    day: date
    text: str


@dataclass(frozen=True)
class EventDates:
    """The day the reported development happened (None when the text does not say) and what is
    announced for later."""

    event_date: date | None
    upcoming: tuple[Upcoming, ...]
    preview_date: date | None = None  # a preview's subject: the day it announces


# --- vocabulary -------------------------------------------------------------------------------

_L = r"[^\W\d_]"  # one letter, any script


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_MONTH_OF = {form: month for month, forms in MONTH_FORMS.items() for form in forms}
_MONTH = rf"(?<!{_L})(?:{_alternation(list(_MONTH_OF))})(?!{_L})"
_WEEKDAY_OF = {form: day for day, forms in WEEKDAY_FORMS.items() for form in forms}
_WEEKDAY_RE = re.compile(rf"(?<!{_L})(?:{_alternation(list(_WEEKDAY_OF))})(?!{_L})")

_ORDINAL = r"(?:st|nd|rd|th|er|e|\.|-?(?:го|е|ого|а|án|én|ján|jén|én|i))?"
_YEAR = r"(?:,?\s+(?:de\s+|del\s+|of\s+)?(?P<year>(?:19|20)\d{2}))?"

_DAY_MONTH_RE = re.compile(
    rf"(?<![\d.])(?P<day>\d{{1,2}}){_ORDINAL}\s*(?:de\s+|of\s+|-)?(?P<month>{_MONTH})\.?{_YEAR}"
)
_MONTH_DAY_RE = re.compile(
    rf"(?:(?P<year>(?:19|20)\d{{2}})\.?\s+)?(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})"
    rf"(?:st|nd|rd|th|\.|-?{_L}{{1,3}})?(?!\d)(?:,?\s+(?P<year2>(?:19|20)\d{{2}}))?"
)
_ISO_RE = re.compile(r"(?<!\d)(?P<year>20\d{2})[-.](?P<month>\d{1,2})[-.](?P<day>\d{1,2})(?!\d)")
_DOTTED_RE = re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>20\d{2})(?!\d)")
_SLASHED_RE = re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>20\d{2})(?!\d)")
_HU_MONTH_IN = [form for form in _MONTH_OF if form.endswith(("ban", "ben"))]  # "decemberben"
_MONTH_ONLY_RE = re.compile(
    rf"(?<!{_L})(?:in|im|en|a|w|we|в|у|în|since|until|early|late|mid-?)\s+(?P<month>{_MONTH})"
    rf"(?:\s+(?P<year>20\d{{2}}))?|(?P<hu>{_alternation(_HU_MONTH_IN)})"
)


def _phrase_re(words: list[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<!{_L})(?:{_alternation(words)})(?!{_L})")


_YESTERDAY_RE = _phrase_re(YESTERDAY)
_BEFORE_YESTERDAY_RE = _phrase_re(BEFORE_YESTERDAY)
_TODAY_RE = _phrase_re(TODAY)
_TOMORROW_RE = _phrase_re(TOMORROW)
_LAST_WEEK_RE = _phrase_re(LAST_WEEK)
_NEXT_WEEK_RE = _phrase_re(NEXT_WEEK)
_NEXT_MONTH_RE = _phrase_re(NEXT_MONTH)

_NUM = rf"(?:\d{{1,3}}|{_alternation(list(NUMBER_WORDS))})"
_WITHIN_RE = re.compile(
    rf"(?<!{_L})(?P<prefix>within|in|inside|over the next|in the next|during the next|через|"
    rf"в течение|протягом|innerhalb von|in den nächsten|binnen|dans|d'ici|d’ici|en|dentro de|"
    rf"en los próximos|entro|tra|fra|nei prossimi|w ciągu|za|în|în următoarele|в ближайшие)\s+"
    rf"(?P<a>{_NUM})(?:\s*(?:to|-|–|—|or|bis|à|a|al|do|și|и|і|до)\s*(?P<b>{_NUM}))?\s+"
    rf"(?P<unit>{DAY_UNITS}|{WEEK_UNITS})(?!{_L})",
    re.IGNORECASE,
)
_AGO_RE = re.compile(rf"(?<!{_L})(?P<a>{_NUM})\s+(?:days?|дня|дней|днів|дні)\s+(?:ago|назад|тому)")

_FUTURE_MARKERS = re.compile(
    rf"(?<!{_L})(?:will|'ll|shall|is to|are to|is due|are due|due to|set to|is expected|are "
    rf"expected|expected to|plans? to|planned|planning|scheduled|going to|upcoming|next|"
    rf"wird|werden|soll|sollen|geplant|nächste\w*|kommende\w*|va|vont|sera|seront|doit|doivent|"
    rf"prévue?s?|prochaine?s?|devrait|devraient|van a|será|serán|previst[oa]s?|próxim[oa]s?|"
    rf"sarà|saranno|prossim[oa]|dovrebbe|będzie|będą|odbędzie|planowan\w*|przyszł\w*|vor|"
    rf"urmează|viitoare|programat\w*|jövő|lesz|fog|fognak|tervezett|будет|будут|состоится|"
    rf"пройд[её]т|планиру\w*|запланирован\w*|предстоящ\w*|следующ\w*|буде|будуть|"
    rf"відбудеться|планує\w*|запланован\w*|наступн\w*)(?!{_L})"
)
_NEXT_WORD = re.compile(
    r"next|nächste\w*|kommende\w*|prochaine?s?|próxim[oa]s?|prossim[oa]|przyszł\w*|viitoare|"
    r"jövő|предстоящ\w*|следующ\w*|наступн\w*"
)
_PAST_SPEECH = re.compile(
    rf"(?<!{_L})(?:said|told|announced|stated|added|wrote|met|held|spoke|signed|agreed|hosted|"
    rf"visited|discussed|"
    rf"заявил\w*|сказал\w*|заяви\w*|сказа\w*|sagte|erklärte|a déclaré|a dit|dijo|afirmó|"
    rf"ha detto|powiedział\w*|a declarat|a spus|mondta)\s*(?:on|am|le|el|в|у|w)?\s*$"
)
_SENTENCE_BREAK = re.compile(r"[.!?;:\n]\s|[,(—–]\s*(?:but|while|after|before|as|and)?\s")


# --- candidates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    day: date
    start: int
    end: int
    kind: str  # explicit | weekday | relative | today | week | month
    future: bool


_KIND_WEIGHT = {
    "explicit": 1.0,
    "weekday": 0.9,
    "relative": 0.9,
    "today": 0.6,
    "week": 0.35,
    "month": 0.15,
}


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, ref: date) -> date | None:
    """The (year-less) day/month closest to the reference day, looking one year either side."""
    options = [
        d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := _safe_date(y, month, day))
    ]
    return min(options, key=lambda d: abs((d - ref).days), default=None)


def _future_context(lowered: str, start: int, end: int) -> bool:
    """True when the words right around a mention are in the future tense.

    The window runs back to the previous clause break (at most ~60 characters) and a little past
    the mention; a reporting verb right before the mention ("said on Monday") means past.
    """
    before = lowered[max(0, start - 70) : start]
    breaks = list(_SENTENCE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    if _PAST_SPEECH.search(before):
        return False
    after = lowered[end : end + 25]
    cut = _SENTENCE_BREAK.search(after)
    if cut:
        after = after[: cut.start()]
    if _FUTURE_MARKERS.search(before):
        return True
    # After the date, "next" speaks of something else ("on Tuesday to agree the next steps").
    return any(not _NEXT_WORD.fullmatch(m.group()) for m in _FUTURE_MARKERS.finditer(after))


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS.get(text.lower(), 0)


def _explicit_mentions(lowered: str, ref: date) -> list[tuple[int, int, date, bool]]:
    """(start, end, day, had_year) for every explicit calendar date, without overlaps."""
    found: list[tuple[int, int, date, bool]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, day: date | None, had_year: bool) -> None:
        if day is None or any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, end, day, had_year))

    for m in _ISO_RE.finditer(lowered):
        add(m.start(), m.end(), _safe_date(int(m["year"]), int(m["month"]), int(m["day"])), True)
    for m in _DOTTED_RE.finditer(lowered):
        add(m.start(), m.end(), _safe_date(int(m["year"]), int(m["month"]), int(m["day"])), True)
    for m in _SLASHED_RE.finditer(lowered):
        a, b = int(m["a"]), int(m["b"])
        month, day = (a, b) if a <= 12 else (b, a)
        add(m.start(), m.end(), _safe_date(int(m["year"]), month, day), True)
    for regex in (_DAY_MONTH_RE, _MONTH_DAY_RE):
        for m in regex.finditer(lowered):
            month = _MONTH_OF[m["month"]]
            day_number = int(m["day"])
            year = m["year"] or m.groupdict().get("year2")
            if year:
                add(m.start(), m.end(), _safe_date(int(year), month, day_number), True)
            else:
                add(m.start(), m.end(), _nearest_year(month, day_number, ref), False)
    return found


def _mentions(lowered: str, ref: date, language: str | None) -> list[_Mention]:
    mentions: list[_Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in taken)

    for start, end, day, _had_year in _explicit_mentions(lowered, ref):
        taken.append((start, end))
        future = day > ref + timedelta(days=1) or (
            day > ref and _future_context(lowered, start, end)
        )
        mentions.append(_Mention(day, start, end, "explicit", future))

    for m in _WEEKDAY_RE.finditer(lowered):
        if not free(m.start(), m.end()):
            continue
        previous = lowered[max(0, m.start() - 12) : m.start()].split()
        if (
            m[0] == "luni"
            and previous
            and (
                previous[-1][:1].isdigit()
                or previous[-1]
                in {"două", "doua", "trei", "patru", "cinci", "câteva", "cateva", "ultimele", "de"}
            )
        ):
            continue  # Romanian "luni" is also "months"
        weekday = _WEEKDAY_OF[m[0]]
        if _future_context(lowered, m.start(), m.end()):
            ahead = (weekday - ref.weekday()) % 7 or 7
            mentions.append(
                _Mention(ref + timedelta(days=ahead), m.start(), m.end(), "weekday", True)
            )
        else:
            back = (ref.weekday() - weekday) % 7
            mentions.append(
                _Mention(ref - timedelta(days=back), m.start(), m.end(), "weekday", False)
            )

    def relative(regex: re.Pattern[str], offset: int, kind: str, future: bool) -> None:
        for m in regex.finditer(lowered):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                mentions.append(
                    _Mention(ref + timedelta(days=offset), m.start(), m.end(), kind, future)
                )

    relative(_BEFORE_YESTERDAY_RE, -2, "relative", False)
    relative(_YESTERDAY_RE, -1, "relative", False)
    if language == "fr":
        relative(_phrase_re(["hier"]), -1, "relative", False)
    relative(_TODAY_RE, 0, "today", False)
    if language == "hu":
        relative(_phrase_re(["ma"]), 0, "today", False)
    relative(_TOMORROW_RE, 1, "relative", True)
    relative(_LAST_WEEK_RE, -7, "week", False)
    relative(_NEXT_WEEK_RE, 7 - ref.weekday(), "week", True)
    for m in _AGO_RE.finditer(lowered):
        if free(m.start(), m.end()) and (n := _number(m["a"])):
            mentions.append(
                _Mention(ref - timedelta(days=n), m.start(), m.end(), "relative", False)
            )

    for m in _MONTH_ONLY_RE.finditer(lowered):
        if not free(m.start(), m.end()):
            continue
        month = _MONTH_OF[m["month"] or m["hu"]]
        year = int(m["year"]) if m["year"] else None
        first = _safe_date(year, month, 1) if year else _nearest_year(month, 1, ref)
        if first is not None and (first.year, first.month) != (ref.year, ref.month) and first < ref:
            mentions.append(_Mention(first, m.start(), m.end(), "month", False))
    return mentions


def _upcoming_phrases(lowered: str, original: str, ref: date) -> list[Upcoming]:
    found = []
    for m in _WITHIN_RE.finditer(lowered):
        count = _number(m["b"] or m["a"])
        if not count:
            continue
        days = count * 7 if re.match(WEEK_UNITS, m["unit"]) else count
        # "in 2014"-style false hits cannot reach here: a unit word is required
        found.append(Upcoming(ref + timedelta(days=days), original[m.start() : m.end()]))
    for m in _NEXT_MONTH_RE.finditer(lowered):
        first = date(ref.year + ref.month // 12, ref.month % 12 + 1, 1)
        found.append(Upcoming(first, original[m.start() : m.end()]))
    return found


def _position_weight(start: int, title_length: int) -> float:
    if start < title_length:
        return 3.0
    offset = start - title_length
    if offset < 300:
        return 2.0
    if offset < 900:
        return 1.0
    return 0.6


def _recency_weight(age_days: int) -> float:
    if age_days < 0:
        return 0.9  # a day ahead: time zones between outlet and event
    if age_days <= 3:
        return 1.0
    if age_days <= 7:
        return 0.85
    if age_days <= 14:
        return 0.5
    if age_days <= 31:
        return 0.25
    if age_days <= 60:
        return 0.08
    return 0.0  # historical references never name the development


def _phrase(original: str, start: int, end: int) -> str:
    """The mention with a few words of context, trimmed to its clause."""
    left = original.rfind("\n", 0, start) + 1
    segment_start = max(left, start - 40)
    segment = original[segment_start : min(len(original), end + 30)]
    words = segment.split()
    if segment_start > left and words:
        words = words[1:]
    if end + 30 < len(original) and len(words) > 1:
        words = words[:-1]
    return " ".join(words).strip(" ,;")


def resolve_dates(
    title: str,
    text: str,
    published: datetime,
    language: str | None = None,
    *,
    relative: bool = True,
) -> EventDates:
    """Find the day of the reported development and the future events a report announces.

    ``published`` anchors relative phrases ("on Monday" is the latest Monday on or before it unless
    the sentence is in the future tense). Dates more than about two months before publication are
    treated as background and never chosen. ``event_date`` is None when the text names no usable
    day; callers then fall back to the publication date. With ``relative`` false (the report
    has no date of its own, so ``published`` is only when it was first seen) phrases such as
    "on Monday" or "yesterday" are not resolved: only dates that name their month count.
    """
    title = title or ""
    original = f"{title}\n{text or ''}"
    # NFC keeps accented letters as one character, so offsets match between the two strings
    original = unicodedata.normalize("NFC", original)
    lowered = original.lower()
    if len(lowered) != len(original):  # a few characters change length when lowered
        lowered = "".join(ch.lower()[:1] or ch for ch in original)
    ref = published.date()
    title_length = len(title) + 1
    language = (language or "").split("-")[0].lower() or None

    scores: dict[date, float] = defaultdict(float)
    ahead: dict[date, float] = defaultdict(float)
    upcoming: list[Upcoming] = []
    for mention in _mentions(lowered, ref, language):
        if not relative and mention.kind != "explicit":
            continue
        prominence = _KIND_WEIGHT[mention.kind] * _position_weight(mention.start, title_length)
        if mention.future:
            upcoming.append(Upcoming(mention.day, _phrase(original, mention.start, mention.end)))
            ahead[mention.day] += prominence * (1.0 if (mention.day - ref).days <= 3 else 0.5)
            continue
        weight = _recency_weight((ref - mention.day).days)
        if weight:
            scores[mention.day] += weight * prominence
    if relative:
        upcoming.extend(_upcoming_phrases(lowered, original, ref))

    event_date = None
    if scores:
        # ties go to the day nearer publication
        event_date = max(scores, key=lambda d: (round(scores[d], 6), d))
        if max(ahead.values(), default=0.0) > scores[event_date]:
            # a preview: its subject is still ahead, and the past dates it names are background
            event_date = None
    preview_date = None
    if event_date is None and ahead:
        preview_date = max(ahead, key=lambda d: (round(ahead[d], 6), -d.toordinal()))
    seen: set[tuple[date, str]] = set()
    unique = []
    for item in sorted(upcoming, key=lambda u: (u.day, u.text)):
        if (item.day, item.text.lower()) not in seen:
            seen.add((item.day, item.text.lower()))
            unique.append(item)
    return EventDates(event_date, tuple(unique), preview_date)
