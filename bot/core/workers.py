"""A process pool for CPU-heavy parsing and analysis that survives a crashed worker."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class ParsePool:
    """Runs picklable functions in worker processes, off the event loop and off the GIL.

    Workers start lazily (a warm cycle of 304s never starts them) from a forkserver, which is
    safe in a process that already runs threads. A worker that dies (a hostile document
    crashing a C library) fails the calls in flight; the next call gets a fresh pool.
    """

    def __init__(self, workers: int, preload: tuple[str, ...] = ()) -> None:
        """``preload``: modules the forkserver imports once, so each worker starts with them."""
        self.workers = workers
        self.preload = preload
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(self.preload))
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` in a worker and await its result."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            return await loop.run_in_executor(pool, func, *args)
        except BrokenProcessPool:
            if self._pool is pool:  # a late failure must not close the pool that replaced it
                log.error("a worker died; starting a new pool")
                self.close(wait=False)
            raise

    def close(self, wait: bool = True) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
