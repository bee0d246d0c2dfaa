"""CLI subcommands for the ecosystem: chart (a PNG), health (for Docker), export (CSV/JSON)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app.runtime import open_service
from bot.cli.feeds import CommandError, item_json, plural
from bot.core.config import Settings, parse_duration
from bot.core.integers import whole
from bot.core.timeutil import utcnow

HEALTH_EPILOG = """exit codes:
  0  healthy (one line on stdout says why)
  2  bad arguments or configuration
  3  database missing or unusable (cannot be opened or read)
  4  no poll cycle within --max-age although feeds were due (after the start grace)
  5  schema not current: migrations pending (the bot has not started with this version)
In Docker, HEALTHCHECK maps every non-zero code to 1 (`|| exit 1`)."""

EXPORT_FIELDS = (
    "id", "title", "link", "published", "feeds", "relevance", "relevant", "actors", "story",
    "summary", "event_date", "author", "language", "first_seen", "updated",
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
        f"wrote {args.out} ({charts.WIDTH}×{charts.HEIGHT} PNG): "
        f"{plural(data.total_reports, 'relevant report')} over {plural(len(data.days), 'day')}, "
        f"{plural(len(data.stories), 'story', 'stories')} marked"
    )
    return 0


# --- health -----------------------------------------------------------------------------------


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing.health import check_health

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
    from bot.briefing import reading

    with open_service(settings) as service:
        days = None if args.all else args.days
        items = [item_json(record) for record in reading.items(service, days=days)]
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
