"""Wiring: settings → store → service, with the lifetime of one process or command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.core.config import ConfigError, Settings
from bot.core.tls import prepare_client_context
from bot.core.workers import ParsePool, WorkerPools, return_freed_memory

if TYPE_CHECKING:
    from bot.analysis.analyser import AnalyserSpec
    from bot.app.service import Service

# What a pool that replaces a broken one loads in its forkserver.
PARSER = ("bot.app.prescore",)


def start_parse_workers(
    spec: AnalyserSpec, count: int, *, analysis_worker: bool = False
) -> tuple[ParsePool | WorkerPools, ParsePool | None]:
    """``count`` parse workers, forked now when this process has no thread yet, and the one
    of them that also analyses (or None). With ``analysis_worker`` and two or more, the last
    one also analyses the relevant reports, with an analyser it starts compiling at once,
    while this process goes on starting: in this process, compiling it (0.15 s) held up the
    event loop that feeds the parse workers, which ran out of documents meanwhile; in a third
    process it cost 8-11 MiB more. Calls go to the least busy worker, so that one gets fewer
    documents while it compiles and analyses."""
    if not analysis_worker or count < 2:
        pool = ParsePool(count, PARSER)
        pool.start_forked()
        return pool, None
    from functools import partial

    from bot.analysis.analyser import analyse_with

    parsers = tuple(ParsePool(1, PARSER) for _ in range(count - 1))
    analyst = ParsePool(1, (*PARSER, "bot.analysis.analyser"))
    parsers[0].start_forked(*parsers[1:], analyst)
    # With the files of [analysis] only: the admins' actors are in the database, not open yet.
    # Where there are some, the first analysis adds them (0.1 s; the files stay read).
    analyst.warm_up(partial(analyse_with, spec, []))
    return WorkerPools((*parsers, analyst)), analyst


@contextmanager
def open_service(
    settings: Settings,
    *,
    workers: int | None = None,
    analysis_worker: bool = False,
    clients: bool = False,
) -> Iterator[Service]:
    """Open the database (migrating it) and yield a Service; close the database afterwards.

    ``workers`` (default ``feeds.parse_workers``) parse and score in other processes. They
    are forked first, before any thread starts, so they share this process's memory; from the
    CLI, also before it imports the storage and HTTP layers (which they do not need), so that
    they start their work while it goes on (0.1 s of a cold `briefbot fetch`). With
    ``analysis_worker`` (a command that ingests and reads nothing) and two workers or more,
    one of them also analyses the relevant reports instead of a thread of this process (see
    :func:`start_parse_workers`). With ``clients`` (a command that makes HTTP requests), the
    TLS context they share is built in a thread from here on, beside the database's opening
    and the imports (0.02 s of the start-up)."""
    return_freed_memory()
    count = settings.feeds.parse_workers if workers is None else workers
    pools: tuple[ParsePool | WorkerPools, ParsePool | None] | None = None
    if count:
        from bot.analysis.analyser import AnalyserSpec
        from bot.app.prescore import scoring_topic

        spec = AnalyserSpec.from_settings(settings)
        # Workers score every report against the topic: compiled before they are forked, it is
        # shared instead of compiled again in each (ConfigError here if it is unusable).
        scoring_topic(spec)
        pools = start_parse_workers(spec, count, analysis_worker=analysis_worker)
    if clients:  # after the fork: it starts a thread
        prepare_client_context()
    try:
        service = _open(settings)
    except BaseException:
        if pools is not None:
            pools[0].close()
        raise
    if pools is not None:
        service.parse_pool, service.analysis_pool = pools
    try:
        from bot.app.feedadmin import load_default_feeds

        load_default_feeds(service)
        yield service
    finally:
        if service.parse_pool is not None:
            service.parse_pool.close()
        service.store.close()


def _open(settings: Settings) -> Service:
    from bot.app.service import Service
    from bot.storage.db import DatabaseUnusable
    from bot.storage.store import Store

    try:
        store = Store.open(settings.storage.path)
    except DatabaseUnusable as error:
        raise ConfigError(f"storage.path: {error}") from None
    return Service(settings, store)
