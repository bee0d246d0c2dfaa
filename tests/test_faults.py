"""Telegram faults during a digest round: nothing lost, nothing sent twice, commands still answered.

The fake Bot API injects bursts of 429, 5xx, dropped connections, answers that come too late,
400 "can't parse entities" / "message is too long" and 403 for some subscribers mid-broadcast.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from datetime import time as clock_time

import pytest

from bot.briefing import subscriptions
from bot.tg import delivery
from tests.newsdata import load_world

DUE = datetime(2026, 2, 18, 6, 1, tzinfo=UTC)  # 08:01 in Kyiv: every subscriber below is due


@pytest.fixture
async def world(service, fetcher, feed_server, monkeypatch):
    monkeypatch.setattr(delivery, "NETWORK_BACKOFF", 0.01)
    await load_world(service, fetcher, feed_server)
    return service


@pytest.fixture
def app(bot):
    """The running bot without its own digest tick: each test drives the rounds itself."""
    for job in bot.job_queue.get_jobs_by_name("digests"):
        job.schedule_removal()
    return bot


def _subscribe(service, chats) -> None:
    for chat in chats:
        subscriptions.subscribe(service, chat, at=clock_time(8), zone="Europe/Kyiv")


def _copies(fake, chat: int) -> int:
    return len(fake.sent_texts(chat))


async def test_faults_in_one_round_lose_nothing_and_double_nothing(
    world, app, clock, fake_telegram, caplog
):
    chats = list(range(801, 811))
    _subscribe(world, chats)
    fake = fake_telegram
    fake.fail("sendMessage", 429, retry_after=1, chat_id=801, times=2)  # a burst of flood waits
    fake.fail("sendMessage", 502, chat_id=802, times=2)
    fake.fail("sendMessage", 500, chat_id=803)
    fake.drop("sendMessage", chat_id=804, times=2)  # hung up before Telegram acted on it
    fake.fail("sendMessage", 403, chat_id=805)  # blocked the bot mid-broadcast
    fake.fail("sendMessage", 403, "Forbidden: user is deactivated", chat_id=806)
    fake.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=807)
    clock.now = DUE
    with caplog.at_level(logging.INFO):
        counts = await delivery.deliver_due_digests(app)
    assert counts == {"sent": 7, "blocked": 3}
    for chat in (801, 802, 803, 804, 808, 809, 810):
        assert _copies(fake, chat) == 1, chat
    for chat in (805, 806, 807):
        assert _copies(fake, chat) == 0 and not subscriptions.get_subscription(world, chat).active
    assert fake.dropped == 2
    # The next round has nothing due: no repeats.
    assert await delivery.deliver_due_digests(app) == {}


async def test_a_round_that_keeps_failing_waits_for_the_next_tick(world, app, clock, fake_telegram):
    _subscribe(world, [821, 822])
    fake_telegram.drop("sendMessage", chat_id=821, times=4)  # every retry of this round
    clock.now = DUE
    assert await delivery.deliver_due_digests(app) == {"failed": 1, "sent": 1}
    assert _copies(fake_telegram, 821) == 0
    assert await delivery.deliver_due_digests(app) == {"sent": 1}
    assert _copies(fake_telegram, 821) == 1 and _copies(fake_telegram, 822) == 1


async def test_an_answer_lost_after_telegram_acted_repeats_that_one_message(
    world, app, clock, fake_telegram
):
    """The Bot API has no idempotency key: a lost answer means one repeat (at-least-once)."""
    _subscribe(world, [831, 832])
    fake_telegram.drop("sendMessage", chat_id=831, after_processing=True)
    clock.now = DUE
    assert await delivery.deliver_due_digests(app) == {"sent": 2}
    assert _copies(fake_telegram, 831) == 2 and _copies(fake_telegram, 832) == 1


async def test_a_request_that_times_out_is_retried_once_it_never_arrived(
    world, app, clock, fake_telegram
):
    _subscribe(world, [841])
    # Longer than python-telegram-bot's 5 s read timeout; the server then drops the request.
    fake_telegram.delay("sendMessage", 5.5, chat_id=841, drop=True)
    clock.now = DUE
    assert await delivery.deliver_due_digests(app) == {"sent": 1}
    assert _copies(fake_telegram, 841) == 1
    assert (
        len([c for c in fake_telegram.calls_to("sendMessage") if c.params["chat_id"] == 841]) == 2
    )


@pytest.mark.parametrize(
    "refusal",
    [
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 3',
        "Bad Request: message is too long",
    ],
)
async def test_refused_html_falls_back_to_plain_text_once_then_logs(
    world, app, clock, fake_telegram, caplog, refusal
):
    _subscribe(world, [851, 852])
    fake_telegram.fail("sendMessage", 400, refusal, chat_id=851)
    fake_telegram.fail("sendMessage", 400, refusal, chat_id=852, times=5)
    clock.now = DUE
    with caplog.at_level(logging.WARNING):
        counts = await delivery.deliver_due_digests(app)
    assert counts == {"sent": 1, "failed": 1}
    [plain] = [c for c in fake_telegram.calls_to("sendMessage") if c.params.get("_ok")]
    assert plain.params["chat_id"] == 851 and "parse_mode" not in plain.params
    assert "Your briefing" in plain.params["text"] and "<b>" not in plain.params["text"]
    tries = [c for c in fake_telegram.calls_to("sendMessage") if c.params["chat_id"] == 852]
    assert len(tries) == 2  # HTML, then plain text once: no loop
    assert "sending plain text" in caplog.text and "digest to chat 852 failed" in caplog.text


async def test_the_bot_keeps_answering_commands_while_digests_wait(
    world, app, clock, fake_telegram
):
    chats = list(range(900, 960))
    _subscribe(world, chats)
    fake_telegram.send_delay = 0.05
    fake_telegram.fail("sendMessage", 429, retry_after=1, chat_id=900, times=2)
    clock.now = DUE
    round_ = asyncio.create_task(delivery.deliver_due_digests(app))
    await fake_telegram.wait_for(lambda: fake_telegram.sent_texts(901), what="the round to start")
    fake_telegram.push_message("/help", chat_id=77)
    await fake_telegram.wait_for(lambda: fake_telegram.sent_texts(77), 10, "a reply to /help")
    assert not round_.done(), "the reply should not wait for the whole digest round"
    assert await round_ == {"sent": 60}
    assert all(_copies(fake_telegram, chat) == 1 for chat in chats)
