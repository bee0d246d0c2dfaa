"""Ingestion end to end over loopback: dedup, updates, redirects, failures, backoff, notices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ingest.decide import MAX_UPDATES_PER_ITEM
from tests.feedfactory import rss, story_items


def add(service, server, path, name=None):
    return service.store.add_feed(server.url(path), service.clock(), name=name)


async def cycle(service, fetcher, **kw):
    return await service.ingestor(fetcher).run_cycle(**kw)


async def test_new_items_are_stored_once_with_clean_text_and_links(service, fetcher, feed_server):
    feed_server.route("/a.xml", rss(story_items(3)))
    add(service, feed_server, "/a.xml")
    report = await cycle(service, fetcher)
    assert report.new_items == 3
    rows = service.store.list_items()
    assert {row.title for row in rows} == {"Report 1", "Report 2", "Report 3"}
    assert all(row.summary.startswith("Body of report") for row in rows)
    assert all("& more" in row.summary for row in rows)
    assert all("utm_source" not in row.canonical_link for row in rows)
    again = await cycle(service, fetcher, all_feeds=True)
    assert again.new_items == 0 and again.updated_items == 0
    assert service.store.count_items() == 3


async def test_same_report_in_two_feeds_is_stored_once_with_both_sources(
    service, fetcher, feed_server
):
    shared = {"title": "Leaders meet in Paris", "link": "https://news.example/paris#top"}
    feed_server.route("/one.xml", rss([{**shared, "guid": "one-1"}]))
    feed_server.route(
        "/two.xml", rss([{**shared, "guid": "two-77", "link": shared["link"] + "?fbclid=x"}])
    )
    add(service, feed_server, "/one.xml", name="One")
    add(service, feed_server, "/two.xml", name="Two")
    await cycle(service, fetcher)
    [item] = service.store.list_items()
    assert sorted(item.feeds) == ["One", "Two"]


async def test_changed_entry_is_updated_in_place(service, fetcher, feed_server):
    feed_server.route(
        "/a.xml", rss([{"title": "Draft", "guid": "g1", "link": "https://x.example/1"}])
    )
    add(service, feed_server, "/a.xml")
    await cycle(service, fetcher)
    feed_server.route(
        "/a.xml", rss([{"title": "Final", "guid": "g1", "link": "https://x.example/1"}])
    )
    report = await cycle(service, fetcher, all_feeds=True)
    assert report.updated_items == 1 and report.new_items == 0
    [item] = service.store.list_items()
    assert item.title == "Final" and item.update_count == 1


async def test_an_edit_whose_analysis_failed_is_analysed_on_the_next_cycle(
    service, fetcher, feed_server, monkeypatch
):
    entry = {"guid": "g1", "link": "https://x.example/1", "description": "Football."}
    feed_server.route("/a.xml", rss([{**entry, "title": "Shakhtar win the derby"}]))
    add(service, feed_server, "/a.xml")
    await cycle(service, fetcher)
    assert service.store.list_items()[0].relevant == 0
    feed_server.route(
        "/a.xml",
        rss([{**entry, "title": "Zelensky and Macron agree Ukraine security guarantees",
              "description": "Ceasefire talks on security guarantees for Ukraine went on."}]),
    )  # fmt: skip
    working = service.analyse_texts

    async def fails_once(items):
        monkeypatch.setattr(service, "analyse_texts", working)
        raise RuntimeError("analysis worker lost")

    monkeypatch.setattr(service, "analyse_texts", fails_once)
    report = await cycle(service, fetcher, all_feeds=True)
    assert report.updated_items == 1
    assert service.store.list_items()[0].relevant == 0  # the edit is stored, not analysed
    await cycle(service, fetcher, all_feeds=True)
    [item] = service.store.list_items()
    assert item.relevant == 1 and item.story_id is not None


async def test_an_analysis_of_text_edited_meanwhile_is_not_stored(
    service, fetcher, feed_server, monkeypatch
):
    entry = {"guid": "g1", "link": "https://x.example/1", "description": "Ceasefire talks."}
    title = "Zelensky and Macron discuss security guarantees for Ukraine"
    feed_server.route("/a.xml", rss([{**entry, "title": title}]))  # on topic: fully analysed
    add(service, feed_server, "/a.xml")
    working = service.analyse_texts

    async def edited_meanwhile(items):
        results = await working(items)
        # Another feed carrying the same report changes its text while this batch is analysed.
        service.store.db.execute(
            "UPDATE items SET title = 'Security guarantees for Ukraine', content_hash = 'new', "
            "analysed_at = NULL"
        )
        return results

    monkeypatch.setattr(service, "analyse_texts", edited_meanwhile)
    await cycle(service, fetcher)
    [item] = service.store.list_items()
    assert item.analysed_at is None  # the analysis of the old text was dropped
    monkeypatch.setattr(service, "analyse_texts", working)
    await cycle(service, fetcher)  # the catch-up analyses the text as it is now
    [item] = service.store.list_items()
    assert item.analysed_at is not None and item.title == "Security guarantees for Ukraine"


async def test_feed_rewriting_every_entry_each_poll_cannot_churn(service, fetcher, feed_server):
    add(service, feed_server, "/churn.xml")
    updates = []
    for poll in range(MAX_UPDATES_PER_ITEM + 4):
        items = [
            {"title": f"Story {n} (rev {poll})", "guid": f"s{n}", "link": f"https://c.example/{n}"}
            for n in range(5)
        ]
        feed_server.route("/churn.xml", rss(items))
        updates.append((await cycle(service, fetcher, all_feeds=True)).updated_items)
    assert service.store.count_items() == 5
    assert sum(updates) == 5 * MAX_UPDATES_PER_ITEM
    assert updates[-1] == 0


async def test_entry_without_guid_or_link_is_kept_and_deduplicated(service, fetcher, feed_server):
    feed_server.route("/bare.xml", rss([{"title": "Only a title", "description": "text"}]))
    add(service, feed_server, "/bare.xml")
    await cycle(service, fetcher)
    await cycle(service, fetcher, all_feeds=True)
    [item] = service.store.list_items()
    assert item.title == "Only a title" and item.link is None


async def test_304_costs_no_writes_beyond_check_time(service, fetcher, feed_server, clock):
    feed_server.route("/e.xml", rss(story_items(2)), etag='"v1"')
    feed = add(service, feed_server, "/e.xml")
    await cycle(service, fetcher)
    before = service.store.get_feed(feed.id)
    clock.advance(hours=1)
    report = await cycle(service, fetcher)
    assert report.count("not_modified") == 1
    assert feed_server.last_headers("/e.xml")["if-none-match"] == '"v1"'
    after = service.store.get_feed(feed.id)
    assert after.last_checked_at > before.last_checked_at
    assert after.etag == before.etag and after.title == before.title


async def test_permanent_redirect_updates_the_stored_url(service, fetcher, feed_server):
    feed_server.route("/new.xml", rss(story_items(1)))
    feed_server.redirect("/old.xml", "/new.xml", status=308)
    feed = add(service, feed_server, "/old.xml")
    await cycle(service, fetcher)
    assert service.store.get_feed(feed.id).url == feed_server.url("/new.xml")


async def test_temporary_redirect_keeps_the_stored_url(service, fetcher, feed_server):
    feed_server.route("/new.xml", rss(story_items(1)))
    feed_server.redirect("/tmp.xml", "/new.xml", status=302)
    feed = add(service, feed_server, "/tmp.xml")
    await cycle(service, fetcher)
    assert service.store.get_feed(feed.id).url == feed_server.url("/tmp.xml")
    assert service.store.count_items() == 1


async def test_failures_back_off_exponentially_and_reset_on_success(
    service, fetcher, feed_server, clock
):
    feed_server.route("/flaky.xml", "oops", status=500)
    feed = add(service, feed_server, "/flaky.xml")
    delays = []
    for _ in range(4):
        await cycle(service, fetcher, all_feeds=True)
        stored = service.store.get_feed(feed.id)
        delays.append(stored.next_check_at - clock())
    assert stored.error_count == 4
    assert "HTTP 500" in stored.last_error
    assert delays[0] < delays[1] < delays[2] < delays[3] <= timedelta(hours=26.5)
    feed_server.route("/flaky.xml", rss(story_items(1)))
    await cycle(service, fetcher, all_feeds=True)
    healed = service.store.get_feed(feed.id)
    assert healed.error_count == 0 and healed.last_success_at == clock()
    assert healed.next_check_at - clock() <= timedelta(
        seconds=service.settings.feeds.poll_interval * 1.1
    )


async def test_backoff_never_exceeds_a_day_and_polling_never_stops(
    service, fetcher, feed_server, clock
):
    feed_server.route("/dead.xml", "gone", status=404)
    feed = add(service, feed_server, "/dead.xml")
    for _ in range(15):
        await cycle(service, fetcher, all_feeds=True)
    stored = service.store.get_feed(feed.id)
    assert stored.active
    assert stored.next_check_at - clock() <= timedelta(hours=26.5)


async def test_429_retry_after_is_honoured(service, fetcher, feed_server, clock):
    feed_server.route("/busy.xml", "slow down", status=429, headers={"Retry-After": "7200"})
    feed = add(service, feed_server, "/busy.xml")
    await cycle(service, fetcher)
    assert service.store.get_feed(feed.id).next_check_at - clock() >= timedelta(hours=2)


async def test_admins_are_told_once_after_a_day_of_failure_and_on_recovery(
    service, fetcher, feed_server, clock
):
    feed_server.route("/down.xml", "down", status=503)
    add(service, feed_server, "/down.xml", name="Down Daily")
    first = await cycle(service, fetcher, all_feeds=True)
    assert first.notices == []
    clock.advance(hours=23)
    assert (await cycle(service, fetcher, all_feeds=True)).notices == []
    clock.advance(hours=2)
    notices = [str(n) for n in (await cycle(service, fetcher, all_feeds=True)).notices]
    assert len(notices) == 1 and "Down Daily" in notices[0] and "24 hours" in notices[0]
    clock.advance(hours=5)
    assert (await cycle(service, fetcher, all_feeds=True)).notices == []
    feed_server.route("/down.xml", rss(story_items(1)))
    recovered = [str(n) for n in (await cycle(service, fetcher, all_feeds=True)).notices]
    assert recovered == ["Feed Down Daily works again."]


async def test_one_hostile_feed_does_not_lose_other_feeds_data(service, fetcher, feed_server):
    feed_server.route("/good.xml", rss(story_items(2)))
    feed_server.route("/html.xml", "<html><body>Not a feed</body></html>", content_type="text/html")
    feed_server.route("/bomb.xml", b"\x00\xff" * 1000, content_type="application/xml")
    for path in ("/good.xml", "/html.xml", "/bomb.xml"):
        add(service, feed_server, path)
    report = await cycle(service, fetcher)
    assert report.count("ok") == 1 and report.count("failed") == 2
    assert service.store.count_items() == 2
    assert "new items" in report.summary()


async def test_due_feeds_only_unless_all(service, fetcher, feed_server, clock):
    feed_server.route("/a.xml", rss(story_items(1)))
    add(service, feed_server, "/a.xml")
    await cycle(service, fetcher)
    assert len((await cycle(service, fetcher)).outcomes) == 0
    assert len((await cycle(service, fetcher, all_feeds=True)).outcomes) == 1
    clock.advance(hours=1)
    assert len((await cycle(service, fetcher)).outcomes) == 1


async def test_published_time_falls_back_and_is_clamped(service, fetcher, feed_server, clock):
    future = clock() + timedelta(days=30)
    feed_server.route(
        "/t.xml",
        rss(
            [
                {"title": "From the future", "guid": "f", "published": future},
                {"title": "Undated", "guid": "u"},
            ]
        ),
    )
    add(service, feed_server, "/t.xml")
    await cycle(service, fetcher)
    for row in service.store.list_items():
        assert row.published_at == clock()


async def test_unusable_analysis_data_stops_the_cycle_without_blaming_the_feeds(
    service, fetcher, feed_server
):
    from pathlib import Path

    from bot.core.config import ConfigError
    from tests.conftest import with_analysis_files

    broken = with_analysis_files(service, topic_file=Path("/nonexistent/topic.toml"))
    feed_server.route(
        "/a.xml", rss([{"title": "Talks", "guid": "a1", "link": "https://a.example/"}])
    )
    service.store.add_feed(feed_server.url("/a.xml"), service.clock())
    with pytest.raises(ConfigError, match="analysis"):
        await broken.ingestor(fetcher).run_cycle(all_feeds=True)
    [feed] = service.store.list_feeds()
    assert feed.error_count == 0 and feed.last_error is None


async def test_off_topic_reports_are_stored_analysed_and_only_the_rest_is_analysed(
    service, fetcher, feed_server, monkeypatch
):
    feed_server.route(
        "/mixed.xml",
        rss(
            [
                {"title": "Zelensky and Macron discuss security guarantees for Ukraine",
                 "guid": "on", "link": "https://m.example/on", "description": "Ceasefire talks."},
                {"title": "Shakhtar win the derby", "guid": "off1", "link": "https://m.example/1"},
                {"title": "New phone released", "guid": "off2", "link": "https://m.example/2"},
            ]
        ),
    )  # fmt: skip
    add(service, feed_server, "/mixed.xml")
    sent: list[str] = []
    working = service.analyse_texts

    async def counting(items):
        sent.extend(item.title for item in items)
        return await working(items)

    monkeypatch.setattr(service, "analyse_texts", counting)
    await cycle(service, fetcher)
    assert sent == ["Zelensky and Macron discuss security guarantees for Ukraine"]
    items = {item.title: item for item in service.store.list_items()}
    off = items["Shakhtar win the derby"]
    assert off.analysed_at is not None and not off.relevant and off.relevance < 0.5
    assert items[sent[0]].relevant and items[sent[0]].story_id is not None
    assert service.store.unanalysed_item_ids() == []


async def test_feed_and_item_titles_have_their_entities_decoded_once(service, fetcher, feed_server):
    # Real feeds double-encode: the XML says "&amp;amp;", which is "&amp;" as text: a reader
    # must see "&", in the feed list as in the reports.
    feed_server.route(
        "/science.xml",
        rss(
            [{"title": "Labs &amp; markets &#8211; a review", "guid": "s1",
              "link": "https://news.example/s1"}],
            title="Science &amp; technology &#8212; daily",
        ),
    )  # fmt: skip
    add(service, feed_server, "/science.xml")
    await cycle(service, fetcher)
    [feed] = service.store.list_feeds()
    assert feed.title == "Science & technology \u2014 daily"
    [item] = service.store.list_items()
    assert item.title == "Labs & markets \u2013 a review"


async def test_links_readers_see_drop_click_tracking_but_keep_the_sites_own_parameters(
    service, fetcher, feed_server
):
    site = "https://news.example/article"
    feed_server.route(
        "/a.xml",
        rss(
            [
                {"title": "One", "guid": "1",
                 "link": f"{site}?id=123&utm_source=rss&utm_medium=feed&fbclid=abc#part-2"},
                {"title": "Two", "guid": "2",
                 "link": f"{site}?gclid=1&page=2&yclid=2&msclkid=3&mc_cid=4&mc_eid=5&_ga=6"
                         "&igshid=7&UTM_Campaign=x"},
                {"title": "Three", "guid": "3", "link": f"{site}?utm_source=rss"},
                {"title": "Four", "guid": "4", "link": f"{site}?cat=2&sort=new"},
            ]
        ),
    )  # fmt: skip
    add(service, feed_server, "/a.xml")
    await cycle(service, fetcher)
    links = {item.title: item.link for item in service.store.list_items()}
    assert links == {
        "One": f"{site}?id=123#part-2",
        "Two": f"{site}?page=2",
        "Three": site,
        "Four": f"{site}?cat=2&sort=new",
    }


async def test_fetching_waits_for_the_parser_instead_of_piling_up_bodies(
    service, fetcher, feed_server
):
    # A parser slower than the network: only IN_FLIGHT feeds may be fetched and waiting.
    import asyncio
    import threading

    from bot.ingest import cycle as cycle_module

    for number in range(3 * cycle_module.IN_FLIGHT):
        feed_server.route(f"/f{number}.xml", rss(story_items(1, prefix=f"f{number}")))
        add(service, feed_server, f"/f{number}.xml")
    release = threading.Event()
    ingestor = service.ingestor(fetcher)
    parse = ingestor.parse_document

    def slow_parse(*args):
        release.wait(10)
        return parse(*args)

    ingestor.parse_document = slow_parse
    running = asyncio.ensure_future(ingestor.run_cycle(all_feeds=True))

    def fetched() -> int:
        return sum(feed_server.requests(f"/f{n}.xml") for n in range(3 * cycle_module.IN_FLIGHT))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while fetched() < cycle_module.IN_FLIGHT:  # poll, with a deadline
        assert loop.time() < deadline, f"only {fetched()} fetched"
        await asyncio.sleep(0.01)
    settle = loop.time() + 0.3  # any further fetch free to start would start by now
    while loop.time() < settle:
        await asyncio.sleep(0.01)
    assert fetched() == cycle_module.IN_FLIGHT
    release.set()
    report = await running
    assert report.count("ok") == 3 * cycle_module.IN_FLIGHT
