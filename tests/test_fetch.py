"""Fetching feeds from a real loopback HTTP server: what the poller gets back in each situation."""

from __future__ import annotations

import asyncio
import gzip
import socket
import zlib

import pytest

from bot import __version__
from bot.core.config import FeedSettings
from bot.ingest.fetch import USER_AGENT, Fetcher
from tests.feedserver import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
LAST_MODIFIED = "Tue, 03 Jun 2025 10:00:00 GMT"


def fetcher(**kw: object) -> Fetcher:
    return Fetcher(allow_private_networks=True, **kw)  # type: ignore[arg-type]


async def test_200_returns_body_status_and_lower_case_headers(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", RSS, headers={"X-Custom": "yes"}, etag='"v1"')
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed.xml"))
    assert result.ok and result.error is None
    assert result.status == 200
    assert result.body == RSS
    assert result.not_modified is False
    assert result.headers["x-custom"] == "yes"
    assert result.headers["etag"] == '"v1"'
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert result.final_url == result.url == feed_server.url("/feed.xml")
    assert result.permanent_redirect is None
    assert result.elapsed >= 0


async def test_user_agent_names_the_bot_and_its_version(feed_server: FeedServer) -> None:
    feed_server.route("/feed", RSS)
    async with fetcher() as f:
        await f.fetch(feed_server.url("/feed"))
    sent = feed_server.last_headers("/feed")
    assert sent["user-agent"] == USER_AGENT
    assert f"briefbot/{__version__}" in USER_AGENT
    assert "gzip" in sent["accept-encoding"]
    assert "application/rss+xml" in sent["accept"]


async def test_etag_gives_304_not_modified(feed_server: FeedServer) -> None:
    feed_server.route("/feed", RSS, etag='"abc"')
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"), etag='"abc"')
    assert feed_server.last_headers("/feed")["if-none-match"] == '"abc"'
    assert result.ok
    assert result.not_modified is True
    assert result.status == 304
    assert result.body is None


async def test_changed_etag_gives_full_body(feed_server: FeedServer) -> None:
    feed_server.route("/feed", RSS, etag='"new"')
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"), etag='"old"')
    assert result.status == 200 and result.body == RSS and not result.not_modified


async def test_last_modified_gives_304_not_modified(feed_server: FeedServer) -> None:
    feed_server.route("/feed", RSS, last_modified=LAST_MODIFIED)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"), last_modified=LAST_MODIFIED)
    assert feed_server.last_headers("/feed")["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in feed_server.last_headers("/feed")
    assert result.not_modified is True and result.status == 304


async def test_no_validators_means_no_conditional_headers(feed_server: FeedServer) -> None:
    feed_server.route("/feed", RSS, etag='"abc"', last_modified=LAST_MODIFIED)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"))
    sent = feed_server.last_headers("/feed")
    assert "if-none-match" not in sent and "if-modified-since" not in sent
    assert result.status == 200 and result.body == RSS


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_reports_the_new_url(feed_server: FeedServer, status: int) -> None:
    feed_server.redirect("/old", "/new", status=status)
    feed_server.route("/new", RSS)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/old"))
    assert result.ok and result.body == RSS and result.status == 200
    assert result.final_url == feed_server.url("/new")
    assert result.permanent_redirect == feed_server.url("/new")


@pytest.mark.parametrize("status", [302, 303, 307])
async def test_temporary_redirect_keeps_the_stored_url(
    feed_server: FeedServer, status: int
) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), status=status)
    feed_server.route("/new", RSS)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/old"))
    assert result.ok and result.body == RSS
    assert result.final_url == feed_server.url("/new")
    assert result.permanent_redirect is None


async def test_one_temporary_hop_in_a_chain_keeps_the_stored_url(feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/b", status=301)
    feed_server.redirect("/b", "/c", status=302)
    feed_server.redirect("/c", "/d", status=308)
    feed_server.route("/d", RSS)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/a"))
    assert result.body == RSS and result.permanent_redirect is None


async def test_all_permanent_chain_reports_the_final_url(feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/b", status=301)
    feed_server.redirect("/b", "/c", status=308)
    feed_server.route("/c", RSS)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/a"))
    assert result.permanent_redirect == feed_server.url("/c")


async def test_five_redirects_are_followed_but_six_are_too_many(feed_server: FeedServer) -> None:
    for hop in range(6):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}", status=302)
    feed_server.route("/r6", RSS)
    async with fetcher() as f:
        ok = await f.fetch(feed_server.url("/r1"))
        too_many = await f.fetch(feed_server.url("/r0"))
    assert ok.body == RSS
    assert too_many.error is not None and too_many.error.startswith("too many redirects")
    assert too_many.body is None
    assert feed_server.requests("/r6") == 1  # only the successful fetch got there


async def test_redirect_loop_is_stopped(feed_server: FeedServer) -> None:
    feed_server.redirect("/loop", "/loop", status=302)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/loop"))
    assert result.error is not None and result.error.startswith("too many redirects")
    assert feed_server.requests("/loop") == 6


async def test_404_is_an_error_with_status(feed_server: FeedServer) -> None:
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/missing"))
    assert result.error == "HTTP 404 Not Found"
    assert result.status == 404 and result.body is None and not result.ok


async def test_500_is_an_error_with_status(feed_server: FeedServer) -> None:
    feed_server.route("/feed", "boom", status=500)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.error == "HTTP 500 Internal Server Error"
    assert result.status == 500


async def test_429_keeps_retry_after_header(feed_server: FeedServer) -> None:
    feed_server.route("/feed", "slow down", status=429, headers={"Retry-After": "120"})
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.error == "HTTP 429 Too Many Requests"
    assert result.status == 429
    assert result.headers["retry-after"] == "120"


async def test_server_that_does_not_answer_times_out(feed_server: FeedServer) -> None:
    feed_server.route("/feed", RSS, delay=5.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with fetcher(timeout=0.5, connect_timeout=0.5) as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.error == "timed out after 0.5 s"
    assert result.body is None
    assert loop.time() - started < 3


async def test_slow_drip_body_cannot_outlast_the_total_timeout(feed_server: FeedServer) -> None:
    # A new chunk every 0.1 s keeps a read timeout happy forever; the total timeout must not.
    feed_server.route("/feed", b"x" * 2000, drip=(10, 0.1))
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with fetcher(timeout=0.6) as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.error == "timed out after 0.6 s"
    assert result.status == 200  # the status line had arrived
    assert result.body is None
    assert loop.time() - started < 3


async def test_connection_refused(unused_port: int) -> None:
    async with fetcher() as f:
        result = await f.fetch(f"http://127.0.0.1:{unused_port}/feed")
    assert result.error == "connection refused"
    assert result.status is None


async def test_oversized_body_is_aborted(feed_server: FeedServer) -> None:
    feed_server.route("/big", b"<rss>" + b"a" * 200_000)
    async with fetcher(max_body_bytes=64 * 1024) as f:
        result = await f.fetch(feed_server.url("/big"))
    assert result.error == "body larger than 64 KiB"
    assert result.body is None and result.status == 200


async def test_default_cap_is_10_mib(feed_server: FeedServer) -> None:
    feed_server.route("/huge", bytes(10 * 1024 * 1024 + 1))
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/huge"))
    assert result.error == "body larger than 10 MiB"


async def test_body_exactly_at_the_cap_is_accepted(feed_server: FeedServer) -> None:
    feed_server.route("/feed", b"a" * 4096)
    async with fetcher(max_body_bytes=4096) as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.ok and result.body == b"a" * 4096


async def test_gzip_body_is_decoded(feed_server: FeedServer) -> None:
    feed_server.route("/feed", RSS * 50, gzip=True)
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.ok and result.body == RSS * 50
    assert result.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
async def test_deflate_body_is_decoded(feed_server: FeedServer, wbits: int) -> None:
    packer = zlib.compressobj(wbits=wbits)
    packed = packer.compress(RSS * 20) + packer.flush()
    feed_server.route("/feed", packed, headers={"Content-Encoding": "deflate"})
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.ok and result.body == RSS * 20


async def test_gzip_bomb_is_stopped_at_the_cap(feed_server: FeedServer) -> None:
    packer = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    bomb = b"".join(packer.compress(chunk) for _ in range(64)) + packer.flush()  # 64 MiB of zeros
    assert len(bomb) < 100 * 1024  # small on the wire, so no Content-Length check can catch it
    feed_server.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    async with fetcher(max_body_bytes=1024 * 1024) as f:
        result = await f.fetch(feed_server.url("/bomb"))
    assert result.error == "body larger than 1 MiB"
    assert result.body is None


async def test_corrupt_gzip_is_an_error(feed_server: FeedServer) -> None:
    feed_server.route("/feed", b"definitely not gzip", headers={"Content-Encoding": "gzip"})
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.error == "body is not valid gzip data"


async def test_concatenated_gzip_members_are_all_decoded(feed_server: FeedServer) -> None:
    body = gzip.compress(b"<rss>") + gzip.compress(b"</rss>")
    feed_server.route("/feed", body, headers={"Content-Encoding": "gzip"})
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/feed"))
    assert result.body == b"<rss></rss>"


async def test_many_feeds_fetch_concurrently_within_limits(feed_server: FeedServer) -> None:
    for n in range(20):
        feed_server.route(f"/f{n}", RSS, delay=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with fetcher(concurrency=8, per_host_concurrency=4) as f:
        results = await asyncio.gather(*(f.fetch(feed_server.url(f"/f{n}")) for n in range(20)))
    elapsed = loop.time() - started
    assert all(r.body == RSS for r in results)
    # 20 fetches, at most 4 at a time on this host: 5 waves of 0.2 s, far from 20 × 0.2 s.
    assert 0.95 <= elapsed < 3.0


async def test_from_settings_uses_feed_settings() -> None:
    settings = FeedSettings(timeout=12.0, max_body_bytes=2048, allow_private_networks=True)
    async with Fetcher.from_settings(settings) as f:
        assert f.timeout == 12.0
        assert f.max_body_bytes == 2048
        assert f.allow_private_networks is True


@pytest.fixture
def unused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1:99999/feed", "https://xn--/feed", "http://[::1", "ftp://127.0.0.1/x",
     "http://[v1.x]/"],
)  # fmt: skip
async def test_a_malformed_redirect_is_a_clear_failure_without_a_traceback(
    feed_server: FeedServer, location: str, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.route("/moved", b"", status=301, headers={"Location": location})
    async with fetcher() as f:
        result = await f.fetch(feed_server.url("/moved"))
    assert result.error is not None and "invalid URL" in result.error
    assert not [record for record in caplog.records if record.exc_info], caplog.text
