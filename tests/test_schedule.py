"""Polling policy: how often a feed is fetched, after success, hints and failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ingest.schedule import (
    backoff_seconds,
    cache_lifetime_seconds,
    jitter_seconds,
    next_check_at,
    retry_after_seconds,
)

NOW = datetime(2025, 6, 3, 12, 0, 0, tzinfo=UTC)
DAY = 86_400


def delay(**kw: object) -> float:
    """Seconds from NOW until the next check, with defaults for everything not given."""
    args: dict[str, object] = {
        "interval": 600,
        "min_interval": 300,
        "max_interval": DAY,
        "headers": {},
        "ttl_minutes": None,
        "error_count": 0,
        "jitter_key": "https://example.org/feed",
    }
    args.update(kw)
    return (next_check_at(NOW, **args) - NOW).total_seconds()  # type: ignore[arg-type]


def no_jitter(seconds: float, base: float) -> bool:
    """True if ``seconds`` is ``base`` plus at most 10 % jitter."""
    return base <= seconds <= base * 1.1


# --- backoff


def test_backoff_doubles_with_each_error() -> None:
    assert [backoff_seconds(n, 600) for n in range(5)] == [600, 1200, 2400, 4800, 9600]


def test_backoff_stops_growing_at_the_ceiling_but_never_stops() -> None:
    assert backoff_seconds(10, 600) == DAY
    assert backoff_seconds(10_000, 600) == DAY
    assert backoff_seconds(7, 600, ceiling=3600) == 3600


def test_backoff_with_base_above_ceiling_keeps_base() -> None:
    assert backoff_seconds(3, 2 * DAY) == 2 * DAY


@given(st.integers(0, 10_000), st.integers(1, DAY))
def test_backoff_is_monotonic_and_bounded(errors: int, base: int) -> None:
    assert base <= backoff_seconds(errors, base) <= max(base, DAY)
    assert backoff_seconds(errors, base) <= backoff_seconds(errors + 1, base)


# --- next_check_at


def test_success_uses_the_normal_interval() -> None:
    assert no_jitter(delay(), 600)


def test_success_after_errors_resets_to_the_normal_interval() -> None:
    assert delay(error_count=6) > 10 * 600
    assert no_jitter(delay(error_count=0), 600)


def test_errors_back_off_exponentially_up_to_a_day() -> None:
    assert no_jitter(delay(error_count=1), 1200)
    assert no_jitter(delay(error_count=3), 4800)
    assert no_jitter(delay(error_count=50), DAY)


def test_retry_after_seconds_lengthens_the_wait_after_an_error() -> None:
    assert no_jitter(delay(error_count=1, headers={"retry-after": "7200"}), 7200)


def test_shorter_retry_after_does_not_shorten_backoff() -> None:
    assert no_jitter(delay(error_count=3, headers={"retry-after": "60"}), 4800)


def test_retry_after_is_capped_at_a_day() -> None:
    assert no_jitter(delay(error_count=1, headers={"Retry-After": str(30 * DAY)}), DAY)


def test_retry_after_http_date_is_honoured() -> None:
    later = format_datetime(NOW + timedelta(hours=3), usegmt=True)
    assert no_jitter(delay(error_count=1, headers={"retry-after": later}), 3 * 3600)


def test_max_age_lengthens_the_interval() -> None:
    assert no_jitter(delay(headers={"cache-control": "public, max-age=3600"}), 3600)


def test_short_max_age_does_not_shorten_the_interval() -> None:
    assert no_jitter(delay(headers={"cache-control": "max-age=30"}), 600)


def test_no_cache_is_ignored() -> None:
    headers = {"cache-control": "no-cache, max-age=7200"}
    assert no_jitter(delay(headers=headers), 600)


def test_expires_lengthens_the_interval() -> None:
    headers = {"expires": format_datetime(NOW + timedelta(hours=2), usegmt=True)}
    assert no_jitter(delay(headers=headers), 7200)


def test_rss_ttl_lengthens_the_interval() -> None:
    assert no_jitter(delay(ttl_minutes=60), 3600)
    assert no_jitter(delay(ttl_minutes=5), 600)


def test_hints_are_clamped_to_max_interval() -> None:
    assert no_jitter(delay(ttl_minutes=10_000, max_interval=7200), 7200)
    assert no_jitter(delay(headers={"cache-control": "max-age=999999"}), DAY)


def test_interval_is_clamped_to_min_interval() -> None:
    assert no_jitter(delay(interval=10, min_interval=300), 300)


def test_jitter_is_deterministic_per_feed() -> None:
    assert delay(jitter_key="https://a.example/1") == delay(jitter_key="https://a.example/1")


def test_jitter_spreads_feeds_of_one_host() -> None:
    delays = {delay(interval=3600, jitter_key=f"https://host.example/feed{n}") for n in range(20)}
    assert len(delays) > 10
    assert all(3600 <= d < 3600 * 1.1 for d in delays)


@given(st.text(), st.integers(1, 10 * DAY))
def test_jitter_stays_below_ten_percent(key: str, seconds: int) -> None:
    assert 0 <= jitter_seconds(seconds, key) <= seconds * 0.1


def test_naive_now_is_treated_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    result = next_check_at(
        naive,
        interval=600,
        min_interval=300,
        max_interval=DAY,
        headers={},
        ttl_minutes=None,
        error_count=0,
        jitter_key="k",
    )
    assert result.tzinfo is not None
    assert 600 <= (result - NOW).total_seconds() <= 660


# --- header parsing


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120), (" 0 ", 0), ("soon", None), ("-5", None), ("", None)],
)
def test_retry_after_seconds_values(value: str, expected: int | None) -> None:
    assert retry_after_seconds({"Retry-After": value}, NOW) == expected


def test_retry_after_date_in_the_past_is_zero() -> None:
    past = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert retry_after_seconds({"retry-after": past}, NOW) == 0


def test_retry_after_absent_is_none() -> None:
    assert retry_after_seconds({}, NOW) is None


def test_cache_lifetime_subtracts_age() -> None:
    assert cache_lifetime_seconds({"cache-control": "max-age=600", "age": "100"}, NOW) == 500


def test_cache_lifetime_prefers_max_age_over_expires() -> None:
    headers = {
        "cache-control": "max-age=60",
        "expires": format_datetime(NOW + timedelta(hours=5), usegmt=True),
    }
    assert cache_lifetime_seconds(headers, NOW) == 60


def test_expires_is_measured_from_the_server_date() -> None:
    server_now = NOW - timedelta(hours=1)  # server clock an hour behind ours
    headers = {
        "date": format_datetime(server_now, usegmt=True),
        "expires": format_datetime(server_now + timedelta(minutes=30), usegmt=True),
    }
    assert cache_lifetime_seconds(headers, NOW) == 1800


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"expires": "0"},
        {"expires": "Tue, 03 Jun 2025 11:00:00 GMT"},  # already past
        {"cache-control": "no-store"},
        {"cache-control": "max-age=abc"},
        {"cache-control": "max-age=0"},
    ],
)
def test_cache_lifetime_none_when_no_usable_hint(headers: dict[str, str]) -> None:
    assert cache_lifetime_seconds(headers, NOW) is None
