"""Issue 7: the chat keeps answering while a large feed is fetched, parsed and stored."""

from __future__ import annotations

import asyncio
import time

from bot.ingest.documents import MAX_ENTRIES
from bot.tg.jobs import poll_and_notify
from tests.feedfactory import rss


def big_feed(entries: int) -> str:
    items = [
        {
            "title": f"Report {n} on the talks about security guarantees for Ukraine",
            "guid": f"big-{n}",
            "link": f"https://big.example/{n}",
            "description": "<p>"
            + "Long paragraph about diplomacy and many other things. " * 12
            + "</p>",
        }
        for n in range(entries)
    ]
    return rss(items, title="Huge feed")


async def test_help_is_answered_while_a_big_feed_is_parsed(
    bot, service, fake_telegram, feed_server, clock
):
    feed_server.route("/big.xml", big_feed(3000))
    service.store.add_feed(feed_server.url("/big.xml"), clock())
    started = time.monotonic()
    cycle = asyncio.create_task(poll_and_notify(bot))
    # Ask as soon as the body has been fetched, i.e. while parsing is under way.
    await fake_telegram.wait_for(lambda: feed_server.requests("/big.xml") == 1, timeout=10)
    fake_telegram.push_message("/help", chat_id=901)
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=901, timeout=20)
    answered = time.monotonic()
    assert "/latest" in reply
    assert not cycle.done(), "the reply should come while the cycle is still running"
    await cycle
    finished = time.monotonic()
    assert service.store.count_items() == min(3000, MAX_ENTRIES)
    assert answered - started < finished - started
