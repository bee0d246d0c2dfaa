"""Feed administration: add (validated by fetching), remove, pause/resume, OPML in and out."""

from __future__ import annotations

import pytest

from bot.app import feedadmin
from bot.app.service import Service
from bot.briefing import reading
from bot.core.config import replace_section
from bot.core.timeutil import to_iso
from bot.ingest.fetch import Fetcher
from bot.ingest.opml import OPMLError, parse_opml
from tests.feedfactory import rss, story_items


async def test_add_feed_fetches_parses_and_stores_items(service, fetcher, feed_server):
    feed_server.route("/ok.xml", rss(story_items(4), title="Kyiv Wire"))
    added = await feedadmin.add_feed(service, fetcher, feed_server.url("/ok.xml"))
    assert added.feed.title == "Kyiv Wire"
    assert added.outcome.entries == 4 and len(added.outcome.new_ids) == 4
    assert service.store.get_feed(added.feed.id).item_count == 4


async def test_add_feed_with_a_name(service, fetcher, feed_server):
    feed_server.route("/ok.xml", rss(story_items(1), title="Feed title"))
    added = await feedadmin.add_feed(service, fetcher, feed_server.url("/ok.xml"), "My name")
    assert added.feed.display_name == "My name"


async def test_add_feed_refuses_a_duplicate(service, fetcher, feed_server):
    feed_server.route("/ok.xml", rss(story_items(1)))
    await feedadmin.add_feed(service, fetcher, feed_server.url("/ok.xml"))
    with pytest.raises(feedadmin.FeedAdminError, match="already added"):
        await feedadmin.add_feed(service, fetcher, feed_server.url("/ok.xml"))


async def test_add_feed_refuses_404_with_the_reason(service, fetcher, feed_server):
    with pytest.raises(feedadmin.FeedAdminError, match="404"):
        await feedadmin.add_feed(service, fetcher, feed_server.url("/missing.xml"))
    assert service.store.count_feeds() == 0


async def test_add_feed_refuses_a_web_page(service, fetcher, feed_server):
    feed_server.route(
        "/page",
        "<html><head><title>Hi</title></head><body>x</body></html>",
        content_type="text/html",
    )
    with pytest.raises(feedadmin.FeedAdminError, match="not a feed"):
        await feedadmin.add_feed(service, fetcher, feed_server.url("/page"))
    assert service.store.count_feeds() == 0


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://example.com/", "http://user:pw@example.com/feed", "not a url"],
)
async def test_add_feed_refuses_bad_urls(service, fetcher, url):
    with pytest.raises(feedadmin.FeedAdminError, match="refused"):
        await feedadmin.add_feed(service, fetcher, url)


async def test_add_feed_refuses_private_addresses_when_guarded(settings, store, clock, feed_server):
    guarded = Service(
        replace_section(settings, "feeds", allow_private_networks=False), store, clock
    )
    feed_server.route("/ok.xml", rss(story_items(1)))
    async with Fetcher.from_settings(guarded.settings.feeds) as fetcher:
        for url in (feed_server.url("/ok.xml"), "http://localhost:9/feed", "http://2130706433/"):
            with pytest.raises(feedadmin.FeedAdminError, match="refused"):
                await feedadmin.add_feed(guarded, fetcher, url)
    assert feed_server.requests("/ok.xml") == 0
    assert store.count_feeds() == 0


def test_remove_pause_and_resume_by_id_or_url(service):
    feed = service.store.add_feed("https://a.example/rss", service.clock(), name="A")
    paused = feedadmin.set_feed_paused(service, str(feed.id), True)
    assert paused.active is False
    assert service.store.due_feeds(service.clock()) == []
    resumed = feedadmin.set_feed_paused(service, "https://a.example/rss", False)
    assert resumed.active is True
    feedadmin.remove_feed(service, str(feed.id))
    assert service.store.count_feeds() == 0
    with pytest.raises(feedadmin.FeedAdminError, match="no feed"):
        feedadmin.remove_feed(service, "99")


def test_opml_round_trip(service):
    opml = b"""<?xml version="1.0"?><opml version="2.0"><head/><body>
      <outline text="News"><outline text="Kyiv" xmlUrl="https://k.example/rss"/>
      <outline title="Paris &amp; Co" xmlUrl="https://p.example/rss"/></outline>
      <outline text="dup" xmlUrl="https://k.example/rss"/></body></opml>"""
    added, skipped = feedadmin.import_opml(service, opml)
    assert [feed.url for feed in added] == ["https://k.example/rss", "https://p.example/rss"]
    again, skipped = feedadmin.import_opml(service, opml)
    assert again == [] and len(skipped) == 2
    exported = feedadmin.export_opml(service)
    outlines = parse_opml(exported)
    assert [(o.url, o.name) for o in outlines] == [
        ("https://k.example/rss", "Kyiv"),
        ("https://p.example/rss", "Paris & Co"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html></html>", "not an OPML"),
        (b"<opml><body>", "not valid XML"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml/>', "entity"),
    ],
)
def test_bad_opml_is_refused_clearly(data, message):
    with pytest.raises(OPMLError, match=message):
        parse_opml(data)


def test_default_feeds_are_loaded_into_an_empty_database_only(service):
    defaults = service.settings.feeds.defaults_file
    assert defaults.is_file(), "data/feeds.toml must ship with the repo"
    count = feedadmin.load_default_feeds(service)
    assert count >= 12
    assert feedadmin.load_default_feeds(service) == 0
    assert service.store.count_feeds() == count
    for feed in service.store.list_feeds():
        service.store.remove_feed(feed.id)
    assert feedadmin.load_default_feeds(service) == 0, "removed defaults must not come back"


def stored_stories(service) -> list[dict]:
    return list(service.store.db.query("SELECT * FROM stories WHERE size > 0"))


async def test_removing_a_feed_refreshes_its_stories(service, fetcher, feed_server):
    from tests.newsdata import load_world

    await load_world(service, fetcher, feed_server)
    before = {row["id"]: row for row in stored_stories(service)}
    assert all(row["sources"] == 2 and row["size"] == 2 for row in before.values())
    feedadmin.remove_feed(service, "1")
    after = {row["id"]: row for row in stored_stories(service)}
    assert set(after) == set(before)
    for row in after.values():
        assert row["sources"] == 1 and row["size"] == 1
        assert "kyivwire" not in (row["link"] or "")
    feedadmin.remove_feed(service, "2")
    assert stored_stories(service) == []


async def test_stats_report_the_fetch_of_an_added_feed(service, fetcher, feed_server, clock):
    assert reading.stats(service).last_poll_at is None  # /stats: "last poll: never"
    feed_server.route("/ok.xml", rss(story_items(2)))
    await feedadmin.add_feed(service, fetcher, feed_server.url("/ok.xml"))
    stats = reading.stats(service)
    assert stats.last_poll_at == to_iso(clock())
    assert stats.last_poll is not None and "2 new items" in stats.last_poll
