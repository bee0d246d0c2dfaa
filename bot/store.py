"""The storage layer: every SQL statement of the bot lives here and returns plain models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.db import open_database
from bot.timeutil import to_iso


class Store:
    """Typed access to the briefbot database. One Store per thread (SQLite connection rule)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (and migrate) the database at ``path``."""
        return cls(open_database(path))

    def close(self) -> None:
        """Close the underlying connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them commit together or none do."""
        with self.db.atomic():
            yield

    def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params or []))

    def _one(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    # --- state -----------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        """Read a value from the key/value state table."""
        row = self._one("SELECT value FROM state WHERE key = ?", [key])
        return row["value"] if row else None

    def set_state(self, key: str, value: str) -> None:
        """Write a value to the key/value state table."""
        self.db.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # --- admins ----------------------------------------------------------------------------

    def admin_ids(self) -> set[int]:
        """User ids added as admins from chat (configured admins are not stored)."""
        return {row["user_id"] for row in self._rows("SELECT user_id FROM admins")}

    def add_admin(self, user_id: int, added_by: int | None, now: datetime) -> bool:
        """Store an admin; return False when the user already was one."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO admins (user_id, added_by, added_at) VALUES (?, ?, ?)",
            [user_id, added_by, to_iso(now)],
        )
        return cursor.rowcount > 0

    # --- introspection (tests, health) -----------------------------------------------------

    def table_names(self) -> list[str]:
        """Names of the tables in the database."""
        return self.db.table_names()
