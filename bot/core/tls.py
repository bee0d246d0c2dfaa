"""One TLS context for every HTTP client of the process.

Loading the CA bundle takes about 35 ms and a megabyte each time; the feed fetcher and the
two Bot API clients used to load it four times at every start.
"""

from __future__ import annotations

import ssl
from functools import cache

import certifi


@cache
def client_context() -> ssl.SSLContext:
    """A verifying client context with certifi's CA bundle (what httpx uses by default)."""
    return ssl.create_default_context(cafile=certifi.where())
