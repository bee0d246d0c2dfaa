"""A real HTTP feed server on 127.0.0.1 for tests: routes, conditional GET, gzip, delays, drips.

Runs stdlib ``ThreadingHTTPServer`` in a daemon thread of the test process, so tests exercise the
real network stack without reaching the internet. Use the ``feed_server`` fixture or::

    with FeedServer() as server:
        server.route("/feed.xml", "<rss/>", etag='"v1"')
        fetch(server.url("/feed.xml"))
"""

from __future__ import annotations

import gzip as gzip_module
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

RSS = "application/rss+xml; charset=utf-8"


@dataclass
class _Route:
    body: bytes
    status: int
    headers: dict[str, str]
    content_type: str
    etag: str | None
    last_modified: str | None
    gzip: bool
    delay: float
    drip: tuple[int, float] | None


@dataclass
class _Log:
    count: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a handler stuck in a long delay

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        # Clients hang up mid-body on purpose (size caps, timeouts): not worth a traceback.
        pass


class FeedServer:
    """Loopback HTTP server whose responses are configured per path by the test."""

    def __init__(self) -> None:
        self._routes: dict[str, _Route] = {}
        self._logs: dict[str, _Log] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # --- lifecycle

    def start(self) -> FeedServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval makes stop() (shutdown) return quickly.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="feedserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; handlers sleeping in a delay or drip wake up and give up."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- configuration

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = RSS,
        etag: str | None = None,
        last_modified: str | None = None,
        gzip: bool = False,
        delay: float = 0.0,
        drip: tuple[int, float] | None = None,
    ) -> None:
        """Answer GET ``path`` with ``body``.

        ``etag``/``last_modified`` are sent and also honoured: a matching If-None-Match or
        If-Modified-Since gets 304. ``gzip`` compresses the body (Content-Encoding: gzip).
        ``delay`` waits before the status line; ``drip=(chunk_size, seconds)`` sends the body
        slowly, one chunk at a time.
        """
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        with self._lock:
            self._routes[path] = _Route(
                body=data,
                status=status,
                headers=dict(headers or {}),
                content_type=content_type,
                etag=etag,
                last_modified=last_modified,
                gzip=gzip,
                delay=delay,
                drip=drip,
            )

    def serve_file(self, path: str, file: Path, **kw: object) -> None:
        """Answer ``path`` with the bytes of ``file`` (same keyword options as :meth:`route`)."""
        self.route(path, Path(file).read_bytes(), **kw)  # type: ignore[arg-type]

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        """Answer ``path`` with a redirect to ``to`` (a path, sent as is, or an absolute URL)."""
        self.route(path, b"", status=status, headers={"Location": to}, content_type="text/plain")

    # --- inspection

    def requests(self, path: str) -> int:
        """How many requests reached ``path`` (query strings ignored unless routed)."""
        with self._lock:
            return self._logs[path].count if path in self._logs else 0

    def last_headers(self, path: str) -> dict[str, str]:
        """Request headers of the last request to ``path``, with lower-case names."""
        with self._lock:
            return dict(self._logs[path].headers) if path in self._logs else {}

    # --- used by the handler

    def _lookup(self, raw_path: str, headers: dict[str, str]) -> tuple[str, _Route | None]:
        with self._lock:
            path = raw_path if raw_path in self._routes else urlsplit(raw_path).path
            log = self._logs.setdefault(path, _Log())
            log.count += 1
            log.headers = headers
            return path, self._routes.get(path)


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # As web servers do (nginx's tcp_nodelay): otherwise a response's last segment waits
        # for the client's delayed ACK on a kept-alive connection, about 20 ms a request.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            headers = {name.lower(): value for name, value in self.headers.items()}
            _, route = server._lookup(self.path, headers)
            try:
                if route is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    return
                if route.delay and server._stopping.wait(route.delay):
                    return
                self._answer(route, headers)
            except (ConnectionError, TimeoutError):
                pass  # the client gave up: expected in timeout and size-cap tests

        def _answer(self, route: _Route, headers: dict[str, str]) -> None:
            extra = {"Content-Type": route.content_type}
            if route.etag:
                extra["ETag"] = route.etag
            if route.last_modified:
                extra["Last-Modified"] = route.last_modified
            extra.update(route.headers)
            if _not_modified(route, headers):
                extra.pop("Content-Type")
                self._send(304, extra, b"")
                return
            body = route.body
            if route.gzip:
                body = gzip_module.compress(body)
                extra["Content-Encoding"] = "gzip"
            self._send(route.status, extra, body, drip=route.drip)

        def _send(
            self,
            status: int,
            headers: dict[str, str],
            body: bytes,
            drip: tuple[int, float] | None = None,
        ) -> None:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "Unknown"
            self.send_response(status, phrase)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status == 304 or not body:
                return
            if drip is None:
                self.wfile.write(body)
                return
            size, pause = drip
            for start in range(0, len(body), size):
                if start and server._stopping.wait(pause):
                    return
                self.wfile.write(body[start : start + size])
                self.wfile.flush()

    return Handler


def _not_modified(route: _Route, headers: dict[str, str]) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since when both are sent."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if route.etag is None:
            return False
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in wanted or route.etag.removeprefix("W/") in wanted
    since = headers.get("if-modified-since")
    if since is None or route.last_modified is None:
        return False
    try:
        return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return since == route.last_modified


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started :class:`FeedServer`, stopped after the test."""
    with FeedServer() as server:
        yield server
