"""A process pool for CPU-heavy parsing, with a time and memory limit per call,
that survives a worker that dies or hangs."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# One call (one document, one analysis batch) gets this long in a worker. Real feeds parse in
# well under a second; the structural limits in bot.ingest.parse keep hostile ones far below.
CALL_SECONDS = 30.0
# Address space of a worker. A 10 MiB document (the body cap) needs about 260 MiB at most.
WORKER_MEMORY = 1 << 30
# A worker that does not give up by itself (stuck in C code, the alarm blocked) is killed when
# its call has been running this many times the limit (see ParsePool._watch).
WATCHDOG_FACTOR = 3


class WorkLimitExceeded(Exception):
    """A call ran out of its time or memory in a worker; the message says which."""


class _Expired(BaseException):
    """Raised by the alarm inside a call. A BaseException, so parsers that catch every
    Exception on hostile input cannot swallow it."""


def _init_worker(limit: int, parent: int) -> None:
    """Worker initialiser: cap the address space, so a runaway call gets MemoryError, and
    leave when the process that started the pool is gone (a SIGKILLed bot left its workers
    and their forkserver behind for good: each holds the other's pipes open)."""
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return_freed_memory()
    if _LIBC is not None:
        # One heap: the helper threads below would each get a malloc arena of their own, 64 MiB
        # of the address space capped above, for the few bytes they allocate.
        _LIBC.mallopt(_M_ARENA_MAX, 1)
    threading.stack_size(_HELPER_STACK)  # they run a few frames deep, not the default 8 MiB
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="parent-watch").start()
    threading.Thread(target=_IDLE_TRIM.run, daemon=True, name="idle-trim").start()


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_HELPER_STACK = 256 * 1024
_FREED_MEMORY_THRESHOLD = 128 * 1024


def return_freed_memory() -> None:
    """Make glibc give this process's freed memory back to the system (the bot, its workers).

    Feeds bring documents of a few megabytes one after another. glibc raises its mmap
    threshold to the largest block freed so far, after which such bodies and trees come from
    the heap, whose freed pages it keeps: fixed thresholds cost a cold 200-feed cycle nothing
    measurable and keep 11-15 MiB less in the process tree (bench/ingest.py --cli).
    Elsewhere (musl, macOS) this does nothing.
    """
    if _LIBC is not None:
        _LIBC.mallopt(_M_MMAP_THRESHOLD, _FREED_MEMORY_THRESHOLD)
        _LIBC.mallopt(_M_TRIM_THRESHOLD, _FREED_MEMORY_THRESHOLD)


def _glibc() -> Any:
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt, libc.malloc_trim  # noqa: B018 (glibc has both; musl and macOS do not)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def _give_back_free_pages() -> None:
    # The trim threshold only returns the top of the heap. A call's documents, trees and texts
    # leave free pages all through it, under the few objects that outlive the call: without
    # this a worker kept 12 MiB more after a cold cycle.
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


# A worker gives its free pages back once it has had no call for this long. After every call
# (as before) it cost a cold 200-feed `briefbot fetch --all` 4-5 % of its time, the next
# documents faulting the pages in again, and lowered the cycle's peak not at all.
IDLE_TRIM_SECONDS = 0.5


class _IdleTrim:
    """Calls :func:`_give_back_free_pages` from a thread of its own once the worker has run
    no call for ``delay`` seconds, once per spell of calls."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._running = 0
        self._last_end = 0.0
        self._pending = False  # a call ended since the last trim
        self._changed = threading.Condition()

    def call_started(self) -> None:
        with self._changed:
            self._running += 1

    def call_ended(self) -> None:
        with self._changed:
            self._running -= 1
            self._last_end = time.monotonic()
            if not self._pending:  # the thread waits for this without a timeout
                self._pending = True
                self._changed.notify()

    def _wait_for_idle(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._pending)
            while True:
                if self._running:
                    # Looked at again later, not woken: the call's end does not notify while
                    # a trim is pending, so that calls in a row cost the thread nothing.
                    self._changed.wait(self.delay)
                    continue
                left = self._last_end + self.delay - time.monotonic()
                if left <= 0:
                    self._pending = False
                    return
                self._changed.wait(left)

    def run(self) -> None:
        """The thread's loop (never returns; the thread is a daemon)."""
        while True:
            self._wait_for_idle()
            _give_back_free_pages()


_IDLE_TRIM = _IdleTrim(IDLE_TRIM_SECONDS)


def _exit_with(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (old kernel): look every second
        while _alive(pid):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])  # readable once the process has exited
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ready() -> int:
    return os.getpid()


def _expire(signum: int, frame: FrameType | None) -> None:
    raise _Expired


def within_limits(func: Callable[..., T], seconds: float, memory: int, *args: Any) -> T:
    """Run ``func(*args)`` in this (worker) process with a wall-clock alarm; a call that
    overruns it or runs out of memory raises :class:`WorkLimitExceeded`."""
    previous = signal.signal(signal.SIGALRM, _expire)
    _IDLE_TRIM.call_started()
    try:
        # The alarm is disarmed inside the try: should it fire between the call's return and
        # the disarming, it still becomes WorkLimitExceeded, never a bare BaseException.
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return func(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise WorkLimitExceeded(f"took longer than {seconds:g} s") from None
    except MemoryError:
        raise WorkLimitExceeded(f"needed more than {memory >> 20} MiB of memory") from None
    finally:
        try:
            signal.signal(signal.SIGALRM, previous)
        finally:
            # Once the alarm's handler is gone: a late alarm raising in here would leave the
            # call counted as running, and the worker would never trim again.
            _IDLE_TRIM.call_ended()


class ParsePool:
    """Runs picklable functions in worker processes, off the event loop and off the GIL.

    Workers start lazily (a warm cycle of 304s never starts them) from a forkserver, which is
    safe in a process that already runs threads. Every call has ``seconds`` and each worker
    ``memory`` bytes of address space (:class:`WorkLimitExceeded` otherwise). A worker that dies
    (a hostile document crashing a C library) fails the calls in flight: each is tried once
    more in a fresh pool. A worker that ignores its alarm past the watchdog is killed, and its
    call fails with :class:`WorkLimitExceeded`.
    """

    def __init__(
        self,
        workers: int,
        preload: tuple[str, ...] = (),
        *,
        seconds: float = CALL_SECONDS,
        memory: int = WORKER_MEMORY,
    ) -> None:
        """``preload``: modules the forkserver imports once, so each worker starts with them."""
        self.workers = workers
        self.preload = preload
        self.seconds = seconds
        self.memory = memory
        self._pool: ProcessPoolExecutor | None = None
        # Calls in flight, in submission order, with when each was first seen running.
        self._calls: dict[Future[Any], float | None] = {}
        self._overran: set[Future[Any]] = set()
        self._retries = asyncio.Lock()
        self._retrying = 0
        self._calm = asyncio.Event()
        self._calm.set()
        self._warming: Future[Any] | None = None

    def start_forked(self, *others: ParsePool) -> None:
        """Start every worker of this pool and of ``others`` now by forking this process: they
        share its memory (modules, compiled data) instead of each importing and building their
        own, about 30 MiB less a worker. Only safe while this process has a single thread, so
        call it before any event loop or thread starts: all the pools' workers are forked
        before any pool starts its management thread (a fork beside a running thread can
        deadlock the child, cpython#90622). A pool that replaces a broken one, or one this
        Python cannot fork beside another, starts from the forkserver on first use."""
        pools = [pool for pool in (self, *others) if pool._pool is None]
        if threading.active_count() != 1 or not pools:
            return
        # Objects the workers inherit are left alone by their garbage collector, whose
        # bookkeeping writes would otherwise copy every page they share with this process.
        gc.freeze()
        started: list[ProcessPoolExecutor] = []
        for index, pool in enumerate(pools):
            executor = ProcessPoolExecutor(
                max_workers=pool.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_init_worker,
                initargs=(pool.memory, os.getpid()),
            )
            # With "fork", an executor launches its workers at its first submit, just before
            # it starts its management thread: the next pool must launch its own before that.
            launch = getattr(executor, "_launch_processes", None)
            if launch is not None:
                launch()
            elif index:  # not CPython 3.11-3.13's executor: the rest start from the forkserver
                executor.shutdown()
                break
            pool._pool = executor
            started.append(executor)
        for executor in started:
            executor.submit(_ready).result()

    @property
    def in_flight(self) -> int:
        """Calls submitted and not finished (a warm-up included)."""
        warming = self._warming is not None and not self._warming.done()
        return len(self._calls) + warming

    def warm_up(self, func: Callable[..., Any], *args: Any) -> None:
        """Start ``func(*args)`` in a worker now, without an event loop, and let it finish
        on its own: for work the process keeps (a compiled analyser), so that later calls find
        it done. Its failure is left to those calls, which meet it again."""
        if self._warming is None:
            pool = self._executor()
            self._warming = pool.submit(within_limits, func, self.seconds, self.memory, *args)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(self.preload))
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(self.memory, os.getpid()),
            )
        return self._pool

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` in a worker and await its result."""
        await self._calm.wait()  # new calls wait while retries run alone (below)
        pool = self._executor()
        try:
            return await self._run_once(pool, func, args)
        except BrokenProcessPool:
            self._replace(pool)
        # Every call in flight fails when a worker dies, and which one killed it is unknown:
        # each is tried once more, one at a time and with nothing else beside it, so neither
        # the culprit nor a second hostile call can take an innocent one along.
        self._retrying += 1
        self._calm.clear()
        try:
            async with self._retries:
                pool = self._executor()
                try:
                    return await self._run_once(pool, func, args)
                except BrokenProcessPool:
                    self._replace(pool)
                    raise
        finally:
            self._retrying -= 1
            if not self._retrying:
                self._calm.set()

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:  # a late failure must not close the pool that replaced it
            log.error("a worker died; starting a new pool")
            self.close(wait=False)

    async def _run_once(self, pool: ProcessPoolExecutor, func: Callable[..., T], args: Any) -> T:
        future = pool.submit(within_limits, func, self.seconds, self.memory, *args)
        self._calls[future] = None
        waiting = asyncio.wrap_future(future)
        try:
            while True:
                done, _ = await asyncio.wait({waiting}, timeout=min(1.0, self.seconds / 4))
                if done:
                    break
                self._watch(pool)
            if waiting.cancelled():  # the pool was shut down under it: try again
                raise BrokenProcessPool("the call was cancelled with its pool")
            return waiting.result()
        except BrokenProcessPool:
            if future in self._overran:
                raise WorkLimitExceeded(f"took longer than {self.seconds:g} s") from None
            raise
        finally:
            future.cancel()
            self._calls.pop(future, None)
            self._overran.discard(future)

    def _watch(self, pool: ProcessPoolExecutor) -> None:
        """Kill the workers when the call running longest has run past the watchdog.

        A call counts as running from when the executor hands it to the workers' queue, which
        holds one call more than there are workers; that one may wait for a call that stops at
        its own alarm, hence twice the limit and a grace of one more."""
        now = time.monotonic()
        for future, since in self._calls.items():  # in the order of submission
            if future.running():
                if since is None:
                    self._calls[future] = since = now
                if now - since > self.seconds * WATCHDOG_FACTOR:
                    log.error(
                        "a worker overran %g s and ignored its alarm; killing the workers",
                        self.seconds,
                    )
                    self._overran.add(future)
                    self._kill(pool)
                return

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        # The executor cannot stop a running call: kill its processes. Every call in flight
        # then fails with BrokenProcessPool; run tries the others again in a fresh pool.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        if self._pool is pool:
            self._pool = None
            pool.shutdown(wait=False)

    def close(self, wait: bool = True) -> None:
        """Stop the workers (at once when calls are still running: shutting down must not
        wait for a call's time limit, let alone a call deaf to it, nor for a warm-up nobody
        needed: a warm fetch of 304s is over before the analyser is compiled)."""
        if self._pool is not None:
            if self.in_flight:
                self._kill(self._pool)
                return
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


class WorkerPools:
    """Calls spread over pools of one worker each, every call to the pool with the fewest in
    flight (the first on a tie): like one pool, except that a worker can be given work of its
    own beside, which it alone keeps the state for (the analysis worker of ``briefbot
    fetch``, whose warm-up counts as a call in flight while it compiles)."""

    def __init__(self, pools: tuple[ParsePool, ...]) -> None:
        self.pools = pools

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` in the least busy pool's worker and await its result."""
        pool = min(self.pools, key=lambda candidate: candidate.in_flight)
        return await pool.run(func, *args)

    def close(self, wait: bool = True) -> None:
        """Stop every pool's worker."""
        for pool in self.pools:
            pool.close(wait)
