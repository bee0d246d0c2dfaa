"""Story fingerprints: the language-light tokens of a report, and how alike two fingerprints are.

A report becomes a set of 5-letter stems of transliterated words, numbers, and consonant
skeletons of capitalised names, which the caller stores. Similarity is a weighted cosine in
which rare tokens weigh more and words common to the whole topic weigh little."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from bot.analysis.story_words import CYRILLIC, GENERIC_WORDS, STOPWORDS, words

FINGERPRINT_LIMIT = 300
# a story fingerprint counts as at most this many times the report's own weight in the cosine
STORY_SIZE_CAP = 1.5
GENERIC_WEIGHT = 0.25  # topic-wide words (Ukraine, peace, talks) and ubiquitous actors


_WORD = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
_VOWELS = re.compile(r"[aeiouyjh]")


def _plain(word: str) -> str:
    """Lowercase, Cyrillic transliterated, diacritics stripped."""
    lowered = "".join(CYRILLIC.get(ch, ch) for ch in word.lower())
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _skeleton(plain: str) -> str:
    """A consonant skeleton that survives common transliterations (Zelenskyy, Зеленский)."""
    s = plain
    for old, new in (
        ("sch", "sh"),
        ("cz", "ch"),
        ("sz", "s"),
        ("w", "v"),
        ("ph", "f"),
        ("ck", "k"),
        ("ks", "x"),
    ):
        s = s.replace(old, new)
    s = _VOWELS.sub("", s)
    s = re.sub(r"(.)\1+", r"\1", s)
    return s[:4]


def entity_token(kind: str, name: str) -> str:
    """The fingerprint token of a canonical actor (``$``) or place (``@``): the same in every
    language and script, since the gazetteers resolve the names."""
    return kind + "_".join(_plain(name).split())


def fingerprint(
    title: str,
    text: str,
    *,
    places: Iterable[str] = (),
    title_places: Iterable[str] = (),
) -> frozenset[str]:
    """Language-light tokens of a report, for storing and comparing.

    Holds 5-letter stems of transliterated words (stopwords out; title stems once more as
    ``^stem``), numbers of two or more digits as ``#n``, and consonant skeletons of capitalised
    words as ``~xxxx`` so that names match across spellings and scripts where that is cheap.
    The canonical ``places`` the gazetteer found come as ``@name`` (and ``^@name`` for places
    named in the title): reports of one meeting in any language share them. Word similarity
    leaves them out; :func:`place_agreement` compares them.
    """
    tokens: set[str] = set()
    title_end = len(title or "")
    for match in _WORD.finditer(f"{title or ''}\n{text or ''}"):
        word = match.group()
        in_title = match.start() < title_end
        if word.isdigit():
            if len(word) >= 2:
                tokens.add("#" + word.lstrip("0"))
            continue
        if any(ch.isdigit() for ch in word):
            continue
        plain = _plain(word)
        if len(plain) < 3 or plain in STOPWORDS or word.lower() in STOPWORDS:
            continue
        tokens.add(plain[:5])
        if in_title and plain[:5] not in _GENERIC_STEMS:
            tokens.add("^" + plain[:5])
        if word[0].isupper() and len(plain) >= 4 and plain.isascii():
            skeleton = _skeleton(plain)
            if len(skeleton) >= 3:
                tokens.add("~" + skeleton)
    tokens.update(entity_token("@", name) for name in places)
    tokens.update(entity_token("^@", name) for name in title_places)
    return frozenset(tokens)


_GENERIC_STEMS = frozenset(_plain(word)[:5] for word in words(GENERIC_WORDS)) | frozenset(
    "~" + _skeleton(_plain(word)) for word in words(GENERIC_WORDS) if word[0].isalpha()
)


@lru_cache(maxsize=262_144)
def _token_weight(token: str) -> float:
    if token.startswith("#"):
        return 0.5 if len(token) == 5 and token[1:3] in ("19", "20") else 1.5  # years are common
    if token in _GENERIC_STEMS:
        return GENERIC_WEIGHT
    if token.startswith("~"):
        return 1.2
    if token.startswith("^"):
        return 1.5
    return 1.0


def weighted_cosine(
    a: frozenset[str],
    b: frozenset[str],
    weight: Mapping[str, float] | None,
    base: Callable[[str], float],
    *,
    b_members: int = 1,
    generic_only: float = 0.0,
) -> float:
    """Cosine of two weighted sets. ``b`` may be the union of ``b_members`` reports: it then
    counts no bigger than one of them (or 1.5 × ``a``), so a grown story is not penalised for
    its size. When every shared token is topic-generic the score is scaled by ``generic_only``."""
    if not a or not b:
        return 0.0
    common = a & b
    if not common:
        return 0.0
    if weight is None and base is _token_weight:
        # The common case (timeline, grouping without rarity weights): no per-token closure.
        shared = sum(map(_token_weight, common))
        size_a, size_b = _plain_size(a), _plain_size(b)
        if b_members > 1:
            size_b = min(size_b, max(size_b / b_members, STORY_SIZE_CAP * size_a))
        score = min(1.0, shared / math.sqrt(size_a * size_b))
        if max(map(_token_weight, common)) <= GENERIC_WEIGHT:
            score *= generic_only
        return score

    def w(token: str) -> float:
        return base(token) * (weight.get(token, 1.0) if weight else 1.0)

    shared = sum(w(t) for t in common)
    if not shared:
        return 0.0
    size_a, size_b = sum(w(t) for t in a), sum(w(t) for t in b)
    if b_members > 1:
        size_b = min(size_b, max(size_b / b_members, STORY_SIZE_CAP * size_a))
    score = min(1.0, shared / math.sqrt(size_a * size_b))
    if all(base(t) <= GENERIC_WEIGHT for t in common):
        score *= generic_only
    return score


@lru_cache(maxsize=65_536)
def _plain_size(fp: frozenset[str]) -> float:
    return sum(_token_weight(token) for token in fp)


@lru_cache(maxsize=65_536)
def _entities(fp: frozenset[str]) -> frozenset[str]:
    return frozenset(token for token in fp if token[0] in "#~" and token not in _GENERIC_STEMS)


@lru_cache(maxsize=65_536)
def words_only(fp: frozenset[str]) -> frozenset[str]:
    """A fingerprint without its place tokens (what word similarity compares)."""
    return frozenset(token for token in fp if token[0] != "@" and not token.startswith("^@"))


@lru_cache(maxsize=65_536)
def places_of(fp: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The place tokens of a fingerprint: every place named, and those named in a title."""
    return (
        frozenset(token for token in fp if token[0] == "@"),
        frozenset(token[1:] for token in fp if token.startswith("^@")),
    )


def place_agreement(a: frozenset[str], b: frozenset[str]) -> float:
    """How well a report (``a``) agrees with a story (``b``) on where, from -1 to 1: 0 when
    either names no place; -1 when the places the report's headline names are none the story
    names (a meeting in Berlin against a story in Geneva, even if the Berlin report recalls the
    Geneva talks); -0.5 when they share no place at all; else the share of the report's places
    the story names.
    """
    places_a, titled_a = places_of(a)
    places_b, _ = places_of(b)
    if not places_a or not places_b:
        return 0.0
    if titled_a and not titled_a & places_b:
        return -1.0
    shared = places_a & places_b
    if not shared:
        return -0.5
    return len(shared) / len(places_a)


def fingerprint_similarity(
    a: frozenset[str],
    b: frozenset[str],
    weights: Mapping[str, float] | None = None,
    *,
    members: int = 1,
) -> float:
    """Weighted cosine between two fingerprints (0..1); topic-generic tokens count little and
    never suffice alone. ``members``: how many reports ``b`` merges (a story's fingerprint).

    Names and numbers are compared on their own as well, since they are what reports in
    different languages share; the better of the two comparisons counts.
    """
    a, b = words_only(a), words_only(b)
    words = weighted_cosine(a, b, weights, _token_weight, b_members=members)
    names = weighted_cosine(_entities(a), _entities(b), weights, _token_weight, b_members=members)
    return max(words, 0.7 * names)


def merge_fingerprint(
    story_fp: frozenset[str], item_fp: frozenset[str], size: int, *, limit: int = FINGERPRINT_LIMIT
) -> frozenset[str]:
    """The story's fingerprint after adding one report (``size`` = reports already in the story).

    The union, cut to ``limit`` tokens: tokens both share first, then names and numbers, then the
    story's established tokens (more so the bigger the story), then the newcomer's.
    """
    union = story_fp | item_fp
    if len(union) <= limit:
        return union

    def rank(token: str) -> tuple[int, str]:
        if token in story_fp and token in item_fp:
            tier = 0
        elif token[0] in "#~":
            tier = 1
        elif token in story_fp:
            tier = 2 if size >= 2 else 3
        else:
            tier = 3 if size >= 2 else 2
        return tier, token

    return frozenset(sorted(union, key=rank)[:limit])


def plain_word(word: str) -> str:
    """A word lower-cased, Cyrillic transliterated and diacritics stripped (as fingerprints
    compare words)."""
    return _plain(word)
