"""CLI subcommands for briefing: timeline, actors, reanalyse, eval."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app.runtime import open_service
from bot.cli.feeds import plural, positive_days
from bot.core.config import Settings
from bot.core.timeutil import to_iso

if TYPE_CHECKING:
    from bot.briefing.ask import Answer


def _window(parser: argparse.ArgumentParser, default: int) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--days", type=positive_days, default=default, help=f"the last N days (default {default})"
    )
    group.add_argument("--all", action="store_true", help="everything stored")
    parser.add_argument("--json", action="store_true", help="print JSON")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add timeline, actors, ask, digest, reanalyse and eval to the CLI."""
    timeline = sub.add_parser("timeline", parents=[common], help="dated entries, one per story")
    _window(timeline, 30)
    timeline.add_argument("--upcoming", action="store_true", help="announced future events")
    timeline.add_argument("--oldest-first", action="store_true", help="oldest entries first")
    timeline.set_defaults(func=cmd_timeline)

    actors = sub.add_parser("actors", parents=[common], help="most-mentioned actors")
    _window(actors, 7)
    actors.add_argument(
        "--candidates", action="store_true", help="unknown names seen next to role words"
    )
    actors.set_defaults(func=cmd_actors)

    again = sub.add_parser(
        "reanalyse", parents=[common], help="analyse every stored item again (after editing data/)"
    )
    again.set_defaults(func=cmd_reanalyse)

    question = sub.add_parser("ask", parents=[common], help="answer a question in plain words")
    question.add_argument("question", help='for example "what happened in Geneva?"')
    question.add_argument("--json", action="store_true", help="print JSON")
    question.add_argument(
        "--language", default="en", help="the summaries' language where there is one (en)"
    )
    question.set_defaults(func=cmd_ask)

    digest = sub.add_parser("digest", parents=[common], help="print the digest a chat would get")
    digest.add_argument("--chat", type=int, required=True, metavar="ID", help="Telegram chat id")
    digest.add_argument("--json", action="store_true", help="print JSON")
    digest.set_defaults(func=cmd_digest)

    evaluate = sub.add_parser(
        "eval", parents=[common], help="measure analysis on a labelled corpus"
    )
    evaluate.add_argument("--corpus", type=Path, required=True, metavar="FILE.jsonl")
    evaluate.add_argument(
        "--briefing",
        type=Path,
        metavar="FILE.json",
        help="key facts and questions (default: briefing-dev.json next to the corpus)",
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.set_defaults(func=cmd_eval)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing import reading  # the commands that read import it, not every command

    days = None if args.all else args.days
    with open_service(settings) as service:
        if args.upcoming:
            events = reading.upcoming(service)
            if args.json:
                _print_json(
                    [
                        {
                            "date": e.day.isoformat(),
                            "text": e.text,
                            "headline": e.title,
                            "item": e.item,
                            "story": e.story,
                            "link": e.link,
                        }
                        for e in events
                    ]
                )
            elif not events:
                print("No announced meetings or deadlines ahead.")
            for e in [] if args.json else events:
                print(f"{e.day}  {e.text}  — {e.title}")
            return 0
        entries = reading.timeline(service, days=days, newest_first=not args.oldest_first)
        items = reading.entry_items(service, entries) if args.json else {}
        summaries = reading.entry_summaries(service, entries, "en")
    if args.json:
        _print_json(
            [
                {
                    "date": e.day.isoformat(),
                    "headline": e.headline,
                    "summary": summaries.get(e.story),
                    "kind": e.kind,
                    "story": e.story,
                    "sources": e.sources,
                    "stories": list(e.stories),
                    "items": items[e.story],
                    "actors": list(e.actors),
                }
                for e in entries
            ]
        )
        return 0
    if not entries:
        window = "stored" if days is None else f"in the last {days} days"
        print(f"No relevant stories {window}. Run: briefbot fetch")
        return 0
    for entry in entries:
        actors = ", ".join(entry.actors[:4])
        print(f"{entry.day}  [{entry.kind:<12}] {entry.headline}")
        if summary := summaries.get(entry.story):
            print(f"{'':12}{summary}")
        print(f"{'':12}story {entry.story} · {plural(entry.sources, 'source')} · {actors}")
    return 0


def cmd_actors(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing import reading  # the commands that read import it, not every command

    days = None if args.all else args.days
    with open_service(settings) as service:
        if args.candidates:
            found = reading.candidates(service)
            if args.json:
                _print_json(
                    [
                        {
                            "name": c.name,
                            "cue": c.cue,
                            "mentions": c.mentions,
                            "context": c.context,
                            "last_seen": to_iso(c.last_seen),
                        }
                        for c in found
                    ]
                )
            elif not found:
                print("No actor candidates.")
            for c in [] if args.json else found:
                print(f"{c.mentions:>4}  {c.name}  (after “{c.cue}”)")
            return 0
        stats = reading.actor_stats(service, days=days)
    if args.json:
        _print_json(
            [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "role": s.role,
                    "mentions": s.mentions,
                    "items": s.items,
                    "last_seen": to_iso(s.last_seen),
                    "trend": s.trend,
                    "previous_mentions": s.previous,
                }
                for s in stats
            ]
        )
        return 0
    if not stats:
        print("No actors in relevant reports for this window.")
        return 0
    print(f"{'MENTIONS':>8} {'ITEMS':>5} {'TREND':>6}  NAME (ROLE)")
    for s in stats:
        trend = "" if s.trend is None else f"{s.trend:+d}"
        role = f" ({s.role})" if s.role else ""
        print(f"{s.mentions:>8} {s.items:>5} {trend:>6}  {s.name}{role}")
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing import digests, subscriptions

    with open_service(settings) as service:
        digest = digests.digest_for_chat(service, args.chat)
        subscription = subscriptions.get_subscription(service, args.chat)
    language = (subscription.language if subscription else None) or "en"
    stories = [
        {
            "story": s.id,
            "headline": s.headline,
            "summary": s.summary_for(language),
            "link": s.link,
            "date": s.day.isoformat(),
            "kind": s.kind,
            "sources": s.sources,
        }
        for s in digest.stories
    ]
    coming = [
        {
            "date": c.day.isoformat(),
            "text": c.text,
            "headline": c.title,
            "link": c.link,
            "story": c.story,
        }
        for c in digest.coming
    ]
    actors = [
        {"name": a.name, "mentions": a.mentions, "previous": a.previous, "trend": a.trend}
        for a in digest.actors
    ]
    if args.json:
        _print_json(
            {
                "chat": args.chat,
                "since": digest.since.isoformat(),
                "until": digest.until.isoformat(),
                "stories": stories,
                "next": coming,
                "actors": actors,
                "more": digest.more,
            }
        )
        return 0
    if digest.is_empty():
        print(f"Nothing new for chat {args.chat} since its last digest (or in the last 24 hours).")
        return 0
    print("WHAT'S HAPPENING")
    for number, brief in enumerate(digest.stories, 1):
        print(f"{number}. {brief.headline}")
        if summary := brief.summary_for(language):
            print(f"   {summary}")
        sources = plural(brief.sources, "source")
        print(f"   {brief.day.isoformat()} · {brief.kind} · {sources} · {brief.link}")
    if coming:
        print("WHAT'S NEXT")
        for event in coming:
            print(f"   {event['date']}  {event['text']} — {event['headline']}")
    if actors:
        print("WHO'S IN THE NEWS")
        print("   " + ", ".join(f"{a['name']} {a['mentions']} ({a['trend']})" for a in actors))
    if digest.more:
        print(f"{plural(digest.more, 'more story', 'more stories')} — briefbot timeline")
    return 0


def answer_json(found: Answer, language: str | None) -> dict[str, Any]:
    """An answer as a JSON object (stable field names)."""
    actor = found.actor
    return {
        "question": found.question.text,
        "stories": [
            {
                "id": story.id,
                "headline": story.headline,
                "date": story.day.isoformat(),
                "summary": story.summary_for(language),
                "sources": story.sources,
                "link": story.link,
                "items": found.items.get(story.id, []),
            }
            for story in found.stories
        ],
        "actor": None
        if actor is None
        else {
            "name": actor.name,
            "kind": actor.kind,
            "role": actor.role,
            "aliases": list(actor.aliases),
            "stories": [story.id for story in actor.stories],
        },
    }


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing.ask import ask

    with open_service(settings) as service:
        found = ask(service, args.question)
    if args.json:
        _print_json(answer_json(found, args.language))
        return 0
    if found.actor is not None:
        actor = found.actor
        role = f" — {actor.role}" if actor.role else ""
        print(f"{actor.name} ({actor.kind}){role}")
        for story in actor.stories:
            print(f"  {story.day}  {story.headline}  (story {story.id})")
        return 0
    if not found.stories:
        print(f"Nothing found for {found.question.text!r}. Try: briefbot timeline, or a search.")
        return 0
    for number, story in enumerate(found.stories, 1):
        print(f"{number}. {story.day}  {story.headline}")
        if summary := story.summary_for(args.language):
            print(f"   {summary}")
        print(f"   {plural(story.sources, 'source')} · story {story.id} · {story.link or ''}")
    return 0


def cmd_reanalyse(args: argparse.Namespace, settings: Settings) -> int:
    with open_service(settings) as service:
        count = service.reanalyse()
    print(f"analysed {count} items")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app.evaluation import EvalError, evaluate_corpus, format_report

    try:
        report = evaluate_corpus(settings, args.corpus, args.briefing)
    except EvalError as error:
        from bot.cli.feeds import CommandError

        raise CommandError(str(error)) from None
    if args.json:
        _print_json(report)
    else:
        print(format_report(report))
    return 0
