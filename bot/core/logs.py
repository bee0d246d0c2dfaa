"""Logging setup: one format, quiet HTTP loggers, and secrets redacted from every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

REDACTED = "[REDACTED]"
# user:password@ in any URL (a feed URL from OPML or feeds.toml may carry them)
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]*@")


def secret_forms(secret: str) -> list[str]:
    """Every form a secret can take in a log line: as it is, percent-encoded (a URL path, a
    form body), and for a bot token its secret part alone. Matched in any case."""
    forms = {secret, quote(secret, safe=""), quote(secret, safe="").replace("%3A", "%3a")}
    if ":" in secret:
        forms.add(secret.split(":", 1)[1])
    return [form for form in forms if len(form) >= 6]


def redactor(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern that finds every form of every secret, case-insensitively."""
    forms = sorted({f for s in secrets if s for f in secret_forms(s)}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile("|".join(re.escape(form) for form in forms), re.IGNORECASE)


class RedactingFormatter(logging.Formatter):
    """A formatter that removes secrets (the bot token, in every form) from messages and
    tracebacks."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.pattern = redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.pattern is not None:
            text = self.pattern.sub(REDACTED, text)
        return _URL_CREDENTIALS.sub(REDACTED + "@", text)


def setup_logging(
    level: int = logging.INFO, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Configure the root logger; httpx/httpcore stay at WARNING (they log URLs with the token)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    secret_list = list(secrets)
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
