"""One item's analysis: relevance, actors, candidates, event dates and fingerprint (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.actors import Actor, Candidate, Gazetteer
from bot.config import Settings
from bot.datafiles import load_gazetteer, load_topic, resolve_data_path
from bot.dates import Upcoming, resolve_dates
from bot.relevance import Topic, score_relevance
from bot.stories import fingerprint


@dataclass(frozen=True)
class ItemText:
    """What analysis reads of an item."""

    id: int
    title: str
    summary: str
    language: str | None
    published: datetime


@dataclass(frozen=True)
class ItemAnalysis:
    """Everything analysis derives from one item; stored so commands only read."""

    item_id: int
    relevance: float
    relevant: bool
    actors: dict[str, int]
    candidates: tuple[Candidate, ...]
    event_date: date | None
    upcoming: tuple[Upcoming, ...]
    fingerprint: frozenset[str]


class Analyser:
    """Holds the compiled topic and gazetteer; :meth:`analyse` is pure."""

    def __init__(self, topic: Topic, gazetteer: Gazetteer, threshold: float) -> None:
        self.topic = topic
        self.gazetteer = gazetteer
        self.threshold = threshold

    @classmethod
    def from_settings(cls, settings: Settings) -> Analyser:
        """Load the topic and gazetteer files named in ``[analysis]`` (compiled once per file)."""
        analysis = settings.analysis
        return cls(
            load_topic(resolve_data_path(analysis.topic_file)),
            load_gazetteer(resolve_data_path(analysis.actors_file)),
            analysis.relevance_threshold,
        )

    def with_custom_actors(self, rows: list[dict]) -> Analyser:
        """This analyser with admin-accepted actors added to the gazetteer."""
        extra = {
            row["name"]: Actor(row["name"], row["kind"])
            for row in rows
            if row["name"] not in self.gazetteer.actors
        }
        if not extra:
            return self
        gazetteer = Gazetteer({**self.gazetteer.actors, **extra}, self.gazetteer.ignore)
        return Analyser(self.topic, gazetteer, self.threshold)

    def analyse(self, item: ItemText) -> ItemAnalysis:
        """Analyse one item (no I/O, no clock)."""
        relevance = score_relevance(self.topic, item.title, item.summary, item.language)
        relevant = relevance.score >= self.threshold
        actors = self.gazetteer.extract(item.title, item.summary, item.language)
        if not relevant:
            # Irrelevant reports never join stories or briefings: skip the costly parts (they
            # run if an edit or `briefbot reanalyse` makes the report relevant).
            return ItemAnalysis(
                item.id, round(relevance.score, 4), False, actors, (), None, (), frozenset()
            )
        dates = resolve_dates(item.title, item.summary, item.published, item.language)
        return ItemAnalysis(
            item_id=item.id,
            relevance=round(relevance.score, 4),
            relevant=True,
            actors=actors,
            candidates=tuple(self.gazetteer.candidates(item.title, item.summary)),
            event_date=dates.event_date,
            upcoming=tuple(dates.upcoming),
            fingerprint=fingerprint(item.title, item.summary),
        )

    def analyse_many(self, items: list[ItemText]) -> list[ItemAnalysis]:
        """Analyse a batch (what the worker thread runs)."""
        return [self.analyse(item) for item in items]
