"""Opening the database: the only place that builds a SQLite connection."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from bot.storage.migrations import migrations


class DatabaseUnusable(Exception):
    """The database file cannot be created or opened (a one-line reason)."""


class DiskFull(Exception):
    """The disk holding the database (or its lock or journal) has no room for a write."""


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` says the disk is full (SQLite's SQLITE_FULL, ENOSPC or EDQUOT)."""
    if isinstance(error, DiskFull):
        return True
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "disk is full" in str(error)
    return False


# Opening in WAL mode writes a 32 KiB shared-memory file: with less room the open fails.
OPEN_NEEDS_BYTES = 64 * 1024


def free_bytes(directory: Path) -> int:
    """Bytes an unprivileged process may still write on the filesystem holding ``directory``
    (a huge number when it cannot be told)."""
    try:
        stats = os.statvfs(directory)
    except OSError:
        return 1 << 62
    return stats.f_bavail * stats.f_frsize


class _Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin.

    A deferred ``BEGIN`` that reads first cannot become a writer once another connection (the
    CLI beside the running bot) has committed in between: SQLite fails it at once with
    "database is locked", and the busy timeout never applies. ``BEGIN IMMEDIATE`` waits for the
    lock (up to the busy timeout) instead. Nested blocks still use savepoints.

    Opened with ``execute_plugins=False``: a sqlite-utils plugin installed beside the bot (for
    the ``sqlite-utils`` command) is not the bot's, and must not add functions to its
    connections; finding plugins also scanned every installed package, 15 ms at each start.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.rollback()
                raise


def open_database(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating the directory if needed) the database in WAL mode with foreign keys on.

    ``":memory:"`` gives a private in-memory database. Pending migrations are applied unless
    ``migrate`` is false. The connection belongs to the thread that opened it.
    """
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:")
    else:
        file = Path(path)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            if file.is_dir():
                raise DatabaseUnusable(f"{file} is a directory")
            conn = sqlite3.connect(file, timeout=30)
            conn.execute("PRAGMA schema_version").fetchone()
        except (OSError, sqlite3.Error) as error:
            if isinstance(error, DatabaseUnusable):
                raise
            if is_disk_full(error) or free_bytes(file.parent) < OPEN_NEEDS_BYTES:
                # SQLite says "disk I/O error" when it cannot even size its shared-memory file.
                raise DiskFull(f"the disk is full: cannot open {file} ({error})") from None
            raise DatabaseUnusable(f"cannot open {file}: {error}") from None
    db = _Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    if str(path) != ":memory:":
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        if why := newer_schema(db):
            db.close()
            raise DatabaseUnusable(
                f"{path} was written by a newer briefbot ({why}); upgrade briefbot, or point "
                "storage.path at another database"
            )
        apply_migrations(db)
    return db


@functools.cache
def _known_schema() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The migration names and the columns of each table this version creates."""
    db = _Database(sqlite3.connect(":memory:"), execute_plugins=False)
    apply_migrations(db)
    names = frozenset(migration.name for migration in migrations.applied(db))
    tables = {
        name: frozenset(column.name for column in db[name].columns) for name in db.table_names()
    }
    db.close()
    return names, tables


def newer_schema(db: sqlite_utils.Database) -> str | None:
    """Why the database looks written by a newer version (a migration this one does not know,
    or a column it never created in one of its tables), or None."""
    names, tables = _known_schema()
    unknown = [m.name for m in migrations.applied(db) if m.name not in names]
    if unknown:
        return f"migration {unknown[0]} is unknown to this version"
    present = set(db.table_names())
    for table, known in tables.items():
        if table in present:
            extra = sorted({column.name for column in db[table].columns} - known)
            if extra:
                return f"column {table}.{extra[0]} is unknown to this version"
    return None


def quick_check(db: sqlite_utils.Database) -> str | None:
    """SQLite's quick integrity check: None when the file is sound, else its first finding."""
    rows = db.execute("PRAGMA quick_check(3)").fetchall()
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    if lines == ["ok"]:
        return None
    return "; ".join(line for line in lines if line and not line.startswith("***"))[:300] or "?"


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return the names applied (empty when already up to date)."""
    pending = [migration.name for migration in migrations.pending(db)]
    migrations.apply(db)
    return pending


# What the database layer raises when SQLite itself fails (disk full, corrupt file, locked).
StorageError = sqlite3.Error
