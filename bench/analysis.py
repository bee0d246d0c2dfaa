"""Analysis throughput: items analysed per second over the 200-feed corpus, per analyser.

Usage: python bench/analysis.py [--corpus ../shared/corpus/feeds]
Parses every feed once (not timed), then times relevance, actors, candidates, dates and
fingerprints separately and together (Analyser.analyse, as ingestion runs it).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.analysis.analyser import Analyser, ItemText  # noqa: E402
from bot.analysis.dates import resolve_dates  # noqa: E402
from bot.analysis.relevance import Topic, score_relevance  # noqa: E402
from bot.analysis.stories import fingerprint  # noqa: E402
from bot.core.config import Settings  # noqa: E402
from bot.ingest.documents import parse_document  # noqa: E402
from bot.ingest.parse import ParseError  # noqa: E402


def load_items(corpus: Path) -> list[ItemText]:
    now = datetime(2026, 2, 18, tzinfo=UTC)
    items = []
    for path in sorted(corpus.iterdir()):
        try:
            document = parse_document(path.read_bytes(), f"https://x/{path.name}", None, now)
        except ParseError:
            continue
        for entry in document.entries:
            items.append(
                ItemText(len(items), entry.title, entry.summary, entry.language, entry.published_at)
            )
    return items


def rate(label: str, func, items: list[ItemText], topic: Topic | None = None) -> float:
    if topic is not None:
        topic.index.memo.clear()  # each row starts cold: no word seen before
    started = time.perf_counter()
    for item in items:
        func(item)
    seconds = time.perf_counter() - started
    print(f"{label:<28} {len(items) / seconds:>8,.0f} items/s  ({seconds:.2f} s)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/feeds")
    args = parser.parse_args()
    items = load_items(args.corpus)
    average = sum(len(i.title) + len(i.summary) for i in items) / len(items)
    print(f"{len(items)} items from {args.corpus} (title + summary: {average:.0f} characters)")
    started = time.perf_counter()
    analyser = Analyser.from_settings(Settings())
    print(f"{'loading topic + gazetteer':<28} {time.perf_counter() - started:.2f} s")
    g = analyser.gazetteer
    rate(
        "relevance",
        lambda i: score_relevance(analyser.topic, i.title, i.summary, i.language),
        items,
        analyser.topic,
    )
    rate("actors", lambda i: g.extract(i.title, i.summary, i.language), items)
    rate("candidates", lambda i: g.candidates(i.title, i.summary), items)
    rate("dates", lambda i: resolve_dates(i.title, i.summary, i.published, i.language), items)
    rate("fingerprint", lambda i: fingerprint(i.title, i.summary), items)
    total = rate("all (Analyser.analyse)", analyser.analyse, items, analyser.topic)
    print(f"one core analyses the whole corpus in {total:.1f} s")


if __name__ == "__main__":
    main()
