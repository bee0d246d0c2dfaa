"""Issue 16.12, 16.15 and 16.16: /addfeed works in the background, knows a feed however it is
spelled, counts the relevant reports it found (new or stored), and breaking alerts count only
what was published in their window, whatever stored the reports."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from bot.briefing import subscriptions
from bot.tg import jobs
from tests.conftest import ADMIN_ID
from tests.feedfactory import rss

READER = 501
KYIV = 601
TOPIC = (
    "Zelensky and Macron agreed security guarantees for Ukraine and a reassurance force of the "
    "Coalition of the Willing after a ceasefire with Russia."
)


def topic_items(host: str, count: int = 3, *, published: datetime | None = None) -> list[dict]:
    return [
        {
            "title": f"Leaders agree security guarantees for Ukraine in Paris, part {n}",
            "guid": f"{host}-{n}",
            "link": f"https://{host}/paris-{n}",
            "description": TOPIC,
            **({"published": published} if published else {}),
        }
        for n in range(count)
    ]


async def ask(fake, text: str, chat_id: int = ADMIN_ID) -> str:
    before = len(fake.sent_texts(chat_id))
    fake.push_message(text, chat_id=chat_id)
    texts = await fake.wait_for_messages(before + 1, chat_id=chat_id)
    return texts[before]


async def test_a_slow_addfeed_holds_up_no_one(bot, fake_telegram, feed_server):
    feed_server.route("/slow.xml", rss(topic_items("slow.example")), delay=3.0)
    fake_telegram.push_message(f"/addfeed {feed_server.url('/slow.xml')}", chat_id=ADMIN_ID)
    reader_help = await ask(fake_telegram, "/help", chat_id=READER)
    admin_help = await ask(fake_telegram, "/help", chat_id=ADMIN_ID)  # the admin too
    assert "/latest" in reader_help and "/latest" in admin_help
    assert feed_server.requests("/slow.xml") <= 1
    texts = await fake_telegram.wait_for_messages(2, chat_id=ADMIN_ID, timeout=30)
    assert texts[0] == admin_help and texts[1].startswith("Added feed 1")


@pytest.mark.parametrize(
    "spelling",
    ["HTTP://127.0.0.1:{port}/x.xml", "http://127.0.0.1:{port}/x.xml#top",
     "http://127.0.0.1:{port}/x.xml?utm_source=x", "http://127.0.0.1:{port}/x.xml?fbclid=1"],
)  # fmt: skip
async def test_the_same_feed_spelled_another_way_is_already_added(
    bot, fake_telegram, feed_server, service, spelling
):
    feed_server.route("/x.xml", rss(topic_items("x.example")))
    port = feed_server.base_url.rsplit(":", 1)[1]
    first = await ask(fake_telegram, f"/addfeed {feed_server.url('/x.xml')}")
    assert first.startswith("Added feed 1")
    again = await ask(fake_telegram, f"/addfeed {spelling.format(port=port)}")
    assert again == f"Not added: it is already in the list as {feed_server.url('/x.xml')}"
    assert len(service.store.list_feeds()) == 1


async def test_a_feeds_own_parameters_keep_two_feeds_apart_and_are_fetched(
    bot, fake_telegram, feed_server, service
):
    feed_server.route("/rss.php", rss(topic_items("p.example")))
    for category in (1, 2):
        url = f"{feed_server.url('/rss.php')}?pk_cat={category}&utm_source=x"
        added = await ask(fake_telegram, f"/addfeed {url}")
        assert added.startswith(f"Added feed {category}"), added
    assert [feed.url for feed in service.store.list_feeds()] == [
        f"{feed_server.url('/rss.php')}?pk_cat={n}&utm_source=x" for n in (1, 2)
    ]  # stored as given: what the feed's server sees


async def test_addfeed_counts_the_relevant_reports_it_already_had(bot, fake_telegram, feed_server):
    items = topic_items("same.example")
    feed_server.route("/a.xml", rss(items))
    feed_server.route("/b.xml", rss(items))  # another feed carrying the very same reports
    first = await ask(fake_telegram, f"/addfeed {feed_server.url('/a.xml')}")
    assert first.endswith("3 items found, 3 relevant.")
    second = await ask(fake_telegram, f"/addfeed {feed_server.url('/b.xml')}")
    assert second.startswith("Added feed 2") and second.endswith("3 items found, 3 relevant.")


def _alerts(fake) -> list[str]:
    return [text for text in fake.sent_texts(KYIV) if text.startswith("⚡")]


@pytest.fixture
def alert_subscriber(service):
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.update_settings(service, KYIV, alerts=True)


def _outlets(feed_server, service, names, published, *, store=True):
    for name in names:
        item = {
            "title": "Leaders agree security guarantees for Ukraine in Paris",
            "guid": f"{name}-1",
            "link": f"https://{name}.example/paris",
            "published": published,
            "description": TOPIC,
        }
        feed_server.route(f"/{name}.xml", rss([item], title=f"{name.title()} News"))
        if store:
            service.store.add_feed(feed_server.url(f"/{name}.xml"), service.clock(), name=name)


async def test_an_alert_counts_only_the_sources_published_in_its_window(
    bot, service, fetcher, feed_server, clock, fake_telegram, alert_subscriber
):
    _outlets(feed_server, service, ["early1", "early2"], clock() - timedelta(hours=5))
    _outlets(feed_server, service, ["late1", "late2", "late3"], clock() - timedelta(minutes=30))
    await service.ingestor(fetcher).run_cycle()
    assert await jobs.delivery.send_breaking_alerts(bot) == 1
    [alert] = _alerts(fake_telegram)
    assert "3 sources within two hours" in alert  # was: 5, every source the story had


async def test_reports_added_with_addfeed_raise_an_alert(
    bot, service, feed_server, clock, fake_telegram, alert_subscriber
):
    names = ["one", "two", "three"]
    _outlets(feed_server, service, names, clock() - timedelta(minutes=20), store=False)
    for name in names:
        await ask(fake_telegram, f"/addfeed {feed_server.url(f'/{name}.xml')}")
    alerts = await fake_telegram.wait_for(lambda: _alerts(fake_telegram))
    assert len(alerts) == 1 and "3 sources within two hours" in alerts[0]


async def test_reports_stored_by_the_cli_beside_the_bot_raise_an_alert_at_the_next_tick(
    bot, service, fetcher, feed_server, clock, fake_telegram, alert_subscriber
):
    _outlets(feed_server, service, ["a", "b", "c"], clock() - timedelta(minutes=20))
    await service.ingestor(fetcher).run_cycle(all_feeds=True)  # as `briefbot fetch` would
    assert not _alerts(fake_telegram)
    clock.advance(minutes=1)
    await jobs.poll_and_notify(bot)  # nothing is due for the bot's own cycle
    assert len(_alerts(fake_telegram)) == 1
    await jobs.poll_and_notify(bot)
    assert len(_alerts(fake_telegram)) == 1  # never twice


async def test_an_addfeed_that_fails_inside_still_gets_an_answer(
    bot, fake_telegram, feed_server, monkeypatch
):
    from bot.app import feedadmin

    async def broken(*args, **kwargs):
        raise RuntimeError("something unexpected")

    monkeypatch.setattr(feedadmin, "add_feed", broken)
    reply = await ask(fake_telegram, f"/addfeed {feed_server.url('/x.xml')}")
    assert reply == "Not added: an internal error (it is in the bot's log)"
