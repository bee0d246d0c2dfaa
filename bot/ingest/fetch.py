"""Fetch feeds over HTTP with one shared client: conditional GET, guarded redirects, hard limits.

:meth:`Fetcher.fetch` never raises for network or HTTP trouble; it returns a
:class:`~bot.core.models.FetchResult` whose ``error`` is a one-line reason a user can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

import httpcore
import httpx

from bot import __version__
from bot.core.config import FeedSettings
from bot.core.integers import whole
from bot.core.models import FetchResult
from bot.core.tls import client_context
from bot.ingest.netguard import GuardedBackend, ResolveError, Resolver, UnsafeURL, check_url

log = logging.getLogger(__name__)

USER_AGENT = (
    f"briefbot/{__version__} (+https://github.com/briefbot/briefbot; Telegram news briefing bot)"
)
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}


class _Failed(Exception):
    """Internal: stop this fetch with a one-line reason."""


@dataclass
class _Progress:
    """What is known so far about one fetch, so a timeout can still report it."""

    url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    all_permanent: bool = True


class Fetcher:
    """Fetch feed URLs concurrently through one shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        *,
        allow_private_networks: bool = False,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_body_bytes: int = 10 * 1024 * 1024,
        concurrency: int = 32,
        per_host_concurrency: int = 4,
        max_redirects: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        """Build the client. ``resolver`` replaces DNS for the private-network guard (tests).

        With no ``transport`` and private networks refused, connections are pinned to the
        addresses the guard checked (see :class:`~bot.ingest.netguard.GuardedBackend`).
        """
        self.allow_private_networks = allow_private_networks
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self._resolver = resolver
        self._global = asyncio.Semaphore(concurrency)
        self._per_host_limit = per_host_concurrency
        self._hosts: dict[str, _HostSlot] = {}
        limits = httpx.Limits(
            max_connections=concurrency, max_keepalive_connections=min(concurrency, 16)
        )
        if transport is None and not allow_private_networks:
            transport = _guarded_transport(limits, resolver)
        self._client = httpx.AsyncClient(
            transport=transport,
            verify=client_context(),  # shared, often built already (prepare_client_context)
            limits=limits,
            follow_redirects=False,
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
        )

    @classmethod
    def from_settings(cls, feeds: FeedSettings) -> Fetcher:
        """A Fetcher configured from the ``[feeds]`` settings."""
        return cls(
            allow_private_networks=feeds.allow_private_networks,
            timeout=feeds.timeout,
            connect_timeout=min(10.0, feeds.timeout),
            max_body_bytes=feeds.max_body_bytes,
            concurrency=feeds.concurrency,
            per_host_concurrency=feeds.per_host_concurrency,
        )

    async def aclose(self) -> None:
        """Close the shared client and its connections."""
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` (conditionally when ``etag``/``last_modified`` are given).

        Follows up to ``max_redirects`` redirects, checking each hop with the network guard.
        ``timeout`` bounds the whole fetch, body included; time spent waiting for a
        concurrency slot does not count. Never raises for network or HTTP problems.
        """
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        progress = _Progress(url=url)
        loop = asyncio.get_running_loop()
        async with self._global:
            started = loop.time()
            try:
                return await self._follow(url, conditional, progress, started)
            except _Failed as failure:
                reason = str(failure)
            except TimeoutError:
                reason = f"timed out after {self.timeout:g} s"
            except (UnsafeURL, ResolveError) as error:
                reason = str(error)
            except httpx.HTTPError as error:
                reason = _describe_http_error(error, self._client.timeout)
            except (httpx.InvalidURL, UnicodeError) as error:  # httpx reading a Location early
                reason = f"invalid URL: {_first_line(str(error))}"
            except OSError as error:
                reason = f"network error: {error.strerror or error}"
            except Exception as error:  # the contract is "never raises": log it, report it
                log.exception("unexpected error fetching %s", progress.url)
                reason = f"unexpected error: {type(error).__name__}"
            return FetchResult(
                url=url,
                final_url=progress.url,
                status=progress.status,
                headers=progress.headers,
                error=reason,
                elapsed=loop.time() - started,
            )

    async def _follow(
        self, url: str, conditional: dict[str, str], progress: _Progress, started: float
    ) -> FetchResult:
        loop = asyncio.get_running_loop()
        budget = self.timeout
        current = url
        for _hop in range(self.max_redirects + 1):
            progress.url = current
            progress.status, progress.headers = None, {}
            async with self._host_slot(current):
                hop_started = loop.time()
                try:
                    if budget <= 0:
                        raise TimeoutError
                    async with asyncio.timeout(budget):
                        await check_url(
                            current,
                            allow_private=self.allow_private_networks,
                            resolver=self._resolver,
                        )
                        outcome = await self._request(current, conditional, progress)
                finally:
                    budget -= loop.time() - hop_started
            if isinstance(outcome, bytes):
                return self._result(url, progress, started, body=outcome)
            if outcome is None:
                return self._result(url, progress, started, not_modified=True)
            current = outcome
        raise _Failed(f"too many redirects (more than {self.max_redirects})")

    def _result(
        self,
        url: str,
        progress: _Progress,
        started: float,
        *,
        body: bytes | None = None,
        not_modified: bool = False,
    ) -> FetchResult:
        moved = progress.url != url and progress.all_permanent
        return FetchResult(
            url=url,
            final_url=progress.url,
            status=progress.status,
            body=body,
            headers=progress.headers,
            not_modified=not_modified,
            permanent_redirect=progress.url if moved else None,
            elapsed=asyncio.get_running_loop().time() - started,
        )

    async def _request(
        self, url: str, conditional: dict[str, str], progress: _Progress
    ) -> bytes | str | None:
        """One GET: the body (bytes), the next URL of a redirect (str), or None for 304."""
        request = self._client.build_request("GET", url, headers=conditional)
        response = await self._client.send(request, stream=True)
        try:
            status = response.status_code
            progress.status = status
            progress.headers = {name.lower(): value for name, value in response.headers.items()}
            if status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise _Failed(f"HTTP {status} redirect without a Location header")
                progress.all_permanent = progress.all_permanent and status in _PERMANENT
                return _redirect_target(response.url, location, status)
            if status == 304:
                return None
            if not 200 <= status < 300:
                raise _Failed(f"HTTP {status} {_phrase(response)}".rstrip())
            return await self._read_body(response)
        finally:
            await response.aclose()

    async def _read_body(self, response: httpx.Response) -> bytes:
        """Read the body, decoding gzip/deflate ourselves so the cap bounds decoded bytes."""
        limit = self.max_body_bytes
        too_big = f"body larger than {_size(limit)}"
        declared = response.headers.get("content-length", "")
        size = whole(declared, 18)
        if size is not None and size > limit:
            raise _Failed(too_big)
        decoder = _Decoder(response.headers.get("content-encoding", ""), limit)
        chunks: list[bytes] = []
        total = 0
        async for raw in response.aiter_raw():
            for piece in decoder.feed(raw):
                total += len(piece)
                if total > limit:
                    raise _Failed(too_big)
                chunks.append(piece)
        tail = decoder.flush()
        if total + len(tail) > limit:
            raise _Failed(too_big)
        chunks.append(tail)
        return b"".join(chunks)

    @contextlib.asynccontextmanager
    async def _host_slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the host's ``per_host_concurrency`` slots. A host's entry lives only
        while someone holds or waits for it, so a feed that redirects through endless hosts
        cannot grow the table."""
        try:
            host = httpx.URL(url).host.lower()
        except httpx.InvalidURL:
            host = ""
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = _HostSlot(asyncio.Semaphore(self._per_host_limit))
        slot.users += 1
        try:
            async with slot.semaphore:
                yield
        finally:
            slot.users -= 1
            if not slot.users:
                del self._hosts[host]

    @property
    def hosts_in_use(self) -> int:
        """Hosts being fetched from (or waited for) right now."""
        return len(self._hosts)


def _redirect_target(base: httpx.URL, location: str, status: int) -> str:
    """The absolute URL a redirect points to; a clear failure for one no request can go to
    (a bad port, a malformed IDNA label, not http or https), instead of an exception from deep
    in the HTTP stack, with a traceback at every poll."""
    try:
        target = base.join(location.strip())
        port = target.port
        if target.scheme not in ("http", "https") or not target.host:
            raise ValueError("not an http or https URL with a host")
        if port is not None and not 0 < port < 65536:
            raise ValueError(f"port {port} out of range")
        return str(target)
    except (httpx.InvalidURL, ValueError) as error:  # IDNAError is a ValueError (UnicodeError)
        shown = " ".join(location.split())[:120]
        raise _Failed(f"HTTP {status} redirect to an invalid URL ({shown}): {error}") from None


@dataclass
class _HostSlot:
    semaphore: asyncio.Semaphore
    users: int = 0


class _Decoder:
    """Incremental Content-Encoding decoder that never yields more than ``limit + 1`` bytes.

    httpx would decode too, but it inflates a whole network chunk at once (a 64 KiB chunk of
    a gzip bomb is ~64 MiB); bounding every inflate call keeps memory at the cap.
    """

    def __init__(self, encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise _Failed(f"unsupported content encoding {encoding.strip()}")
        self._coding = codings[0] if codings else ""
        if self._coding not in ("", "gzip", "x-gzip", "deflate"):
            raise _Failed(f"unsupported content encoding {self._coding}")
        self._limit = limit
        self._inflate = self._new() if self._coding else None
        self._started = False  # has any input been inflated successfully?
        self._members = 0  # complete gzip members seen
        self._done = False  # ignore whatever follows the compressed stream

    def _new(self) -> Any:
        gzip = self._coding in ("gzip", "x-gzip")
        return zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> list[bytes]:
        """Decode one raw chunk; stops producing once the output passes the limit."""
        if self._inflate is None:
            return [data]
        out: list[bytes] = []
        produced = 0
        while data and not self._done and produced <= self._limit:
            try:
                piece = self._inflate.decompress(data, self._limit + 1 - produced)
            except zlib.error:
                if self._coding == "deflate" and not self._started:
                    # Some servers send raw deflate without the zlib header.
                    self._started = True
                    self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                if self._members:
                    self._done = True  # padding after a complete gzip member: ignore it
                    break
                raise _Failed(f"body is not valid {self._coding} data") from None
            self._started = True
            out.append(piece)
            produced += len(piece)
            if self._inflate.eof:
                self._members += 1
                data = self._inflate.unused_data
                if self._coding == "deflate":
                    self._done = True
                elif data:
                    self._inflate = self._new()  # concatenated gzip members are legal
            else:
                data = self._inflate.unconsumed_tail
        return out

    def flush(self) -> bytes:
        """Whatever the decoder still holds at the end of the body."""
        if self._inflate is None or self._done:
            return b""
        return bytes(self._inflate.flush())


def _guarded_transport(limits: httpx.Limits, resolver: Resolver | None) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go only to guard-checked addresses."""
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=client_context())
    # httpx does not expose httpcore's network_backend, so swap in an equivalent pool.
    if isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=client_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(resolver),
        )
    else:  # pragma: no cover - only if httpx changes its internals
        log.warning("cannot pin connections to checked addresses; relying on pre-checks only")
    return transport


def _phrase(response: httpx.Response) -> str:
    if response.reason_phrase:
        return response.reason_phrase
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _size(limit: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"


def _describe_http_error(error: httpx.HTTPError, timeout: httpx.Timeout) -> str:
    """One line for an httpx transport error."""
    text = str(error) or type(error).__name__
    lowered = text.lower()
    if isinstance(error, httpx.ConnectTimeout):
        return f"timed out connecting after {timeout.connect:g} s"
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {timeout.read:g} s"
    if isinstance(error, httpx.ConnectError):
        causes = list(_causes(error))
        if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
            return "connection refused"
        if any(isinstance(cause, socket.gaierror) for cause in causes):
            return f"cannot resolve host {error.request.url.host if _has_request(error) else '?'}"
        if any(isinstance(cause, ssl.SSLError) for cause in causes) or "ssl" in lowered:
            return f"TLS error: {_first_line(text)}"
        if "refused" in lowered:
            return "connection refused"
        return f"connection failed: {_first_line(text)}"
    if isinstance(error, httpx.RemoteProtocolError):
        if text.startswith("Invalid URL in location header"):  # httpx checks it on receipt
            return f"redirect to an invalid URL: {_first_line(text)}"
        return f"server broke the connection: {_first_line(text)}"
    if isinstance(error, httpx.DecodingError):
        return f"body could not be decoded: {_first_line(text)}"
    return f"{type(error).__name__}: {_first_line(text)}"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it was raised from, depth first, without cycles."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(getattr(current, "exceptions", ()))
        stack.extend(c for c in (current.__cause__, current.__context__) if c is not None)


def _has_request(error: httpx.HTTPError) -> bool:
    try:
        error.request  # noqa: B018
    except RuntimeError:
        return False
    return True


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "unknown error"
