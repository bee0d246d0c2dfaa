"""Updates handled concurrently, one at a time per sender: a burst from one user (200 forged
button presses) waits behind itself, never in front of other users."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.core.models import SHARED_SENDER_IDS


def sender_key(update: object) -> Hashable:
    """Whose turn an update takes: its user (per chat for Telegram's shared anonymous senders),
    else its chat."""
    if not isinstance(update, Update):
        return None
    user, chat = update.effective_user, update.effective_chat
    chat_id = chat.id if chat else 0
    if user is None:
        return ("chat", chat_id)
    return (user.id, chat_id) if user.id in SHARED_SENDER_IDS else user.id


class FairUpdateProcessor(BaseUpdateProcessor):
    """At most ``at_once`` updates handled at once, and at most one per sender, in the order
    each sender sent them. A sender's queued updates hold no slot while they wait.

    PTB's own slot (taken before :meth:`do_process_update`) is sized so it never binds: a
    burst would otherwise fill every slot while waiting for its sender's turn."""

    def __init__(self, at_once: int, *, queued: int = 100_000) -> None:
        super().__init__(queued)
        self._slots = asyncio.Semaphore(at_once)
        self._turns: dict[Hashable, asyncio.Lock] = {}
        self._waiting: dict[Hashable, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this sender's turn, then for a free slot, then handle the update."""
        key = sender_key(update)
        turn = self._turns.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with turn, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle senders: memory stays bounded
                del self._waiting[key], self._turns[key]

    @property
    def senders(self) -> int:
        """Senders with updates being handled or waiting."""
        return len(self._turns)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
