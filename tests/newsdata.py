"""A small, hand-written news world for end-to-end tests (not taken from any corpus)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.feedfactory import rss

# The world's "today" in tests with an injected clock; CLI tests shift it to the real today.
TODAY = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 9) -> datetime:
    """A time in the world: day 16 is Monday (yesterday), day 17 Tuesday (today)."""
    return datetime(2026, 2, day, hour, 0, tzinfo=UTC)


def week_shift(today: datetime) -> timedelta:
    """Whole weeks from the world's today to at most ``today`` (weekday words stay true)."""
    return timedelta(weeks=(today - TODAY).days // 7)


def shifted(items: list[dict], today: datetime) -> list[dict]:
    """The items moved by whole weeks towards ``today``."""
    delta = week_shift(today)
    return [{**item, "published": item["published"] + delta} for item in items]


KYIV_WIRE = [
    {
        "title": "Zelensky and Macron agree on security guarantees for Ukraine in Paris",
        "link": "https://kyivwire.example/paris-guarantees",
        "guid": "kw-1",
        "description": (
            "Ukrainian President Volodymyr Zelensky and French President Emmanuel Macron met in "
            "Paris on Monday and agreed the outline of security guarantees for Ukraine. The "
            "Coalition of the Willing will plan a reassurance force to deploy after a ceasefire "
            "with Russia, Macron said."
        ),
        "published": at(16, 18),
    },
    {
        "title": "Witkoff and Kushner hold peace talks with Dmitriev in Geneva",
        "link": "https://kyivwire.example/geneva-talks",
        "guid": "kw-2",
        "description": (
            "US envoys Steve Witkoff and Jared Kushner met Russian envoy Kirill Dmitriev in "
            "Geneva on Tuesday to discuss the peace plan for Ukraine and a ceasefire. Leaders "
            "will meet again next week in Berlin, officials said."
        ),
        "published": at(17, 8),
    },
    {
        "title": "Shakhtar Donetsk beat Veres Rivne in the league",
        "link": "https://kyivwire.example/football",
        "guid": "kw-3",
        "description": "Two goals in the second half gave Shakhtar the win in the football league.",
        "published": at(16, 20),
    },
]

EURO_DESK = [
    {
        "title": "Paris talks: Macron and Zelensky set out security guarantees for Ukraine",
        "link": "https://eurodesk.example/macron-zelensky-paris?utm_source=rss",
        "guid": "ed-1",
        "description": (
            "Emmanuel Macron hosted Volodymyr Zelensky in Paris on Monday. The two leaders "
            "agreed the outline of security guarantees for Ukraine and a reassurance force of "
            "the Coalition of the Willing after a ceasefire with Russia."
        ),
        "published": at(16, 19),
    },
    {
        "title": "Geneva: US and Russian envoys discuss Ukraine peace plan",
        "link": "https://eurodesk.example/geneva",
        "guid": "ed-2",
        "description": (
            "Steve Witkoff and Jared Kushner held talks with Kirill Dmitriev in Geneva on "
            "Tuesday about the peace plan for Ukraine and ceasefire terms."
        ),
        "published": at(17, 10),
    },
]


def serve_world(
    feed_server, *, hostile_title: bool = False, today: datetime = TODAY
) -> dict[str, str]:
    """Serve the two test feeds (dated so the world's today is ``today``); return {name: url}."""
    title = '<b>"Peace" & guarantees</b>' if hostile_title else "Kyiv Wire"
    feed_server.route("/kyiv.xml", rss(shifted(KYIV_WIRE, today), title=title))
    feed_server.route("/euro.xml", rss(shifted(EURO_DESK, today), title="Euro Desk"))
    return {"Kyiv Wire": feed_server.url("/kyiv.xml"), "Euro Desk": feed_server.url("/euro.xml")}


async def load_world(service, fetcher, feed_server, *, hostile_title: bool = False) -> None:
    """Add both feeds and ingest them through the real pipeline."""
    urls = serve_world(feed_server, hostile_title=hostile_title)
    for name, url in urls.items():
        feed_name = None if hostile_title and name == "Kyiv Wire" else name
        service.store.add_feed(url, service.clock(), name=feed_name)
    await service.ingestor(fetcher).run_cycle()
