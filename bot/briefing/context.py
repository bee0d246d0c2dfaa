"""What a briefing use case works with: the store, the settings, the clock and the analyser.

The app's Service provides all four; use cases depend on this protocol, not on the app, so
the arrows between packages point one way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.analysis.analyser import Analyser
from bot.core.config import Settings
from bot.storage.store import Store


class Briefing(Protocol):
    """The context every use case in :mod:`bot.briefing` is called with."""

    settings: Settings
    store: Store
    clock: Callable[[], datetime]

    @property
    def analyser(self) -> Analyser:
        """The compiled topic and gazetteer."""
        ...
