"""Wiring: settings → store → service, with the lifetime of one process or command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.service import Service
from bot.core.config import ConfigError, Settings
from bot.core.workers import ParsePool, return_freed_memory
from bot.storage.db import DatabaseUnusable
from bot.storage.store import Store


@contextmanager
def open_service(settings: Settings, *, workers: int | None = None) -> Iterator[Service]:
    """Open the database (migrating it) and yield a Service; close the database afterwards.

    ``workers`` (default ``feeds.parse_workers``) parse and score in other processes. They
    are forked here, before any thread starts, so they share this process's memory."""
    from bot.app.feedadmin import load_default_feeds

    try:
        store = Store.open(settings.storage.path)
    except DatabaseUnusable as error:
        raise ConfigError(f"storage.path: {error}") from None
    service = Service(settings, store)
    return_freed_memory()
    count = settings.feeds.parse_workers if workers is None else workers
    if count:
        from bot.app.prescore import scoring_topic

        # Workers score every report against the topic: compiled before they are forked, it is
        # shared instead of compiled again in each (ConfigError here if it is unusable).
        scoring_topic(service.analyser_spec)
        # A pool that replaces a broken one starts from a forkserver with the parser loaded.
        service.parse_pool = ParsePool(count, ("bot.app.prescore",))
        service.parse_pool.start_forked()
    try:
        load_default_feeds(service)
        yield service
    finally:
        if service.parse_pool is not None:
            service.parse_pool.close()
        store.close()
