"""What every part of the Store shares: the connection, transactions and query helpers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlite_utils

Row = dict[str, Any]


class StoreBase:
    """The database connection of one thread (SQLite's rule) and the helpers built on it."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def close(self) -> None:
        """Close the underlying connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them commit together or none do."""
        with self.db.atomic():
            yield

    def _rows(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        return list(self.db.query(sql, params or []))

    def _one(self, sql: str, params: Sequence[Any] | None = None) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.db.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run an INSERT and return the new row's id."""
        cursor = self.db.execute(sql, params)
        if cursor.lastrowid is None:  # pragma: no cover  (SQLite always sets it after INSERT)
            raise RuntimeError("the database did not report the new row's id")
        return cursor.lastrowid


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size`` (SQLite limits the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def marks(values: Sequence[Any]) -> str:
    """One ``?`` per value, comma-separated, for an ``IN (…)`` list."""
    return ",".join("?" * len(values))
