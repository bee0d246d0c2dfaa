"""The worker pool parses and analyses in other processes and survives a worker that dies."""

from __future__ import annotations

import os
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

import pytest

from bot.core.workers import ParsePool
from bot.ingest.documents import parse_document
from tests.feedfactory import rss, story_items


def _die() -> None:
    os._exit(3)


def _pid() -> int:
    return os.getpid()


async def test_parse_runs_in_another_process_and_recovers_from_a_crash():
    pool = ParsePool(1)
    try:
        body = rss(story_items(2)).encode()
        first_seen = datetime(2026, 2, 17, tzinfo=UTC)
        document = await pool.run(parse_document, body, "https://x/feed", None, first_seen)
        assert [entry.title for entry in document.entries] == ["Report 1", "Report 2"]
        assert await pool.run(_pid) != os.getpid()
        with pytest.raises(BrokenProcessPool):
            await pool.run(_die)
        again = await pool.run(parse_document, body, "https://x/feed", None, first_seen)
        assert len(again.entries) == 2
    finally:
        pool.close()


def _gazetteers_loaded() -> int:
    from bot.analysis.datafiles import _gazetteer

    return _gazetteer.cache_info().currsize


ON_TOPIC = {  # analysed in full: its actors are needed
    "title": "Zelensky and Macron discuss security guarantees for Ukraine",
    "guid": "t1",
    "link": "https://t.example/1",
    "description": "Ceasefire talks in Paris on 16 February.",
}
OFF_TOPIC = {"title": "Shakhtar win the derby", "guid": "t2", "link": "https://t.example/2"}


def _serve(service, feed_server, *reports) -> None:
    feed_server.route("/a.xml", rss(list(reports)))
    service.store.add_feed(feed_server.url("/a.xml"), service.clock())


def _assert_only_the_relevant_report_was_analysed_in_full(service) -> None:
    ids = service.store.all_item_ids()
    assert service.store.count_relevant(ids) == 1
    named = {mention.name for mention in service.store.actor_mentions(None, None)}
    assert {"Volodymyr Zelensky", "Emmanuel Macron"} <= named


def _one_pool(service) -> None:
    service.parse_pool = ParsePool(1)


def _with_an_analysis_worker(service) -> None:
    from bot.app.runtime import start_parse_workers

    pools = start_parse_workers(service.analyser_spec, 2, analysis_worker=True)
    service.parse_pool, service.analysis_pool = pools


async def test_workers_parse_and_score_while_this_process_analyses(service, fetcher, feed_server):
    """The relevant report is analysed in full (its actors found), the off-topic one only
    scored; no worker loaded the gazetteer, which exists once, in this process."""
    _serve(service, feed_server, ON_TOPIC, OFF_TOPIC)
    service.parse_pool = ParsePool(1)
    try:
        report = await service.ingestor(fetcher).run_cycle(all_feeds=True)
        assert report.new_items == 2
        assert await service.parse_pool.run(_gazetteers_loaded) == 0
    finally:
        service.parse_pool.close()
    _assert_only_the_relevant_report_was_analysed_in_full(service)


@pytest.mark.parametrize("start_workers", [_one_pool, _with_an_analysis_worker])
async def test_unusable_analysis_data_stops_a_cycle_with_workers_with_a_config_error(
    service, fetcher, feed_server, start_workers
):
    from pathlib import Path

    from bot.core.config import ConfigError
    from tests.conftest import with_analysis_files

    broken = with_analysis_files(service, actors_file=Path("/nonexistent/a.toml"))
    _serve(service, feed_server, ON_TOPIC)
    start_workers(broken)
    assert broken.parse_pool is not None
    try:
        with pytest.raises(ConfigError, match="^analysis: .*a.toml"):
            await broken.ingestor(fetcher).run_cycle(all_feeds=True)
    finally:
        broken.parse_pool.close()
    [feed] = service.store.list_feeds()
    assert feed.error_count == 0 and feed.last_error is None


ORPHAN_SCRIPT = """
import asyncio, os, sys
from bot.core.workers import ParsePool
if __name__ == "__main__":
    pool = ParsePool(1, ("bot.ingest.documents",))
    if sys.argv[1] == "fork":
        pool.start_forked()
    print(asyncio.run(pool.run(os.getpid)), flush=True)
    sys.stdin.read()  # until killed
"""


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_workers_leave_when_the_bot_is_killed(tmp_path, start):
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "pool.py"
    script.write_text(ORPHAN_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    bot = subprocess.Popen(
        [sys.executable, str(script), start],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        worker = int(bot.stdout.readline())
        assert _running(worker)
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait()
    deadline = time.monotonic() + 15
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling a process table with a deadline: nothing to wait on
    assert not _running(worker), "the worker outlived the bot"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _analysers_built() -> int:
    from bot.analysis.analyser import _BUILT

    return len(_BUILT)


async def test_worker_pools_send_each_call_to_the_least_busy_worker():
    import asyncio

    from bot.core.workers import WorkerPools

    pools = WorkerPools((ParsePool(1), ParsePool(1)))
    try:
        # Two at once: the second finds the first worker busy and goes to the other.
        first, second = await asyncio.gather(pools.run(_pid), pools.run(_pid))
        assert first != second and os.getpid() not in (first, second)
        # One at a time: each finds both idle and goes to the first.
        assert await pools.run(_pid) == await pools.run(_pid) == first
    finally:
        pools.close()


async def test_with_an_analysis_worker_the_relevant_reports_are_analysed_there(
    service, fetcher, feed_server
):
    """briefbot fetch: one of the parse workers also analyses; the other only parses."""
    _serve(service, feed_server, ON_TOPIC, OFF_TOPIC)
    _with_an_analysis_worker(service)
    assert service.parse_pool is not None and service.analysis_pool is not None
    try:
        report = await service.ingestor(fetcher).run_cycle(all_feeds=True)
        assert report.new_items == 2
        parser, analyst = service.parse_pool.pools
        assert analyst is service.analysis_pool
        assert await analyst.run(_analysers_built) == 1
        assert await parser.run(_analysers_built) == 0
        assert service._analyser is None  # this process never compiled one
    finally:
        service.parse_pool.close()
    _assert_only_the_relevant_report_was_analysed_in_full(service)


TWO_POOLS_SCRIPT = """
import asyncio, os
from bot.core.workers import ParsePool
if __name__ == "__main__":
    first, second = ParsePool(1), ParsePool(1)
    first.start_forked(second)
    async def parents():
        return [await pool.run(os.getppid) for pool in (first, second)]
    print(os.getpid(), *asyncio.run(parents()))
    first.close()
    second.close()
"""


def test_pools_started_together_are_all_forked_from_this_process(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "pools.py"
    script.write_text(TWO_POOLS_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    this, *parents = map(int, done.stdout.split())
    assert parents == [this, this]  # not a forkserver's children


def _start_then_sleep(started: str, seconds: float) -> None:
    from pathlib import Path

    Path(started).touch()
    time.sleep(seconds)  # the worker's stand-in for a long compile
    Path(started).with_suffix(".done").touch()


async def test_closing_a_pool_does_not_wait_for_its_warm_up(tmp_path):
    pool = ParsePool(1, seconds=120)
    worker = await pool.run(_pid)
    started = tmp_path / "started"
    pool.warm_up(_start_then_sleep, str(started), 20)
    assert pool.in_flight == 1
    deadline = time.monotonic() + 15
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a file with a deadline: the worker has nothing to signal
    assert started.exists()
    pool.close()
    assert not started.with_suffix(".done").exists()
    deadline = time.monotonic() + 15
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling a process table with a deadline: nothing to wait on
    assert not _running(worker), "the worker was left to finish its warm-up"


async def test_the_analysis_worker_compiles_from_the_start_and_documents_go_to_the_other(
    service,
):
    from bot.app.runtime import start_parse_workers

    pools, analyst = start_parse_workers(service.analyser_spec, 2, analysis_worker=True)
    try:
        assert analyst is not None
        assert analyst.in_flight == 1  # compiling its analyser before any document came
        parser = pools.pools[0]
        assert parser is not analyst
        assert await pools.run(_pid) == await parser.run(_pid)
    finally:
        pools.close()


async def test_worker_pools_survive_a_worker_that_dies():
    import asyncio

    from bot.core.workers import WorkerPools

    pools = WorkerPools((ParsePool(1), ParsePool(1)))
    try:
        with pytest.raises(BrokenProcessPool):
            await pools.run(_die)  # tried again once, alone, in a fresh worker: dies again
        first, second = await asyncio.gather(pools.run(_pid), pools.run(_pid))
        assert first != second and os.getpid() not in (first, second)
    finally:
        pools.close()


_KEPT: list[bytes] = []


def _churn_memory(megabytes: int) -> tuple[int, int]:
    """Allocate and free ``megabytes`` in pieces from the heap, keeping one piece allocated
    after them (so the heap's top cannot shrink by itself); return (pid, resident KiB)."""
    pieces = [bytes(1000) for _ in range(megabytes * 1000)]
    _KEPT.append(bytes(1000))
    del pieces
    return os.getpid(), _resident_kib(os.getpid())


def _busy_for(seconds: float) -> None:
    time.sleep(seconds)  # the worker's stand-in for a long parse


def _resident_kib(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGESIZE") // 1024


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux's /proc")
async def test_a_worker_gives_freed_memory_back_once_it_is_idle():
    from bot.core.workers import _LIBC, IDLE_TRIM_SECONDS

    if _LIBC is None:
        pytest.skip("needs glibc's malloc_trim")
    pool = ParsePool(1)
    try:
        # A spell of calls first: a quick one, then one that outlasts the idle delay (the
        # thread that trims must not lose track of a call that ends while a trim is pending).
        await pool.run(_pid)
        await pool.run(_busy_for, 1.5 * IDLE_TRIM_SECONDS)
        worker, resident = await pool.run(_churn_memory, 60)
        deadline = time.monotonic() + 15
        while _resident_kib(worker) > resident - 40 * 1024 and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a process's memory with a deadline: nothing to wait on
        assert _resident_kib(worker) <= resident - 40 * 1024, "the idle worker kept its pages"
    finally:
        pool.close()
