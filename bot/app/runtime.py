"""Wiring: settings → store → service, with the lifetime of one process or command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.service import Service
from bot.core.config import ConfigError, Settings
from bot.core.workers import ParsePool, WorkerPools, return_freed_memory
from bot.storage.db import DatabaseUnusable
from bot.storage.store import Store

# What a pool that replaces a broken one loads in its forkserver.
PARSER = ("bot.app.prescore",)


def start_parse_workers(service: Service, count: int, *, analysis_worker: bool = False) -> None:
    """Give ``service`` ``count`` parse workers, forked now when this process has no thread
    yet. With ``analysis_worker`` and two or more, the last one also analyses the relevant
    reports, with an analyser it compiles from the first document on: in this process,
    compiling it (0.15 s) held up the event loop that feeds the parse workers, which ran out
    of documents meanwhile; in a third process it cost 8-11 MiB more. Calls go to the least
    busy worker, so that one gets fewer documents while it compiles and analyses."""
    if not analysis_worker or count < 2:
        service.parse_pool = ParsePool(count, PARSER)
        service.parse_pool.start_forked()
        return
    from functools import partial

    from bot.analysis.analyser import analyse_with

    parsers = tuple(ParsePool(1, PARSER) for _ in range(count - 1))
    analyst = ParsePool(1, (*PARSER, "bot.analysis.analyser"))
    parsers[0].start_forked(*parsers[1:], analyst)
    # Compiled from the first document on: a fetch of 304s alone never needs it.
    compile_analyser = partial(analyse_with, service.analyser_spec, [])
    service.parse_pool = WorkerPools((*parsers, analyst), warm_up=(analyst, compile_analyser))
    service.analysis_pool = analyst


@contextmanager
def open_service(
    settings: Settings, *, workers: int | None = None, analysis_worker: bool = False
) -> Iterator[Service]:
    """Open the database (migrating it) and yield a Service; close the database afterwards.

    ``workers`` (default ``feeds.parse_workers``) parse and score in other processes. They
    are forked here, before any thread starts, so they share this process's memory. With
    ``analysis_worker`` (a command that ingests and reads nothing) and two workers or more,
    one of them also analyses the relevant reports instead of a thread of this process (see
    :func:`start_parse_workers`)."""
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
        start_parse_workers(service, count, analysis_worker=analysis_worker)
    try:
        load_default_feeds(service)
        yield service
    finally:
        if service.parse_pool is not None:
            service.parse_pool.close()
        store.close()
