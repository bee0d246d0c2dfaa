"""Stories: grouping reports of one development from different outlets, languages and days.

Pure. A report becomes a *fingerprint* (a set of language-light tokens: 5-letter stems of
transliterated words, numbers, and consonant skeletons of capitalised names) that the caller
stores. A new report joins the most similar recent story when the similarity clears a threshold,
else it starts a story. Similarity mixes word overlap (rare tokens weigh more; words common to
the whole topic weigh little), actor overlap (ubiquitous actors weigh little) and event-date
agreement, so reports of one summit in English and Romanian meet while two developments with the
same leaders a week apart stay apart.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

__all__ = [
    "StoryCandidate",
    "StoryItem",
    "choose_story",
    "classify_kind",
    "fingerprint",
    "fingerprint_similarity",
    "group_items",
    "headline",
    "merge_fingerprint",
    "similarity",
    "story_date",
]

FINGERPRINT_LIMIT = 300
# a story fingerprint counts as at most this many times the report's own weight in the cosine
STORY_SIZE_CAP = 1.5
GENERIC_WEIGHT = 0.25  # topic-wide words (Ukraine, peace, talks) and ubiquitous actors
DATE_BOOST = 0.5  # agreeing event dates raise the score by this fraction
DEFAULT_THRESHOLD = 0.22


@dataclass(frozen=True)
class StoryItem:
    """One report as story grouping sees it; ``actors`` are canonical names."""

    id: int
    title: str
    text: str
    published: datetime
    event_date: date | None
    actors: frozenset[str]
    language: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class StoryCandidate:
    """An existing story as stored: its merged fingerprint, actors and time span."""

    id: int
    fingerprint: frozenset[str]
    actors: frozenset[str]
    first_published: datetime
    last_published: datetime
    event_date: date | None
    size: int


# --- fingerprints -----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_CYRILLIC_LATIN = _words(
    "a b v g g d e e ye zh z i i i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
)
_CYRILLIC = {
    letter: latin.strip("-")
    for letter, latin in zip("абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя", _CYRILLIC_LATIN, strict=True)
}

_STOPWORDS = frozenset(
    _words(
        """
        the and for that with this from have has had was were are been being not but its his her
        their they them than then there these those which who whom whose what when where while
        will would could should can may might must also into onto over under after before about
        above between during without within such some any all each more most other our out own
        same very just only both one two three said says say according year years new told week
        day time today yesterday monday tuesday wednesday thursday friday saturday sunday
        january february march april june july august september october november december
        der die das und den dem des ein eine einer eines nicht mit von auf für ist sich auch als
        wie bei aus nach noch wird werden hat haben sind war zum zur über vor durch gegen sein
        les des une dans pour par sur est pas qui que aux avec ont ses sont été cette leur mais
        plus elle ils sera comme entre selon après
        los las del una por para con sus que fue han como más pero sobre este esta entre tras
        sin ser son hay según
        gli della delle degli dei nel nella per con che non una sono alla alle dal dalla anche
        come più suo sua tra fra dopo secondo
        din care pentru este sunt fost acest aceasta privind după între fără sau mai cea cel
        nie się jest oraz dla przez jak już był była było tym tego które który która jako przy
        pod także został została
        egy hogy nem volt van meg már csak mint után között szerint pedig amely
        что это как так его она они был была были будет для при или уже также после чтобы
        того этого который которые между более может
        що это як так його вона вони був була були буде для або вже також після щоб який які
        між може
        """
    )
)

_GENERIC_WORDS = """
    ukraine ukrainian ucraina ukraina ukrajna украина україна russia russian rossia россия
    rosja rusia russland oroszország росія security sécurité seguridad sicurezza sicherheit
    bezpieczeństwo securitate biztonság безопасность безпека guarantees garanties garantías
    garanzie garantien gwarancje garanții garanciák гарантии гарантії peace paix pace frieden
    pokój béke мир talks negotiations переговоры переговори president président presidente
    präsident prezydent președinte elnök президент trump трамп putin путин путін zelensky
    зеленский зеленський zelenszkij war guerre guerra krieg wojna război háború война війна
    minister leaders state united europe countries allies donald vladimir volodymyr kremlin
    moscow kyiv kiev nato
"""
_UBIQUITOUS_ACTORS = frozenset(
    a.lower()
    for a in (
        "Ukraine",
        "Russia",
        "United States",
        "Donald Trump",
        "Vladimir Putin",
        "Volodymyr Zelensky",
        "Volodymyr Zelenskyy",
        "European Union",
        "Europe",
    )
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
_VOWELS = re.compile(r"[aeiouyjh]")


def _plain(word: str) -> str:
    """Lowercase, Cyrillic transliterated, diacritics stripped."""
    lowered = "".join(_CYRILLIC.get(ch, ch) for ch in word.lower())
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


def fingerprint(title: str, text: str) -> frozenset[str]:
    """Language-light tokens of a report, for storing and comparing.

    Holds 5-letter stems of transliterated words (stopwords out; title stems once more as
    ``^stem``), numbers of two or more digits as ``#n``, and consonant skeletons of capitalised
    words as ``~xxxx`` so that names match across spellings and scripts where that is cheap.
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
        if len(plain) < 3 or plain in _STOPWORDS or word.lower() in _STOPWORDS:
            continue
        tokens.add(plain[:5])
        if in_title and plain[:5] not in _GENERIC_STEMS:
            tokens.add("^" + plain[:5])
        if word[0].isupper() and len(plain) >= 4 and plain.isascii():
            skeleton = _skeleton(plain)
            if len(skeleton) >= 3:
                tokens.add("~" + skeleton)
    return frozenset(tokens)


_GENERIC_STEMS = frozenset(_plain(word)[:5] for word in _words(_GENERIC_WORDS)) | frozenset(
    "~" + _skeleton(_plain(word)) for word in _words(_GENERIC_WORDS) if word[0].isalpha()
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


def _weighted_cosine(
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
    words = _weighted_cosine(a, b, weights, _token_weight, b_members=members)
    names = _weighted_cosine(_entities(a), _entities(b), weights, _token_weight, b_members=members)
    return max(words, 0.7 * names)


def _actor_weight(actor: str) -> float:
    return GENERIC_WEIGHT if actor.lower() in _UBIQUITOUS_ACTORS else 1.0


def _actor_similarity(
    a: frozenset[str],
    b: frozenset[str],
    weights: Mapping[str, float] | None,
    members: int = 1,
) -> float:
    # Trump, Putin and Zelensky in common says little on its own
    return _weighted_cosine(a, b, weights, _actor_weight, b_members=members, generic_only=0.5)


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


# --- choosing a story -------------------------------------------------------------------------


def _rarity(fingerprints: Sequence[Iterable[str]]) -> dict[str, float]:
    """Down-weight tokens that many candidate stories share (they do not tell stories apart)."""
    n = len(fingerprints)
    if n < 4:
        return {}
    df: Counter[str] = Counter()
    for fp in fingerprints:
        df.update(set(fp))
    return {token: 1.0 / (1.0 + 4.0 * count / n) for token, count in df.items() if count > 1}


def _date_agreement(item_date: date | None, cand: StoryCandidate) -> float:
    """1 when the days agree, 0 when unknown or a few days apart, negative when clearly apart."""
    if item_date is None or cand.event_date is None:
        return 0.0
    gap = abs((item_date - cand.event_date).days)
    if gap <= 1:
        return 1.0
    if gap <= 2:
        return 0.0
    return -1.0


def similarity(
    item_fp: frozenset[str],
    item_actors: frozenset[str],
    item_date: date | None,
    cand: StoryCandidate,
    *,
    weights: Mapping[str, float] | None = None,
    actor_weights: Mapping[str, float] | None = None,
) -> float:
    """How likely a report (fingerprint, actors, event date) belongs to a story, 0..1.

    ``weights``/``actor_weights`` optionally scale tokens by rarity among the current candidates.
    Agreeing event dates raise the score; event dates more than two days apart cut it sharply.
    """
    words = fingerprint_similarity(item_fp, cand.fingerprint, weights, members=cand.size)
    actors = _actor_similarity(item_actors, cand.actors, actor_weights, cand.size)
    agreement = _date_agreement(item_date, cand)
    # the date only modulates: on any given day many unrelated things "happened today"
    score = (0.6 * words + 0.25 * actors) * (1.0 + DATE_BOOST * agreement if agreement > 0 else 1.0)
    if agreement < 0:
        score *= 0.4
    return max(0.0, min(1.0, score))


def _item_day(item: StoryItem) -> date:
    return item.event_date or item.published.date()


def choose_story(
    item: StoryItem,
    item_fp: frozenset[str],
    candidates: Sequence[StoryCandidate],
    *,
    window_days: int = 4,
    threshold: float = DEFAULT_THRESHOLD,
) -> int | None:
    """The id of the existing story this report belongs to, or None to start a new story.

    Only stories active within ``window_days`` of the report's day (its event date, else its
    publication) compete; ties go to the bigger, then the older story.
    """
    day = _item_day(item)
    window = timedelta(days=window_days)
    live = [
        cand
        for cand in candidates
        if cand.first_published.date() - window <= day <= cand.last_published.date() + window
        or (cand.event_date is not None and abs((cand.event_date - day).days) <= window_days)
    ]
    if not live:
        return None
    weights = _rarity([c.fingerprint for c in candidates] + [item_fp])
    actor_weights = _rarity([c.actors for c in candidates] + [item.actors])
    best: tuple[float, int, int] | None = None
    for cand in live:
        score = similarity(
            item_fp,
            item.actors,
            item.event_date,
            cand,
            weights=weights,
            actor_weights=actor_weights,
        )
        key = (score, cand.size, -cand.id)
        if score >= threshold and (best is None or key > best):
            best = key
    return None if best is None else -best[2]


# --- describing a story -----------------------------------------------------------------------

_ENGLISH_HINTS = frozenset(_words("the of to in and for on with after says over as at is"))


def _is_english(item: StoryItem) -> bool:
    if item.language:
        return item.language.lower().startswith("en")
    words = re.findall(r"[A-Za-z]+", item.title.lower())
    return item.title.isascii() and len(_ENGLISH_HINTS.intersection(words)) >= 1


def headline(items: Sequence[StoryItem]) -> str:
    """The most representative title: closest to the story's centre, English preferred."""
    titled = [item for item in items if item.title and item.title.strip()]
    if not titled:
        return ""
    prints = {item.id: fingerprint(item.title, item.text) for item in titled}
    pool = [item for item in titled if _is_english(item)] or titled

    def centrality(item: StoryItem) -> float:
        others = [other for other in titled if other.id != item.id]
        if not others:
            return 0.0
        return sum(
            fingerprint_similarity(prints[item.id], prints[other.id]) for other in others
        ) / len(others)

    best = max(
        pool, key=lambda item: (round(centrality(item), 6), -item.published.timestamp(), -item.id)
    )
    return best.title.strip()


def story_date(items: Sequence[StoryItem]) -> date:
    """The development's day: the event date most reports support (neighbouring days count half),
    else the earliest publication."""
    days = [item.event_date for item in items if item.event_date is not None]
    if not days:
        return min(item.published for item in items).date()
    counts = Counter(days)

    def support(day: date) -> tuple[float, int]:
        near = sum(n for other, n in counts.items() if abs((other - day).days) <= 1)
        # ties go to the later day: previews come before the event, not after it
        return counts[day] + 0.5 * (near - counts[day]), day.toordinal()

    return max(counts, key=support)


_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"(?<![^\W\d_])(?:{pattern})", re.IGNORECASE)
    for kind, pattern in {
        "agreement": r"agree(?:d|ment|s)\b|deal\b|signed|sign(?:s|ing)? |declaration|accord|"
        r"pact\b|treaty|memorandum|соглашен|подписа|договор|угод|домовлен|підписа|abkommen|"
        r"einigung|vereinbar|unterzeichn|acuerdo|firmad|accordo|firmat|porozumien|umow|"
        r"podpisa|acord|semnat|megállapod|aláír",
        "proposal": r"plan\b|plans\b|proposal|propos|draft|framework|\d+[- ]point|blueprint|"
        r"offer|предлож|план\b|проект|пропозиц|vorschlag|friedensplan|proposition|propuesta|"
        r"proposta|piano di pace|propozycj|plan pokojow|propuner|planul|javaslat|béketerv",
        "military_aid": r"weapons|arms (?:deliver|package|sale)|military aid|air defen[cs]e|"
        r"patriot|missiles?\b|tomahawk|ammunition|aid package|howitzer|f-16|drones? deal|"
        r"оружи|вооружен|зброї|зброя|ппо|waffen|munition|luftabwehr|armes|armas|armi\b|"
        r"broń|broni|arme\b|armament|fegyver",
        "meeting": r"summit|talks\b|meet(?:s|ing)?\b|met\b|visit|phone call|call with|"
        r"negotiat|conference|встреч|переговор|саммит|зустр|перемови|саміт|gipfel|treffen|"
        r"gespräch|verhandl|sommet|rencontr|réunion|négoci|cumbre|reunión|negociac|vertice|"
        r"incontr|colloqui|negoziat|spotkan|szczyt|rozmow|negocjac|întâlnir|summit|negocier|"
        r"discuți|találkoz|csúcs|tárgyal",
        "statement": r"said|says|statement|warn|reject|denounc|dismiss|insist|stress|urge|"
        r"claim|criticis|criticiz|заяв|отверг|відкин|erklär|warnt|lehnt|déclar|rejett|"
        r"afirm|rechaz|dichiar|respin|oświadcz|odrzuc|declar|respinge|kijelent|elutasít",
    }.items()
}
_KIND_PRIORITY = ("agreement", "proposal", "military_aid", "meeting", "statement")
# "X rejects Y's plan" reports a reaction, whatever it reacts to
_REJECTION = re.compile(
    r"reject|denounc|dismiss|refus|rebuff|отверг|отказ|відкин|відмов|lehnt\w* ab|zurückgew|"
    r"rejett|rechaz|respin|odrzuc|elutasít",
    re.IGNORECASE,
)


def classify_kind(title: str, text: str) -> str:
    """What sort of development a report describes: meeting, proposal, agreement, statement,
    military_aid or other. The title counts three times as much as the opening of the text."""
    opening = (text or "")[:600]
    scores = {
        kind: 3 * len(pattern.findall(title or "")) + len(pattern.findall(opening))
        for kind, pattern in _KIND_PATTERNS.items()
    }
    if _REJECTION.search(title or ""):
        scores["statement"] += 4
    best = max(_KIND_PRIORITY, key=lambda kind: (scores[kind], -_KIND_PRIORITY.index(kind)))
    return best if scores[best] > 0 else "other"


# --- batch grouping ---------------------------------------------------------------------------


def group_items(
    items: Sequence[StoryItem], *, window_days: int = 4, threshold: float = DEFAULT_THRESHOLD
) -> list[list[int]]:
    """Group reports into stories the way the incremental path would: one at a time in order of
    publication, each joining the story :func:`choose_story` picks. Returns ids per story."""
    stories: list[list[StoryItem]] = []
    prints: list[frozenset[str]] = []
    actors: list[frozenset[str]] = []
    for item in sorted(items, key=lambda i: (i.published, i.id)):
        item_fp = fingerprint(item.title, item.text)
        candidates = [
            StoryCandidate(
                id=index,
                fingerprint=prints[index],
                actors=actors[index],
                first_published=min(i.published for i in members),
                last_published=max(i.published for i in members),
                event_date=_supported_event_date(members),
                size=len(members),
            )
            for index, members in enumerate(stories)
        ]
        chosen = choose_story(
            item, item_fp, candidates, window_days=window_days, threshold=threshold
        )
        if chosen is None:
            stories.append([item])
            prints.append(item_fp)
            actors.append(item.actors)
        else:
            prints[chosen] = merge_fingerprint(prints[chosen], item_fp, len(stories[chosen]))
            actors[chosen] = actors[chosen] | item.actors
            stories[chosen].append(item)
    return [[item.id for item in members] for members in stories]


def _supported_event_date(items: Sequence[StoryItem]) -> date | None:
    if not any(item.event_date for item in items):
        return None
    return story_date(items)
