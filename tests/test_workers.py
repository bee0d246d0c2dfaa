"""The parse pool parses in worker processes and survives a worker that dies."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

import pytest

from bot.documents import parse_document
from bot.workers import ParsePool
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
