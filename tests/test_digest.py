"""Digest content: which stories make it, in what order, how many are left out, shared keys,
and when a story counts as breaking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.briefing.digest_selection import (
    ActorTrend,
    Digest,
    DigestStory,
    importance,
    is_breaking,
    select_digest,
)

UNTIL = datetime(2025, 6, 3, 5, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=1)


def story(story_id: int, **changes: object) -> DigestStory:
    """A middling story that became relevant and was last reported an hour before UNTIL."""
    base = DigestStory(
        id=story_id,
        headline=f"Story {story_id}",
        link=f"https://news.example/{story_id}",
        day=date(2025, 6, 2),
        kind="meeting",
        sources=2,
        relevance=0.7,
        actors=("Volodymyr Zelensky",),
        became_relevant_at=UNTIL - timedelta(hours=1),
        last_published=UNTIL - timedelta(hours=1),
    )
    return replace(base, **changes)


def ids(digest: Digest) -> list[int]:
    return [s.id for s in digest.stories]


# --- importance


def test_more_sources_relevance_recency_and_actors_each_raise_importance() -> None:
    plain = story(1)
    now = UNTIL
    assert importance(replace(plain, sources=6), now) > importance(plain, now)
    assert importance(replace(plain, relevance=0.95), now) > importance(plain, now)
    assert importance(replace(plain, last_published=now), now) > importance(plain, now)
    stale = replace(plain, last_published=now - timedelta(hours=20))
    assert importance(stale, now) < importance(plain, now)
    many = replace(plain, actors=("Zelensky", "Macron", "Starmer"))
    assert importance(many, now) > importance(plain, now)


def test_many_outlets_outrank_one_very_relevant_report() -> None:
    widely_reported = story(1, sources=9, relevance=0.6)
    single_outlet = story(2, sources=1, relevance=0.95)
    assert importance(widely_reported, UNTIL) > importance(single_outlet, UNTIL)


@given(
    sources=st.integers(min_value=0, max_value=500),
    relevance=st.floats(min_value=-1, max_value=2, allow_nan=False),
    age_hours=st.floats(min_value=-48, max_value=10_000, allow_nan=False),
    actors=st.lists(st.text(min_size=1, max_size=5), max_size=10),
)
def test_importance_stays_between_zero_and_one(
    sources: int, relevance: float, age_hours: float, actors: list[str]
) -> None:
    item = story(
        1,
        sources=sources,
        relevance=relevance,
        actors=tuple(actors),
        last_published=UNTIL - timedelta(hours=age_hours),
    )
    assert 0.0 <= importance(item, UNTIL) <= 1.0


# --- selection


def test_only_stories_that_became_relevant_in_the_window_are_selected() -> None:
    stories = [
        story(1, became_relevant_at=SINCE),  # belonged to the previous digest
        story(2, became_relevant_at=SINCE + timedelta(seconds=1)),
        story(3, became_relevant_at=UNTIL),
        story(4, became_relevant_at=UNTIL + timedelta(seconds=1)),  # next digest
        story(5, became_relevant_at=SINCE - timedelta(days=3)),
    ]
    digest = select_digest(stories, [], since=SINCE, until=UNTIL)
    assert sorted(ids(digest)) == [2, 3]
    assert digest.more == 0


def test_stories_are_ranked_by_importance() -> None:
    stories = [
        story(1, sources=1, relevance=0.55),
        story(2, sources=8, relevance=0.9, actors=("Zelensky", "Trump", "Putin")),
        story(3, sources=3, relevance=0.7),
    ]
    digest = select_digest(stories, [], since=SINCE, until=UNTIL)
    assert ids(digest) == [2, 3, 1]
    scores = [importance(s, UNTIL) for s in digest.stories]
    assert scores == sorted(scores, reverse=True)


def test_equal_importance_puts_newer_then_lower_id_first() -> None:
    older = story(1)
    newer = story(2, last_published=UNTIL - timedelta(minutes=30))
    twin = story(3)
    digest = select_digest([twin, older, newer], [], since=SINCE, until=UNTIL)
    assert ids(digest) == [2, 1, 3]


def test_cap_keeps_the_most_important_and_counts_the_rest() -> None:
    stories = [story(n, relevance=0.5 + n / 25) for n in range(1, 12)]
    digest = select_digest(stories, [], since=SINCE, until=UNTIL, max_stories=8)
    assert ids(digest) == [11, 10, 9, 8, 7, 6, 5, 4]
    assert digest.more == 3
    assert not digest.is_empty()
    outside = story(99, sources=50, became_relevant_at=SINCE - timedelta(hours=1))
    assert select_digest([*stories, outside], [], since=SINCE, until=UNTIL).more == 3


def test_a_story_listed_twice_counts_once() -> None:
    digest = select_digest([story(1), story(1), story(2)], [], since=SINCE, until=UNTIL)
    assert sorted(ids(digest)) == [1, 2]
    assert digest.more == 0


def test_an_empty_window_gives_an_empty_digest_even_with_actor_counts() -> None:
    digest = select_digest(
        [story(1, became_relevant_at=SINCE)],
        [ActorTrend("Volodymyr Zelensky", 3, 1)],
        since=SINCE,
        until=UNTIL,
    )
    assert digest.is_empty()
    assert digest.stories == () and digest.more == 0


def test_window_bounds_are_normalised_and_checked() -> None:
    kyiv = ZoneInfo("Europe/Kyiv")
    digest = select_digest([story(1)], [], since=SINCE.astimezone(kyiv), until=UNTIL)
    assert digest.since == SINCE and digest.since.utcoffset() == timedelta(0)
    assert ids(digest) == [1]
    with pytest.raises(ValueError, match="window"):
        select_digest([story(1)], [], since=UNTIL, until=SINCE)
    with pytest.raises(ValueError, match="negative"):
        select_digest([story(1)], [], since=SINCE, until=UNTIL, max_stories=-1)


def test_actors_ranked_by_mentions_then_rise_and_capped() -> None:
    trends = [
        ActorTrend("Emmanuel Macron", 4, 4),
        ActorTrend("Keir Starmer", 4, 1),
        ActorTrend("Donald Trump", 9, 12),
        ActorTrend("Volodymyr Zelensky", 7, 0),
        ActorTrend("Vladimir Putin", 0, 5),  # not mentioned this time: left out
        ActorTrend("Mark Rutte", 2, 2),
        ActorTrend("Friedrich Merz", 1, 0),
    ]
    digest = select_digest([story(1)], trends, since=SINCE, until=UNTIL, max_actors=5)
    assert [a.name for a in digest.actors] == [
        "Donald Trump",
        "Volodymyr Zelensky",
        "Keir Starmer",
        "Emmanuel Macron",
        "Mark Rutte",
    ]
    assert [a.trend for a in digest.actors] == ["down", "new", "up", "steady", "steady"]
    assert digest.actors[0].change == -3


# --- keys


def test_identical_digests_share_a_key() -> None:
    trends = [ActorTrend("Keir Starmer", 4, 1)]
    first = select_digest([story(1), story(2)], trends, since=SINCE, until=UNTIL)
    # built again from equal but separate objects, with a window that starts elsewhere
    second = select_digest(
        [story(2), story(1), story(7, became_relevant_at=SINCE - timedelta(hours=3))],
        [ActorTrend("Keir Starmer", 4, 1)],
        since=SINCE + timedelta(hours=5),
        until=UNTIL,
    )
    assert first == replace(second, since=SINCE)
    assert first.key() == second.key()
    assert len(first.key()) == 32


def test_different_content_gives_a_different_key() -> None:
    trends = (ActorTrend("Keir Starmer", 4, 1),)
    base = select_digest([story(1), story(2)], trends, since=SINCE, until=UNTIL)
    variants = [
        select_digest([story(1), story(3)], trends, since=SINCE, until=UNTIL),
        select_digest([story(1)], trends, since=SINCE, until=UNTIL),
        select_digest([story(1), story(2, headline="Changed")], trends, since=SINCE, until=UNTIL),
        select_digest([story(1), story(2, sources=3)], trends, since=SINCE, until=UNTIL),
        select_digest([story(1), story(2)], [], since=SINCE, until=UNTIL),
        select_digest(
            [story(1), story(2)], [ActorTrend("Keir Starmer", 5, 1)], since=SINCE, until=UNTIL
        ),
        select_digest([story(1), story(2)], trends, since=SINCE, until=UNTIL, max_stories=1),
        replace(base, stories=tuple(reversed(base.stories))),
    ]
    keys = {base.key(), *(v.key() for v in variants)}
    assert len(keys) == 1 + len(variants)


# --- breaking


def test_three_distinct_outlets_within_two_hours_are_breaking() -> None:
    now = UNTIL
    reports = [
        ("Reuters", now - timedelta(minutes=100)),
        ("Kyiv Independent", now - timedelta(minutes=40)),
        ("BBC", now - timedelta(minutes=5)),
    ]
    assert is_breaking(reports, now)
    assert not is_breaking(reports[:2], now)


def test_repeats_from_one_outlet_do_not_count_as_independent() -> None:
    now = UNTIL
    reports = [
        ("Reuters", now - timedelta(minutes=50)),
        ("reuters ", now - timedelta(minutes=20)),
        ("www.bbc.co.uk", now - timedelta(minutes=10)),
        ("BBC.co.uk", now - timedelta(minutes=5)),
        ("", now - timedelta(minutes=1)),
    ]
    assert not is_breaking(reports, now)


def test_reports_outside_the_window_do_not_count() -> None:
    now = UNTIL
    reports = [
        ("Reuters", now - timedelta(hours=2, minutes=1)),
        ("Kyiv Independent", now - timedelta(minutes=40)),
        ("BBC", now - timedelta(minutes=5)),
        ("Le Monde", now + timedelta(minutes=30)),  # dated in the future: not yet evidence
    ]
    assert not is_breaking(reports, now)
    assert is_breaking(reports, now, window=timedelta(hours=3))
    assert is_breaking(reports[1:3], now, min_sources=2)
