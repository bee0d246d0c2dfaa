"""The Store: every SQL statement of the bot, split by aggregate, returning models.

``Store`` is one class made of per-aggregate parts (feeds and items, stories and the timeline,
reading and search, subscribers and deliveries, chat state), in the manner of lemon24/reader's
storage mixins. One Store per thread (SQLite's connection rule).
"""

from __future__ import annotations

from pathlib import Path

from bot.core.records import SchemaStatus
from bot.core.timeutil import from_iso
from bot.storage.chatstate import ChatStateStore
from bot.storage.db import open_database
from bot.storage.feeds import DuplicateFeed
from bot.storage.items import ItemStore
from bot.storage.migrations import migrations
from bot.storage.reading import ReadingStore
from bot.storage.stories import StoryStore
from bot.storage.subscribers import SubscriberStore

__all__ = ["DuplicateFeed", "Store"]


class Store(ItemStore, StoryStore, ReadingStore, SubscriberStore, ChatStateStore):
    """Typed access to the briefbot database."""

    @classmethod
    def open(cls, path: str | Path, *, migrate: bool = True) -> Store:
        """Open (and, unless ``migrate`` is false, migrate) the database at ``path``."""
        return cls(open_database(path, migrate=migrate))

    def table_names(self) -> list[str]:
        """Names of the tables in the database."""
        return list(self.db.table_names())

    def schema_status(self) -> SchemaStatus:
        """The migrations applied and pending, and when the first one ran."""
        applied = migrations.applied(self.db)
        return SchemaStatus(
            applied=tuple(migration.name for migration in applied),
            pending=tuple(migration.name for migration in migrations.pending(self.db)),
            created_at=from_iso(applied[0].applied_at) if applied else None,
        )
