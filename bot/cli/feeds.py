"""CLI subcommands for ingestion: fetch, feeds, items."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.app.runtime import open_service
from bot.core.config import Settings
from bot.core.integers import whole
from bot.core.timeutil import to_iso

if TYPE_CHECKING:
    from bot.app.service import Service
    from bot.core.models import Feed
    from bot.core.records import ItemRecord
    from bot.ingest.cycle import CycleReport
    from bot.ingest.fetch import Fetcher

# The storage, HTTP and briefing layers are imported by the commands that use them: `briefbot
# fetch` forks its workers before importing them (see bot.app.runtime.open_service).

T = TypeVar("T")


class CommandError(Exception):
    """A user-facing failure of a subcommand: printed as one line, exit status 2."""


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add fetch, feeds and items to the CLI."""
    fetch = sub.add_parser("fetch", parents=[common], help="poll due feeds once")
    fetch.add_argument("--all", action="store_true", help="poll every active feed now")
    fetch.add_argument(
        "--workers",
        type=_workers,
        default=FETCH_WORKERS,
        metavar="N",
        help=f"processes that parse beside this one (default {FETCH_WORKERS}; 0: "
        "none, the least memory)",
    )
    fetch.set_defaults(func=cmd_fetch)

    feeds = sub.add_parser("feeds", parents=[common], help="manage feeds")
    actions = feeds.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", parents=[common], help="validate and add a feed")
    add.add_argument("url")
    add.add_argument("--name", help="display name (default: the feed's title)")
    add.set_defaults(func=cmd_feeds_add)
    listing = actions.add_parser("list", parents=[common], help="feeds and their health")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_feeds_list)
    for name, helptext, func in (
        ("remove", "delete a feed and the items only it carried", cmd_feeds_remove),
        ("pause", "stop polling a feed", cmd_feeds_pause),
        ("resume", "poll a paused feed again", cmd_feeds_resume),
    ):
        action = actions.add_parser(name, parents=[common], help=helptext)
        action.add_argument("ref", metavar="ID|URL")
        action.set_defaults(func=func)
    opml_in = actions.add_parser("import", parents=[common], help="add feeds from an OPML file")
    opml_in.add_argument("file", type=Path)
    opml_in.set_defaults(func=cmd_feeds_import)
    opml_out = actions.add_parser("export", parents=[common], help="print feeds as OPML")
    opml_out.set_defaults(func=cmd_feeds_export)

    items = sub.add_parser("items", parents=[common], help="list stored items")
    window = items.add_mutually_exclusive_group()
    window.add_argument(
        "--days", type=positive_days, default=7, help="published in the last N days"
    )
    window.add_argument("--all", action="store_true", help="every stored item")
    items.add_argument("--json", action="store_true", help="print a JSON array")
    items.set_defaults(func=cmd_items)


def plural(count: int, one: str, other: str | None = None) -> str:
    """ "1 day", "3 days": the command line speaks English."""
    return f"{count} {one if count == 1 else other or one + 's'}"


def positive_days(text: str) -> int:
    """An argparse type: a whole number of days from 1 to 36,500."""
    days = whole(text, 5)
    if days is None:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {text!r}")
    if not 1 <= days <= 36_500:
        raise argparse.ArgumentTypeError("must be between 1 and 36500")
    return days


# A one-off fetch is worth two more cores; the long-running bot defaults to none (memory).
FETCH_WORKERS = 2


def _workers(text: str) -> int:
    value = whole(text, 2)
    if value is None or value > 32:
        raise argparse.ArgumentTypeError("a whole number from 0 to 32")
    return value


def _run_with_fetcher(
    settings: Settings,
    work: Callable[[Service, Fetcher], Awaitable[T]],
    *,
    workers: int | None = None,
    analysis_worker: bool = False,
) -> T:
    # The service (and its workers, forked) first, the event loop and its threads after.
    with open_service(
        settings, workers=workers, analysis_worker=analysis_worker, clients=True
    ) as service:
        from bot.ingest.fetch import Fetcher

        async def main() -> T:
            async with Fetcher.from_settings(settings.feeds) as fetcher:
                return await work(service, fetcher)

        return asyncio.run(main())


class _ProgressBar:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} feeds")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 60 + "\r")


def cmd_fetch(args: argparse.Namespace, settings: Settings) -> int:
    """One poll cycle; prints a summary line. Exit 0 even when some feeds failed."""
    bar = _ProgressBar()

    async def work(service: Service, fetcher: Fetcher) -> CycleReport:
        return await service.ingestor(fetcher).run_cycle(all_feeds=args.all, progress=bar)

    report = _run_with_fetcher(settings, work, workers=args.workers, analysis_worker=True)
    bar.close()
    for notice in report.notices:
        print(notice, file=sys.stderr)
    print(report.summary())
    return 0


def cmd_feeds_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import feedadmin

    async def work(service: Service, fetcher: Fetcher) -> feedadmin.AddedFeed:
        return await feedadmin.add_feed(service, fetcher, args.url, args.name)

    try:
        added = _run_with_fetcher(settings, work)
    except feedadmin.FeedAdminError as error:
        raise CommandError(str(error)) from None
    feed = added.feed
    print(
        f"added feed {feed.id}: {feed.display_name} ({feed.url}); "
        f"{added.outcome.entries} entries, {len(added.outcome.new_ids)} new items"
    )
    return 0


def feed_json(feed: Feed) -> dict[str, Any]:
    """A feed as a JSON object (stable field names)."""
    return {
        "id": feed.id,
        "url": feed.url,
        "name": feed.display_name,
        "title": feed.title,
        "active": feed.active,
        "items": feed.item_count,
        "last_success": to_iso(feed.last_success_at),
        "last_checked": to_iso(feed.last_checked_at),
        "last_error": feed.last_error,
        "error_count": feed.error_count,
        "next_check": to_iso(feed.next_check_at),
    }


def cmd_feeds_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing import reading

    with open_service(settings) as service:
        feeds = reading.feeds(service)
    if args.json:
        print(json.dumps([feed_json(feed) for feed in feeds], ensure_ascii=False, indent=2))
        return 0
    if not feeds:
        print("No feeds. Add one with: briefbot feeds add URL")
        return 0
    print(
        f"{'ID':>4}  {'STATE':<7} {'ITEMS':>6}  {'LAST SUCCESS':<20} {'ERRORS':>6}  "
        "NAME / LAST ERROR"
    )
    for feed in feeds:
        state = "active" if feed.active else "paused"
        if feed.active and feed.error_count:
            state = "failing"
        print(
            f"{feed.id:>4}  {state:<7} {feed.item_count:>6}  "
            f"{to_iso(feed.last_success_at) or 'never':<20} {feed.error_count:>6}  "
            f"{feed.display_name}  <{feed.url}>"
        )
        if feed.last_error:
            print(f"{'':>48}last error: {feed.last_error}")
    return 0


def _feed_action(settings: Settings, action: Callable[[Service], Feed]) -> Feed:
    from bot.app import feedadmin

    with open_service(settings) as service:
        try:
            return action(service)
        except feedadmin.FeedAdminError as error:
            raise CommandError(str(error)) from None


def cmd_feeds_remove(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import feedadmin

    feed = _feed_action(settings, lambda s: feedadmin.remove_feed(s, args.ref))
    print(f"removed feed {feed.id}: {feed.display_name}")
    return 0


def cmd_feeds_pause(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import feedadmin

    feed = _feed_action(settings, lambda s: feedadmin.set_feed_paused(s, args.ref, True))
    print(f"paused feed {feed.id}: {feed.display_name}")
    return 0


def cmd_feeds_resume(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import feedadmin

    feed = _feed_action(settings, lambda s: feedadmin.set_feed_paused(s, args.ref, False))
    print(f"resumed feed {feed.id}: {feed.display_name}")
    return 0


def cmd_feeds_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import feedadmin
    from bot.ingest.opml import OPMLError

    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}") from None
    with open_service(settings) as service:
        try:
            added, skipped = feedadmin.import_opml(service, data)
        except OPMLError as error:
            raise CommandError(f"{args.file}: {error}") from None
    for reason in skipped:
        print(f"skipped {reason}", file=sys.stderr)
    print(f"imported {len(added)} feeds, skipped {len(skipped)}")
    return 0


def cmd_feeds_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import feedadmin

    with open_service(settings) as service:
        sys.stdout.write(feedadmin.export_opml(service))
    return 0


def item_json(item: ItemRecord) -> dict[str, Any]:
    """A stored item as a JSON object (stable field names)."""
    return {
        "id": item.id,
        "title": item.title,
        "link": item.link,
        "published": to_iso(item.published_at),
        "feeds": list(item.feeds),
        "author": item.author,
        "language": item.language,
        "first_seen": to_iso(item.first_seen_at),
        "updated": to_iso(item.updated_at),
        "relevance": item.relevance,
        "relevant": item.relevant,
        "actors": list(item.actors),
        "story": item.story_id,
        "summary": item.story_summary,
        "event_date": item.event_date.isoformat() if item.event_date else None,
    }


def cmd_items(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing import reading

    with open_service(settings) as service:
        records = reading.items(service, days=None if args.all else args.days)
    items = [item_json(record) for record in records]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("No items. Run: briefbot fetch")
        return 0
    for item in items:
        feeds = ", ".join(item["feeds"])
        mark = "*" if item["relevant"] else " "
        score = f"{item['relevance']:.2f}" if item["relevance"] is not None else "  - "
        print(f"{item['id']:>6} {mark}{score}  {item['published']}  {item['title'][:80]}")
        details = [feeds, item["link"] or "(no link)"]
        if item["story"]:
            details.append(f"story {item['story']}")
        if item["actors"]:
            details.append(", ".join(item["actors"][:4]))
        print(f"{'':>14}{' · '.join(details)}")
    return 0
