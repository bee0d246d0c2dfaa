"""Query benchmark: the read-side service calls behind the chat commands, at 10k and 100k items.

Usage: python bench/queries.py [--corpus ../shared/corpus/feeds] [--sizes 10000,100000]
       [--calls 200] [--keep DIR]

How the database is grown (documented in bench/README.md, "Queries"):

1. Base world. Every entry of the 200 captured feeds is parsed and normalised with
   ``bot.ingest.documents.parse_document``. Publication times are re-dated, keeping their
   order, evenly
   over the 14 days before NOW (the corpus itself spans two years with a burst on 17-18 Feb),
   stored with ``Store.apply_ingest`` and analysed once by the real ``AnalysisPipeline``. The
   corpus is mostly off topic, so the relevance threshold is lowered to 0.003 (for the build
   and for the measured calls) to get a share of relevant reports a topic bot would see
   (~11 %): 6,474 items, 703 relevant, 474 stories of 1-21 items.
2. Growth. The stored rows (items, item_feeds, item_actors, upcoming, stories) are copied in
   blocks of 14 days going back in time: block k is the base shifted k x 14 days into the past;
   blocks 1 and 3 of every 5 also carry a second copy of the relevant reports and their stories,
   shifted 7 more days (so stories are ~10 % of items, as in the brief). Ids, links, guids, entry
   keys and content hashes are renewed per copy; fingerprints and actors are kept; first-seen and
   story creation times follow publication by 10 minutes. The oldest block is cut to reach the
   size exactly. Rows are written with ``executemany`` oldest first, so ids grow with time as in
   a real database; relevance is set by UPDATE so that the schema's own triggers fill FTS. No
   ANALYZE is run (the bot does not run one either).
3. Measurement. A fresh connection, a ``Service`` whose clock is fixed at NOW, one warm-up call,
   then ``--calls`` timed calls per row with varying arguments.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.service import Service  # noqa: E402
from bot.briefing import digests  # noqa: E402
from bot.briefing import reading as briefing  # noqa: E402
from bot.briefing import stored_timeline as timelines  # noqa: E402
from bot.briefing.ask import ask  # noqa: E402
from bot.core.config import Settings, replace_section  # noqa: E402
from bot.core.timeutil import from_iso, to_iso  # noqa: E402
from bot.ingest.decide import plan_ingest  # noqa: E402
from bot.ingest.documents import parse_document  # noqa: E402
from bot.storage.store import Store  # noqa: E402

NOW = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)
PERIOD_DAYS = 14
THRESHOLD = 0.003
SEEN_DELAY = timedelta(minutes=10)
TARGET_MS = 50.0
# Not behind a chat command (the CLI's `timeline --all` and whole-timeline exports): measured,
# no target; its time follows the number of entries it returns.
INFORMATIONAL = "timeline all, every entry (CLI)"
BUDGET_SECONDS = 30.0


def make_settings(path: Path) -> Settings:
    """Settings for a benchmark database (lowered threshold, absolute data files)."""
    settings = replace_section(Settings(), "storage", path=path)
    return replace_section(
        settings,
        "analysis",
        relevance_threshold=THRESHOLD,
        topic_file=ROOT / "data" / "topic.toml",
        actors_file=ROOT / "data" / "actors.toml",
    )


# --- 1. base world ----------------------------------------------------------------------------


def build_base(corpus: Path, path: Path) -> dict[str, float]:
    """Parse, re-date, store and analyse the corpus into ``path``; return timings."""
    started = time.perf_counter()
    docs = []
    for file in sorted(corpus.iterdir()):
        try:
            docs.append(
                parse_document(file.read_bytes(), f"https://corpus.example/{file.name}", None, NOW)
            )
        except Exception as error:  # noqa: BLE001 (a malformed capture is skipped, as ingest does)
            print(f"  skipped {file.name}: {error}")
    flat = [(d, e) for d, doc in enumerate(docs) for e in doc.entries]
    order = sorted(range(len(flat)), key=lambda i: (flat[i][1].published_at, i))
    step = timedelta(days=PERIOD_DAYS) / len(order)
    start = NOW - timedelta(days=PERIOD_DAYS)
    new_time = {index: start + step * (rank + 1) for rank, index in enumerate(order)}
    parsed = time.perf_counter()

    store = Store.open(path)
    service = Service(make_settings(path), store, clock=lambda: NOW)
    index = 0
    for number, doc in enumerate(docs):
        feed = store.add_feed(f"https://corpus.example/{number}.xml", start, title=doc.feed.title)
        entries = []
        for entry in doc.entries:
            entries.append(replace(entry, published_at=new_time[index]))
            index += 1
        by_key, by_link = store.known_entries(feed.id, entries)
        plan = plan_ingest(entries, by_key, by_link)
        store.apply_ingest(feed.id, plan, NOW, next_check_at=NOW, status=200, feed_meta={})
    stored = time.perf_counter()
    service.pipeline().analyse_ids_sync(store.all_item_ids())
    analysed = time.perf_counter()
    store.close()
    return {"parse": parsed - started, "store": stored - parsed, "analyse": analysed - stored}


# --- 2. growth ----------------------------------------------------------------------------------


def _rows(db: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    cursor = db.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _shift_iso(text: str | None, delta: timedelta) -> str | None:
    moment = from_iso(text)
    return None if moment is None else to_iso(moment - delta)


def _shift_day(text: str | None, delta: timedelta) -> str | None:
    if not text or len(text) < 10:
        return text
    return (datetime.fromisoformat(text[:10]) - delta).date().isoformat() + text[10:]


def _tagged(text: str | None, tag: str) -> str | None:
    return text if text is None or not tag else f"{text}#{tag}"


def _seen(published: str | None) -> str | None:
    moment = from_iso(published)
    return None if moment is None else to_iso(min(moment + SEEN_DELAY, NOW))


class Base:
    """The analysed base world, held in memory for copying."""

    def __init__(self, path: Path) -> None:
        db = sqlite3.connect(path)
        self.feeds = _rows(db, "SELECT * FROM feeds ORDER BY id")
        self.items = _rows(db, "SELECT * FROM items ORDER BY published_at, id")
        self.item_feeds = _rows(db, "SELECT * FROM item_feeds")
        self.item_actors = _rows(db, "SELECT * FROM item_actors")
        self.upcoming = _rows(db, "SELECT * FROM upcoming")
        self.stories = {row["id"]: row for row in _rows(db, "SELECT * FROM stories WHERE size > 0")}
        db.close()
        by_item: dict[str, dict[int, list[dict[str, Any]]]] = {}
        for name in ("item_feeds", "item_actors", "upcoming"):
            table: dict[int, list[dict[str, Any]]] = {}
            for row in getattr(self, name):
                table.setdefault(row["item_id"], []).append(row)
            by_item[name] = table
        self.by_item = by_item
        self.relevant = [item for item in self.items if item["relevant"]]


def plan_units(base: Base, size: int) -> list[tuple[timedelta, bool, int]]:
    """(shift into the past, relevant-only copy, items to keep), newest first, summing to size."""
    units: list[tuple[timedelta, bool, int]] = []
    left, block = size, 0
    while left > 0:
        shift = timedelta(days=PERIOD_DAYS * block)
        candidates = [(shift, False, len(base.items))]
        if block % 5 in (1, 3):
            candidates.append((shift + timedelta(days=PERIOD_DAYS // 2), True, len(base.relevant)))
        for unit_shift, relevant_only, count in candidates:
            if left <= 0:
                break
            units.append((unit_shift, relevant_only, min(count, left)))
            left -= count
        block += 1
    return units


def grow(base: Base, path: Path, size: int) -> dict[str, int]:
    """Write a database of exactly ``size`` items copied from the base; return its counts."""
    store = Store.open(path)
    db = store.db.conn
    units = plan_units(base, size)
    next_item, next_story = 1, 1
    with db:
        db.executemany(
            "INSERT INTO feeds (id, url, name, title, site_url, language, active, next_check_at, "
            "created_at) VALUES (:id, :url, :name, :title, :site_url, :language, :active, "
            ":next_check_at, :created_at)",
            base.feeds,
        )
    item_columns = list(base.items[0])
    # Copies get no timeline anchor: they are grouped when first read, as after an upgrade.
    story_columns = [c for c in next(iter(base.stories.values())) if c != "timeline_anchor"]
    for number, (shift, relevant_only, keep) in reversed(list(enumerate(units))):
        tag = "" if number == 0 else f"u{number}"
        source = base.relevant if relevant_only else base.items
        chosen = source[len(source) - keep :]  # the newest ``keep`` reports of the copy
        story_map: dict[int, int] = {}
        stories = []
        for old in sorted({item["story_id"] for item in chosen if item["story_id"]}):
            row = dict(base.stories[old])
            story_map[old] = next_story
            row.update(
                id=next_story,
                day=_shift_day(row["day"], shift),
                first_published=_shift_iso(row["first_published"], shift),
                last_published=_shift_iso(row["last_published"], shift),
                link=_tagged(row["link"], tag),
            )
            row["created_at"] = _seen(row["first_published"])
            row["updated_at"] = _seen(row["last_published"])
            stories.append(row)
            next_story += 1
        items, links, actors, upcoming = [], [], [], []
        for old in chosen:
            row = dict(old)
            row.update(
                id=next_item,
                guid=_tagged(row["guid"], tag),
                link=_tagged(row["link"], tag),
                canonical_link=_tagged(row["canonical_link"], tag),
                published_at=_shift_iso(row["published_at"], shift),
                event_date=_shift_day(row["event_date"], shift),
                content_hash=_tagged(row["content_hash"], tag),
                story_id=story_map.get(row["story_id"]),
                updated_at=None,
                update_count=0,
            )
            row["first_seen_at"] = row["analysed_at"] = _seen(row["published_at"])
            items.append(row)
            for link in base.by_item["item_feeds"].get(old["id"], []):
                links.append(
                    (
                        next_item,
                        link["feed_id"],
                        _tagged(link["entry_key"], tag),
                        row["first_seen_at"],
                    )
                )
            for actor in base.by_item["item_actors"].get(old["id"], []):
                actors.append((next_item, actor["actor"], actor["mentions"]))
            for event in base.by_item["upcoming"].get(old["id"], []):
                upcoming.append((next_item, _shift_day(event["day"], shift), event["text"]))
            next_item += 1
        with db:
            if stories:
                db.executemany(
                    f"INSERT INTO stories ({', '.join(story_columns)}) VALUES "
                    f"({', '.join(':' + c for c in story_columns)})",
                    stories,
                )
            db.executemany(
                f"INSERT INTO items ({', '.join(item_columns)}) VALUES "
                f"({', '.join(':' + c for c in item_columns)})",
                [{**row, "relevant": 0} for row in items],
            )
            # Relevance is set by an UPDATE, as the pipeline does: the FTS triggers index
            # relevant reports only.
            db.executemany(
                "UPDATE items SET relevant = 1 WHERE id = ?",
                [(row["id"],) for row in items if row["relevant"]],
            )
            db.executemany("INSERT INTO item_feeds VALUES (?, ?, ?, ?)", links)
            db.executemany("INSERT INTO item_actors VALUES (?, ?, ?)", actors)
            db.executemany("INSERT INTO upcoming (item_id, day, text) VALUES (?, ?, ?)", upcoming)
    counts = dataclasses.asdict(store.counts())
    counts["days"] = (
        NOW - from_iso(store.db.execute("SELECT MIN(published_at) FROM items").fetchone()[0])
    ).days
    store.close()
    return counts


# --- 3. measurement -------------------------------------------------------------------------


def word_lists(base: Base) -> tuple[list[str], list[str]]:
    """Common and rare search words, taken from the base's relevant reports."""
    words: Counter[str] = Counter()
    for item in base.relevant:
        words.update(set(re.findall(r"[^\W\d_]{5,}", f"{item['title']} {item['summary']}".lower())))
    common = [word for word, _ in words.most_common(20)]
    rare = sorted(
        word for word, count in words.items() if count == 1 and not re.search(r"(.)\1\1", word)
    )[::37][:20]
    return common, rare


def actor_queries(base: Base) -> list[str]:
    """Actor names and short forms as users type them, most and least mentioned alike."""
    relevant = {item["id"] for item in base.relevant}
    mentions = Counter(row["actor"] for row in base.item_actors if row["item_id"] in relevant)
    names = [name for name, _ in mentions.most_common(30)]
    return names + [name.split()[-1] for name in names if " " in name]


# Questions as readers type them: names, places, time words, topic words, both languages.
QUESTIONS = [
    "what happened in Geneva?",
    "What did Zelensky say this week?",
    "Що казав Путін про переговори?",
    "security guarantees for Ukraine in Paris",
    "who met Witkoff in Miami last month?",
    "Що відомо про коаліцію охочих?",
    "ceasefire talks yesterday",
    "What did the Kremlin reject?",
]


def calls(base: Base) -> dict[str, Callable[[Service, int], Any]]:
    """The measured calls: name → f(service, call number)."""
    common, rare = word_lists(base)
    actors = actor_queries(base)
    return {
        "/timeline (30 days)": lambda s, i: briefing.timeline_page(s, days=30, page=i % 4),
        "/timeline (all)": lambda s, i: briefing.timeline_page(s, days=None, page=i % 25),
        INFORMATIONAL: lambda s, i: briefing.timeline(s, days=None),
        "/actors (7 days)": lambda s, i: briefing.actor_stats(s, days=7),
        "/actor NAME": lambda s, i: briefing.actor_profile(s, actors[i % len(actors)]),
        "/search common word": lambda s, i: briefing.search(s, common[i % len(common)], page=i % 3),
        "/search rare word": lambda s, i: briefing.search(s, rare[i % len(rare)]),
        "ask (a plain question)": lambda s, i: ask(s, QUESTIONS[i % len(QUESTIONS)]),
        "/latest": lambda s, i: briefing.latest(s, 5 + i % 6),
        "digest build (1 day)": lambda s, i: digests.build_digest(
            s, NOW - timedelta(hours=i, days=1), NOW - timedelta(hours=i)
        ),
    }


def _size(result: Any) -> int:
    if hasattr(result, "total"):
        return result.total
    if hasattr(result, "stories"):
        return len(result.stories)
    return len(result or [])


def measure(
    path: Path, base: Base, count: int, only: str = ""
) -> dict[str, tuple[float, float, int, float]]:
    """p50 and p95 in ms (and the size of the first result) per call over ``count`` calls."""
    store = Store.open(path)
    service = Service(make_settings(path), store, clock=lambda: NOW)
    results: dict[str, tuple[float, float, int, float]] = {}
    for name, call in calls(base).items():
        if only not in name:
            continue
        started = time.perf_counter()
        first = call(service, 0)
        cold = (time.perf_counter() - started) * 1000
        times = []
        budget = time.perf_counter() + BUDGET_SECONDS
        for i in range(count):
            started = time.perf_counter()
            call(service, i)
            times.append((time.perf_counter() - started) * 1000)
            if started > budget:  # a slow call: fewer samples rather than hours
                break
        times.sort()
        size = _size(first)
        results[name] = (statistics.median(times), times[int(0.95 * (len(times) - 1))], size, cold)
        print(
            f"  {name}: p50 {results[name][0]:.1f} ms, p95 {results[name][1]:.1f} ms "
            f"over {len(times)} calls, first call {cold:.1f} ms (result size {size})",
            flush=True,
        )
    store.close()
    return results


def upkeep(path: Path, repeats: int = 5) -> dict[str, float]:
    """Median ms to bring the stored timeline up to date after typical and rare changes."""
    store = Store.open(path)
    timelines.refresh(store, THRESHOLD)
    newest = store.db.execute("SELECT MAX(day) FROM stories WHERE size > 0").fetchone()[0]
    day = datetime.fromisoformat(newest).date()

    def stories_from(first: Any, last: Any, count: int) -> list[int]:
        return [
            row[0]
            for row in store.db.execute(
                "SELECT id FROM stories WHERE size > 0 AND day BETWEEN ? AND ? LIMIT ?",
                [first.isoformat(), last.isoformat(), count],
            )
        ]

    cases: dict[str, Callable[[], None]] = {
        "a poll cycle: 20 stories of the last 2 days change": lambda: [
            store.edit_story(story, sources=1)
            for story in stories_from(day - timedelta(days=1), day, 20)
        ],
        "a report about an event 30 days back": lambda: [
            store.edit_story(story, sources=1)
            for story in stories_from(day - timedelta(days=30), day - timedelta(days=30), 1)
        ],
        "everything (new rules or threshold)": lambda: store.set_state("timeline", "old"),
    }
    results = {}
    for name, change in cases.items():
        times = []
        for _ in range(repeats):
            change()
            started = time.perf_counter()
            timelines.refresh(store, THRESHOLD)
            times.append((time.perf_counter() - started) * 1000)
        results[name] = statistics.median(times)
        print(f"  timeline upkeep after {name}: {results[name]:.0f} ms", flush=True)
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "feeds")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory")
    parser.add_argument("--only", default="", help="measure only the calls whose name has this")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="briefbot-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores; databases in {workdir}"
    )

    base_path = workdir / "base.db"
    if not base_path.exists():
        timings = build_base(args.corpus, base_path)
        print("base world: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    base = Base(base_path)
    print(
        f"base: {len(base.items)} items, {len(base.relevant)} relevant, {len(base.stories)} stories"
    )

    figures: dict[int, dict[str, tuple[float, float, int, float]]] = {}
    for size in sizes:
        path = workdir / f"grown-{size}.db"
        if not path.exists():
            started = time.perf_counter()
            counts = grow(base, path, size)
            print(
                f"{size} items: {counts['relevant_items']} relevant, {counts['stories']} "
                f"stories over {counts['days']} days; built in "
                f"{time.perf_counter() - started:.1f} s"
            )
        figures[size] = measure(path, base, args.calls, args.only)
        if args.only in "timeline upkeep":
            upkeep(path)

    small, large = sizes[0], sizes[-1]
    header = (
        f"| call | {small:,} p50 | {small:,} p95 | {large:,} first call | {large:,} p50 "
        f"| {large:,} p95 | growth (p95) |"
    )
    print()
    print(header)
    print("|" + "---|" * 7)
    for name in figures[small]:
        a, b = figures[small][name], figures[large][name]
        flag = " (no target)" if name == INFORMATIONAL else "" if b[1] < TARGET_MS else " MISS"
        print(
            f"| {name} | {a[0]:.1f} ms | {a[1]:.1f} ms | {b[3]:.0f} ms | {b[0]:.1f} ms "
            f"| {b[1]:.1f} ms{flag} | {b[1] / a[1]:.1f}x |"
        )
    print(
        f"\n(items ratio {large / small:.0f}x; target p95 < {TARGET_MS:.0f} ms at "
        f"{large:,}, growth no worse than linear)"
    )


if __name__ == "__main__":
    main()
