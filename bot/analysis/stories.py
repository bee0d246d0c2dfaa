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

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.analysis.fingerprints import (
    GENERIC_WEIGHT,
    fingerprint,
    fingerprint_similarity,
    merge_fingerprint,
    place_agreement,
    weighted_cosine,
)
from bot.analysis.kinds import classify_kind
from bot.analysis.story_words import UBIQUITOUS_ACTORS, words
from bot.core.records import StoryCandidate

__all__ = [
    "StoryCandidate",
    "StoryItem",
    "choose_story",
    "classify_kind",
    "fingerprint",
    "fingerprint_similarity",
    "GrowingStory",
    "group_items",
    "grow_story",
    "resume_story",
    "headline",
    "merge_fingerprint",
    "similarity",
    "story_date",
]

DATE_BOOST = 0.5  # agreeing event dates raise the score by this fraction
DEFAULT_THRESHOLD = 0.22
WORDS_WEIGHT, ACTORS_WEIGHT, PLACE_WEIGHT = 0.5, 0.25, 0.25
PLACE_CONFLICT = 0.7  # a headline elsewhere keeps 30 % of the score, other places 65 %
GROWTH_DAYS = 2  # a story takes reports up to this many days from its day
UNDATED_FACTOR = 1.3  # an undated report or story must look this much more alike


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
    dated: bool = True  # False: ``published`` is only when the bot first saw the report
    preview_date: date | None = None  # a preview: the day of the event it announces


def _actor_weight(actor: str) -> float:
    return GENERIC_WEIGHT if actor.lower() in UBIQUITOUS_ACTORS else 1.0


def _actor_similarity(
    a: frozenset[str],
    b: frozenset[str],
    weights: Mapping[str, float] | None,
    members: int = 1,
) -> float:
    # Trump, Putin and Zelensky in common says little on its own
    return weighted_cosine(a, b, weights, _actor_weight, b_members=members, generic_only=0.5)


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

    Mixes word overlap, actor overlap and agreement on the place (the gazetteer's canonical
    places, so Genf and Женева agree). ``weights``/``actor_weights`` optionally scale tokens by
    rarity among the current candidates. Agreeing event dates raise the score; event dates more
    than two days apart cut it sharply, and so do places that differ.
    """
    words = fingerprint_similarity(item_fp, cand.fingerprint, weights, members=cand.size)
    actors = _actor_similarity(item_actors, cand.actors, actor_weights, cand.size)
    place = place_agreement(item_fp, cand.fingerprint)
    agreement = _date_agreement(item_date, cand)
    score = WORDS_WEIGHT * words + ACTORS_WEIGHT * actors + PLACE_WEIGHT * max(place, 0.0)
    # the date only modulates: on any given day many unrelated things "happened today"
    if agreement > 0:
        score *= 1.0 + DATE_BOOST * agreement
    elif agreement < 0:
        score *= 0.4
    if place < 0:
        score *= 1.0 + PLACE_CONFLICT * place
    return max(0.0, min(1.0, score))


def _item_day(item: StoryItem) -> date | None:
    """The report's day: its event date, else the day a preview announces, else its
    publication; None when it has none of these (an undated report without a date in its
    text). So "leaders to meet in Berlin next Tuesday" is kept apart from yesterday's talks
    and joins Tuesday's reports."""
    if item.event_date is not None:
        return item.event_date
    if item.preview_date is not None:
        return item.preview_date
    return item.published.date() if item.dated else None


def _story_day(cand: StoryCandidate) -> date | None:
    if not cand.dated and cand.event_date is None:
        return None
    return cand.event_date or cand.first_published.date()


def choose_story(
    item: StoryItem,
    item_fp: frozenset[str],
    candidates: Sequence[StoryCandidate],
    *,
    window_days: int = GROWTH_DAYS,
    threshold: float = DEFAULT_THRESHOLD,
) -> int | None:
    """The id of the existing story this report belongs to, or None to start a new story.

    A story takes reports of its day (the event date its reports support) and the
    ``window_days`` days either side, however many reports it already has: later reports
    start a story of their own, so today's development never hides under yesterday's date.
    A report or story whose day is unknown (no date of its own) may meet any other, but must
    look more alike. Ties go to the bigger, then the older story.
    """
    day = _item_day(item)
    live = []
    for cand in candidates:
        cand_day = _story_day(cand)
        if day is None or cand_day is None:
            live.append((cand, threshold * UNDATED_FACTOR))
        elif abs((cand_day - day).days) <= window_days:
            live.append((cand, threshold))
    if not live:
        return None
    weights = _rarity([c.fingerprint for c in candidates] + [item_fp])
    actor_weights = _rarity([c.actors for c in candidates] + [item.actors])
    best: tuple[float, int, int] | None = None
    for cand, needed in live:
        score = similarity(
            item_fp,
            item.actors,
            item.event_date,
            cand,
            weights=weights,
            actor_weights=actor_weights,
        )
        key = (score, cand.size, -cand.id)
        if score >= needed and (best is None or key > best):
            best = key
    return None if best is None else -best[2]


# --- describing a story -----------------------------------------------------------------------

_ENGLISH_HINTS = frozenset(words("the of to in and for on with after says over as at is"))


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
    else the earliest publication (of a report dated by its feed, when there is one)."""
    days = [item.event_date for item in items if item.event_date is not None]
    if not days:
        dated = [item.published for item in items if item.dated] or [i.published for i in items]
        return min(dated).date()
    counts = Counter(days)

    def support(day: date) -> tuple[float, int]:
        near = sum(n for other, n in counts.items() if abs((other - day).days) <= 1)
        # ties go to the later day: previews come before the event, not after it
        return counts[day] + 0.5 * (near - counts[day]), day.toordinal()

    return max(counts, key=support)


# --- growing a story --------------------------------------------------------------------------

STORY_ACTORS = 8  # a story compares by its most mentioned actors


@dataclass(frozen=True)
class GrowingStory:
    """A story as it grows report by report: how grouping sees it, and what that view is
    derived from (actor mentions, and the publication and event dates of its reports)."""

    candidate: StoryCandidate
    mentions: Counter[str]
    members: tuple[StoryItem, ...]


def resume_story(stored: StoryCandidate) -> GrowingStory:
    """A stored story, ready to grow: each of its actors counts once, and its day stands for
    the event dates of its reports."""
    members: tuple[StoryItem, ...] = ()
    if stored.event_date:
        members = (StoryItem(0, "", "", stored.first_published, stored.event_date, frozenset()),)
    return GrowingStory(stored, Counter(dict.fromkeys(stored.actors, 1)), members)


def grow_story(
    story: GrowingStory | None,
    story_id: int,
    item: StoryItem,
    item_fp: frozenset[str],
    mentions: Mapping[str, int],
) -> GrowingStory:
    """The story after adding one report (``story`` None: the report starts story ``story_id``).

    The fingerprint is merged (:func:`merge_fingerprint`), the actors are the
    :data:`STORY_ACTORS` most mentioned, the span covers every publication, and the event date
    is the one most reports support (:func:`story_date`). This is the one growth rule: the bot's
    analysis applies it to each report it stores, and :func:`group_items` to a batch.
    """
    dated_item = StoryItem(
        item.id, "", "", item.published, item.event_date, frozenset(), dated=item.dated
    )
    members: tuple[StoryItem, ...]
    if story is None:
        actors, members = Counter(mentions), (dated_item,)
        size, fp = 1, item_fp
        first = last = item.published
    else:
        old = story.candidate
        actors, members = story.mentions + Counter(mentions), (*story.members, dated_item)
        size = old.size + 1
        fp = merge_fingerprint(old.fingerprint, item_fp, old.size)
        first = min(old.first_published, item.published)
        last = max(old.last_published, item.published)
    top = frozenset(name for name, _ in actors.most_common(STORY_ACTORS))
    dated = item.dated or (story is not None and story.candidate.dated)
    candidate = StoryCandidate(story_id, fp, top, first, last, story_date(members), size, dated)
    return GrowingStory(candidate, actors, members)


def group_items(
    items: Sequence[StoryItem], *, window_days: int = 4, threshold: float = DEFAULT_THRESHOLD
) -> list[list[int]]:
    """Group reports into stories as the bot's analysis does: one at a time in order of
    publication, each joining the story :func:`choose_story` picks (else starting one), grown
    with :func:`grow_story`. Returns the report ids of each story, in order of creation."""
    stories: list[GrowingStory] = []
    members: list[list[int]] = []
    for item in sorted(items, key=lambda i: (i.published, i.id)):
        item_fp = fingerprint(item.title, item.text)
        candidates = [story.candidate for story in stories]
        chosen = choose_story(
            item, item_fp, candidates, window_days=window_days, threshold=threshold
        )
        mentions = dict.fromkeys(item.actors, 1)
        if chosen is None:
            stories.append(grow_story(None, len(stories), item, item_fp, mentions))
            members.append([item.id])
        else:
            stories[chosen] = grow_story(stories[chosen], chosen, item, item_fp, mentions)
            members[chosen].append(item.id)
    return members
