"""The running bot polls feeds and tells admins about a feed that failed for a day."""

from __future__ import annotations

from bot.tg.jobs import poll_and_notify
from tests.conftest import ADMIN_ID
from tests.feedfactory import rss, story_items


async def test_admin_gets_one_message_after_a_day_of_failure_and_one_on_recovery(
    bot, service, fake_telegram, feed_server, clock
):
    feed_server.route("/down.xml", "maintenance", status=503)
    service.store.add_feed(feed_server.url("/down.xml"), clock(), name="Kyiv <Wire>")
    await poll_and_notify(bot)
    clock.advance(hours=25)
    await poll_and_notify(bot)
    [notice] = await fake_telegram.wait_for_messages(1, chat_id=ADMIN_ID)
    assert "Kyiv <Wire>" in notice and "24 hours" in notice and "HTTP 503" in notice
    clock.advance(hours=25)
    await poll_and_notify(bot)
    feed_server.route("/down.xml", rss(story_items(2)))
    clock.advance(hours=25)
    await poll_and_notify(bot)
    texts = await fake_telegram.wait_for_messages(2, chat_id=ADMIN_ID)
    assert texts[1] == "Feed Kyiv <Wire> works again."
    assert len(fake_telegram.sent_texts(ADMIN_ID)) == 2
    assert service.store.get_state("last_poll_summary").startswith("1 feeds: 1 ok")


async def test_the_job_queue_polls_due_feeds_on_its_own(service, fake_telegram, feed_server, clock):
    from tests.botharness import running_bot

    feed_server.route("/a.xml", rss(story_items(3)))
    service.store.add_feed(feed_server.url("/a.xml"), clock())
    async with running_bot(service, poll_job=True):
        await fake_telegram.wait_for(
            lambda: service.store.count_items() == 3, timeout=15, what="the poll job"
        )
    assert feed_server.requests("/a.xml") == 1


async def test_feed_notices_come_in_the_admins_language(
    bot, service, fake_telegram, feed_server, clock
):
    service.store.set_language(ADMIN_ID, "uk")
    feed_server.route("/down.xml", "maintenance", status=503)
    service.store.add_feed(feed_server.url("/down.xml"), clock(), name="Kyiv Wire")
    await poll_and_notify(bot)
    clock.advance(hours=25)
    await poll_and_notify(bot)
    [notice] = await fake_telegram.wait_for_messages(1, chat_id=ADMIN_ID)
    assert notice.startswith("Джерело Kyiv Wire не працює вже понад 24 години")
