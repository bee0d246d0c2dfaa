"""Digest due times: local clock times across DST, weekdays, catch-up, quiet hours, user input."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.briefing import duetime
from bot.briefing.duetime import (
    DAILY,
    WEEKDAYS,
    catch_up_due,
    common_times,
    common_zones,
    format_time_of_day,
    in_quiet_hours,
    next_due,
    parse_days,
    parse_time_of_day,
    parse_zone,
)

KYIV = "Europe/Kyiv"
NEW_YORK = "America/New_York"
EIGHT = time(8, 0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def slots(start: datetime, at: time, zone: str, count: int, days: str = DAILY) -> list[datetime]:
    """The next ``count`` due times after ``start``, as a sending loop would walk them."""
    found = []
    for _ in range(count):
        start = next_due(start, at, zone, days)
        found.append(start)
    return found


# --- DST: 08:00 stays 08:00 on the wall clock


@pytest.mark.parametrize(
    ("zone", "before_utc", "after_utc"),
    [
        # Kyiv springs forward on 2025-03-30 (EET +2 → EEST +3)
        (KYIV, utc(2025, 3, 29, 6), utc(2025, 3, 30, 5)),
        # Kyiv falls back on 2025-10-26 (EEST +3 → EET +2)
        (KYIV, utc(2025, 10, 25, 5), utc(2025, 10, 26, 6)),
        # New York springs forward on 2025-03-09 (EST -5 → EDT -4)
        (NEW_YORK, utc(2025, 3, 8, 13), utc(2025, 3, 9, 12)),
        # New York falls back on 2025-11-02 (EDT -4 → EST -5)
        (NEW_YORK, utc(2025, 11, 1, 12), utc(2025, 11, 2, 13)),
    ],
)
def test_eight_local_stays_eight_local_across_a_dst_change(
    zone: str, before_utc: datetime, after_utc: datetime
) -> None:
    day_before = before_utc - timedelta(hours=12)
    assert slots(day_before, EIGHT, zone, 2) == [before_utc, after_utc]
    assert [local(s, zone).time() for s in (before_utc, after_utc)] == [EIGHT, EIGHT]


def test_a_month_of_slots_across_dst_all_fire_at_local_eight() -> None:
    for zone in (KYIV, NEW_YORK):
        fired = slots(utc(2025, 3, 1), EIGHT, zone, 45)
        assert all(local(s, zone).time() == EIGHT for s in fired)
        assert [local(s, zone).date() for s in fired] == [
            local(fired[0], zone).date() + timedelta(days=n) for n in range(45)
        ]


def test_time_in_the_spring_forward_gap_fires_when_the_gap_ends() -> None:
    # 02:30 does not exist in New York on 2025-03-09: clocks jump 02:00 EST → 03:00 EDT
    due = next_due(utc(2025, 3, 9, 0), time(2, 30), NEW_YORK)
    assert due == utc(2025, 3, 9, 7)
    assert local(due, NEW_YORK).strftime("%H:%M %Z") == "03:00 EDT"
    # the next day 02:30 exists again
    assert next_due(due, time(2, 30), NEW_YORK) == utc(2025, 3, 10, 6, 30)


def test_time_in_the_kyiv_gap_fires_at_four_local() -> None:
    # 03:30 does not exist in Kyiv on 2025-03-30: clocks jump 03:00 EET → 04:00 EEST
    due = next_due(utc(2025, 3, 29, 12), time(3, 30), KYIV)
    assert due == utc(2025, 3, 30, 1)
    assert local(due, KYIV).strftime("%H:%M") == "04:00"


def test_time_in_the_fall_back_overlap_fires_once_at_the_first_occurrence() -> None:
    # 01:30 happens twice in New York on 2025-11-02: first in EDT (05:30 UTC), then EST
    first = next_due(utc(2025, 11, 2, 0), time(1, 30), NEW_YORK)
    assert first == utc(2025, 11, 2, 5, 30)
    # after the first occurrence, the repeat an hour later is not a second send
    assert next_due(first, time(1, 30), NEW_YORK) == utc(2025, 11, 3, 6, 30)
    assert next_due(utc(2025, 10, 25, 12), time(3, 30), KYIV) == utc(2025, 10, 26, 0, 30)


def test_due_time_is_strictly_after_the_given_instant() -> None:
    slot = utc(2025, 6, 3, 5)  # 08:00 in Kyiv (summer)
    assert next_due(slot - timedelta(seconds=1), EIGHT, KYIV) == slot
    assert next_due(slot, EIGHT, KYIV) == slot + timedelta(days=1)


@given(
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    at=st.times(),
    zone=st.sampled_from([KYIV, NEW_YORK, "Australia/Lord_Howe", "Asia/Tokyo", "UTC"]),
    days=st.sampled_from([DAILY, WEEKDAYS]),
)
def test_next_due_is_the_first_matching_local_time_after(
    after: datetime, at: time, zone: str, days: str
) -> None:
    due = next_due(after, at, zone, days)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due > after
    assert due - after <= timedelta(days=4, hours=1)
    shown = local(due, zone)
    if days == WEEKDAYS:
        assert shown.weekday() < 5
    if shown.time() != at:
        # only a wall time skipped by a DST jump may fire at another clock time, right at the jump
        just_before = local(due - timedelta(seconds=1), zone)
        assert just_before.utcoffset() != shown.utcoffset()


# --- weekdays


def test_weekdays_skip_saturday_and_sunday() -> None:
    friday_after_slot = utc(2025, 6, 6, 6)  # Fri 09:00 Kyiv
    fired = slots(friday_after_slot, EIGHT, KYIV, 3, WEEKDAYS)
    assert [local(s, KYIV).strftime("%a %H:%M") for s in fired] == [
        "Mon 08:00",
        "Tue 08:00",
        "Wed 08:00",
    ]
    assert slots(friday_after_slot, EIGHT, KYIV, 3, DAILY)[0] == utc(2025, 6, 7, 5)  # Saturday


def test_weekdays_use_the_subscribers_local_date() -> None:
    # Sunday 23:30 UTC is already Monday 08:30 in Tokyo: the next weekday slot is Tuesday there
    due = next_due(utc(2025, 6, 8, 23, 30), time(8, 0), "Asia/Tokyo", WEEKDAYS)
    assert local(due, "Asia/Tokyo").strftime("%a %H:%M") == "Tue 08:00"


def test_unknown_days_or_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="weekdays"):
        next_due(utc(2025, 6, 1), EIGHT, KYIV, "weekends")
    with pytest.raises(ValueError, match="Mars/Olympus"):
        next_due(utc(2025, 6, 1), EIGHT, "Mars/Olympus")


def test_two_subscribers_in_different_zones_get_different_utc_due_times() -> None:
    now = utc(2025, 6, 3, 0)
    kyiv = next_due(now, EIGHT, KYIV)
    new_york = next_due(now, EIGHT, NEW_YORK)
    assert kyiv == utc(2025, 6, 3, 5)
    assert new_york == utc(2025, 6, 3, 12)
    assert local(kyiv, KYIV).time() == local(new_york, NEW_YORK).time() == EIGHT


# --- catch-up after downtime


def test_three_days_of_downtime_bring_one_catch_up_and_the_next_slot_after_now() -> None:
    missed = utc(2025, 6, 2, 5)  # Mon 08:00 Kyiv, the bot was down until Thu 10:00 Kyiv
    now = utc(2025, 6, 5, 7)
    due, following = catch_up_due(missed, now, EIGHT, KYIV, DAILY)
    assert due is True
    assert following == utc(2025, 6, 6, 5)  # Fri 08:00, not Tue/Wed/Thu
    # the 30-second ticks that follow send nothing more until Friday
    sent, next_at, tick = 1, following, now
    while tick < utc(2025, 6, 6, 5, 10):
        tick += timedelta(seconds=30)
        is_due, next_at = catch_up_due(next_at, tick, EIGHT, KYIV, DAILY)
        sent += is_due
    assert sent == 2  # the catch-up plus Friday's regular digest
    assert next_at == utc(2025, 6, 7, 5)


def test_not_yet_due_keeps_the_stored_time() -> None:
    stored = utc(2025, 6, 3, 5)
    assert catch_up_due(stored, stored - timedelta(seconds=1), EIGHT, KYIV, DAILY) == (
        False,
        stored,
    )
    assert catch_up_due(stored, stored, EIGHT, KYIV, DAILY) == (True, utc(2025, 6, 4, 5))


def test_a_subscriber_without_a_due_time_is_scheduled_not_sent() -> None:
    assert catch_up_due(None, utc(2025, 6, 3, 6), EIGHT, KYIV, DAILY) == (
        False,
        utc(2025, 6, 4, 5),
    )


def test_catch_up_respects_weekdays() -> None:
    missed = utc(2025, 6, 6, 5)  # Fri 08:00 Kyiv; back on Saturday noon
    assert catch_up_due(missed, utc(2025, 6, 7, 9), EIGHT, KYIV, WEEKDAYS) == (
        True,
        utc(2025, 6, 9, 5),
    )


# --- quiet hours


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [("21:59", False), ("22:00", True), ("23:30", True), ("00:00", True), ("03:15", True),
     ("06:59", True), ("07:00", False), ("12:00", False)],
)  # fmt: skip
def test_quiet_hours_span_midnight_in_local_time(clock: str, quiet: bool) -> None:
    wall = datetime.combine(datetime(2025, 1, 15).date(), parse_time_of_day(clock))
    now = wall.replace(tzinfo=ZoneInfo(KYIV)).astimezone(UTC)
    assert in_quiet_hours(now, KYIV) is quiet


def test_quiet_hours_depend_on_the_subscribers_zone() -> None:
    now = utc(2025, 6, 3, 21)  # 00:00 in Kyiv, 17:00 in New York
    assert in_quiet_hours(now, KYIV)
    assert not in_quiet_hours(now, NEW_YORK)


def test_quiet_hours_within_one_day_and_empty_span() -> None:
    now = utc(2025, 6, 3, 14)  # 14:00 UTC
    assert in_quiet_hours(now, "UTC", time(13), time(15))
    assert not in_quiet_hours(now, "UTC", time(15), time(17))
    assert not in_quiet_hours(now, "UTC", time(9), time(9))


# --- user input


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8:00", time(8)), ("08:00", time(8)), ("20:30", time(20, 30)), (" 7:05 ", time(7, 5)),
     ("8", time(8)), ("0830", time(8, 30)), ("8.30", time(8, 30)), ("8pm", time(20)),
     ("12 am", time(0)), ("0:00", time(0)), ("23:59", time(23, 59))],
)  # fmt: skip
def test_parse_time_of_day_accepts_common_spellings(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "8:60", "25", "noon", "", "8:5", "13pm", "-1:00"])
def test_parse_time_of_day_rejects_with_a_usage_hint(text: str) -> None:
    with pytest.raises(ValueError, match=r"HH:MM.*08:00"):
        parse_time_of_day(text)


def test_parse_time_of_day_explains_out_of_range_values() -> None:
    with pytest.raises(ValueError, match="hours go 00-23"):
        parse_time_of_day("25:00")


def test_time_of_day_round_trips_through_the_stored_form() -> None:
    assert format_time_of_day(time(8, 5)) == "08:05"
    assert all(format_time_of_day(parse_time_of_day(t)) == t for t in common_times())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Europe/Kyiv", KYIV), ("europe/kyiv", KYIV), ("EUROPE/KYIV", KYIV), ("Kyiv", KYIV),
     ("Kiev", KYIV), ("europe/kiev", KYIV), ("Київ", KYIV), ("Berlin", "Europe/Berlin"),
     ("New_York", NEW_YORK), ("New York", NEW_YORK), ("new york", NEW_YORK),
     ("America/New York", NEW_YORK), ("UTC", "UTC"), ("utc", "UTC"), ("GMT", "UTC"),
     ("Indianapolis", "America/Indiana/Indianapolis"), ("Istanbul", "Europe/Istanbul"),
     ("Los Angeles", "America/Los_Angeles"), ("  Tokyo ", "Asia/Tokyo")],
)  # fmt: skip
def test_parse_zone_accepts_names_aliases_and_cities(text: str, expected: str) -> None:
    assert parse_zone(text) == expected
    ZoneInfo(expected)


@pytest.mark.parametrize("text", ["Springfield", "Europe/Atlantis", "", "   ", "next door"])
def test_parse_zone_rejects_unknown_names_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match=r"for example Europe/Kyiv.*UTC"):
        parse_zone(text)


@pytest.mark.parametrize("text", ["UTC+2", "+03:00", "GMT-5"])
def test_parse_zone_refuses_fixed_offsets_and_says_why(text: str) -> None:
    with pytest.raises(ValueError, match="summer time"):
        parse_zone(text)


def test_parse_zone_asks_for_the_full_name_when_a_city_is_ambiguous(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    by_city = {"springfield": ("America/Chicago", "America/New_York")}
    monkeypatch.setattr(duetime, "_zone_index", lambda: ({}, by_city))
    with pytest.raises(ValueError, match="America/Chicago, America/New_York.*full name"):
        parse_zone("Springfield")


def test_parse_days() -> None:
    assert parse_days("Daily") == DAILY
    assert parse_days("every day") == DAILY
    assert parse_days("weekdays") == WEEKDAYS
    assert parse_days("Mon-Fri") == WEEKDAYS
    with pytest.raises(ValueError, match='"daily" or "weekdays"'):
        parse_days("sundays")


def test_keyboard_choices_are_valid_and_parse_back() -> None:
    zones = common_zones()
    assert 10 <= len(zones) <= 14 and zones[0] == KYIV and "UTC" in zones
    assert all(parse_zone(zone) == zone for zone in zones)
    assert all(len(zone.encode()) < 40 for zone in zones)  # fits Telegram callback data
    zones.append("mutated")
    assert "mutated" not in common_zones()
    assert common_times() == ["07:00", "08:00", "09:00", "12:00", "18:00", "21:00"]
