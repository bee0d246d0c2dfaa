"""Parsing that also scores each entry's relevance, where the parsing runs (a worker process).

Most reports of most feeds are off-topic. Scored here, they are stored already analysed, in the
same write as the rest of the entry; only the others go through the full analysis. That saves a
cold cycle a second write of every row, and the round trip of every text to a worker and back.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bot.analysis.analyser import AnalyserSpec, analyser_for
from bot.analysis.relevance import score_relevance
from bot.ingest.documents import ParsedDocument, parse_document


def parse_and_score(
    spec: AnalyserSpec,
    body: bytes,
    url: str,
    content_type: str | None,
    first_seen: datetime,
) -> ParsedDocument:
    """:func:`parse_document`, with each entry's relevance under the analyser ``spec``
    describes (built once per process; ConfigError naming ``analysis`` if its files are
    unusable) and entries below its threshold marked off-topic."""
    analyser = analyser_for(spec)
    document = parse_document(body, url, content_type, first_seen)
    entries = []
    for entry in document.entries:
        score = score_relevance(analyser.topic, entry.title, entry.summary, entry.language).score
        off_topic = score < analyser.threshold
        entries.append(dataclasses.replace(entry, relevance=score, off_topic=off_topic))
    return dataclasses.replace(document, entries=tuple(entries))
