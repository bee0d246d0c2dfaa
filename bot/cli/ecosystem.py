"""CLI subcommands for the ecosystem: chart (a PNG), health (for Docker), export (CSV/JSON)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app.runtime import open_service
from bot.cli.feeds import CommandError, item_json
from bot.core.config import Settings, parse_duration
from bot.core.integers import whole
from bot.core.timeutil import from_iso, utcnow

# `briefbot health` exit codes (2 stays "bad usage or config", as for every command).
HEALTHY = 0
DATABASE_UNUSABLE = 3
POLL_STALE = 4
SCHEMA_NOT_CURRENT = 5

HEALTH_EPILOG = """exit codes:
  0  healthy (one line on stdout says why)
  2  bad arguments or configuration
  3  database missing or unusable (cannot be opened or read)
  4  no poll cycle within --max-age although feeds were due (after the start grace)
  5  schema not current: migrations pending (the bot has not started with this version)
In Docker, HEALTHCHECK maps every non-zero code to 1 (`|| exit 1`)."""

EXPORT_FIELDS = (
    "id", "title", "link", "published", "feeds", "relevance", "relevant", "actors", "story",
    "event_date", "author", "language", "first_seen", "updated",
)  # fmt: skip


MAX_DAYS = 36_500


def _days(text: str) -> int:
    days = whole(text, 5)
    if not days or days > MAX_DAYS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of days from 1 to {MAX_DAYS}, got {text!r}"
        )
    return days


def _duration(text: str) -> timedelta:
    if text.strip() == "0":
        return timedelta(0)
    try:
        return timedelta(seconds=parse_duration(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive_duration(text: str) -> timedelta:
    value = _duration(text)
    if not value:
        raise argparse.ArgumentTypeError("must be longer than zero")
    return value


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add chart, health and export to the CLI."""
    chart = sub.add_parser("chart", parents=[common], help="draw the last days as a PNG")
    chart.add_argument("--days", type=_days, default=14, help="the last N days (default 14)")
    chart.add_argument("--out", type=Path, required=True, metavar="FILE.png", help="PNG to write")
    chart.set_defaults(func=cmd_chart)

    health = sub.add_parser(
        "health",
        parents=[common],
        help="check the database and the poll loop (for Docker HEALTHCHECK)",
        epilog=HEALTH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    health.add_argument(
        "--max-age",
        type=_positive_duration,
        default=timedelta(minutes=30),
        metavar="DURATION",
        help="the last poll cycle may be this old (default 30m)",
    )
    health.add_argument(
        "--grace",
        type=_duration,
        default=timedelta(minutes=10),
        metavar="DURATION",
        help="a database younger than this has not had to poll yet (default 10m; 0: none)",
    )
    health.set_defaults(func=cmd_health)

    export = sub.add_parser("export", parents=[common], help="export stored data as CSV or JSON")
    what = export.add_subparsers(dest="what", metavar="WHAT")
    what.required = True
    items = what.add_parser("items", parents=[common], help="items (fields of items --json)")
    items.add_argument("--format", choices=("csv", "json"), default="csv", help="default csv")
    window = items.add_mutually_exclusive_group()
    window.add_argument("--days", type=_days, default=7, help="the last N days (default 7)")
    window.add_argument("--all", action="store_true", help="every stored item")
    items.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    items.set_defaults(func=cmd_export_items)


# --- chart ------------------------------------------------------------------------------------


def cmd_chart(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing import chart_drawing as charts
    from bot.briefing.chart_data import chart_data

    if not charts.available():
        raise CommandError(str(charts.ChartsUnavailable()))
    with open_service(settings) as service:
        data = chart_data(service, days=args.days)
    png = charts.render_png(data)
    try:
        args.out.write_bytes(png)
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
    print(
        f"wrote {args.out} ({charts.WIDTH}×{charts.HEIGHT} PNG): {data.total_reports} relevant "
        f"reports over {args.days} days, {len(data.stories)} stories marked"
    )
    return 0


# --- health -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """The verdict of `briefbot health`: an exit code and one line saying why."""

    code: int
    message: str


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds / 3600:.1f} h ago"


def check_health(
    path: Path, now: datetime, *, max_age: timedelta, grace: timedelta = timedelta(minutes=10)
) -> Health:
    """Check the database at ``path`` and the poll loop's heartbeat (state ``last_poll_at``).

    Never creates or migrates anything. Healthy when the last poll cycle is younger than
    ``max_age``; also when no active feed has been due for longer than ``max_age`` (nothing to
    poll), or the database is younger than ``grace`` (a fresh bot before its first cycle).
    """
    from bot.storage.db import DatabaseUnusable, open_database
    from bot.storage.migrations import migrations
    from bot.storage.store import Store

    if not path.is_file():
        return Health(DATABASE_UNUSABLE, f"database not found: {path} (has the bot started?)")
    try:
        store = Store(open_database(path, migrate=False))
    except (sqlite3.Error, DatabaseUnusable) as error:
        return Health(DATABASE_UNUSABLE, f"database unusable: {path}: {error}")
    try:
        applied = migrations.applied(store.db)
        pending = [migration.name for migration in migrations.pending(store.db)]
        if pending:
            return Health(
                SCHEMA_NOT_CURRENT,
                f"{len(pending)} migration(s) pending ({', '.join(pending)}): "
                "the running bot is older than this code, or has not started",
            )
        last_poll = from_iso(store.get_state("last_poll_at") or None)
        cutoff = now - max_age
        if last_poll is not None and last_poll >= cutoff:
            return Health(HEALTHY, f"healthy: last poll cycle {_ago(now - last_poll)}")
        last = "never" if last_poll is None else _ago(now - last_poll)
        overdue = store.due_feeds(cutoff)
        if not overdue:
            return Health(
                HEALTHY, f"healthy: no feed was due in the last {_span(max_age)} (last poll {last})"
            )
        created = from_iso(applied[0].applied_at) if applied else None
        if created is not None and now - created < grace:
            return Health(HEALTHY, f"healthy: starting (database created {_ago(now - created)})")
        return Health(
            POLL_STALE,
            f"no poll cycle in the last {_span(max_age)} (last: {last}); "
            f"{len(overdue)} feed(s) overdue",
        )
    except sqlite3.Error as error:
        return Health(DATABASE_UNUSABLE, f"database unusable: {path}: {error}")
    finally:
        store.close()


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    verdict = check_health(settings.storage.path, utcnow(), max_age=args.max_age, grace=args.grace)
    print(verdict.message)
    return verdict.code


# --- export -----------------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(part) for part in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def items_csv(items: list[dict[str, Any]]) -> str:
    """Items as CSV with a header row; lists are joined with "; ", booleans are true/false."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for item in items:
        writer.writerow({key: _csv_value(item[key]) for key in EXPORT_FIELDS})
    return buffer.getvalue()


def cmd_export_items(args: argparse.Namespace, settings: Settings) -> int:
    with open_service(settings) as service:
        since = None if args.all else service.clock() - timedelta(days=args.days)
        items = [item_json(row) for row in service.store.list_items(since=since)]
    if args.format == "csv":
        text = items_csv(items)
    else:
        text = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
    print(f"exported {len(items)} items to {args.out} ({args.format})")
    return 0
