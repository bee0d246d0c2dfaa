"""The stored timeline: kept in step with the stories by each poll cycle, so /timeline is a query.

A fortnight of reports from three outlets arrives in two poll cycles over loopback; the second
adds a feed whose reports go back days, so old days change. After each cycle the stored timeline
must equal one built afresh from the stories, with nothing left to regroup.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.analysis.timeline_grouping import build_timeline
from bot.app import feedadmin
from bot.app.service import Service
from bot.briefing import reading as briefing
from bot.briefing import stored_timeline as timelines
from bot.core.config import replace_section
from tests.feedfactory import rss
from tests.newsdata import at

EVENTS = [
    (
        "Macron and Starmer host Coalition of the Willing talks on a reassurance force in Paris",
        "Leaders of the Coalition of the Willing met in Paris on security guarantees for Ukraine "
        "and the reassurance force that would deploy after a ceasefire with Russia.",
    ),
    (
        "Witkoff and Umerov discuss the peace framework in Geneva",
        "US envoy Steve Witkoff and Rustem Umerov discussed the peace framework for Ukraine and "
        "security guarantees in Geneva, with a ceasefire on the table.",
    ),
    (
        "Merz hosts Zelensky in Berlin for talks on security guarantees",
        "German Chancellor Friedrich Merz hosted Volodymyr Zelensky in Berlin for peace talks on "
        "security guarantees for Ukraine after a ceasefire.",
    ),
    (
        "Driscoll meets a Russian military delegation in Abu Dhabi on a ceasefire",
        "US Army Secretary Dan Driscoll met a Russian military delegation in Abu Dhabi to discuss "
        "a ceasefire in Ukraine and the peace plan.",
    ),
    (
        "Rubio and Lavrov talk by phone about a ceasefire in Ukraine",
        "Marco Rubio and Sergei Lavrov spoke about the peace plan and a ceasefire in Ukraine, "
        "and about security guarantees for Kyiv.",
    ),
]
OUTLETS = ["wire", "desk", "daily", "late"]


def reports(outlet: str, days: range, *, phrase: str) -> list[dict]:
    """One outlet's reports: every event on a couple of days of ``days``, worded its own way."""
    items = []
    for number, day in enumerate(days):
        title, text = EVENTS[(number + len(outlet)) % len(EVENTS)]
        items.append(
            {
                "title": f"{title} {phrase}",
                "link": f"https://{outlet}.example/{day}/{number}",
                "guid": f"{outlet}-{day}-{number}",
                "description": text,
                "published": at(day, 8 + len(outlet)),
            }
        )
    return items


def serve(feed_server, outlet: str, items: list[dict]) -> str:
    feed_server.route(f"/{outlet}.xml", rss(items, title=outlet))
    return feed_server.url(f"/{outlet}.xml")


def fresh(service: Service, days: int | None = None) -> list:
    """The timeline built from scratch out of the stored stories: the entries with a story
    in the window (up to today)."""
    rows = service.store.timeline_stories(
        None, min_relevance=service.settings.analysis.relevance_threshold
    )
    today = service.clock().date()
    since = date.min if days is None else today - timedelta(days=days - 1)
    stories = [row.summary for row in rows]
    day = {story.id: story.day for story in stories}
    return [
        entry
        for entry in build_timeline(stories)
        if min(day[s] for s in entry.stories) <= today
        and max(day[s] for s in entry.stories) >= since
    ]


async def poll(service: Service, fetcher) -> None:
    await service.ingestor(fetcher).run_cycle(all_feeds=True)


async def two_cycles(service, fetcher, feed_server) -> list:
    for outlet, phrase in zip(OUTLETS[:3], ["today", "now", "says report"], strict=True):
        url = serve(feed_server, outlet, reports(outlet, range(3, 12), phrase=phrase))
        service.store.add_feed(url, service.clock(), name=outlet)
    await poll(service, fetcher)
    first = briefing.timeline(service, days=None)
    for outlet in OUTLETS[:3]:
        serve(feed_server, outlet, reports(outlet, range(3, 18), phrase="update"))
    url = serve(feed_server, "late", reports("late", range(4, 18), phrase="analysis"))
    service.store.add_feed(url, service.clock(), name="late")
    await poll(service, fetcher)
    return first


async def test_each_poll_cycle_leaves_the_stored_timeline_equal_to_a_fresh_build(
    service, fetcher, feed_server
):
    first = await two_cycles(service, fetcher, feed_server)
    assert len(first) >= 5
    assert service.store.timeline_changes().days == set(), "the cycle left regrouping to readers"
    now = briefing.timeline(service, days=None)
    assert now == fresh(service)
    assert len(now) > len(first)
    assert any(entry.sources >= 2 for entry in now), "reports of one event were not collapsed"
    assert min(entry.day for entry in now) < max(entry.day for entry in first)


async def test_timeline_pages_and_windows_come_from_the_stored_entries(
    service, fetcher, feed_server
):
    await two_cycles(service, fetcher, feed_server)
    everything = briefing.timeline(service, days=None)
    pages = [briefing.timeline_page(service, days=None, page=n, per_page=4) for n in range(50)]
    assert pages[0].total == len(everything)
    assert pages[0].pages == -(-len(everything) // 4)
    shown = [entry for page in pages[: pages[0].pages] for entry in page.entries]
    assert shown == everything
    assert pages[-1].page == pages[0].pages - 1, "a page past the end shows the last page"
    week = briefing.timeline(service, days=7)
    since = service.clock().date() - timedelta(days=6)
    assert week == [entry for entry in everything if entry.day >= since]
    assert await briefing.timeline_page_async(service, days=7, per_page=100) == (
        briefing.timeline_page(service, days=7, per_page=100)
    )


async def test_a_database_from_before_the_stored_timeline_gets_it_on_first_read(
    service, fetcher, feed_server
):
    await two_cycles(service, fetcher, feed_server)
    expected = briefing.timeline(service, days=None)
    service.store.db.execute("DELETE FROM timeline")
    service.store.db.execute("UPDATE stories SET timeline_anchor = NULL")
    service.store.db.execute("DELETE FROM state WHERE key = 'timeline'")
    assert briefing.timeline(service, days=None) == expected


async def test_a_higher_relevance_threshold_rebuilds_the_timeline(service, fetcher, feed_server):
    await two_cycles(service, fetcher, feed_server)
    before = briefing.timeline(service, days=None)
    relevance = dict(service.store.db.execute("SELECT id, relevance FROM stories").fetchall())
    cut = sorted(relevance.values())[len(relevance) // 2]
    stricter = Service(
        replace_section(service.settings, "analysis", relevance_threshold=cut),
        service.store,
        clock=service.clock,
    )
    after = briefing.timeline(stricter, days=None)
    assert after == fresh(stricter)
    assert 0 < len(after) < len(before)
    kept = {story for entry in after for story in entry.stories}
    assert all(relevance[story] >= cut for story in kept)


async def test_removing_feeds_takes_their_stories_off_the_timeline(service, fetcher, feed_server):
    await two_cycles(service, fetcher, feed_server)
    feedadmin.remove_feed(service, "4")
    assert briefing.timeline(service, days=None) == fresh(service)
    for feed in service.store.list_feeds():
        feedadmin.remove_feed(service, str(feed.id))
    assert briefing.timeline(service, days=None) == []


async def test_a_refresh_that_read_before_another_saved_is_dropped(service, fetcher, feed_server):
    await two_cycles(service, fetcher, feed_server)
    threshold = service.settings.analysis.relevance_threshold
    story = service.store.db.execute("SELECT id FROM stories WHERE size > 0 LIMIT 1").fetchone()[0]
    service.store.edit_story(story, headline="Reworded while a refresh was grouping")
    slow = timelines._pending(service.store, threshold, 1)
    assert slow is not None
    service.store.edit_story(story, headline="Reworded again")
    assert timelines.refresh(service.store, threshold)
    anchors, rows = timelines._group(slow, 1)
    assert not timelines._save(service.store, slow, anchors, rows)
    headlines = {entry.story: entry.headline for entry in briefing.timeline(service, days=None)}
    assert "Reworded while a refresh was grouping" not in headlines.values()
    assert briefing.timeline(service, days=None) == fresh(service)


def test_random_story_edits_keep_the_stored_timeline_equal_to_a_fresh_build(service):
    """Stories written straight to the store (moved, reworded, resized, emptied, deleted) in
    many small batches, each followed by a refresh: the margin before the first changed day,
    the groups begun before it and removed stories all have to come out right."""
    rng = random.Random(7)
    store, now = service.store, service.clock()
    threshold = service.settings.analysis.relevance_threshold
    words = ["#28", "~witkoff", "~umerov", "geneva", "paris", "troops", "monitor", "deploy"]

    def fields() -> dict:
        day = now.date() - timedelta(days=rng.randrange(12))
        return {
            "headline": f"headline {rng.randrange(1000)}",
            "day": day,
            "size": rng.choice([0, 1, 2, 3, 3]),
            "sources": rng.randrange(1, 4),
            "relevance": rng.choice([0.2, threshold, 0.9]),
            "fingerprint": frozenset(rng.sample(words, rng.randrange(1, 4))),
            "actors": tuple(rng.sample(["Rubio", "Umerov", "Witkoff"], rng.randrange(3))),
        }

    ids: list[int] = []
    for _ in range(60):
        for _ in range(rng.randrange(1, 4)):
            action = rng.choice(["add", "add", "edit", "edit", "delete"]) if ids else "add"
            if action == "add":
                ids.append(store.create_story(now))
                store.edit_story(ids[-1], **fields())
            elif action == "edit":
                story = rng.choice(ids)
                change = rng.choice(["day", "fingerprint", "sources", "size", "actors"])
                store.edit_story(story, **{change: fields()[change]})
            else:
                store.delete_story(ids.pop(rng.randrange(len(ids))))
        timelines.refresh(store, threshold)
        assert briefing.timeline(service, days=None) == fresh(service)
    assert len(fresh(service)) >= 8
    assert any(len(entry.stories) > 1 for entry in fresh(service)), "nothing was collapsed"


def put_story(service: Service, day: date, sources: int, words: list[str]) -> int:
    story = service.store.create_story(service.clock())
    service.store.edit_story(
        story,
        headline=f"{' '.join(words)} ({day})",
        day=day,
        size=sources,
        sources=sources,
        relevance=0.9,
        fingerprint=frozenset(words),
        actors=(),
    )
    return story


def test_a_bigger_report_dated_tomorrow_does_not_hide_today_s_story(service):
    today = service.clock().date()
    words = ["~geneva", "~witkoff", "ceasefire", "monitor"]
    put_story(service, today, 1, words)
    tomorrow = put_story(service, today + timedelta(days=1), 3, words)
    [entry] = briefing.timeline(service, days=None)
    assert entry.story == tomorrow and entry.sources == 4
    assert briefing.timeline_page(service, days=1).total == 1


def test_an_entry_shows_in_a_window_that_holds_one_of_its_stories(service):
    today = service.clock().date()
    words = ["~paris", "~coalition", "reassurance", "deploy"]
    lead = put_story(service, today - timedelta(days=7), 5, words)
    put_story(service, today - timedelta(days=6), 1, words)
    assert [entry.story for entry in briefing.timeline(service, days=7)] == [lead]
    assert briefing.timeline(service, days=7) == fresh(service, days=7)
    assert briefing.timeline(service, days=6) == []
