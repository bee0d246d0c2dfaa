"""`briefbot eval`: run the real ingestion analysis over a labelled corpus and score it.

The corpus is JSON Lines with url, title, text, lang, source, published, label, persons, orgs,
event, event_date. Articles go through the same normalise → store → analyse → story → timeline
path as fetched reports, in an in-memory database.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from bot.app.service import Service
from bot.core.config import Settings
from bot.core.models import ParsedEntry
from bot.ingest.decide import plan_ingest
from bot.ingest.documents import SUMMARY_MAX
from bot.ingest.normalise import normalise_entry
from bot.storage.db import open_database
from bot.storage.store import Store

REQUIRED = ("url", "title", "text", "label")


class EvalError(ValueError):
    """The corpus file cannot be used."""


def load_corpus(path: Path) -> list[dict[str, Any]]:
    """Read and check a labelled JSONL corpus."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise EvalError(f"cannot read {path}: {error.strerror}") from None
    articles = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            article = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalError(f"{path}:{number}: not JSON ({error.msg})") from None
        missing = [key for key in REQUIRED if key not in article]
        if missing:
            raise EvalError(f"{path}:{number}: missing {', '.join(missing)}")
        articles.append(article)
    if not articles:
        raise EvalError(f"{path}: no articles")
    return articles


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _published(article: dict[str, Any]) -> datetime | None:
    text = article.get("published")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC, hour=moment.hour or 12)


def _ingest(service: Service, articles: list[dict[str, Any]], reference: datetime) -> list[int]:
    """Store the articles as items (one feed per source); return item ids in corpus order."""
    store = service.store
    feeds: dict[str, int] = {}
    ids = []
    for index, article in enumerate(articles):
        source = article.get("source") or "unknown"
        if source not in feeds:
            feeds[source] = store.add_feed(f"https://eval.invalid/{len(feeds)}", reference).id
        raw = ParsedEntry(
            guid=article["url"],
            link=article["url"],
            title=article["title"],
            summary=article["text"],
            published=_published(article),
            language=article.get("lang"),
        )
        entry = normalise_entry(
            raw,
            feed_url=article["url"],
            feed_language=None,
            first_seen=reference,
            summary_max=SUMMARY_MAX,
        )
        entry = replace(entry, entry_key=f"{index}:{entry.entry_key}")
        plan = plan_ingest([entry], {}, {})
        new, _, _ = store.apply_ingest(
            feeds[source], plan, reference, next_check_at=reference, status=200, feed_meta={}
        )
        ids.append(new[0] if new else -1)
    return ids


def _pairwise(
    groups_true: dict[int, str],
    groups_pred: dict[int, int | None],
    languages: dict[int, str] | None = None,
) -> dict[str, float]:
    """Pairwise precision/recall of a grouping; with ``languages``, only pairs of reports in
    different languages count."""
    tp = fp = fn = 0
    for a, b in combinations(sorted(groups_true), 2):
        if languages is not None and languages[a] == languages[b]:
            continue
        same_true = groups_true[a] == groups_true[b]
        pa, pb = groups_pred.get(a), groups_pred.get(b)
        same_pred = pa is not None and pa == pb
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    return _prf(tp, fp, fn)


def _date_match(day: date, label: str) -> bool:
    if len(label) == 7:  # a month: "2025-12"
        return day.isoformat()[:7] == label
    return abs((day - date.fromisoformat(label[:10])).days) <= 1


def load_briefing(path: Path | None) -> dict[str, Any]:
    """The development checks (key facts per event, questions) of a briefing file, or none."""
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise EvalError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise EvalError(f"{path}: expected a JSON object")
    return data


def _story_of_event(with_events: dict[int, str], stories: dict[int, int | None]) -> dict[str, int]:
    """Each labelled event → the story holding most of its reports."""
    votes: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for item_id, event in with_events.items():
        story = stories.get(item_id)
        if story is not None:
            votes[event][story] += 1
    return {event: max(v, key=lambda s: (v[s], -s)) for event, v in votes.items()}


def _summaries(
    service: Service,
    briefing: dict[str, Any],
    with_events: dict[int, str],
    stories: dict[int, int | None],
) -> dict[str, Any]:
    """Share of each event's key facts its story's summary states, and the summaries' length
    (the headline's share for comparison)."""
    facts = {k: v for k, v in (briefing.get("key_facts") or {}).items() if isinstance(v, list)}
    story_of = _story_of_event(with_events, stories)
    stated = headline_stated = total = 0
    lengths: list[int] = []
    details = []
    for event, patterns in sorted(facts.items()):
        story = service.store.get_story(story_of[event]) if event in story_of else None
        summary = (story.summary or "") if story else ""
        headline = story.headline if story else ""
        hits = [bool(re.search(p, summary, re.IGNORECASE)) for p in patterns]
        stated += sum(hits)
        headline_stated += sum(bool(re.search(p, headline, re.IGNORECASE)) for p in patterns)
        total += len(patterns)
        if summary:
            lengths.append(len(summary))
        details.append(
            {"event": event, "stated": sum(hits), "facts": len(patterns), "summary": summary}
        )
    return {
        "events": len(facts),
        "key_fact_share": round(stated / total, 3) if total else 0.0,
        "headline_share": round(headline_stated / total, 3) if total else 0.0,
        "mean_length": round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
        "details": details,
    }


def _questions(
    service: Service,
    briefing: dict[str, Any],
    with_events: dict[int, str],
    stories: dict[int, int | None],
) -> dict[str, Any]:
    """hit@3: the share of questions whose expected development (a story holding a report of
    that event) is among the first three stories `ask` answers with."""
    from bot.briefing.ask import ask

    raw = briefing.get("questions") or {}
    items = raw.get("items", []) if isinstance(raw, dict) else raw
    events_of_story: dict[int, set[str]] = defaultdict(set)
    for item_id, event in with_events.items():
        story = stories.get(item_id)
        if story is not None:
            events_of_story[story].add(event)
    hits = 0
    details = []
    for entry in items:
        if not (isinstance(entry, list | tuple) and len(entry) == 2):
            continue
        question, expected = str(entry[0]), set(str(entry[1]).split("|"))
        answer = ask(service, question)
        found = [s.id for s in answer.stories]
        hit = any(events_of_story.get(story, set()) & expected for story in found)
        hits += hit
        details.append({"question": question, "expected": sorted(expected), "hit": hit})
    return {
        "questions": len(details),
        "hit_at_3": round(hits / len(details), 3) if details else 0.0,
        "details": details,
    }


def _kinds(
    service: Service, with_events: dict[int, str], stories: dict[int, int | None]
) -> dict[str, Any]:
    """The kind of each labelled event's story (compared with hand labels in the tests)."""
    story_of = _story_of_event(with_events, stories)
    found = {}
    for event, story_id in sorted(story_of.items()):
        story = service.store.get_story(story_id)
        if story is not None:
            found[event] = story.kind
    return found


def evaluate_corpus(
    settings: Settings, path: Path, briefing_path: Path | None = None
) -> dict[str, Any]:
    """Score relevance, actors, story grouping, timeline dates and summaries on a labelled
    corpus; ``briefing_path`` holds the key facts summaries should state (default: the
    ``briefing-dev.json`` next to the corpus, when there is one)."""
    articles = load_corpus(path)
    if briefing_path is None:
        briefing_path = path.with_name("briefing-dev.json")
    briefing = load_briefing(briefing_path)
    dated = [p for a in articles if (p := _published(a))]
    reference = max(dated) + timedelta(days=1) if dated else datetime(2026, 1, 1, tzinfo=UTC)
    store = Store(open_database(":memory:"))
    service = Service(settings, store, clock=lambda: reference)
    ids = _ingest(service, articles, reference)
    service.pipeline().analyse_ids_sync([i for i in ids if i > 0])
    rows = {item.id: item for item in store.list_items()}
    gazetteer = service.analyser.gazetteer

    # true positives, false positives, false negatives, reports, on-topic reports
    relevance_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    actor_counts = {"persons": [0, 0, 0], "orgs": [0, 0, 0]}
    for article, item_id in zip(articles, ids, strict=True):
        row = rows[item_id]
        gold = article["label"] == "on_topic"
        pred = row.relevant
        for scope in ("all", article.get("lang") or "?"):
            counts = relevance_counts[scope]
            counts[0] += gold and pred
            counts[1] += pred and not gold
            counts[2] += gold and not pred
            counts[3] += 1
            counts[4] += gold
        # Extracted here, not read from the store: reports found off-topic keep no actors.
        found = gazetteer.extract(row.title, row.summary, row.language)
        predicted = {
            "persons": {n for n in found if _kind(gazetteer, n) == "person"},
            "orgs": {n for n in found if _kind(gazetteer, n) != "person"},
        }
        for key in ("persons", "orgs"):
            expected = set(article.get(key) or [])
            counts = actor_counts[key]
            counts[0] += len(predicted[key] & expected)
            counts[1] += len(predicted[key] - expected)
            counts[2] += len(expected - predicted[key])

    by_language = {
        lang: _relevance_scores(counts)
        for lang, counts in sorted(relevance_counts.items())
        if lang != "all"
    }
    stories = {item_id: rows[item_id].story_id for item_id in ids}
    with_dates = {
        item_id: a["event"]
        for a, item_id in zip(articles, ids, strict=True)
        if a.get("event_date") and a.get("event") not in (None, "other")
    }
    with_events = {
        item_id: a["event"]
        for a, item_id in zip(articles, ids, strict=True)
        if a["label"] == "on_topic" and a.get("event") not in (None, "other")
    }
    languages = {item_id: (a.get("lang") or "?") for a, item_id in zip(articles, ids, strict=True)}
    return {
        "articles": len(articles),
        "relevance": {
            "all": _relevance_scores(relevance_counts["all"]),
            "en": by_language.get("en", _relevance_scores([0, 0, 0, 0, 0])),
            "by_language": by_language,
        },
        "persons": _prf(*actor_counts["persons"]),
        "orgs": _prf(*actor_counts["orgs"]),
        "stories": {
            "articles_with_dates": {**_pairwise(with_dates, stories), "articles": len(with_dates)},
            "on_topic_with_event": {
                **_pairwise(with_events, stories),
                "articles": len(with_events),
            },
            "across_languages": _pairwise(with_events, stories, languages),
        },
        "kinds": _kinds(service, with_events, stories),
        "questions": _questions(service, briefing, with_events, stories),
        "summaries": _summaries(service, briefing, with_events, stories),
        "dates": _date_accuracy(service, articles, ids),
    }


def _relevance_scores(counts: list[int]) -> dict[str, Any]:
    """Precision/recall/F1 of relevance with the number of reports behind them: ``articles``,
    ``on_topic`` (labelled so) and ``correct`` (kept or dropped as labelled)."""
    tp, fp, fn, articles, on_topic = counts
    return {
        **_prf(tp, fp, fn),
        "articles": articles,
        "on_topic": on_topic,
        "correct": articles - fp - fn,
    }


def _kind(gazetteer: Any, name: str) -> str:
    actor = gazetteer.actors.get(name)
    return actor.kind if actor else "unknown"


def _date_accuracy(service: Service, articles: list[dict], ids: list[int]) -> dict[str, Any]:
    """Share of labelled events whose timeline entry (story date) is within a day of the label.

    Only on-topic events count: the timeline never shows off-topic reports, by design.
    """
    from bot.briefing.reading import timeline

    entries = timeline(service, days=None)
    entry_of_story = {story: entry for entry in entries for story in entry.stories}
    story_of_item = service.store.item_stories(ids)
    entry_of_item = {
        item: entry_of_story[story]
        for item, story in story_of_item.items()
        if story in entry_of_story
    }
    events: dict[str, list[int]] = defaultdict(list)
    labels: dict[str, str] = {}
    for article, item_id in zip(articles, ids, strict=True):
        if (
            article["label"] == "on_topic"
            and article.get("event_date")
            and article.get("event") not in (None, "other")
        ):
            events[article["event"]].append(item_id)
            labels[article["event"]] = article["event_date"]
    correct = 0
    details: list[dict[str, str | None]] = []
    for event, items in sorted(events.items()):
        found = [entry_of_item[i] for i in items if i in entry_of_item]
        if found:
            best = max(found, key=lambda e: sum(entry_of_item.get(i) is e for i in items))
            ok = _date_match(best.day, labels[event])
            details.append({"event": event, "label": labels[event], "entry": best.day.isoformat()})
        else:
            ok = False
            details.append({"event": event, "label": labels[event], "entry": None})
        correct += ok
    total = len(events)
    return {
        "events": total,
        "within_one_day": correct,
        "accuracy": round(correct / total, 3) if total else 0.0,
        "details": details,
    }


def format_report(report: dict[str, Any]) -> str:
    """The eval report as readable lines."""

    def line(name: str, scores: dict[str, Any]) -> str:
        return (
            f"{name:<28} P {scores['precision']:.3f}  R {scores['recall']:.3f}  "
            f"F1 {scores['f1']:.3f}"
        )

    stories = report["stories"]
    dates = report["dates"]
    lines = [
        f"articles: {report['articles']}",
        line("relevance (all languages)", report["relevance"]["all"]),
        line("relevance (English)", report["relevance"]["en"]),
        line("persons", report["persons"]),
        line("organizations", report["orgs"]),
        line("stories (articles w/ dates)", stories["articles_with_dates"]),
        line("stories (on-topic w/ event)", stories["on_topic_with_event"]),
        line("stories across languages", stories["across_languages"]),
        f"{'timeline dates within 1 day':<28} {dates['within_one_day']}/{dates['events']} "
        f"= {dates['accuracy']:.0%}",
    ]
    summaries = report["summaries"]
    if summaries["events"]:
        lines.append(
            f"{'summaries: key facts stated':<28} {summaries['key_fact_share']:.0%} of "
            f"{summaries['events']} events (headline alone {summaries['headline_share']:.0%}), "
            f"mean {summaries['mean_length']:.0f} characters"
        )
    questions = report["questions"]
    if questions["questions"]:
        lines.append(
            f"{'questions: hit@3':<28} {questions['hit_at_3']:.0%} of {questions['questions']}"
        )
    by_language = report["relevance"]["by_language"]
    if by_language:
        lines.append("relevance per language:")
    for lang, scores in by_language.items():
        name = f"  {lang:<4} n={scores['articles']}, {scores['on_topic']} on topic"
        if scores["tp"] + scores["fp"] + scores["fn"]:
            lines.append(line(name, scores))
        else:  # nothing on topic and nothing kept: precision and recall are undefined
            lines.append(f"{name:<28} none kept, as labelled")
    return "\n".join(lines)
