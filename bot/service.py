"""Orchestration without Telegram: what the CLI and the chat handlers both call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.store import Store
from bot.timeutil import utcnow


class Service:
    """The bot's use cases over one store. ``clock`` is injectable so tests control time."""

    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock

    def is_admin(self, user_id: int | None) -> bool:
        """Configured admins and admins added from chat."""
        if user_id is None:
            return False
        return user_id in self.settings.telegram.admins or user_id in self.store.admin_ids()
