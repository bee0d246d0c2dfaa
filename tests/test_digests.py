"""Issue 6: subscriptions and digests end to end, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.briefing import delivery_policy, digests, subscriptions
from bot.storage.store import Store
from bot.tg import delivery
from tests.botharness import running_bot
from tests.conftest import ADMIN_ID
from tests.newsdata import load_world

KYIV = 601
NEW_YORK = 602


@pytest.fixture
async def world(service, fetcher, feed_server):
    await load_world(service, fetcher, feed_server)
    return service


async def ask(fake, text, chat_id, count=1, **kw):
    before = len(fake.sent_texts(chat_id))
    fake.push_message(text, chat_id=chat_id, **kw)
    texts = await fake.wait_for_messages(before + count, chat_id=chat_id)
    return texts[before:]


async def test_subscribe_with_time_and_zone(bot, service, fake_telegram):
    [reply] = await ask(fake_telegram, "/subscribe 07:30 Europe/Berlin", KYIV)
    assert reply.startswith("Subscribed. Your digest: 07:30 Berlin (Europe/Berlin), every day")
    sub = subscriptions.get_subscription(service, KYIV)
    assert sub.at == time(7, 30) and sub.timezone == "Europe/Berlin"
    # 2026-02-17 09:00 UTC is 10:00 in Berlin: the next 07:30 is tomorrow, 06:30 UTC.
    assert sub.next_due_at == datetime(2026, 2, 18, 6, 30, tzinfo=UTC)


async def test_subscribe_bad_arguments_get_usage_with_examples(bot, fake_telegram):
    [zone] = await ask(fake_telegram, "/subscribe 08:00 Mars/Olympus", KYIV)
    assert "Unknown time zone" in zone and "Usage: /subscribe [HH:MM] [Area/City]" in zone
    [when] = await ask(fake_telegram, "/subscribe 25:99", KYIV)
    assert "Usage: /subscribe" in when and "e.g." in when


async def test_subscribe_without_arguments_offers_buttons(bot, service, fake_telegram):
    [reply] = await ask(fake_telegram, "/subscribe", KYIV)
    assert "Pick the time" in reply
    keyboard = fake_telegram.calls_to("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    eight = next(b for row in keyboard for b in row if b["text"] == "08:00")
    fake_telegram.push_callback(eight["callback_data"], chat_id=KYIV)
    edit = await fake_telegram.wait_for(lambda: fake_telegram.calls_to("editMessageText"))
    zones = edit[-1].params["reply_markup"]["inline_keyboard"]
    kyiv = next(b for row in zones for b in row if b["text"] == "Kyiv")
    fake_telegram.push_callback(kyiv["callback_data"], chat_id=KYIV)
    await fake_telegram.wait_for(lambda: len(fake_telegram.calls_to("editMessageText")) >= 2)
    sub = subscriptions.get_subscription(service, KYIV)
    assert sub.active and sub.at == time(8, 0) and sub.timezone == "Europe/Kyiv"


async def test_settings_buttons_change_days_and_alerts(bot, service, fake_telegram):
    await ask(fake_telegram, "/subscribe 08:00 Europe/Kyiv", KYIV)
    await ask(fake_telegram, "/settings", KYIV)
    keyboard = fake_telegram.calls_to("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    buttons = {b["text"]: b["callback_data"] for row in keyboard for b in row}
    fake_telegram.push_callback(buttons["Weekdays only"], chat_id=KYIV)
    fake_telegram.push_callback(buttons["Breaking alerts: turn on"], chat_id=KYIV)
    await fake_telegram.wait_for(lambda: len(fake_telegram.calls_to("editMessageText")) >= 2)
    sub = subscriptions.get_subscription(service, KYIV)
    assert sub.days == "weekdays" and sub.alerts


async def test_group_subscription_needs_a_group_admin(bot, service, fake_telegram):
    [refused] = await ask(fake_telegram, "/subscribe", -900, chat_type="group", user_id=77)
    assert refused == "Only the group's admins can subscribe this group."
    fake_telegram.member_status[(-900, 77)] = "administrator"
    [ok] = await ask(fake_telegram, "/subscribe 09:00 UTC", -900, chat_type="group", user_id=77)
    assert ok.startswith("Subscribed")
    assert subscriptions.get_subscription(service, -900).chat_type == "group"


async def test_channel_subscription_by_a_bot_admin(bot, service, fake_telegram):
    fake_telegram.chats["@kyivbriefs"] = {"id": -100123, "type": "channel", "title": "Kyiv Briefs"}
    [refused] = await ask(fake_telegram, "/subscribe @kyivbriefs 08:00 Europe/Kyiv", KYIV)
    assert "Only the bot's admins" in refused
    [ok] = await ask(fake_telegram, "/subscribe @kyivbriefs 08:00 Europe/Kyiv", ADMIN_ID)
    assert ok.startswith("Subscribed @kyivbriefs")
    assert subscriptions.get_subscription(service, -100123).chat_type == "channel"


async def test_unsubscribe(bot, service, fake_telegram):
    [none] = await ask(fake_telegram, "/unsubscribe", KYIV)
    assert "not subscribed" in none
    await ask(fake_telegram, "/subscribe", KYIV)
    subscriptions.subscribe(service, KYIV)
    [bye] = await ask(fake_telegram, "/unsubscribe", KYIV)
    assert bye.startswith("Unsubscribed")
    assert not subscriptions.get_subscription(service, KYIV).active


async def test_two_zones_get_their_digest_at_their_own_hour(world, bot, clock, fake_telegram):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.subscribe(service, NEW_YORK, at=time(8), zone="America/New_York")
    clock.now = datetime(2026, 2, 17, 13, 0, 30, tzinfo=UTC)  # 08:00:30 in NY, 15:00 in Kyiv
    await delivery.deliver_due_digests(bot)
    [digest] = fake_telegram.sent_texts(NEW_YORK)
    assert fake_telegram.sent_texts(KYIV) == []
    assert digest.startswith("Your briefing — 17 Feb 2026")
    assert "Witkoff and Kushner" in digest and "Who's in the news" in digest
    clock.now = datetime(2026, 2, 18, 6, 0, 30, tzinfo=UTC)  # 08:00:30 in Kyiv, 01:00 in NY
    await delivery.deliver_due_digests(bot)
    assert fake_telegram.sent_texts(KYIV)[0].startswith("Your briefing — 18 Feb 2026")
    assert len(fake_telegram.sent_texts(NEW_YORK)) == 1


async def test_dst_keeps_the_local_hour(world, bot, clock, fake_telegram):
    service = world
    clock.now = datetime(2026, 3, 28, 12, tzinfo=UTC)
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.update_settings(service, KYIV, skip_empty=False)
    # Kyiv moves to summer time on 29 March 2026: 08:00 local is 06:00 UTC, not 07:00.
    assert subscriptions.get_subscription(service, KYIV).next_due_at == datetime(
        2026, 3, 29, 5, 0, tzinfo=UTC
    )
    clock.now = datetime(2026, 3, 29, 5, 0, 10, tzinfo=UTC)
    await delivery.deliver_due_digests(bot)
    assert len(fake_telegram.sent_texts(KYIV)) == 1
    assert subscriptions.get_subscription(service, KYIV).next_due_at == datetime(
        2026, 3, 30, 5, 0, tzinfo=UTC
    )


async def test_three_days_of_downtime_give_one_catch_up(world, bot, clock, fake_telegram):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    clock.now = datetime(2026, 2, 21, 10, tzinfo=UTC)
    await delivery.deliver_due_digests(bot)
    await delivery.deliver_due_digests(bot)
    assert len(fake_telegram.sent_texts(KYIV)) == 1
    assert subscriptions.get_subscription(service, KYIV).next_due_at == datetime(
        2026, 2, 22, 6, 0, tzinfo=UTC
    )


async def test_schedule_survives_a_restart(world, settings, clock, fake_telegram):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    async with running_bot(service):
        pass
    store = Store.open(settings.storage.path)
    from bot.app.service import Service

    restarted = Service(settings, store, clock=clock)
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    async with running_bot(restarted) as application:
        await delivery.deliver_due_digests(application)
        assert len(fake_telegram.sent_texts(KYIV)) == 1
    store.close()


async def test_blocked_chat_is_deactivated(world, bot, clock, fake_telegram):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    fake_telegram.fail("sendMessage", 403, chat_id=KYIV)
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    counts = await delivery.deliver_due_digests(bot)
    assert counts == {"blocked": 1}
    assert not subscriptions.get_subscription(service, KYIV).active
    clock.advance(days=1)
    assert await delivery.deliver_due_digests(bot) == {}


async def test_429_is_retried_after_the_wait(world, bot, clock, fake_telegram):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    fake_telegram.fail("sendMessage", 429, retry_after=1, chat_id=KYIV)
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    counts = await delivery.deliver_due_digests(bot)
    assert counts == {"sent": 1}
    attempts = [c for c in fake_telegram.calls_to("sendMessage") if c.params["chat_id"] == KYIV]
    assert len(attempts) == 2 and attempts[1].at - attempts[0].at >= 0.9


async def test_migrated_group_gets_its_digest_at_the_new_id(world, bot, clock, fake_telegram):
    service = world
    subscriptions.subscribe(service, -500, chat_type="group", at=time(8), zone="Europe/Kyiv")
    fake_telegram.fail(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        chat_id=-500,
        migrate_to_chat_id=-100500,
    )
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    assert await delivery.deliver_due_digests(bot) == {"sent": 1}
    assert len(fake_telegram.sent_texts(-100500)) == 1
    assert subscriptions.get_subscription(service, -100500).active
    assert subscriptions.get_subscription(service, -500) is None


async def test_server_errors_wait_for_the_next_tick(world, bot, clock, fake_telegram, monkeypatch):
    monkeypatch.setattr(delivery, "NETWORK_BACKOFF", 0.01)
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    fake_telegram.fail("sendMessage", 502, chat_id=KYIV, times=10)
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    assert await delivery.deliver_due_digests(bot) == {"failed": 1}
    assert subscriptions.get_subscription(service, KYIV).next_due_at < clock()
    fake_telegram._failures.clear()
    assert await delivery.deliver_due_digests(bot) == {"sent": 1}
    assert len(fake_telegram.sent_texts(KYIV)) == 1


async def test_crash_after_send_before_commit_repeats_at_most_one(
    world, bot, clock, fake_telegram, monkeypatch
):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    original = Store.finish_delivery

    class Killed(Exception):
        pass

    def crash(*args, **kwargs):
        raise Killed("killed between send and commit")

    monkeypatch.setattr(Store, "finish_delivery", crash)
    with pytest.raises(Killed):
        await delivery.deliver_due_digests(bot)
    monkeypatch.setattr(Store, "finish_delivery", original)
    await delivery.deliver_due_digests(bot)
    await delivery.deliver_due_digests(bot)
    texts = fake_telegram.sent_texts(KYIV)
    assert len(texts) == 2 and texts[0] == texts[1]
    [record] = service.store.deliveries(KYIV)
    assert record.status == "sent" and record.attempts == 1


async def test_empty_digest_is_skipped_or_announced(bot, service, clock, fake_telegram):
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.subscribe(service, NEW_YORK, at=time(8), zone="Europe/Kyiv")
    subscriptions.update_settings(service, NEW_YORK, skip_empty=False)
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    counts = await delivery.deliver_due_digests(bot)
    assert counts == {"skipped": 1, "sent": 1}
    assert fake_telegram.sent_texts(KYIV) == []
    [note] = fake_telegram.sent_texts(NEW_YORK)
    assert "No new developments since your last digest." in note


async def test_digest_command_and_cli_show_the_current_digest(world, bot, fake_telegram, settings):
    [reply] = await ask(fake_telegram, "/digest", KYIV)
    assert "What's happening" in reply and "Who's in the news" in reply
    assert "Macron" in reply and "Witkoff" in reply


async def test_identical_digests_are_built_once(world, clock, monkeypatch):
    service = world
    for chat in range(700, 710):
        subscriptions.subscribe(service, chat, at=time(8), zone="Europe/Kyiv")
    calls = []
    original = digests.build_digest
    monkeypatch.setattr(
        digests, "build_digest", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    due = digests.due_digests(service)
    assert len(due) == 10 and len(calls) == 1


async def test_breaking_alerts_once_and_never_at_night(
    service, fetcher, feed_server, bot, clock, fake_telegram
):

    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.update_settings(service, KYIV, alerts=True)
    subscriptions.subscribe(service, NEW_YORK, at=time(8), zone="America/New_York")
    subscriptions.update_settings(service, NEW_YORK, alerts=True)
    clock.now = datetime(2026, 2, 17, 9, 0, tzinfo=UTC)  # 11:00 Kyiv, 04:00 New York
    three_outlets_report(service, feed_server, "b", published=clock() - timedelta(minutes=30))
    await service.ingestor(fetcher).run_cycle()
    assert await delivery.send_breaking_alerts(bot) == 1
    [alert] = fake_telegram.sent_texts(KYIV)
    assert alert.startswith("⚡ Breaking")
    assert fake_telegram.sent_texts(NEW_YORK) == []
    assert await delivery.send_breaking_alerts(bot) == 0


async def test_digest_comes_in_the_subscribers_language(world, bot, clock, fake_telegram):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv", language="uk")
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    await delivery.deliver_due_digests(bot)
    [digest] = fake_telegram.sent_texts(KYIV)
    assert digest.startswith("Ваш огляд — 18 лютого 2026")
    assert "2 джерела" in digest and "Хто в новинах" in digest


async def test_a_backlog_of_old_reports_is_not_breaking_news(
    service, fetcher, feed_server, bot, clock, fake_telegram
):

    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.update_settings(service, KYIV, alerts=True)
    three_outlets_report(service, feed_server, "old", published=clock() - timedelta(days=5))
    await service.ingestor(fetcher).run_cycle()
    assert await delivery.send_breaking_alerts(bot) == 0
    assert fake_telegram.sent_texts(KYIV) == []


async def test_an_alert_that_failed_is_tried_again(
    service, fetcher, feed_server, bot, clock, fake_telegram, monkeypatch
):

    monkeypatch.setattr(delivery, "NETWORK_BACKOFF", 0.01)
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.update_settings(service, KYIV, alerts=True)
    three_outlets_report(service, feed_server, "f", published=clock() - timedelta(minutes=20))
    await service.ingestor(fetcher).run_cycle()
    fake_telegram.fail("sendMessage", 502, chat_id=KYIV, times=10)
    assert await delivery.send_breaking_alerts(bot) == 0
    fake_telegram._failures.clear()
    assert await delivery.send_breaking_alerts(bot) == 1
    assert len(fake_telegram.sent_texts(KYIV)) == 1


async def test_a_digest_telegram_keeps_refusing_backs_off_then_is_skipped(
    world, bot, clock, fake_telegram
):
    service = world
    subscriptions.subscribe(service, -1001, chat_type="group", at=time(8), zone="Europe/Kyiv")
    fake_telegram.fail(
        "sendMessage",
        400,
        "Bad Request: not enough rights to send text messages",
        chat_id=-1001,
        times=100,
    )
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)
    waits = []
    for attempt in range(delivery_policy.MAX_ATTEMPTS):
        assert await delivery.deliver_due_digests(bot) == {"failed": 1}
        retry = subscriptions.get_subscription(service, -1001).next_due_at
        waits.append(retry - clock())
        if attempt < delivery_policy.MAX_ATTEMPTS - 1:
            clock.now = retry
    assert waits[:4] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert waits[4] > timedelta(hours=12), "after the last try the next daily slot is due"
    [record] = service.store.deliveries(-1001)
    assert record.status == "failed" and "not enough rights" in record.error.lower()
    assert await delivery.deliver_due_digests(bot) == {}


async def test_a_returning_subscriber_starts_fresh(world, clock):
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.unsubscribe(service, KYIV)
    clock.advance(days=90)
    sub = subscriptions.subscribe(service, KYIV)
    assert sub.cursor == clock() - timedelta(hours=24)


async def test_mondays_digest_carries_the_weeks_chart_when_asked(world, bot, clock, fake_telegram):
    pytest.importorskip("matplotlib")
    service = world
    subscriptions.subscribe(service, KYIV, at=time(8), zone="Europe/Kyiv")
    subscriptions.subscribe(service, NEW_YORK, at=time(8), zone="Europe/Kyiv")
    subscriptions.update_settings(service, KYIV, weekly_chart=True, skip_empty=False)
    subscriptions.update_settings(service, NEW_YORK, skip_empty=False)
    clock.now = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)  # a Wednesday: no chart
    await delivery.deliver_due_digests(bot)
    assert fake_telegram.calls_to("sendPhoto") == []
    clock.now = datetime(2026, 2, 23, 6, 1, tzinfo=UTC)  # Monday 08:01 in Kyiv
    await delivery.deliver_due_digests(bot)
    [photo] = fake_telegram.calls_to("sendPhoto")
    assert photo.params["chat_id"] == KYIV
    assert photo.files["photo"][:8] == b"\x89PNG\r\n\x1a\n"


def three_outlets_report(service, feed_server, key: str, *, published: datetime) -> None:
    """Three outlets carry the same development, published at ``published``."""
    from tests.feedfactory import rss

    for n in range(3):
        item = {
            "title": f"Leaders agree security guarantees for Ukraine in Paris (outlet {n})",
            "guid": f"{key}{n}",
            "link": f"https://{key}{n}.example/paris",
            "published": published,
            "description": "Zelensky and Macron agreed security guarantees for Ukraine and a "
            "reassurance force of the Coalition of the Willing after a ceasefire with Russia.",
        }
        feed_server.route(f"/{key}{n}.xml", rss([item]))
        service.store.add_feed(
            feed_server.url(f"/{key}{n}.xml"), service.clock(), name=f"Outlet {n}"
        )


@pytest.mark.parametrize(
    ("language", "sections"),
    [
        ("en", ["What's happening", "What's next", "Who's in the news"]),
        ("uk", ["Що відбувається", "Що далі", "Хто в новинах"]),
    ],
)
async def test_a_digest_reads_like_a_briefing_in_both_languages(
    world, bot, fake_telegram, language, sections
):
    fake_telegram.push_message("/digest", chat_id=KYIV, language_code=language)
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=KYIV)
    positions = [reply.find(section) for section in sections]
    assert -1 not in positions and positions == sorted(positions), reply
    happening = reply[positions[0] : positions[1]]
    # Each story comes with its summary: who met whom, where, when.
    assert "met Russian envoy Kirill Dmitriev in Geneva on Tuesday" in happening
    assert "met in Paris on Monday" in happening
    # What's next: the meeting the Geneva reports announce.
    assert "Berlin" in reply[positions[1] : positions[2]]
    assert "Volodymyr Zelensky" in reply[positions[2] :]
