"""Orchestration without Telegram: what the CLI and the chat handlers both call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.config import Settings
from bot.core.models import SHARED_SENDER_IDS
from bot.core.timeutil import utcnow
from bot.storage.store import Store

if TYPE_CHECKING:
    from bot.analysis.analyser import Analyser, AnalyserSpec, ItemAnalysis, ItemText
    from bot.briefing.apply_analysis import AnalysisPipeline
    from bot.core.workers import ParsePool, WorkerPools
    from bot.ingest.cycle import Ingestor
    from bot.ingest.fetch import Fetcher


class Service:
    """The bot's use cases over one store. ``clock`` is injectable so tests control time."""

    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.executor: Executor | None = None
        self.parse_pool: ParsePool | WorkerPools | None = None
        self.analysis_pool: ParsePool | None = None  # a parse worker that also analyses
        self._analyser: Analyser | None = None
        self._spec: AnalyserSpec | None = None

    @property
    def analyser_spec(self) -> AnalyserSpec:
        """What the analyser is built from: the ``[analysis]`` files and the admins' actors."""
        if self._spec is None:
            from bot.analysis.analyser import AnalyserSpec

            custom = tuple((actor.name, actor.kind) for actor in self.store.custom_actors())
            self._spec = AnalyserSpec.from_settings(self.settings, custom)
        return self._spec

    @property
    def analyser(self) -> Analyser:
        """The topic and gazetteer, loaded once (ConfigError naming the key if unusable)."""
        if self._analyser is None:
            from bot.analysis.analyser import analyser_for

            # The same one the parsing scores with when it runs in this process.
            self._analyser = analyser_for(self.analyser_spec)
        return self._analyser

    def add_actor(self, name: str, kind: str, added_by: int | None) -> None:
        """Accept an actor from chat: future reports are matched against it."""
        self.store.add_custom_actor(name, kind, added_by, self.clock())
        self._analyser = self._spec = None

    def pipeline(self) -> AnalysisPipeline:
        """The analysis pipeline over this service's store."""
        from bot.briefing.apply_analysis import AnalysisPipeline

        return AnalysisPipeline(
            self.store, lambda: self.analyser, clock=self.clock, analyse=self.analyse_texts
        )

    async def analyse_texts(self, items: list[ItemText]) -> list[ItemAnalysis]:
        """Analyse a batch off the event loop: in the analysis worker when there is one,
        otherwise in a thread of this process, also when a pool parses. The other workers only
        parse and score relevance, so the analyser (its gazetteers, 6 MiB) is built once rather
        than in every worker, for the few reports that are relevant."""
        if self.analysis_pool is not None:
            from bot.analysis.analyser import analyse_with

            return await self.analysis_pool.run(analyse_with, self.analyser_spec, items)
        analyser = self.analyser
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, analyser.analyse_many, items)

    def ingestor(self, fetcher: Fetcher) -> Ingestor:
        """An Ingestor writing into this service's store, analysing what it writes."""
        from functools import partial

        from bot.app.prescore import parse_and_score
        from bot.ingest.cycle import Ingestor

        return Ingestor(
            self.settings,
            self.store,
            fetcher,
            clock=self.clock,
            executor=self.executor,
            parse_pool=self.parse_pool,
            after_write=self.analyse_ids,
            after_cycle=self.refresh_timeline,
            parse=partial(parse_and_score, self.analyser_spec),
        )

    async def analyse_ids(self, ids: list[int]) -> object:
        """Analyse stored items off the event loop. The analyser (topic and gazetteer, about
        0.5 s to compile) is loaded on first use, so a cycle with nothing new never loads it."""
        return await self.pipeline().analyse_ids(ids)

    async def refresh_timeline(self) -> bool:
        """Regroup the stored timeline where stories changed (grouping off the event loop)."""
        from bot.briefing import stored_timeline as timelines

        threshold = self.settings.analysis.relevance_threshold
        return await timelines.refresh_async(self.store, threshold)

    def reanalyse(self) -> int:
        """Analyse every stored item again, oldest first (after the topic, the gazetteer or
        the threshold changed); return how many."""
        ids = self.store.all_item_ids()
        self.pipeline().analyse_ids_sync(ids)
        return len(ids)

    def admin_ids(self) -> set[int]:
        """Configured admins and admins added from chat."""
        return (set(self.settings.telegram.admins) | self.store.admin_ids()) - SHARED_SENDER_IDS

    def record_poll_cycle(self, summary: str) -> None:
        """Remember when the last poll cycle ran and what it did (for /stats and health)."""
        from bot.core.timeutil import to_iso

        self.store.set_state("last_poll_at", to_iso(self.clock()) or "")
        self.store.set_state("last_poll_summary", summary)

    def is_admin(self, user_id: int | None) -> bool:
        """Configured admins and admins added from chat."""
        if user_id is None or user_id in SHARED_SENDER_IDS:
            return False
        return user_id in self.settings.telegram.admins or user_id in self.store.admin_ids()
