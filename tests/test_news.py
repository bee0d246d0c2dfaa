"""News stays news, one development is one story in any language, different ones stay apart.

The reports here are written for these tests (not taken from any corpus); they go through the
real poll cycle from a loopback feed server, and the chat through the fake Bot API.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.app import feedadmin
from bot.briefing import digests, reading, subscriptions
from tests.feedfactory import rss

READER = 702
TODAY = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday
YESTERDAY = TODAY - timedelta(days=1)


def serve(service, feed_server, name: str, items: list[dict], language: str = "en") -> None:
    feed_server.route(f"/{name}.xml", rss(items, title=name, language=language))
    if service.store.find_feed_by_url(feed_server.url(f"/{name}.xml")) is None:
        service.store.add_feed(feed_server.url(f"/{name}.xml"), service.clock(), name=name)


def report(guid: str, title: str, text: str, published: datetime) -> dict:
    return {
        "title": title,
        "guid": guid,
        "link": f"https://{guid.split('-')[0]}.example/{guid}",
        "description": text,
        "published": published,
    }


GENEVA_YESTERDAY = [
    report(
        "wire-1",
        "US and Ukrainian delegations hold talks in Geneva on the peace framework",
        "Secretary of State Marco Rubio and Rustem Umerov led the delegations in Geneva on "
        "Monday and discussed security guarantees for Ukraine and a ceasefire with Russia.",
        YESTERDAY.replace(hour=12),
    ),
    report(
        "desk-1",
        "Geneva talks: Rubio and Umerov discuss the peace framework for Ukraine",
        "The talks in Geneva on Monday between Marco Rubio and Rustem Umerov focused on "
        "security guarantees for Ukraine and the terms of a ceasefire.",
        YESTERDAY.replace(hour=14),
    ),
]


def berlin_today(outlet: str, hour: int) -> dict:
    return report(
        f"{outlet}-berlin",
        f"{outlet.title()}: European leaders meet Zelensky in Berlin on security guarantees",
        "Friedrich Merz hosted Volodymyr Zelensky, Emmanuel Macron and Keir Starmer in Berlin "
        "on Tuesday to agree the next steps on security guarantees for Ukraine, a day after "
        "the Geneva talks between Marco Rubio and Rustem Umerov.",
        TODAY.replace(hour=hour),
    )


async def test_a_new_development_today_is_shown_under_today(
    service, fetcher, feed_server, bot, clock, fake_telegram
):
    clock.now = YESTERDAY.replace(hour=18)
    serve(service, feed_server, "wire", GENEVA_YESTERDAY[:1])
    serve(service, feed_server, "desk", GENEVA_YESTERDAY[1:])
    await service.ingestor(fetcher).run_cycle(all_feeds=True)
    clock.now = TODAY
    for n, outlet in enumerate(["post", "herald", "courier"]):
        serve(service, feed_server, outlet, [berlin_today(outlet, 9 + n)])
    await service.ingestor(fetcher).run_cycle(all_feeds=True)

    entries = reading.timeline(service, days=1)
    today = [e for e in entries if e.day == TODAY.date()]
    assert today, "today's development is not under today's date"
    assert "Berlin" in today[0].headline and today[0].sources == 3
    fake_telegram.push_message("/timeline 1", chat_id=READER)
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=READER)
    assert "10 Mar 2026" in reply and "Berlin" in reply
    assert "Geneva" not in reply.split("Berlin")[0], "yesterday's talks came first"
    # The Geneva story kept its day and its two outlets.
    geneva = [e for e in reading.timeline(service, days=2) if "Geneva" in e.headline]
    assert [(e.day, e.sources) for e in geneva] == [(YESTERDAY.date(), 2)]


async def test_a_story_stops_growing_after_its_days(service, fetcher, feed_server, clock):
    clock.now = YESTERDAY.replace(hour=18)
    serve(service, feed_server, "wire", GENEVA_YESTERDAY[:1])
    await service.ingestor(fetcher).run_cycle(all_feeds=True)
    later = YESTERDAY + timedelta(days=4)
    clock.now = later
    again = report(
        "desk-9",
        "Geneva talks on the peace framework for Ukraine resume with Rubio and Umerov",
        "Marco Rubio and Rustem Umerov met again in Geneva on Friday to discuss security "
        "guarantees for Ukraine and a ceasefire with Russia.",
        later.replace(hour=10),
    )
    serve(service, feed_server, "desk", [again])
    await service.ingestor(fetcher).run_cycle(all_feeds=True)
    stories = {item.story_id for item in service.store.list_items()}
    assert len(stories) == 2, "four days later the same words start a new story"
    [latest] = reading.latest(service, 1)
    assert latest.day == later.date()


MEETING_IN_FOUR_LANGUAGES = [
    (
        "en",
        "Geneva talks: US and Ukraine agree an updated peace framework",
        "Marco Rubio and Rustem Umerov agreed an updated framework for peace in Ukraine at the "
        "talks in Geneva on Sunday, with security guarantees to follow.",
    ),
    (
        "uk",
        "Переговори в Женеві: США та Україна погодили оновлену рамку миру",
        "Марко Рубіо та Рустем Умєров у неділю в Женеві погодили оновлену рамкову угоду про "
        "мир для України; гарантії безпеки обговорять згодом.",
    ),
    (
        "de",
        "Gespräche in Genf: USA und Ukraine einigen sich auf neuen Friedensrahmen",
        "Marco Rubio und Rustem Umerow haben sich am Sonntag in Genf auf einen neuen Rahmen für "
        "den Frieden in der Ukraine geeinigt, Sicherheitsgarantien sollen folgen.",
    ),
    (
        "fr",
        "Pourparlers de Genève : les États-Unis et l'Ukraine conviennent d'un nouveau cadre",
        "Marco Rubio et Roustem Oumerov se sont accordés dimanche à Genève sur un cadre mis à "
        "jour pour la paix en Ukraine, les garanties de sécurité suivront.",
    ),
]
OTHER_MEETING_SAME_DAY = [
    (
        "en",
        "EU defence ministers meet in Brussels on security guarantees for Ukraine",
        "European Union defence ministers met in Brussels on Sunday to discuss security "
        "guarantees for Ukraine and a reassurance force after a ceasefire, Kaja Kallas said.",
    ),
    (
        "pl",
        "Ministrowie obrony UE w Brukseli o gwarancjach bezpieczeństwa dla Ukrainy",
        "Ministrowie obrony Unii Europejskiej spotkali się w niedzielę w Brukseli, aby omówić "
        "gwarancje bezpieczeństwa dla Ukrainy po zawieszeniu broni, powiedziała Kaja Kallas.",
    ),
]


async def test_one_meeting_in_four_languages_is_one_story_and_another_stays_apart(
    service, fetcher, feed_server, clock
):
    sunday = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    clock.now = sunday + timedelta(hours=8)
    for n, (language, title, text) in enumerate(MEETING_IN_FOUR_LANGUAGES):
        item = report(f"g{n}-1", title, text, sunday + timedelta(hours=n))
        serve(service, feed_server, f"geneva-{language}", [item], language=language)
    for n, (language, title, text) in enumerate(OTHER_MEETING_SAME_DAY):
        item = report(f"b{n}-1", title, text, sunday + timedelta(hours=n, minutes=30))
        serve(service, feed_server, f"brussels-{language}", [item], language=language)
    await service.ingestor(fetcher).run_cycle(all_feeds=True)
    items = service.store.list_items()
    assert all(item.relevant for item in items)
    by_story: dict[int | None, set[str]] = {}
    for item in items:
        by_story.setdefault(item.story_id, set()).add(item.language or "?")
    assert sorted(map(sorted, by_story.values())) == [["de", "en", "fr", "uk"], ["en", "pl"]]
    geneva = next(s for s, langs in by_story.items() if "uk" in langs)
    story = service.store.get_story(geneva)
    assert story is not None and "Geneva" in story.places
    # A reader of Ukrainian gets the summary from the Ukrainian report.
    assert "Женеві" in (story.summary_for("uk") or "")
    assert "Geneva" in (story.summary_for("en") or "")


BACK_CATALOGUE = [
    report(
        f"archive-{n}",
        f"Archive: talks on security guarantees for Ukraine in Paris, part {n}",
        "Emmanuel Macron and Volodymyr Zelensky discussed security guarantees for Ukraine "
        "and a ceasefire with Russia in Paris.",
        datetime(2026, 2, 1 + n, 10, 0, tzinfo=UTC),
    )
    for n in range(5)
]


async def test_a_back_catalogue_fetched_today_is_not_news(service, fetcher, feed_server, clock):
    clock.now = TODAY
    subscriptions.subscribe(service, READER, at=time(8), zone="Europe/Kyiv")
    fresh = berlin_today("post", 9)
    feed_server.route("/archive.xml", rss([*BACK_CATALOGUE, fresh], title="Archive"))
    added = await feedadmin.add_feed(service, fetcher, feed_server.url("/archive.xml"))
    assert added.outcome.entries == 6
    digest = digests.digest_for_chat(service, READER)
    assert [story.headline for story in digest.stories] == [fresh["title"]]
    # A first digest of someone who never subscribed covers at most the last day and a half.
    stranger = digests.digest_for_chat(service, 999)
    assert all(TODAY - s.last_published <= timedelta(hours=36) for s in stranger.stories)
