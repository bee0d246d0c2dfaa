"""One TLS context for every HTTP client of the process.

Loading the CA bundle takes about 30 ms and a megabyte each time; the feed fetcher and the
two Bot API clients used to load it four times at every start.
"""

from __future__ import annotations

import atexit
import ssl
import threading

import certifi

_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def client_context() -> ssl.SSLContext:
    """A verifying client context with certifi's CA bundle (what httpx uses by default),
    built on first use (or by :func:`prepare_client_context`) and shared."""
    global _context
    with _lock:  # a caller that comes while another thread builds it waits for that one
        if _context is None:
            _context = ssl.create_default_context(cafile=certifi.where())
        return _context


def prepare_client_context() -> None:
    """Start building the context in a thread of its own: OpenSSL reads the bundle without
    holding the GIL, so it costs the start-up it overlaps nothing. Call it only once this
    process has forked what it forks at start (workers), as it starts a thread."""
    if _context is None:
        builder = threading.Thread(target=client_context, daemon=True, name="tls-context")
        builder.start()
        # A process that stops early (a bad database) must not exit, and OpenSSL clean up,
        # while the thread is still inside OpenSSL.
        atexit.register(builder.join, 10.0)
