"""Issue 18: the rough edges a new reader met in chat, each as that reader would see it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.conftest import ADMIN_ID

READER = 601
UKRAINIAN = 602
CYRILLIC = re.compile("[а-яіїєґ]", re.IGNORECASE)
NOW = datetime(2026, 2, 17, 12, tzinfo=UTC)


async def ask(fake, text, chat_id=READER, **where) -> str:
    before = len(fake.sent_texts(chat_id))
    fake.push_message(text, chat_id=chat_id, **where)
    return (await fake.wait_for_messages(before + 1, chat_id=chat_id))[before]


def answers(fake) -> list:
    return fake.calls_to("answerCallbackQuery")


def add_feeds(service, count: int) -> None:
    for number in range(1, count + 1):
        service.store.add_feed(f"https://news{number}.example/rss", NOW, name=f"Outlet {number}")


async def test_feeds_come_a_page_at_a_time_with_buttons_only_admins_can_use(
    bot, service, fake_telegram
):
    add_feeds(service, 40)
    first = await ask(fake_telegram, "/feeds", chat_id=ADMIN_ID)
    assert "Feeds (40) — page 1 of 3" in first
    assert "Outlet 1 " in first and "Outlet 16" not in first
    assert len(fake_telegram.sent_texts(ADMIN_ID)) == 1  # one message, not one per 4096 chars
    markup = fake_telegram.calls_to("sendMessage")[-1].params["reply_markup"]
    [[next_button]] = markup["inline_keyboard"]
    assert next_button["text"] == "Next ▶"

    # A reader pressing the button (it can be pressed by anyone in a group) changes nothing.
    before = len(answers(fake_telegram))
    fake_telegram.push_callback(next_button["callback_data"], chat_id=ADMIN_ID, user_id=READER)
    await fake_telegram.wait_for(lambda: len(answers(fake_telegram)) > before)
    assert answers(fake_telegram)[before].params["text"] == (
        "Sorry, /feeds is only for the bot's admins."
    )
    assert not fake_telegram.calls_to("editMessageText")

    fake_telegram.push_callback(next_button["callback_data"], chat_id=ADMIN_ID)
    [edit] = await fake_telegram.wait_for(lambda: fake_telegram.calls_to("editMessageText"))
    assert "page 2 of 3" in edit.params["text"] and "Outlet 16" in edit.params["text"]
    labels = [b["text"] for b in edit.params["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["◀ Previous", "Next ▶"]


async def test_sources_lists_one_feed_per_line(bot, service, fake_telegram):
    add_feeds(service, 3)
    reply = await ask(fake_telegram, "/sources")
    assert "\n\n" not in reply
    assert reply.count("Outlet") == 3


async def test_a_number_that_is_only_too_big_is_called_out_of_range(bot, fake_telegram):
    reply = await ask(fake_telegram, "/timeline 99999999999999999999")
    assert reply.startswith("The number of days must be between 1 and 3,650.")
    assert "whole number" not in reply
    assert "must be a whole number" in await ask(fake_telegram, "/timeline soon")


async def test_an_unknown_time_zone_is_quoted_once_not_escaped_twice(bot, fake_telegram):
    reply = await ask(fake_telegram, "/subscribe 08:00 Mars/Base'<b>")
    assert "Unknown time zone “Mars/Base'<b>”" in reply
    assert "&#x27;" not in reply and "&lt;" not in reply


async def test_counts_of_one_and_all_time_read_as_sentences(bot, fake_telegram):
    assert await ask(fake_telegram, "/timeline all") == "No relevant reports yet."
    assert "the last 1 day —" in await ask(fake_telegram, "/actors 1")
    ukrainian = await ask(fake_telegram, "/actors 1", chat_id=UKRAINIAN, language_code="uk")
    assert "1 день" in ukrainian and "дн." not in ukrainian


async def test_a_ukrainian_admin_gets_feed_refusals_in_ukrainian(
    bot, service, fake_telegram, feed_server
):
    unknown = await ask(fake_telegram, "/pausefeed 9999", chat_id=ADMIN_ID, language_code="uk")
    assert CYRILLIC.search(unknown) and "no feed" not in unknown and "9999" in unknown
    refused = await ask(
        fake_telegram, f"/addfeed {feed_server.url('/none.xml')}", chat_id=ADMIN_ID,
        language_code="uk",
    )  # fmt: skip
    assert refused.startswith("Не додано:") and "cannot add" not in refused and "404" in refused
    scheme = await ask(fake_telegram, "/addfeed ftp://news.example/rss", chat_id=ADMIN_ID,
                       language_code="uk")  # fmt: skip
    assert scheme == "Не додано: можна додавати лише адреси http:// і https://"
    feed_server.route(
        "/page.html", "<!doctype html><html><body>News</body></html>", content_type="text/html"
    )
    page = await ask(fake_telegram, f"/addfeed {feed_server.url('/page.html')}", chat_id=ADMIN_ID,
                     language_code="uk")  # fmt: skip
    assert "вебсторінка, а не стрічка новин" in page and "looks like" not in page


async def test_time_zone_buttons_name_cities_in_the_readers_language(bot, fake_telegram):
    await ask(fake_telegram, "/subscribe", chat_id=UKRAINIAN, language_code="uk")
    keyboard = fake_telegram.calls_to("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    eight = next(b for row in keyboard for b in row if b["text"] == "08:00")
    fake_telegram.push_callback(eight["callback_data"], chat_id=UKRAINIAN, language_code="uk")
    [edit] = await fake_telegram.wait_for(lambda: fake_telegram.calls_to("editMessageText"))
    cities = [b["text"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "Київ" in cities and "Варшава" in cities and "Kyiv" not in cities


async def test_stats_words_the_last_fetch_in_the_readers_language(bot, fake_telegram, feed_server):
    from tests.feedfactory import rss, story_items

    assert "last poll: never" in await ask(fake_telegram, "/stats", chat_id=ADMIN_ID)
    feed_server.route("/one.xml", rss(story_items(2)))
    added = await ask(fake_telegram, f"/addfeed {feed_server.url('/one.xml')}", chat_id=ADMIN_ID)
    assert added.startswith("Added feed")
    english = await ask(fake_telegram, "/stats", chat_id=ADMIN_ID)
    assert "UTC — 1 feed: 1 ok, 0 unchanged, 0 failed; 2 new, 0 updated" in english
    ukrainian = await ask(fake_telegram, "/stats", chat_id=ADMIN_ID, language_code="uk")
    assert "1 джерело: гаразд 1" in ukrainian and "ok," not in ukrainian


async def test_feeds_pages_with_long_errors_each_fit_one_message(bot, service, fake_telegram):
    add_feeds(service, 30)
    for feed in service.store.list_feeds():
        service.store.db.execute(
            "UPDATE feeds SET last_error = ?, error_count = 3 WHERE id = ?",
            (
                "ConnectError: [Errno -3] Temporary failure in name resolution & <more> " * 3,
                feed.id,
            ),
        )
    first = await ask(fake_telegram, "/feeds", chat_id=ADMIN_ID, language_code="fr")
    assert len(fake_telegram.sent_texts(ADMIN_ID)) == 1
    pages = int(re.search(r"page 1 sur (\d+)", first).group(1))
    seen = set(re.findall(r"Outlet (\d+)", first))
    for page in range(1, pages):
        fake_telegram.push_callback(f"fd:p:{page}", chat_id=ADMIN_ID, language_code="fr")
        edits = await fake_telegram.wait_for(
            lambda n=page: len(fake_telegram.calls_to("editMessageText")) >= n and
            fake_telegram.calls_to("editMessageText")
        )  # fmt: skip
        seen |= set(re.findall(r"Outlet (\d+)", edits[-1].params["text"]))
    assert seen == {str(n) for n in range(1, 31)}  # every feed on some page, none cut off
