"""Orchestration without Telegram: what the CLI and the chat handlers both call."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.store import Store
from bot.timeutil import utcnow

if TYPE_CHECKING:
    from bot.fetch import Fetcher
    from bot.ingest import Ingestor


class Service:
    """The bot's use cases over one store. ``clock`` is injectable so tests control time."""

    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.executor: Executor | None = None

    def ingestor(self, fetcher: Fetcher) -> Ingestor:
        """An Ingestor writing into this service's store."""
        from bot.ingest import Ingestor

        return Ingestor(
            self.settings, self.store, fetcher, clock=self.clock, executor=self.executor
        )

    def admin_ids(self) -> set[int]:
        """Configured admins and admins added from chat."""
        return set(self.settings.telegram.admins) | self.store.admin_ids()

    def record_poll_cycle(self, summary: str) -> None:
        """Remember when the last poll cycle ran and what it did (for /stats and health)."""
        from bot.timeutil import to_iso

        self.store.set_state("last_poll_at", to_iso(self.clock()) or "")
        self.store.set_state("last_poll_summary", summary)

    def is_admin(self, user_id: int | None) -> bool:
        """Configured admins and admins added from chat."""
        if user_id is None:
            return False
        return user_id in self.settings.telegram.admins or user_id in self.store.admin_ids()
