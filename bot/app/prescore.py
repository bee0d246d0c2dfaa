"""Parsing that also scores each entry's relevance, where the parsing runs (a worker process).

Most reports of most feeds are off-topic. Scored here, they are stored already analysed, in the
same write as the rest of the entry; only the others go through the full analysis. That saves a
cold cycle a second write of every row, and the round trip of every text to a worker and back.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bot.analysis.analyser import AnalyserSpec
from bot.analysis.datafiles import load_topic, resolve_data_path
from bot.analysis.relevance import Topic, score_relevance
from bot.core.config import ConfigError
from bot.ingest.documents import ParsedDocument, parse_document


def parse_and_score(
    spec: AnalyserSpec,
    body: bytes,
    url: str,
    content_type: str | None,
    first_seen: datetime,
) -> ParsedDocument:
    """:func:`parse_document`, with each entry's relevance under the topic of ``spec``
    (compiled once per process; ConfigError naming ``analysis`` if it is unusable) and
    entries below its threshold marked off-topic."""
    topic = scoring_topic(spec)
    document = parse_document(body, url, content_type, first_seen)
    entries = []
    for entry in document.entries:
        score = score_relevance(topic, entry.title, entry.summary, entry.language).score
        off_topic = score < spec.threshold
        entries.append(dataclasses.replace(entry, relevance=score, off_topic=off_topic))
    return dataclasses.replace(document, entries=tuple(entries))


def scoring_topic(spec: AnalyserSpec) -> Topic:
    """The topic of ``spec``, compiled once per process (ConfigError naming ``analysis``).

    Only the topic: the gazetteers are loaded where reports are analysed in full, in the
    process that stores them (a worker that only parses stays small)."""
    try:
        return load_topic(resolve_data_path(spec.topic_file))
    except (OSError, ValueError) as error:
        raise ConfigError(f"analysis: {error}") from None
