"""The private-network guard refuses URLs that would make the bot probe its own network."""

from __future__ import annotations

import httpcore
import httpx
import pytest

from bot.ingest.fetch import Fetcher
from bot.ingest.netguard import GuardedBackend, ResolveError, UnsafeURL, check_url, check_url_syntax
from tests.feedserver import FeedServer

PUBLIC = "93.184.216.34"


def fake_dns(table: dict[str, list[str]]):
    """A resolver that answers from ``table`` and fails like DNS for anything else."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise ResolveError(f"cannot resolve host {host}")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("ftp://example.com/feed", "only http and https"),
        ("http://user:pass@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("http:///feed.xml", "no host"),
        ("not a url", "only http and https"),
    ],
)
def test_syntax_refusals_name_the_problem(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason) as caught:
        check_url_syntax(url)
    assert str(caught.value).startswith("refused: ")
    assert "\n" not in str(caught.value)


def test_plain_https_url_passes_syntax() -> None:
    check_url_syntax("https://news.example.org/rss?lang=en")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "refused: 127.0.0.1 is a loopback address"),
        ("http://2130706433/", "refused: 2130706433 means 127.0.0.1, a loopback address"),
        ("http://0x7f.1/", "means 127.0.0.1, a loopback address"),
        ("http://0177.1/", "means 127.0.0.1, a loopback address"),
        ("http://017700000001/", "means 127.0.0.1, a loopback address"),
        ("http://0x7f000001/", "means 127.0.0.1, a loopback address"),
        ("http://[::1]/", "refused: ::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "loopback address (IPv4 127.0.0.1 inside IPv6)"),
        ("http://[::ffff:10.1.2.3]/", "private address"),
        ("http://10.0.0.8/", "private address"),
        ("http://192.168.1.1:8080/", "private address"),
        ("http://172.16.5.4/", "private address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local address"),
        ("http://[fe80::1]/", "link-local address"),
        ("http://[fc00::1]/", "private address"),
        ("http://100.64.1.1/", "carrier-grade NAT address"),
        ("http://224.0.0.1/", "multicast address"),
        ("http://0.0.0.0/", "unspecified address"),
        ("http://240.0.0.1/", "address"),
        # Special-purpose ranges Python 3.11 counts as global (issue 16, point 17).
        ("http://192.0.0.8/", "reserved address"),
        ("http://192.88.99.1/", "reserved address"),
        ("http://[fec0::1]/", "reserved address"),
        ("http://[3fff::1]/", "reserved address"),
    ],
)
async def test_non_public_ip_literals_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason.replace("(", r"\(").replace(")", r"\)")):
        await check_url(url, allow_private=False, resolver=fake_dns({}))


async def test_localhost_is_refused_with_the_address_it_resolves_to() -> None:
    with pytest.raises(UnsafeURL) as caught:
        await check_url(
            "http://localhost:8080/feed",
            allow_private=False,
            resolver=fake_dns({"localhost": ["127.0.0.1"]}),
        )
    assert str(caught.value) == "refused: localhost resolves to 127.0.0.1, a loopback address"


async def test_real_resolver_refuses_localhost() -> None:
    with pytest.raises(UnsafeURL, match="localhost resolves to .*loopback"):
        await check_url("http://localhost/", allow_private=False)


async def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    dns = fake_dns({"mixed.example": [PUBLIC, "10.0.0.1"]})
    with pytest.raises(UnsafeURL, match="mixed.example resolves to 10.0.0.1, a private address"):
        await check_url("https://mixed.example/feed", allow_private=False, resolver=dns)


async def test_public_host_passes() -> None:
    dns = fake_dns({"news.example": [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]})
    await check_url("https://news.example/rss", allow_private=False, resolver=dns)
    await check_url("http://93.184.216.34/rss", allow_private=False, resolver=dns)


async def test_dns_failure_is_a_resolve_error_not_a_refusal() -> None:
    with pytest.raises(ResolveError, match="cannot resolve host nowhere.invalid"):
        await check_url("http://nowhere.invalid/", allow_private=False, resolver=fake_dns({}))


async def test_allow_private_lets_loopback_through_but_keeps_syntax_rules() -> None:
    await check_url("http://127.0.0.1:9/", allow_private=True)
    with pytest.raises(UnsafeURL):
        await check_url("file:///etc/passwd", allow_private=True)


# --- the guard inside the fetcher


@pytest.mark.parametrize(
    "target", ["/feed", "http://localhost:{port}/feed", "http://2130706433:{port}/feed"]
)
async def test_fetcher_refuses_loopback_without_sending_a_request(
    feed_server: FeedServer, target: str
) -> None:
    feed_server.route("/feed", "<rss/>")
    port = feed_server.base_url.rsplit(":", 1)[1]
    url = feed_server.url(target) if target.startswith("/") else target.format(port=port)
    async with Fetcher(allow_private_networks=False) as fetcher:
        result = await fetcher.fetch(url)
    assert result.error is not None and result.error.startswith("refused: ")
    assert "loopback address" in result.error
    assert result.body is None
    assert feed_server.requests("/feed") == 0


async def test_fetcher_refuses_bad_schemes_and_credentials() -> None:
    async with Fetcher(allow_private_networks=False) as fetcher:
        for url in ("file:///etc/passwd", "gopher://example.com/", "http://user:pass@example.com/"):
            result = await fetcher.fetch(url)
            assert result.error is not None and result.error.startswith("refused: "), url


async def test_fetcher_reports_unresolvable_host() -> None:
    async with Fetcher(resolver=fake_dns({})) as fetcher:
        result = await fetcher.fetch("https://nowhere.invalid/feed")
    assert result.error == "cannot resolve host nowhere.invalid"


async def test_redirect_from_public_host_to_private_host_is_refused(
    feed_server: FeedServer,
) -> None:
    """First hop passes the guard; the hop it redirects to must be checked too."""
    port = feed_server.base_url.rsplit(":", 1)[1]
    feed_server.redirect("/public", f"http://localhost:{port}/secret", status=302)
    feed_server.route("/secret", "internal data")
    dns = fake_dns({"public.example": [PUBLIC], "localhost": ["127.0.0.1"]})
    # The guard sees public.example as public; the transport delivers it to the loopback server.
    async with Fetcher(resolver=dns, transport=_LoopbackTransport()) as fetcher:
        result = await fetcher.fetch(f"http://public.example:{port}/public")
    assert result.error == "refused: localhost resolves to 127.0.0.1, a loopback address"
    assert feed_server.requests("/public") == 1
    assert feed_server.requests("/secret") == 0
    assert result.final_url == f"http://localhost:{port}/secret"


async def test_dns_rebinding_between_check_and_connect_is_refused(
    feed_server: FeedServer,
) -> None:
    """The name answers public at check time, then loopback when the socket is opened."""
    feed_server.route("/feed", "<rss/>")
    port = feed_server.base_url.rsplit(":", 1)[1]
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    async with Fetcher(resolver=rebinding) as fetcher:
        result = await fetcher.fetch(f"http://rebind.example:{port}/feed")
    assert result.error == "refused: rebind.example resolves to 127.0.0.1, a loopback address"
    assert feed_server.requests("/feed") == 0


class _LoopbackTransport(httpx.AsyncBaseTransport):
    """Test transport: send every request to 127.0.0.1, whatever host the URL names."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host="127.0.0.1")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_guarded_backend_connects_to_the_address_it_checked() -> None:
    """Connections are pinned to checked IPs, so a second DNS answer is never used."""
    connected: list[tuple[str, int]] = []

    class Recorder(httpcore.AsyncNetworkBackend):
        async def connect_tcp(self, host: str, port: int, **kw: object) -> object:  # type: ignore[override]
            connected.append((host, port))
            return object()

    backend = GuardedBackend(fake_dns({"news.example": [PUBLIC]}), inner=Recorder())
    await backend.connect_tcp("news.example", 443)
    assert connected == [(PUBLIC, 443)]
    with pytest.raises(UnsafeURL, match="private address"):
        await backend.connect_tcp("10.1.1.1", 80)
    assert connected == [(PUBLIC, 443)]
