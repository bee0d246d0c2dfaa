"""Polling policy: when to fetch a feed next. Pure: ``now`` is always passed in.

A feed is polled every ``interval`` seconds. What the server says (Retry-After, Cache-Control
max-age, Expires) and what the feed says (RSS ``<ttl>``) may only make the bot poll *less* often;
the result is clamped to ``[min_interval, max_interval]``. After errors the bot backs off
exponentially up to a day but never gives up. A small deterministic jitter per feed keeps feeds
of one host from firing together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from bot.core.integers import whole

DAY = 86_400
JITTER_FRACTION = 0.10


def backoff_seconds(error_count: int, base_interval: int, ceiling: int = DAY) -> int:
    """Delay after ``error_count`` consecutive failures: ``base * 2**n``, capped at ``ceiling``.

    ``error_count`` 0 gives ``base_interval``. Never infinite, so a broken feed is retried
    (at least daily) and recovers by itself. A base above the ceiling is kept as is.
    """
    base = max(1, base_interval)
    cap = max(ceiling, base)
    exponent = min(max(0, error_count), 40)  # 2**40 already dwarfs any sane ceiling
    return int(min(cap, base * 2**exponent))


def retry_after_seconds(headers: Mapping[str, str], now: datetime) -> int | None:
    """Seconds the server asked us to wait (``Retry-After``: seconds or an HTTP-date)."""
    value = _header(headers, "retry-after")
    if value is None:
        return None
    value = value.strip()
    if (seconds := whole(value, 10)) is not None:
        return seconds
    moment = _http_date(value)
    if moment is None:
        return None
    return max(0, _ceil_seconds(moment - _aware(now)))


def cache_lifetime_seconds(headers: Mapping[str, str], now: datetime) -> int | None:
    """How long the response stays fresh: ``Cache-Control: max-age`` (minus ``Age``), else
    ``Expires`` (relative to the server's ``Date`` when given). ``no-cache``/``no-store`` mean
    "no hint" (None), as does anything unparsable or already expired.
    """
    directives = _cache_control(_header(headers, "cache-control") or "")
    if "no-cache" in directives or "no-store" in directives:
        return None
    max_age = directives.get("max-age")
    if max_age is not None:
        max_age_seconds = whole(max_age, 10)
        if max_age_seconds is None:
            return None
        lifetime = max_age_seconds - (whole(_header(headers, "age"), 10) or 0)
        return lifetime if lifetime > 0 else None
    expires_text = _header(headers, "expires")
    if expires_text is None:
        return None
    expires = _http_date(expires_text)
    if expires is None:
        return None
    reference = _http_date(_header(headers, "date") or "") or _aware(now)
    lifetime = _ceil_seconds(expires - reference)
    return lifetime if lifetime > 0 else None


def next_check_at(
    now: datetime,
    *,
    interval: int,
    min_interval: int,
    max_interval: int,
    headers: Mapping[str, str],
    ttl_minutes: int | None,
    error_count: int,
    jitter_key: str,
) -> datetime:
    """When to poll the feed next.

    Success (``error_count == 0``): ``interval``, lengthened by Retry-After, cache lifetime or
    RSS ttl, clamped to ``[min_interval, max_interval]``. Failure: exponential backoff from the
    clamped interval up to a day; a longer Retry-After wins, also capped at a day. Then up to
    10 % jitter is added, derived from ``jitter_key`` (same key, same jitter).
    """
    low = max(1, min_interval)
    high = max(low, max_interval)
    base = _clamp(interval, low, high)
    retry_after = retry_after_seconds(headers, now)
    if error_count > 0:
        delay = backoff_seconds(error_count, base, DAY)
        if retry_after is not None and retry_after > delay:
            delay = min(retry_after, DAY)
    else:
        hints = [
            retry_after,
            cache_lifetime_seconds(headers, now),
            ttl_minutes * 60 if ttl_minutes and ttl_minutes > 0 else None,
        ]
        delay = _clamp(max([base, *(h for h in hints if h is not None)]), low, high)
    return _aware(now) + timedelta(seconds=delay + jitter_seconds(delay, jitter_key))


def jitter_seconds(delay: int, key: str) -> int:
    """Deterministic extra delay in ``[0, delay * 10 %)`` spread by a hash of ``key``."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return int(delay * JITTER_FRACTION * fraction)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    for key, candidate in headers.items():
        if key.lower() == name:
            return candidate
    return None


def _cache_control(value: str) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = argument.strip().strip('"') if argument else None
    return directives


def _http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return _aware(moment)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _ceil_seconds(delta: timedelta) -> int:
    seconds = delta.total_seconds()
    whole = int(seconds)
    return whole + 1 if seconds > whole else whole
