"""Wiring: settings → store → service, with the lifetime of one process or command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.service import Service
from bot.core.config import ConfigError, Settings
from bot.core.workers import ParsePool
from bot.storage.db import DatabaseUnusable
from bot.storage.store import Store


@contextmanager
def open_service(settings: Settings) -> Iterator[Service]:
    """Open the database (migrating it) and yield a Service; close the database afterwards."""
    from bot.app.feedadmin import load_default_feeds

    try:
        store = Store.open(settings.storage.path)
    except DatabaseUnusable as error:
        raise ConfigError(f"storage.path: {error}") from None
    service = Service(settings, store)
    if settings.feeds.parse_workers:
        # Workers parse documents: the forkserver imports the parser once for all of them.
        service.parse_pool = ParsePool(settings.feeds.parse_workers, ("bot.app.prescore",))
    try:
        load_default_feeds(service)
        yield service
    finally:
        if service.parse_pool is not None:
            service.parse_pool.close()
        store.close()
