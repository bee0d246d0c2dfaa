"""`briefbot health`: is the database usable, current, and is the poll loop alive?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.timeutil import from_iso
from bot.storage.db import (
    DatabaseUnusable,
    DiskFull,
    StorageError,
    free_bytes,
    newer_schema,
    quick_check,
)
from bot.storage.store import Store

# Exit codes (2 stays "bad usage or config", as for every command).
HEALTHY = 0
DATABASE_UNUSABLE = 3
POLL_STALE = 4
SCHEMA_NOT_CURRENT = 5
DISK_FULL = 6

# Less free space than this where the database lives, and the next poll cycle's writes fail.
MIN_FREE_BYTES = 1 << 20


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
    if not path.is_file():
        return Health(DATABASE_UNUSABLE, f"database not found: {path} (has the bot started?)")
    try:
        store = Store.open(path, migrate=False)
    except DiskFull as error:
        return Health(
            DISK_FULL, f"disk full: {error}".replace("disk full: the disk is full: ", "disk full: ")
        )
    except (StorageError, DatabaseUnusable) as error:
        return Health(DATABASE_UNUSABLE, f"database unusable: {path}: {error}")
    try:
        if problem := quick_check(store.db):
            return Health(DATABASE_UNUSABLE, f"database corrupt: {path}: {problem}")
        if why := newer_schema(store.db):
            return Health(SCHEMA_NOT_CURRENT, f"written by a newer briefbot: {why}")
        free = free_bytes(path.parent)
        if free < MIN_FREE_BYTES:
            return Health(
                DISK_FULL, f"disk full: {free // 1024} KiB free where {path} lives; writes fail"
            )
        schema = store.schema_status()
        pending = schema.pending
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
        created = schema.created_at
        if created is not None and now - created < grace:
            return Health(HEALTHY, f"healthy: starting (database created {_ago(now - created)})")
        return Health(
            POLL_STALE,
            f"no poll cycle in the last {_span(max_age)} (last: {last}); "
            f"{len(overdue)} feed(s) overdue",
        )
    except StorageError as error:
        return Health(DATABASE_UNUSABLE, f"database unusable: {path}: {error}")
    finally:
        store.close()


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
