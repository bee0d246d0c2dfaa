"""When each subscriber's digest is due. Pure: ``now`` is always passed in, nothing is stored.

A subscriber picks a local time of day (``08:00``), an IANA time zone and ``daily`` or
``weekdays``. Due instants are computed in local time and returned as aware UTC datetimes, so
08:00 stays 08:00 on the wall clock across daylight-saving changes. A local time that does not
exist on a spring-forward day fires at the end of the gap; one that happens twice on a fall-back
day fires at its first occurrence. After downtime a subscriber gets one catch-up digest, never
one per missed day.

The only outside data read is the time-zone database (through :mod:`zoneinfo`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = [
    "DAILY",
    "WEEKDAYS",
    "catch_up_due",
    "common_times",
    "common_zones",
    "format_time_of_day",
    "in_quiet_hours",
    "next_due",
    "parse_days",
    "parse_time_of_day",
    "parse_zone",
]

WEEKDAYS = "weekdays"
DAILY = "daily"

_TIME_USAGE = "Send a time on the 24-hour clock as HH:MM, for example 08:00 or 20:30."
_ZONE_EXAMPLES = "Europe/Kyiv, Kyiv, Europe/Berlin, New York, America/Los_Angeles or UTC"

_TIME = re.compile(
    r"(?P<hour>\d{1,2})(?:(?:\s*[:.h]\s*|(?<=\d\d))(?P<minute>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
)

# Lower-case spelling → zone. Checked before the database, so these win over legacy links.
_ALIASES: dict[str, str] = {
    # Ukraine: the English, Ukrainian and Russian spellings people actually type
    "kiev": "Europe/Kyiv",
    "europe/kiev": "Europe/Kyiv",
    "europe/uzhgorod": "Europe/Kyiv",
    "europe/zaporozhye": "Europe/Kyiv",
    "ukraine": "Europe/Kyiv",
    "київ": "Europe/Kyiv",
    "киев": "Europe/Kyiv",
    "kharkiv": "Europe/Kyiv",
    "lviv": "Europe/Kyiv",
    "odesa": "Europe/Kyiv",
    "odessa": "Europe/Kyiv",
    "dnipro": "Europe/Kyiv",
    "zaporizhzhia": "Europe/Kyiv",
    # universal time
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "zulu": "UTC",
    "uct": "UTC",
    "universal": "UTC",
    "greenwich": "UTC",
    "etc/utc": "UTC",
    "etc/gmt": "UTC",
    # the IANA zones "EST" and "PST8PDT" exist, but people typing these mean the city's clock
    "est": "America/New_York",
    "edt": "America/New_York",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    # cities that are not zone names, and renamed or legacy zones
    "washington": "America/New_York",
    "washington_dc": "America/New_York",
    "san_francisco": "America/Los_Angeles",
    "us/eastern": "America/New_York",
    "us/central": "America/Chicago",
    "us/mountain": "America/Denver",
    "us/pacific": "America/Los_Angeles",
    "asia/calcutta": "Asia/Kolkata",
    "asia/saigon": "Asia/Ho_Chi_Minh",
    "asia/katmandu": "Asia/Kathmandu",
    "asia/rangoon": "Asia/Yangon",
    # the same city filed under two continents
    "istanbul": "Europe/Istanbul",
    "nicosia": "Asia/Nicosia",
}

_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_OFFSET = re.compile(r"(?:utc|gmt)?\s*[+\-−]\s*\d{1,2}(?::?\d{2})?", re.IGNORECASE)
# two fixed instants (winter and summer) to tell apart zones that share a city name
_PROBES = (datetime(2025, 1, 15, 12, tzinfo=UTC), datetime(2025, 7, 15, 12, tzinfo=UTC))

_COMMON_ZONES = (
    "Europe/Kyiv",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Warsaw",
    "Europe/Brussels",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "UTC",
)
_COMMON_TIMES = ("07:00", "08:00", "09:00", "12:00", "18:00", "21:00")


# --- parsing user input -----------------------------------------------------------------------


def parse_time_of_day(text: str) -> time:
    """Parse a time of day typed by a user: ``"8:00"``, ``"08:00"``, ``"20:30"``, also ``"8"``,
    ``"0830"``, ``"8.30"`` and ``"8:30 pm"``. Raise ValueError with a usage hint otherwise."""
    cleaned = (text or "").strip().lower()
    match = _TIME.fullmatch(cleaned)
    if not match:
        shown = f'"{text.strip()}" is not a time. ' if cleaned else ""
        raise ValueError(shown + _TIME_USAGE)
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    if ampm := match.group("ampm"):
        if not 1 <= hour <= 12:
            raise ValueError(f'"{text.strip()}": with am/pm the hour goes 1-12. {_TIME_USAGE}')
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValueError(
            f'"{text.strip()}" is not a time of day: hours go 00-23, minutes 00-59. {_TIME_USAGE}'
        )
    return time(hour, minute)


def format_time_of_day(at: time) -> str:
    """The stored form of a time of day: ``"HH:MM"`` (what :func:`parse_time_of_day` reads)."""
    return f"{at.hour:02d}:{at.minute:02d}"


def parse_days(text: str) -> str:
    """Parse the delivery days: ``daily`` (also "every day", "all") or ``weekdays`` (also
    "weekday", "mon-fri", "workdays"). Raise ValueError naming both choices otherwise."""
    key = re.sub(r"[\s_-]+", " ", (text or "").strip().lower())
    if key in {"daily", "every day", "everyday", "all", "all days", "each day"}:
        return DAILY
    if key in {"weekdays", "weekday", "mon fri", "monday friday", "workdays", "work days"}:
        return WEEKDAYS
    raise ValueError(f'"{(text or "").strip()}" is not a schedule: send "daily" or "weekdays".')


def parse_zone(text: str) -> str:
    """Resolve what a user typed to an IANA zone name.

    Accepts a zone name in any case (``europe/kyiv`` → ``Europe/Kyiv``), spaces for
    underscores (``America/New York``), common aliases (``Kiev``, ``UTC``, ``GMT``; GMT means
    UTC, not London) and a city alone when only one zone has that city (``Kyiv``, ``Berlin``,
    ``New York``). Fixed offsets such as ``UTC+2`` are refused because they ignore summer time.
    Raise ValueError with examples otherwise.
    """
    raw = (text or "").strip()
    if not raw:
        raise ValueError(f"Send a time zone or a city, for example {_ZONE_EXAMPLES}.")
    key = re.sub(r"\s*/\s*", "/", raw)
    key = re.sub(r"\s+", "_", key).lower()

    if key in _ALIASES:
        return _ALIASES[key]
    by_name, by_city = _zone_index()
    if key in by_name:
        return by_name[key]
    if _OFFSET.fullmatch(raw):
        raise ValueError(
            f'"{raw}" is a fixed offset and would ignore summer time. Send your city or zone '
            f"instead, for example {_ZONE_EXAMPLES}."
        )
    if "/" not in key and key in by_city:
        zones = by_city[key]
        if len(zones) == 1:
            return zones[0]
        raise ValueError(
            f'"{raw}" matches several time zones: {", ".join(zones)}. Send the full name.'
        )
    raise ValueError(
        f'Unknown time zone "{raw}". Send a city or zone, for example {_ZONE_EXAMPLES}.'
    )


@lru_cache(maxsize=1)
def _zone_index() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(lower-case full name → name, lower-case city → distinct zones with that city)."""
    names = sorted(name for name in available_timezones() if name not in _NOT_ZONES)
    by_name = {name.lower(): name for name in names}
    grouped: dict[str, list[str]] = {}
    for name in names:
        if name.split("/", 1)[0] in _REGIONS and "/" in name:
            grouped.setdefault(name.rsplit("/", 1)[1].lower(), []).append(name)
    by_city: dict[str, tuple[str, ...]] = {}
    for city, zones in grouped.items():
        # The database files some zones twice (America/Indianapolis links to
        # America/Indiana/Indianapolis): zones that keep the same offsets count as one, and the
        # longer, more specific name is kept.
        distinct: dict[tuple[timedelta | None, ...], str] = {}
        for zone in sorted(zones, key=lambda z: (-z.count("/"), z)):
            tz = ZoneInfo(zone)
            distinct.setdefault(tuple(p.astimezone(tz).utcoffset() for p in _PROBES), zone)
        by_city[city] = tuple(sorted(distinct.values()))
    return by_name, by_city


def common_zones() -> list[str]:
    """About a dozen zones to offer as buttons (all valid IANA names, Kyiv first)."""
    return list(_COMMON_ZONES)


def common_times() -> list[str]:
    """Times of day to offer as buttons, as ``"HH:MM"``."""
    return list(_COMMON_TIMES)


# --- due times --------------------------------------------------------------------------------


def next_due(after: datetime, at: time, zone: str, days: str = DAILY) -> datetime:
    """The first instant strictly after ``after`` when the local clock in ``zone`` shows ``at``
    on an allowed day (``daily``, or ``weekdays`` = Monday to Friday, local date).

    ``after`` is an aware datetime (naive is taken as UTC); the result is aware UTC. A local
    time skipped by a spring-forward change fires at the first instant after the gap (02:30 in
    New York on that day fires at 03:00 EDT); a time that occurs twice on a fall-back day fires
    at its first occurrence.
    """
    tz = _zone(zone)
    allowed = _allowed_weekdays(days)
    after_utc = _as_utc(after)
    wall = at.replace(tzinfo=None)
    day = after_utc.astimezone(tz).date() - timedelta(days=1)
    # 1 day back (offsets up to ±14 h) and 8 ahead covers every weekday pattern
    for _ in range(10):
        if day.weekday() in allowed:
            candidate = _local_instant(day, wall, tz)
            if candidate > after_utc:
                return candidate
        day += timedelta(days=1)
    raise AssertionError("unreachable: a due day exists within any 10-day span")


def catch_up_due(
    next_due_at: datetime | None, now: datetime, at: time, zone: str, days: str = DAILY
) -> tuple[bool, datetime]:
    """Decide whether a subscriber's digest is due at ``now``: ``(is_due, new_next_due)``.

    When ``now`` has reached ``next_due_at`` the digest is due once, however many slots were
    missed during downtime, and the next due time becomes the first slot strictly after
    ``now``. Otherwise nothing is due and ``next_due_at`` is kept. ``None`` (never scheduled)
    is not due; it gets its first slot after ``now``.
    """
    if next_due_at is None:
        return False, next_due(now, at, zone, days)
    if _as_utc(now) < _as_utc(next_due_at):
        return False, _as_utc(next_due_at)
    return True, next_due(now, at, zone, days)


def in_quiet_hours(now: datetime, zone: str, start: time = time(22), end: time = time(7)) -> bool:
    """True when the local clock in ``zone`` is within ``[start, end)``; the span may cross
    midnight (22:00-07:00). ``start == end`` means no quiet hours."""
    local = _as_utc(now).astimezone(_zone(zone)).time().replace(tzinfo=None)
    start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


# --- helpers ----------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f'unknown time zone "{name}" (use parse_zone on user input)') from None


def _allowed_weekdays(days: str) -> frozenset[int]:
    if days == DAILY:
        return frozenset(range(7))
    if days == WEEKDAYS:
        return frozenset(range(5))
    raise ValueError(f'days must be "{DAILY}" or "{WEEKDAYS}", not {days!r}')


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``wall`` on ``day`` in ``tz``: the first occurrence when
    it happens twice, the end of the gap when it does not exist."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap zoneinfo reads fold=0 with the offset before the change, which lands after the
    # change; fold=1 reads it with the offset after, which lands before. The change lies between:
    # find it to the second (changes happen on whole seconds).
    low = math.floor(naive.replace(tzinfo=tz, fold=1).timestamp())
    high = math.ceil(first.timestamp())
    before = datetime.fromtimestamp(low, tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)
