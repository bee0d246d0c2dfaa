"""One item's analysis: relevance, actors, candidates, event dates and fingerprint (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.analysis.actors import Actor, Candidate, Gazetteer
from bot.analysis.datafiles import load_gazetteer, load_places, load_topic, resolve_data_path
from bot.analysis.dates import Upcoming, resolve_dates
from bot.analysis.fingerprints import fingerprint
from bot.analysis.places import Places
from bot.analysis.relevance import Topic, score_relevance
from bot.analysis.sentences import Sentence, lead_sentences
from bot.core.config import ConfigError, Settings


@dataclass(frozen=True)
class ItemText:
    """What analysis reads of an item."""

    id: int
    title: str
    summary: str
    language: str | None
    published: datetime
    dated: bool = True  # False: ``published`` is only when the bot first saw it


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
    places: dict[str, int] = field(default_factory=dict)
    sentences: tuple[Sentence, ...] = ()
    preview_date: date | None = None  # the day a preview announces (no event date then)


@dataclass(frozen=True)
class AnalyserSpec:
    """What an analyser is built from. Small and picklable: a worker process builds its own."""

    topic_file: Path
    actors_file: Path
    threshold: float
    custom_actors: tuple[tuple[str, str], ...] = ()  # (name, kind) accepted by admins
    places_file: Path | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, custom_actors: tuple[tuple[str, str], ...] = ()
    ) -> AnalyserSpec:
        """The ``[analysis]`` section's files and threshold, plus the admins' actors."""
        analysis = settings.analysis
        return cls(
            analysis.topic_file,
            analysis.actors_file,
            analysis.relevance_threshold,
            custom_actors,
            analysis.places_file,
        )


def build_analyser(spec: AnalyserSpec) -> Analyser:
    """Load and compile the topic and gazetteer; ConfigError naming ``analysis`` if unusable."""
    try:
        places = load_places(resolve_data_path(spec.places_file)) if spec.places_file else Places()
        analyser = Analyser(
            load_topic(resolve_data_path(spec.topic_file)),
            load_gazetteer(resolve_data_path(spec.actors_file)),
            spec.threshold,
            places,
        )
    except (OSError, ValueError) as error:
        raise ConfigError(f"analysis: {error}") from None
    return analyser.with_custom_actors(spec.custom_actors)


_BUILT: dict[AnalyserSpec, Analyser] = {}


def analyser_for(spec: AnalyserSpec) -> Analyser:
    """The analyser ``spec`` describes, built once per process (the last one is kept)."""
    analyser = _BUILT.get(spec)
    if analyser is None:
        _BUILT.clear()  # the admins' actors changed: the old analyser is not needed again
        analyser = _BUILT[spec] = build_analyser(spec)
    return analyser


def analyse_with(spec: AnalyserSpec, items: list[ItemText]) -> list[ItemAnalysis]:
    """Analyse a batch with the analyser ``spec`` describes, built once per process (what an
    analysis worker runs)."""
    return analyser_for(spec).analyse_many(items)


class Analyser:
    """Holds the compiled topic, actor and place gazetteers; :meth:`analyse` is pure."""

    def __init__(
        self, topic: Topic, gazetteer: Gazetteer, threshold: float, places: Places | None = None
    ) -> None:
        self.topic = topic
        self.gazetteer = gazetteer
        self.threshold = threshold
        self.places = places or Places()

    @classmethod
    def from_settings(cls, settings: Settings) -> Analyser:
        """Load the topic and gazetteer files named in ``[analysis]`` (compiled once per file)."""
        return build_analyser(AnalyserSpec.from_settings(settings))

    def with_custom_actors(self, actors: tuple[tuple[str, str], ...]) -> Analyser:
        """This analyser with admin-accepted actors, (name, kind) pairs, added to the gazetteer."""
        extra = {
            name: Actor(name, kind) for name, kind in actors if name not in self.gazetteer.actors
        }
        if not extra:
            return self
        gazetteer = Gazetteer({**self.gazetteer.actors, **extra}, self.gazetteer.ignore)
        return Analyser(self.topic, gazetteer, self.threshold, self.places)

    def analyse(self, item: ItemText) -> ItemAnalysis:
        """Analyse one item (no I/O, no clock)."""
        relevance = score_relevance(self.topic, item.title, item.summary, item.language)
        relevant = relevance.score >= self.threshold
        if not relevant:
            # Irrelevant reports never join stories, briefings or actor counts: skip the rest,
            # actors included (a third of the analysis of a cold cycle, where most reports are
            # off-topic). It runs if an edit or `briefbot reanalyse` makes the report relevant.
            return ItemAnalysis(
                item.id, round(relevance.score, 4), False, {}, (), None, (), frozenset()
            )
        actors = self.gazetteer.extract(item.title, item.summary, item.language)
        dates = resolve_dates(
            item.title, item.summary, item.published, item.language, relative=item.dated
        )
        venues = self.places.venues(item.title, item.summary)
        distinctive = self.places.distinctive(venues)
        title_places = self.places.distinctive(self.places.extract(item.title, ""))
        language = item.language
        return ItemAnalysis(
            item_id=item.id,
            relevance=round(relevance.score, 4),
            relevant=True,
            actors=actors,
            candidates=tuple(self.gazetteer.candidates(item.title, item.summary)),
            event_date=dates.event_date,
            upcoming=tuple(dates.upcoming),
            fingerprint=fingerprint(
                item.title,
                item.summary,
                places=distinctive,
                title_places=title_places,
            ),
            places=venues,
            preview_date=dates.preview_date,
            sentences=lead_sentences(
                item.title,
                item.summary,
                actors=lambda text: self.gazetteer.extract("", text, language),
                places=lambda text: self.places.extract("", text),
            ),
        )

    def analyse_many(self, items: list[ItemText]) -> list[ItemAnalysis]:
        """Analyse a batch (what the worker thread runs)."""
        return [self.analyse(item) for item in items]
