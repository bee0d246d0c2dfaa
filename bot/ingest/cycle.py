"""The poll cycle: fetch due feeds, parse off the event loop, decide, store (a transaction each)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.config import ConfigError, Settings
from bot.core.models import Feed, FetchResult
from bot.core.records import FetchCounts
from bot.core.timeutil import to_iso
from bot.core.workers import ParsePool, WorkerPools, WorkLimitExceeded
from bot.ingest.decide import plan_ingest
from bot.ingest.documents import ParsedDocument, parse_document
from bot.ingest.fetch import Fetcher
from bot.ingest.parse import ParseError
from bot.ingest.schedule import next_check_at
from bot.storage.db import DiskFull, is_disk_full
from bot.storage.store import Store

log = logging.getLogger(__name__)

# body, final URL, Content-Type, first seen → the parsed document.
ParseFunction = Callable[[bytes, str, str | None, datetime], ParsedDocument]

FAILURE_NOTICE_AFTER = timedelta(hours=24)
# At most this many feeds between the start of their fetch and the end of their parse.
IN_FLIGHT = 16
# Awaited with the ids of new and changed items after each feed's write (the analysis hook).
AfterWrite = Callable[[list[int]], Awaitable[object]]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FeedNotice:
    """Something admins should hear about a feed: failing for a day, or working again."""

    kind: str  # "failing" | "recovered"
    feed: str
    attempts: int = 0
    error: str | None = None

    def __str__(self) -> str:
        """The English text (the CLI prints it; the chat uses the message table)."""
        if self.kind == "recovered":
            return f"Feed {self.feed} works again."
        return (
            f"Feed {self.feed} has failed for over 24 hours ({self.attempts} attempts). "
            f"Last error: {self.error}"
        )


@dataclass(frozen=True)
class FeedOutcome:
    """What happened to one feed in a cycle."""

    feed_id: int
    url: str
    status: str  # "ok" | "not_modified" | "failed"
    new_ids: tuple[int, ...] = ()
    changed_ids: tuple[int, ...] = ()
    error: str | None = None
    recovered: bool = False
    entries: int = 0
    scored_off_topic: tuple[int, ...] = ()  # new ids stored analysed (see Entry.off_topic)
    pruned: int = 0  # off-topic reports of this feed deleted after its write

    @property
    def to_analyse(self) -> list[int]:
        """The new and changed items that still need their analysis."""
        done = set(self.scored_off_topic)
        return [*(i for i in self.new_ids if i not in done), *self.changed_ids]


@dataclass
class CycleReport:
    """The result of one poll cycle, with the one-line summary `briefbot fetch` prints."""

    outcomes: list[FeedOutcome] = field(default_factory=list)
    seconds: float = 0.0
    notices: list[FeedNotice] = field(default_factory=list)
    pruned: int = 0  # off-topic reports dropped (over a feed's cap or past retention)
    disk_full: str = ""  # why the cycle stopped, when the disk filled up

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def new_items(self) -> int:
        return sum(len(outcome.new_ids) for outcome in self.outcomes)

    @property
    def updated_items(self) -> int:
        return sum(len(outcome.changed_ids) for outcome in self.outcomes)

    def counts(self) -> FetchCounts:
        """The cycle in numbers, for /stats."""
        return FetchCounts(
            feeds=len(self.outcomes),
            ok=self.count("ok"),
            not_modified=self.count("not_modified"),
            failed=self.count("failed"),
            new=self.new_items,
            updated=self.updated_items,
        )

    def summary(self) -> str:
        """One line: feeds ok / not modified / failed, new and updated items, seconds."""
        return (
            f"{len(self.outcomes)} feeds: {self.count('ok')} ok, "
            f"{self.count('not_modified')} not modified, {self.count('failed')} failed; "
            f"{self.new_items} new items, {self.updated_items} updated"
            + (f", {self.pruned} off-topic pruned" if self.pruned else "")
            + f"; {self.seconds:.1f} s"
        )


class Ingestor:
    """Runs poll cycles for one store. Database writes happen on the caller's (loop) thread."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        fetcher: Fetcher,
        *,
        clock: Callable[[], datetime],
        executor: Executor | None = None,
        parse_pool: ParsePool | WorkerPools | None = None,
        after_write: AfterWrite | None = None,
        after_cycle: Callable[[], Awaitable[object]] | None = None,
        parse: ParseFunction = parse_document,
    ) -> None:
        """``parse`` turns a fetched body into entries (in a worker when there is a pool, so
        it must pickle): the app's version also scores each entry's relevance there."""
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.executor = executor
        self.parse_pool = parse_pool
        # Threads parse two at a time. A pool needs no bound of its own: IN_FLIGHT already caps
        # the bodies waiting for its workers. Two queued per worker (the bound before) ran the
        # workers dry whenever the event loop was busy (building the analyser, committing): a
        # cold 200-feed `briefbot fetch --all` took 1.88 s against 1.85 s, nine runs each, with
        # the same peak memory (bench/ingest.py --cli, 108 MiB).
        self._thread_slots = asyncio.Semaphore(2)
        # On a fast network fetching outruns parsing: without this bound a cold cycle held
        # nearly every fetched body at once, waiting for the parser (43 MiB of the 200-feed
        # corpus; the bound costs it no time, bench/ingest.py --cli).
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
        self.after_write = after_write
        self.after_cycle = after_cycle
        self.parse_document = parse
        self._cycles = 0  # poll cycles running: a feed stored outside one is recorded alone

    async def run_cycle(
        self, *, all_feeds: bool = False, progress: Progress | None = None
    ) -> CycleReport:
        """Poll every due feed (or every active feed with ``all_feeds``) concurrently."""
        started = time.perf_counter()
        now = self.clock()
        feeds = self.store.list_feeds(active_only=True) if all_feeds else self.store.due_feeds(now)
        report = CycleReport()
        self._cycles += 1
        try:
            await self._run(feeds, report, progress)
        finally:
            self._cycles -= 1
        report.seconds = time.perf_counter() - started
        if report.outcomes:
            self.record_fetch(report)
        return report

    def record_fetch(self, report: CycleReport) -> None:
        """Remember when feeds were last fetched and what came of it (state ``last_fetch_at``,
        ``last_fetch_summary``): any poll cycle, the bot's or ``briefbot fetch``'s, and a feed's
        first fetch when it is added. /stats shows it. ``last_poll_at`` stays the bot's own
        poll-loop heartbeat, which ``briefbot health`` checks."""
        self.store.set_state("last_fetch_at", to_iso(self.clock()) or "")
        self.store.set_state("last_fetch_summary", report.summary())
        self.store.set_state("last_fetch_counts", report.counts().to_json())

    async def _run(self, feeds: list[Feed], report: CycleReport, progress: Progress | None) -> None:
        done = 0
        await self.catch_up_analysis()

        async def one(feed: Feed) -> None:
            nonlocal done
            try:
                outcome = await self.poll_feed(feed)
            except DiskFull as error:
                report.disk_full = str(error)  # not the feed's fault: nothing recorded for it
                return
            report.outcomes.append(outcome)
            if outcome.recovered:
                report.notices.append(FeedNotice("recovered", feed.display_name))
            done += 1
            if progress:
                progress(done, len(feeds))

        await asyncio.gather(*(one(feed) for feed in feeds))
        if report.disk_full:
            raise DiskFull(report.disk_full)
        report.notices.extend(self.failure_notices())
        report.pruned = sum(outcome.pruned for outcome in report.outcomes)
        if self.after_cycle is not None:
            try:
                await self.after_cycle()
            except Exception:  # readers regroup what is still pending themselves
                log.exception("the work after the poll cycle failed")

    async def catch_up_analysis(self) -> int:
        """Analyse items stored or edited but not analysed since (a killed process, a failed
        analysis, or an edit made while the item was being analysed); return how many."""
        if self.after_write is None:
            return 0
        ids = self.store.unanalysed_item_ids()
        if ids:
            log.info("analysing %d stored items that were not analysed yet", len(ids))
            try:
                await self.after_write(ids)
            except ConfigError:
                raise
            except Exception as error:  # the cycle must still run; tried again next time
                if is_disk_full(error):
                    raise DiskFull("the disk is full: stored items could not be analysed") from None
                log.exception("analysis of %d pending items failed", len(ids))
        return len(ids)

    async def poll_feed(self, feed: Feed) -> FeedOutcome:
        """Fetch, parse and store one feed; never raises for a bad feed."""
        try:
            async with self._in_flight:
                result = await self.fetcher.fetch(
                    feed.url, etag=feed.etag, last_modified=feed.last_modified
                )
                return await self._handle(feed, result)
        except ConfigError:
            raise
        except Exception as error:  # a hostile feed must never take the cycle down
            if is_disk_full(error):
                raise DiskFull(f"the disk is full: {feed.url} could not be stored") from None
            log.exception("feed %s: unexpected error", feed.url)
            return self._fail(feed, f"internal error: {type(error).__name__}", None, {})

    async def parse(self, result: FetchResult, first_seen: datetime) -> ParsedDocument:
        """Parse a fetched body off the event loop (in a worker process when there is a pool)."""
        content_type = result.headers.get("content-type")
        args = (result.body or b"", result.final_url, content_type, first_seen)
        if self.parse_pool is not None:
            try:
                return await self.parse_pool.run(self.parse_document, *args)
            except WorkLimitExceeded as error:
                raise ParseError(f"parsing it {error}") from None
            except BrokenProcessPool:
                raise ParseError("the parser crashed on it, twice") from None
        async with self._thread_slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, self.parse_document, *args)

    async def _handle(self, feed: Feed, result: FetchResult) -> FeedOutcome:
        now = self.clock()
        if result.error is not None:
            return self._fail(feed, result.error, result.status, result.headers)
        moved = result.permanent_redirect
        if moved and moved != feed.url and self.store.change_feed_url(feed.id, moved):
            log.info("feed %s moved permanently to %s", feed.url, result.permanent_redirect)
        if result.not_modified:
            recovered = self.store.record_not_modified(
                feed.id, now, self._next(feed, now, result.headers, None, 0), result.status or 304
            )
            return FeedOutcome(feed.id, feed.url, "not_modified", recovered=recovered)
        try:
            document = await self.parse(result, now)
        except ParseError as error:
            return self._fail(feed, f"not a usable feed: {error}", result.status, result.headers)
        outcome = self.store_document(feed, result, document)
        await self.after_store(outcome)
        return outcome

    async def after_store(self, outcome: FeedOutcome) -> None:
        """Run the analysis hook for the items a feed's write added or changed."""
        changed = outcome.to_analyse
        if self.after_write and changed:
            try:
                await self.after_write(changed)
            except ConfigError:
                raise  # unusable analysis data: every feed would fail alike; say it once
            except Exception as error:  # the write stands; the next cycle's catch-up analyses
                if is_disk_full(error):
                    raise DiskFull(
                        f"the disk is full: {outcome.url} could not be analysed"
                    ) from None
                log.exception("analysis of %d items from %s failed", len(changed), outcome.url)

    def store_document(
        self, feed: Feed, result: FetchResult, document: ParsedDocument
    ) -> FeedOutcome:
        """Decide and write one parsed document for ``feed`` in one transaction."""
        now = self.clock()
        for warning in document.warnings[:20]:
            log.warning("feed %s: %s", feed.url, warning)
        entries = list(document.entries)
        by_key, by_link = self.store.known_entries(feed.id, entries)
        plan = plan_ingest(entries, by_key, by_link)
        meta = {
            "etag": result.headers.get("etag"),
            "last_modified": result.headers.get("last-modified"),
            "title": document.feed.title or feed.title,
            "site_url": document.feed.link or feed.site_url,
            "language": document.feed.language or feed.language,
            "last_error": None,
        }
        new_ids, changed_ids, recovered = self.store.apply_ingest(
            feed.id,
            plan,
            now,
            next_check_at=self._next(feed, now, result.headers, document.feed.ttl_minutes, 0),
            status=result.status,
            feed_meta=meta,
        )
        # What the feed lists now stays; the rest of its off-topic reports are capped.
        listed = {known.item_id for known in by_key.values()} | set(by_link.values())
        storage = self.settings.storage
        pruned = self.store.prune_off_topic(
            feed.id,
            now,
            keep=listed | set(new_ids),
            per_feed=storage.off_topic_per_feed,
            days=storage.off_topic_days,
        )
        if pruned:
            log.info("feed %s: pruned %d off-topic reports", feed.url, pruned)
        outcome = FeedOutcome(
            feed.id,
            feed.url,
            "ok",
            tuple(new_ids),
            tuple(changed_ids),
            recovered=recovered,
            entries=len(entries),
            pruned=pruned,
            scored_off_topic=tuple(
                item_id for item_id, entry in zip(new_ids, plan.new, strict=True) if entry.off_topic
            ),
        )
        if not self._cycles:  # a feed's first fetch when it is added: a fetch all the same
            self.record_fetch(CycleReport([outcome], pruned=pruned))
        return outcome

    def _fail(
        self, feed: Feed, error: str, status: int | None, headers: dict[str, str]
    ) -> FeedOutcome:
        now = self.clock()
        errors = feed.error_count + 1
        self.store.record_failure(
            feed.id, now, error, status, self._next(feed, now, headers, None, errors)
        )
        log.warning("feed %s failed (%d in a row): %s", feed.url, errors, error)
        return FeedOutcome(feed.id, feed.url, "failed", error=error)

    def _next(
        self,
        feed: Feed,
        now: datetime,
        headers: dict[str, str],
        ttl_minutes: int | None,
        error_count: int,
    ) -> datetime:
        feeds = self.settings.feeds
        return next_check_at(
            now,
            interval=feed.interval_seconds or feeds.poll_interval,
            min_interval=feeds.min_interval,
            max_interval=feeds.max_interval,
            headers=headers,
            ttl_minutes=ttl_minutes,
            error_count=error_count,
            jitter_key=feed.url,
        )

    def failure_notices(self) -> list[FeedNotice]:
        """One notice per feed that has failed for 24 h (each feed is reported once)."""
        now = self.clock()
        notices = []
        for feed in self.store.feeds_failing_since(now - FAILURE_NOTICE_AFTER):
            notices.append(
                FeedNotice("failing", feed.display_name, feed.error_count, feed.last_error)
            )
            self.store.mark_failure_notified(feed.id)
        return notices
