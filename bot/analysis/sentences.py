"""A report's lead sentences and the facts each one states: who, where, when, what came of it.

Pure. Analysis keeps the first sentences of every relevant report with their facts, so that a
story's summary can be chosen later from all its reports without reading them again. Facts are
language-independent keys: ``a:`` an actor (canonical name), ``p:`` a place, ``d:`` a day of a
month (``d:1-6``) or a weekday (``w:1``, Monday = 0), ``n:`` a number, ``o:`` an outcome
(agreed, refused, progress, proposed, failed, announced).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

from bot.analysis.date_words import MONTH_FORMS, WEEKDAY_FORMS
from bot.analysis.fingerprints import plain_word
from bot.analysis.story_words import STOPWORDS
from bot.analysis.summary_words import ABBREVIATIONS, NOISE, OUTCOMES
from bot.core.models import LeadSentence

LEAD_SENTENCES = 6  # sentences kept per report
LEAD_CHARS = 2400  # of the report's text read for them
MIN_CHARS = 40
MAX_CHARS = 600

__all__ = ["Sentence", "lead_sentences", "split_sentences"]


Sentence = LeadSentence

_L = r"[^\W\d_]"
_MONTH_OF = {form: month for month, forms in MONTH_FORMS.items() for form in forms}
_WEEKDAY_OF = {form: day for day, forms in WEEKDAY_FORMS.items() for form in forms}


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_MONTH = rf"(?P<month>{_alternation(list(_MONTH_OF))})"
_DAY_MONTH = re.compile(
    rf"(?<!\d)(?P<day>[0-3]?\d)(?:st|nd|rd|th|\.|-?го|-?е)?\s+(?:of\s+|de\s+)?{_MONTH}(?!{_L})",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(rf"(?<!{_L}){_MONTH}\.?\s+(?P<day>[0-3]?\d)(?!\d)", re.IGNORECASE)
_WEEKDAY = re.compile(rf"(?<!{_L})(?:{_alternation(list(_WEEKDAY_OF))})(?!{_L})", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\d.,])\d{2,}(?![\d])")
# A sentence ends at . ! ? … (or the Devanagari danda) followed by space and a capital, a
# digit or an opening quote; abbreviations and initials are not ends (checked below).
_BOUNDARY = re.compile(r"(?<=[.!?…।])[\"'”»’)]*\s+(?=[\"'“„«(\[]?[^\W_a-zа-яё])")
_SPACES = re.compile(r"\s+")
# "6 January 2026 - 22:17", "2026-01-06 10:00": a date and time standing before the text.
_DATELINE = re.compile(
    r"^\s*(?:\d{1,2}\s+[^\W\d_]+\s+\d{4}|[^\W\d_]+\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:\s*[-–—,]?\s*\d{1,2}:\d{2})?\s*"
)


# A byline run into the text after it ("By Jane Doe, Ann Lee and Bo Kim WASHINGTON, Feb 17
# (Reuters) - …", where the feed's markup had them in separate paragraphs): a leading "By" (or
# its word in another language) and up to six full names, ended by a wire dateline: a place in
# capitals, perhaps a date and the agency, and a dash ("By Monday Ukraine's SBU (security
# service) had …" has no dash and keeps its start). Possessive where text may repeat itself.
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*+"
_PARTICLE = r"(?:de|da|del|della|di|du|van|von|der|den|le|la|al|bin|ibn)"
_NAME = rf"{_NAME_WORD}(?:\s++(?:{_PARTICLE}\s++)?{_NAME_WORD}){{1,3}}"  # first and last names
_CONJUNCTION = r"(?:and|und|et|y|e|en)"
_NAME_JOIN = rf"(?:\s*+,\s*+(?:{_CONJUNCTION}\s++)?|\s++{_CONJUNCTION}\s++|\s*+&\s*+)"
_WIRE_DATELINE = (
    r"[A-ZÀ-ÖØ-Þ]{3,}+[A-ZÀ-ÖØ-Þ/ .'-]*(?:,[^()\n–—-]{1,30}?)?\s*+(?:\([^()]{1,40}\)\s*+)?[-–—]"
)
_BYLINE = re.compile(
    rf"^(?:By|BY|Von|Par|Por|Di|Door)\s++{_NAME}(?:{_NAME_JOIN}{_NAME}){{0,5}}\s*+"
    rf"(?:[|–—-]\s*+)?(?={_WIRE_DATELINE})"
)


def split_sentences(text: str) -> list[str]:
    """The sentences of a plain text, in order (abbreviations and initials do not end one)."""
    text = _SPACES.sub(" ", text).strip()
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start()
        before = text[start:end].rstrip("\"'”»’)")
        last_word = before.rsplit(" ", 1)[-1].rstrip(".").lower()
        if last_word in ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "U.S. envoys", "Jan. 6", "J. D. Vance"
        sentences.append(text[start:end].strip())
        start = match.end()
    if start < len(text):
        sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _without_title(text: str, title: str) -> str:
    """The text without its title repeated near the top, and whatever stands before it there
    (many feeds start a description with a section label, the title and a dateline)."""
    clean_title = _SPACES.sub(" ", title or "").strip()
    flat = _SPACES.sub(" ", text).strip()
    if len(clean_title) >= 12:
        at = flat.casefold().find(clean_title.casefold(), 0, len(clean_title) + 200)
        if at >= 0:
            rest = flat[at + len(clean_title) :]
            return _DATELINE.sub("", rest).lstrip(" .:—–-")
    return flat


def _reads_as_prose(sentence: str) -> bool:
    """Not a caption, a byline or a list of names: enough words, and enough ordinary ones."""
    words = sentence.split()
    if len(words) < 6 or len(sentence) < MIN_CHARS:
        return False
    cased = [w for w in words if any(ch.isalpha() and (ch.isupper() or ch.islower()) for ch in w)]
    if len(cased) < len(words) / 2:
        return True  # a script without letter case (Devanagari …): no more checks
    lower = sum(1 for w in cased if w.lstrip("\"'“„«(").islower())
    return lower >= 3 and lower >= 0.35 * len(cased)


def date_facts(sentence: str) -> set[str]:
    """Days of a month (``d:<month>-<day>``) and weekdays (``w:<n>``) the sentence names."""
    facts = set()
    lowered = sentence.lower()
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for match in pattern.finditer(lowered):
            month = _MONTH_OF.get(match.group("month").lower())
            day = int(match.group("day"))
            if month and 1 <= day <= 31:
                facts.add(f"d:{month}-{day}")
    for match in _WEEKDAY.finditer(lowered):
        weekday = _WEEKDAY_OF.get(match.group().lower())
        if weekday is not None:
            facts.add(f"w:{weekday}")
    return facts


def outcome_facts(sentence: str) -> set[str]:
    """What came of the development, by the words the sentence uses."""
    return {f"o:{name}" for name, pattern in OUTCOMES.items() if pattern.search(sentence)}


def content_words(sentence: str) -> frozenset[str]:
    """Stems of the sentence's content words (for agreement between reports in one language)."""
    found = set()
    for word in re.findall(r"[^\W\d_]{3,}", sentence):
        plain = plain_word(word)
        if len(plain) >= 3 and plain not in STOPWORDS and word.lower() not in STOPWORDS:
            found.add(plain[:5])
    return frozenset(found)


def lead_sentences(
    title: str,
    text: str,
    *,
    actors: Callable[[str], Mapping[str, int]],
    places: Callable[[str], Mapping[str, int]],
    limit: int = LEAD_SENTENCES,
) -> tuple[Sentence, ...]:
    """The first ``limit`` sentences of a report that read as prose, with their facts.

    ``actors`` and ``places`` find canonical names in a piece of text (the gazetteers).
    The title repeated at the start of the text, a byline run into the dateline, photo credits
    and reading times are left out.
    """
    body = _without_title(unicodedata.normalize("NFC", text[:LEAD_CHARS]), title)
    body = NOISE.sub(" ", _BYLINE.sub("", body, count=1))
    found: list[Sentence] = []
    for position, sentence in enumerate(split_sentences(body)):
        if len(found) >= limit:
            break
        if len(sentence) > MAX_CHARS or not _reads_as_prose(sentence):
            continue
        facts = {f"a:{name}" for name in actors(sentence)}
        facts |= {f"p:{name}" for name in places(sentence)}
        facts |= date_facts(sentence) | outcome_facts(sentence)
        facts |= {f"n:{number.lstrip('0')}" for number in _NUMBER.findall(sentence)}
        found.append(Sentence(sentence, position, frozenset(facts), content_words(sentence)))
    return tuple(found)
