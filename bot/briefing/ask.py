"""Answering a question in plain words with the stories that fit it best.

Stories compete on the words of the question found in their reports (SQLite FTS5, best report
counts), the actors and places they share with it (any alias, inflection or script), whether
their day lies in the time the question names, and a little on recency and size. "Who is …?"
about a known actor gets the actor's card instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from bot.analysis.questions import Question, parse_question
from bot.briefing import reading
from bot.briefing.context import Briefing
from bot.core.records import Story

ANSWERS = 3
CANDIDATES = 200  # stories fetched per signal before ranking
RECENCY_HALF_LIFE_DAYS = 30
WEIGHTS = {"words": 1.0, "actors": 1.2, "places": 1.0, "time": 0.8, "recency": 0.3, "size": 0.1}


@dataclass(frozen=True)
class Answer:
    """The stories that answer a question (best first), or the actor it asks about."""

    question: Question
    stories: tuple[reading.StoryBrief, ...]
    items: dict[int, list[int]]  # story id → its reports
    actor: reading.ActorProfile | None

    @property
    def found(self) -> bool:
        """Whether there is anything to answer with."""
        return bool(self.stories or self.actor)


def _in_time(story: Story, question: Question) -> bool:
    if question.since is None or question.until is None:
        return False
    return question.since - timedelta(days=1) <= story.day <= question.until + timedelta(days=1)


def rank(
    question: Question,
    stories: list[Story],
    words: dict[int, float],
    actors: dict[int, int],
    places: dict[int, int],
    today: date,
) -> list[Story]:
    """``stories`` best first for ``question``. ``words`` holds bm25 ranks (lower is better),
    ``actors`` and ``places`` how many of the question's each story shares."""
    best_rank = min(words.values(), default=0.0)
    timed = question.since is not None
    pool = [s for s in stories if _in_time(s, question)] if timed else stories
    if timed and not pool:
        pool = stories  # nothing in that time: the best otherwise

    def score(story: Story) -> float:
        parts = {
            "words": words[story.id] / best_rank if story.id in words and best_rank < 0 else 0.0,
            "actors": actors.get(story.id, 0) / len(question.actors) if question.actors else 0,
            "places": places.get(story.id, 0) / len(question.places) if question.places else 0,
            "time": 1.0 if _in_time(story, question) else 0.0,
            "recency": 0.5 ** (max(0, (today - story.day).days) / RECENCY_HALF_LIFE_DAYS),
            "size": min(1.0, math.log1p(story.sources) / math.log1p(20)),
        }
        return float(sum(WEIGHTS[name] * value for name, value in parts.items()))

    return sorted(pool, key=lambda s: (-score(s), -s.last_published.timestamp(), s.id))


def ask(service: Briefing, text: str, *, limit: int = ANSWERS) -> Answer:
    """The answer to a question typed in plain words."""
    analyser = service.analyser
    today = service.clock().date()
    question = parse_question(text, analyser.gazetteer, analyser.places, today)
    actor = None
    if question.who_is:
        actor = reading.actor_profile(service, question.who_is)
        if actor is not None:
            return Answer(question, (), {}, actor)
    if question.empty:
        return Answer(question, (), {}, None)
    store = service.store
    words = store.stories_matching_words(list(question.words), CANDIDATES)
    actors = store.stories_naming_actors(list(question.actors), CANDIDATES)
    places = store.stories_at_places(list(question.places), CANDIDATES)
    timed: list[int] = []
    if question.since is not None and question.until is not None:
        timed = store.stories_between(
            question.since - timedelta(days=1), question.until + timedelta(days=1), CANDIDATES
        )
    ids = list(dict.fromkeys([*words, *actors, *places, *timed]))
    threshold = service.settings.analysis.relevance_threshold
    stories = [s for s in store.stories_by_ids(ids) if s.relevance >= threshold]
    best = rank(question, stories, words, actors, places, today)[:limit]
    items = store.story_item_ids([story.id for story in best])
    return Answer(question, tuple(reading.brief(s) for s in best), items, None)
