"""Issue 16.4: the database cannot be flooded. Links and guids are capped, off-topic reports
are pruned per feed and by age (relevant ones never), and the per-host table stays small."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app.service import Service
from bot.core.config import replace_section
from bot.ingest.fetch import Fetcher
from bot.ingest.normalise import MAX_LINK
from tests.feedfactory import rss

TOPIC = "Zelensky and Macron agree security guarantees for Ukraine in ceasefire talks"


def junk(poll: int, count: int = 1000) -> str:
    """A feed rotating ``count`` new off-topic entries per poll, with 3 KB guids and links."""
    return rss(
        [
            {
                "title": f"Derby result {poll}-{n}: Shakhtar win at home",
                "guid": f"g{poll}-{n}-" + "x" * 3000,
                "link": f"https://junk.example/{poll}/{n}?" + "y" * 3000,
                "description": "Football.",
            }
            for n in range(count)
        ]
    )


def database_bytes(service: Service) -> int:
    db = service.store.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    return int((pages - free) * db.execute("PRAGMA page_size").fetchone()[0])


async def test_a_feed_rotating_junk_cannot_grow_the_database_without_end(
    settings, store, clock, fetcher, feed_server
):
    service = Service(replace_section(settings, "storage", off_topic_per_feed=2000), store, clock)
    service.store.add_feed(feed_server.url("/junk.xml"), clock())
    ingestor = service.ingestor(fetcher)
    sizes = []
    for poll in range(6):
        feed_server.route("/junk.xml", junk(poll))
        clock.advance(minutes=10)
        await ingestor.run_cycle(all_feeds=True)
        sizes.append(database_bytes(service))
    assert service.store.count_items() == 2000  # the newest two polls
    longest = service.store.db.execute(
        "SELECT MAX(LENGTH(guid)), MAX(LENGTH(COALESCE(link, ''))) FROM items"
    ).fetchone()
    assert tuple(longest) == (MAX_LINK, 0)  # guids cut, 3 KB links dropped
    stored = service.store.list_items()
    assert {item.title.split()[2].split("-")[0] for item in stored} == {"4", "5"}
    assert sizes[-1] <= sizes[2] * 1.1, sizes  # was about 17 MB more per poll


async def test_off_topic_reports_expire_and_relevant_ones_stay(
    settings, store, clock, fetcher, feed_server
):
    service = Service(replace_section(settings, "storage", off_topic_days=30), store, clock)
    feed_server.route(
        "/mixed.xml",
        rss(
            [
                {"title": TOPIC, "guid": "r1", "link": "https://m.example/r1"},
                {"title": "Shakhtar win the derby", "guid": "o1", "link": "https://m.example/o1"},
            ]
        ),
    )
    service.store.add_feed(feed_server.url("/mixed.xml"), clock())
    ingestor = service.ingestor(fetcher)
    await ingestor.run_cycle(all_feeds=True)
    assert service.store.count_items() == 2
    clock.advance(days=29)
    await ingestor.run_cycle()
    assert service.store.count_items() == 2
    clock.advance(days=2)
    feed_server.route("/mixed.xml", rss([]))  # the feed moved on
    report = await ingestor.run_cycle(all_feeds=True)
    assert report.pruned == 1 and "1 off-topic pruned" in report.summary()
    [kept] = service.store.list_items()
    assert kept.title == TOPIC and kept.relevant


async def test_the_per_feed_cap_keeps_what_another_feed_also_carries(
    settings, store, clock, fetcher, feed_server
):
    service = Service(replace_section(settings, "storage", off_topic_per_feed=10), store, clock)
    shared = {"title": "Shakhtar win the derby", "guid": "s", "link": "https://j.example/shared"}
    feed_server.route("/a.xml", rss([shared]))
    feed_server.route("/b.xml", rss([shared]))
    service.store.add_feed(feed_server.url("/a.xml"), clock(), name="a")
    service.store.add_feed(feed_server.url("/b.xml"), clock(), name="b")
    ingestor = service.ingestor(fetcher)
    await ingestor.run_cycle(all_feeds=True)
    clock.advance(minutes=10)
    newer = [
        {"title": f"Derby {n}", "guid": f"n{n}", "link": f"https://j.example/{n}"}
        for n in range(10)
    ]
    feed_server.route("/a.xml", rss(newer))
    await ingestor.run_cycle(all_feeds=True)
    titles = {item.title for item in service.store.list_items()}
    assert "Shakhtar win the derby" in titles  # over a's cap, but b still carries it
    assert service.store.count_items() == 11


async def test_the_per_host_table_holds_only_hosts_in_use():
    async with Fetcher(timeout=2, allow_private_networks=True) as client:
        for n in range(2, 22):  # loopback addresses nobody listens on: refused at once
            result = await client.fetch(f"http://127.0.0.{n}:9/feed.xml")
            assert result.error
        assert client.hosts_in_use == 0


def test_links_and_guids_over_the_cap():
    from bot.core.models import ParsedEntry
    from bot.ingest.normalise import normalise_entry

    first_seen = datetime(2026, 2, 17, tzinfo=UTC)
    long_guid = "g" * 5000

    def entry(guid: str, link: str):
        return normalise_entry(
            ParsedEntry(guid=guid, link=link, title="T", summary=None, author=None,
                        published=None, updated=None, language=None),
            feed_url="https://f.example/feed", feed_language=None, first_seen=first_seen,
        )  # fmt: skip

    capped = entry(long_guid, "https://f.example/" + "a" * 3000)
    assert capped.link is None and capped.canonical_link is None
    assert capped.guid == long_guid[:MAX_LINK]
    other = entry(long_guid[:MAX_LINK] + "different tail", "https://f.example/a")
    assert other.entry_key != capped.entry_key  # identity still uses the whole guid
    fine = entry("g", "https://f.example/" + "a" * 2000)
    assert fine.link and len(fine.link) <= MAX_LINK


async def test_what_a_feed_still_lists_is_never_pruned_so_nothing_comes_back_as_new(
    settings, store, clock, fetcher, feed_server
):
    service = Service(replace_section(settings, "storage", off_topic_per_feed=10), store, clock)
    listed = [
        {"title": f"Derby {n}", "guid": f"d{n}", "link": f"https://d.example/{n}"}
        for n in range(15)
    ]
    feed_server.route("/d.xml", rss(listed))
    service.store.add_feed(feed_server.url("/d.xml"), clock())
    ingestor = service.ingestor(fetcher)
    await ingestor.run_cycle(all_feeds=True)
    clock.advance(days=40)  # past the retention too
    feed_server.route("/d.xml", rss(listed, title="Same entries, changed feed"))
    report = await ingestor.run_cycle(all_feeds=True)
    assert report.new_items == 0 and report.pruned == 0  # was: pruned, then new again
    assert service.store.count_items() == 15
