"""Logging setup: one format, quiet HTTP loggers, and secrets redacted from every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

REDACTED = "[REDACTED]"
# user:password@ in any URL (a feed URL from OPML or feeds.toml may carry them)
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]*@")


class RedactingFormatter(logging.Formatter):
    """A formatter that removes secrets (the bot token) from messages and tracebacks."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _URL_CREDENTIALS.sub(REDACTED + "@", text)


def setup_logging(
    level: int = logging.INFO, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Configure the root logger; httpx/httpcore stay at WARNING (they log URLs with the token)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    secret_list = list(secrets)
    # The token is also what follows "bot" in Bot API URLs; redact that form explicitly too.
    secret_list += [f"bot{s}" for s in secret_list if s]
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secret_list)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot logs every update and every API call's parameters at DEBUG.
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
