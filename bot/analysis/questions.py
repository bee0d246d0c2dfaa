"""Understanding a question typed in plain words: who, where, when, and what about.

Pure: the gazetteers resolve names in any alias, inflection or script ("Путіна", "Zelensky's",
"Зеленського", "Женеві"); time words become a range of days relative to ``today`` ("today",
"this week", "last month", "6 January", "у січні"); the remaining content words are searched in
the reports' text. "Who is …?" asks for an actor's card.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from bot.analysis.actors import Gazetteer
from bot.analysis.date_words import MONTH_FORMS, TODAY, YESTERDAY, phrases
from bot.analysis.places import Places
from bot.analysis.story_words import STOPWORDS

MAX_QUESTION = 500  # characters read of a question
MAX_WORDS = 8

# Characters that are never part of a question: controls, bidi marks, zero-width joiners.
_HIDDEN = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_WORD = re.compile(r"[^\W_][\w'’-]*")
_WHO_IS = re.compile(
    r"^\s*(?:who\s+is|who's|who\s+was|what\s+about|tell\s+me\s+about|хто\s+так(?:ий|а|е)|"
    r"хто\s+це|кто\s+так(?:ой|ая)|кто\s+это|wer\s+ist|qui\s+est|quién\s+es|kim\s+jest|"
    r"kto\s+to)\s+(?P<name>.+?)\s*\??\s*$",
    re.IGNORECASE,
)
_THIS_WEEK = phrases("this week | на цьому тижні | цього тижня | на этой неделе | diese woche")
_LAST_WEEK = phrases(
    "last week | past week | минулого тижня | на минулому тижні | на прошлой неделе | "
    "letzte woche | la semaine dernière | w zeszłym tygodniu"
)
_THIS_MONTH = phrases("this month | цього місяця | в этом месяце | diesen monat | ce mois")
_LAST_MONTH = phrases(
    "last month | past month | минулого місяця | в прошлом месяце | letzten monat | "
    "le mois dernier | w zeszłym miesiącu"
)
_RECENT = phrases("lately | recently | latest | останнім часом | нещодавно | недавно | последние")
# Words of a question that say what is asked, not what about.
_ASKING = frozenset(
    """
    what whats what's who whom whose which when where why how did does do is are was were has
    have had will would could should can about tell me know known happened happen happening
    news latest any there please say said says came come went go out new get got make made take
    took give gave що що-небудь хто кого коли де чому як чи було були відомо сталося стало про
    мені розкажи які який яка яке что кто когда где почему как было были известно случилось про
    расскажи какие какой was wer wann wo warum wie gibt es passiert über que quoi qui quand où
    pourquoi comment est co kto kiedy gdzie dlaczego jak
    """.split()
)


@dataclass(frozen=True)
class Question:
    """What a question asks about. ``since``/``until`` bound the days it means (both None when
    it names no time)."""

    text: str
    actors: tuple[str, ...]
    places: tuple[str, ...]
    since: date | None
    until: date | None
    words: tuple[str, ...]
    who_is: str | None  # the name asked about in "Who is …?"

    @property
    def empty(self) -> bool:
        """Nothing in it to look for."""
        return not (self.actors or self.places or self.words or self.since or self.who_is)


def clean_text(text: str, limit: int = MAX_QUESTION) -> str:
    """Text without hidden characters (a NUL or a bidi mark inside a word joins it up again),
    spaces folded, at most ``limit`` characters."""
    text = (text or "").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    text = unicodedata.normalize("NFC", _HIDDEN.sub("", text))
    return " ".join(text.split())[:limit]


def _contains(lowered: str, forms: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", lowered) for form in forms)


def _month_start(day: date, back: int = 0) -> date:
    year, month = day.year, day.month - back
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


def _month_end(start: date) -> date:
    following = _month_start(date(start.year + start.month // 12, start.month % 12 + 1, 1))
    return following - timedelta(days=1)


_MONTH_OF = {form: month for month, forms in MONTH_FORMS.items() for form in forms if len(form) > 3}
_MONTH_WORDS = "|".join(sorted((re.escape(f) for f in _MONTH_OF), key=len, reverse=True))
_DAY_MONTH = re.compile(rf"(?<!\d)([0-3]?\d)(?:st|nd|rd|th|\.)?\s+(?:of\s+)?({_MONTH_WORDS})(?!\w)")
_MONTH_DAY = re.compile(rf"(?<!\w)({_MONTH_WORDS})\.?\s+([0-3]?\d)(?!\d)")
_MONTH_ALONE = re.compile(rf"(?<!\w)({_MONTH_WORDS})(?!\w)")


def _latest(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year - 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found <= today + timedelta(days=1):
            return found
    return None


def time_range(lowered: str, today: date) -> tuple[date | None, date | None]:
    """The days a question's time words mean, relative to ``today`` (None, None without any)."""
    for pattern, order in ((_DAY_MONTH, (0, 1)), (_MONTH_DAY, (1, 0))):
        if match := pattern.search(lowered):
            day_text, month_text = match.group(order[0] + 1), match.group(order[1] + 1)
            found = _latest(_MONTH_OF[month_text], int(day_text), today)
            if found:
                return found - timedelta(days=1), found + timedelta(days=1)
    if _contains(lowered, TODAY):
        return today, today
    if _contains(lowered, YESTERDAY):
        return today - timedelta(days=1), today - timedelta(days=1)
    if _contains(lowered, _THIS_WEEK):
        return today - timedelta(days=today.weekday()), today
    if _contains(lowered, _LAST_WEEK):
        start = today - timedelta(days=today.weekday() + 7)
        return start, start + timedelta(days=6)
    if _contains(lowered, _THIS_MONTH):
        return _month_start(today), today
    if _contains(lowered, _LAST_MONTH):
        start = _month_start(today, 1)
        return start, _month_end(start)
    if _contains(lowered, _RECENT):
        return today - timedelta(days=7), today
    if match := _MONTH_ALONE.search(lowered):
        month = _MONTH_OF[match.group(1)]
        year = today.year if month <= today.month else today.year - 1
        start = date(year, month, 1)
        return start, min(_month_end(start), today)
    return None, None


def parse_question(text: str, gazetteer: Gazetteer, places: Places, today: date) -> Question:
    """What ``text`` asks about (no I/O; ``today`` anchors the time words)."""
    cleaned = clean_text(text)
    lowered = cleaned.lower()
    who = _WHO_IS.match(cleaned)
    actors = tuple(gazetteer.extract(cleaned, "", None))
    found_places = tuple(places.extract(cleaned, ""))
    since, until = time_range(lowered, today)
    # Words inside a name the gazetteers found ("Білому домі", "Zelensky's") are that name.
    named = [
        (start, end)
        for finder in (gazetteer, places.gazetteer)
        if finder.actors
        for start, end, _ in finder._mentions(cleaned)
    ]
    words = []
    for match in _WORD.finditer(cleaned):
        if any(start < match.end() and match.start() < end for start, end in named):
            continue
        word = match.group().strip("'’-")
        low = word.lower().removesuffix("'s").removesuffix("’s")
        if len(low) < 3 or low in _ASKING or low in STOPWORDS or low.isdigit() or low in _MONTH_OF:
            continue
        if low not in words:
            words.append(low)
    return Question(
        text=cleaned,
        actors=actors,
        places=found_places,
        since=since,
        until=until,
        words=tuple(words[:MAX_WORDS]),
        who_is=who.group("name").strip(" ?!.") if who else None,
    )
