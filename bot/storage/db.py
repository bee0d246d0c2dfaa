"""Opening the database: the only place that builds a SQLite connection."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from bot.storage.migrations import migrations


class DatabaseUnusable(Exception):
    """The database file cannot be created or opened (a one-line reason)."""


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
            raise DatabaseUnusable(f"cannot open {file}: {error}") from None
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    if str(path) != ":memory:":
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        apply_migrations(db)
    return db


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return the names applied (empty when already up to date)."""
    pending = [migration.name for migration in migrations.pending(db)]
    migrations.apply(db)
    return pending


# What the database layer raises when SQLite itself fails (disk full, corrupt file, locked).
StorageError = sqlite3.Error
