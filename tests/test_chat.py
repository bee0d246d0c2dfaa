"""Issue 5: every chat command end to end through the fake Bot API server."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.app.service import Service
from bot.core.config import replace_section
from tests.botharness import running_bot
from tests.conftest import ADMIN_ID
from tests.feedfactory import rss, story_items
from tests.newsdata import load_world

READER = 501


@pytest.fixture
async def world(service, fetcher, feed_server):
    await load_world(service, fetcher, feed_server)
    return service


async def ask(fake, text, chat_id=READER, count=1, **kw):
    """Send a command and return the texts of the new replies."""
    before = len(fake.sent_texts(chat_id))
    fake.push_message(text, chat_id=chat_id, **kw)
    texts = await fake.wait_for_messages(before + count, chat_id=chat_id)
    return texts[before:]


def last_markup(fake, chat_id):
    calls = [c for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == chat_id]
    return calls[-1].params.get("reply_markup")


def sent_html(fake, chat_id):
    return [
        c.params["text"] for c in fake.calls_to("sendMessage") if c.params["chat_id"] == chat_id
    ]


async def test_latest_lists_stories_with_links_and_sources(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/latest")
    assert "Witkoff and Kushner hold peace talks with Dmitriev in Geneva" in reply
    assert "2 sources" in reply
    assert "Shakhtar" not in reply
    html = sent_html(fake_telegram, READER)[-1]
    assert '<a href="https://kyivwire.example/geneva-talks">' in html


async def test_latest_with_a_bad_count_gets_usage(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/latest lots")
    assert reply.startswith("The number of stories must be a whole number. Usage: /latest [n]")


async def test_timeline_shows_dated_entries(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/timeline")
    assert re.search(r"17 Feb 2026 — Witkoff and Kushner", reply)
    assert re.search(r"16 Feb 2026 — Zelensky and Macron", reply)
    assert reply.index("17 Feb") < reply.index("16 Feb")


async def test_timeline_empty_state_suggests_all(service, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/timeline 7")
    assert reply == "No relevant reports in the last 7 days — try /timeline all."


async def test_actors_with_roles_and_trend(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/actors")
    assert "Emmanuel Macron — President of France" in reply
    assert "★" in reply


async def test_actor_partial_name(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/actor zelen")
    assert reply.startswith("Volodymyr Zelensky (person)")
    assert "President of Ukraine" in reply
    assert "Most often alongside" in reply and "Emmanuel Macron" in reply
    [reply] = await ask(fake_telegram, "/actor Nobody Atall")
    assert "No actor matches" in reply


async def test_story_lists_every_source(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/latest 1")
    story_id = re.search(r"/story_(\d+)", reply).group(1)
    [detail] = await ask(fake_telegram, f"/story {story_id}")
    assert "Kyiv Wire" in detail and "Euro Desk" in detail
    [same] = await ask(fake_telegram, f"/story_{story_id}")
    assert same == detail
    [missing] = await ask(fake_telegram, "/story 999")
    assert "There is no story 999" in missing
    [bad] = await ask(fake_telegram, "/story abc")
    assert "Usage: /story ID" in bad


async def test_search_highlights_matches(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/search reassurance")
    assert "2 reports" in reply
    html = sent_html(fake_telegram, READER)[-1]
    assert "<b>reassurance</b>" in html
    [none] = await ask(fake_telegram, "/search football")
    assert "Nothing relevant matches" in none
    [usage] = await ask(fake_telegram, "/search")
    assert "Usage: /search WORDS" in usage


async def test_search_with_a_nul_character_answers_instead_of_failing(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/search reassur\x00ance")
    assert "2 reports" in reply
    assert not bot.bot_data.get("errors")


async def test_search_pages_with_buttons(service, fetcher, feed_server, bot, fake_telegram):
    items = [
        {
            "title": f"Ceasefire talks on Ukraine security guarantees, round {n}",
            "guid": f"r{n}",
            "link": f"https://r.example/{n}",
            "description": "Zelensky and Macron discuss a ceasefire and security guarantees "
            f"for Ukraine with the Coalition of the Willing, round {n}.",
        }
        for n in range(12)
    ]
    feed_server.route("/r.xml", rss(items))
    service.store.add_feed(feed_server.url("/r.xml"), service.clock())
    await service.ingestor(fetcher).run_cycle()
    [reply] = await ask(fake_telegram, "/search ceasefire round")
    assert "page 1 of 3" in reply
    button = last_markup(fake_telegram, READER)["inline_keyboard"][0][-1]
    assert button["text"] == "More ▶"
    fake_telegram.push_callback(button["callback_data"], chat_id=READER)
    edit = await fake_telegram.wait_for(lambda: fake_telegram.calls_to("editMessageText"))
    assert "page 2 of 3" in edit[-1].params["text"]


async def test_timeline_pages_with_older_and_newer(service, bot, fake_telegram, clock):
    pipeline = service.pipeline()
    for n in range(20):
        story = service.store.create_story(clock())
        service.store.edit_story(
            story,
            headline=f"Development number {n}",
            day=date(2026, 2, n % 17 + 1),
            kind="statement",
            first_published=datetime(2026, 2, 1, tzinfo=UTC),
            last_published=datetime(2026, 2, 1, tzinfo=UTC),
            size=1,
            sources=1,
            relevance=0.9,
        )
    del pipeline
    [first] = await ask(fake_telegram, "/timeline all")
    assert "page 1 of 3" in first
    markup = last_markup(fake_telegram, READER)
    [older] = markup["inline_keyboard"][0]
    assert older["text"] == "Older ▶" and older["callback_data"] == "tl:a:1"
    fake_telegram.push_callback("tl:a:1", chat_id=READER)
    [edit] = await fake_telegram.wait_for(lambda: fake_telegram.calls_to("editMessageText"))
    assert "page 2 of 3" in edit.params["text"]
    texts = [b["text"] for b in edit.params["reply_markup"]["inline_keyboard"][0]]
    assert texts == ["◀ Newer", "Older ▶"]


async def test_forged_or_expired_button_gets_a_short_answer(bot, fake_telegram):
    for data in ("tl:x:1", "garbage", "sr:999:0", "tl:a:99999999"):
        fake_telegram.push_callback(data, chat_id=READER)
    answers = await fake_telegram.wait_for(
        lambda: len(calls := fake_telegram.calls_to("answerCallbackQuery")) >= 4 and calls
    )
    assert all("expired" in call.params.get("text", "") for call in answers)
    assert not bot.bot_data.get("errors")


async def test_upcoming_and_sources(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/upcoming")
    assert "Berlin" in reply and "23 Feb 2026" in reply
    [sources] = await ask(fake_telegram, "/sources")
    assert "✅ ok — Kyiv Wire" in sources and "✅ ok — Euro Desk" in sources


async def test_feed_titles_are_escaped(service, fetcher, feed_server, bot, fake_telegram):
    await load_world(service, fetcher, feed_server, hostile_title=True)
    [reply] = await ask(fake_telegram, "/sources")
    assert '<b>"Peace" & guarantees</b>' in reply
    html = sent_html(fake_telegram, READER)[-1]
    assert "&lt;b&gt;&quot;Peace&quot; &amp; guarantees&lt;/b&gt;" in html


async def test_long_story_is_split_at_entry_boundaries(
    service, fetcher, feed_server, bot, fake_telegram
):
    for n in range(45):
        items = [
            {
                "title": "Security guarantees for Ukraine: Zelensky and Macron agree in Paris "
                + "x" * 120,
                "guid": "same",
                "link": f"https://s{n}.example/a",
                "description": "Zelensky and Macron agree security guarantees for Ukraine in Paris "
                "with the Coalition of the Willing and a ceasefire with Russia.",
            }
        ]
        feed_server.route(f"/s{n}.xml", rss(items))
        service.store.add_feed(feed_server.url(f"/s{n}.xml"), service.clock(), name=f"Outlet {n}")
    await service.ingestor(fetcher).run_cycle()
    [story_id] = {row.story_id for row in service.store.list_items()}
    replies = await ask(fake_telegram, f"/story {story_id}", count=3)
    assert len(replies) >= 3
    assert all(len(text) <= 4096 for text in replies)
    assert all(text.count("•") >= 1 for text in replies[1:])
    assert sum(text.count("•") for text in replies) == 45


async def test_unknown_command_gets_a_hint(bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/frobnicate")
    assert reply == "I don't know /frobnicate. Send /help for the list."


async def test_other_bots_commands_in_groups_are_ignored(bot, fake_telegram):
    fake_telegram.push_message("/help@some_other_bot", chat_id=-77, chat_type="group")
    fake_telegram.push_message("/frobnicate", chat_id=-77, chat_type="group")
    [reply] = await ask(fake_telegram, "/help@briefbot_test_bot", chat_id=-77, chat_type="group")
    assert "/latest" in reply
    assert len(fake_telegram.sent_texts(-77)) == 1


async def test_help_for_admin_lists_admin_commands(bot, fake_telegram):
    [reader] = await ask(fake_telegram, "/help")
    assert "/addfeed" not in reader and "/latest" in reader
    [admin] = await ask(fake_telegram, "/help", chat_id=ADMIN_ID)
    assert "Admin commands" in admin and "/addfeed URL [name]" in admin


async def test_admin_commands_refuse_others_politely(bot, fake_telegram, caplog):
    [reply] = await ask(fake_telegram, "/stats")
    assert reply == "Sorry, /stats is only for the bot's admins."
    assert any("tried admin command /stats" in r.message for r in caplog.records)


async def test_added_admin_can_use_admin_commands(bot, fake_telegram):
    [reply] = await ask(fake_telegram, f"/addadmin {READER}", chat_id=ADMIN_ID)
    assert reply == f"User {READER} is now an admin."
    [stats] = await ask(fake_telegram, "/stats")
    assert stats.startswith("Stats")
    [usage] = await ask(fake_telegram, "/addadmin someone", chat_id=ADMIN_ID)
    assert "Usage: /addadmin USER_ID" in usage


async def test_addfeed_good_duplicate_and_404(bot, fake_telegram, feed_server):
    feed_server.route("/good.xml", rss(story_items(3), title="Good Feed"))
    [reply] = await ask(
        fake_telegram, f"/addfeed {feed_server.url('/good.xml')} My Feed", chat_id=ADMIN_ID
    )
    assert reply.startswith("Added feed 1: My Feed") and "3 items found, 0 relevant" in reply
    [dup] = await ask(fake_telegram, f"/addfeed {feed_server.url('/good.xml')}", chat_id=ADMIN_ID)
    assert dup.startswith("Not added: it is already in the list as")
    [missing] = await ask(
        fake_telegram, f"/addfeed {feed_server.url('/nope.xml')}", chat_id=ADMIN_ID
    )
    assert "Not added" in missing and "404" in missing
    [feeds] = await ask(fake_telegram, "/feeds", chat_id=ADMIN_ID)
    assert "My Feed" in feeds and "items 3" in feeds
    [paused] = await ask(fake_telegram, "/pausefeed 1", chat_id=ADMIN_ID)
    assert paused == "Paused feed 1: My Feed"
    [resumed] = await ask(fake_telegram, "/resumefeed 1", chat_id=ADMIN_ID)
    assert resumed == "Resumed feed 1: My Feed"
    [removed] = await ask(fake_telegram, "/removefeed 1", chat_id=ADMIN_ID)
    assert removed == "Removed feed 1: My Feed"


async def test_addfeed_refuses_private_addresses_when_guarded(
    settings, store, clock, fake_telegram, feed_server
):
    guarded = Service(
        replace_section(settings, "feeds", allow_private_networks=False), store, clock
    )
    feed_server.route("/good.xml", rss(story_items(1)))
    async with running_bot(guarded):
        [reply] = await ask(
            fake_telegram, f"/addfeed {feed_server.url('/good.xml')}", chat_id=ADMIN_ID
        )
    assert "Not added: could not fetch" in reply and "loopback" in reply
    assert feed_server.requests("/good.xml") == 0


async def test_candidates_and_addactor(service, fetcher, feed_server, bot, fake_telegram):
    items = [
        {
            "title": "Peace talks on Ukraine security guarantees continue",
            "guid": "c1",
            "link": "https://c.example/1",
            "description": "Ceasefire talks on security guarantees for Ukraine went on as envoy "
            "Bartholomew Quill met Zelensky in Kyiv.",
        }
    ]
    feed_server.route("/c.xml", rss(items))
    service.store.add_feed(feed_server.url("/c.xml"), service.clock())
    await service.ingestor(fetcher).run_cycle()
    [reply] = await ask(fake_telegram, "/candidates", chat_id=ADMIN_ID)
    assert "Bartholomew Quill" in reply
    [added] = await ask(fake_telegram, "/addactor Bartholomew Quill person", chat_id=ADMIN_ID)
    assert added.startswith("Added person Bartholomew Quill")
    assert "Bartholomew Quill" in service.analyser.gazetteer.actors
    [after] = await ask(fake_telegram, "/candidates", chat_id=ADMIN_ID)
    assert "Bartholomew Quill" not in after


async def test_flood_gets_one_slow_down_then_silence(bot, fake_telegram, clock):
    for _ in range(20):
        fake_telegram.push_message("/help", chat_id=READER)
    await fake_telegram.wait_for_messages(20, chat_id=READER)
    fake_telegram.push_message("/help", chat_id=READER)
    fake_telegram.push_message("/help", chat_id=READER)
    await fake_telegram.wait_for_messages(21, chat_id=READER)
    # An admin's command answered after both: the second one had its turn and stayed silent.
    fake_telegram.push_message("/help", chat_id=ADMIN_ID)
    await fake_telegram.wait_for_messages(1, chat_id=ADMIN_ID)
    texts = fake_telegram.sent_texts(READER)
    assert texts[20].startswith("You are sending commands very fast")
    assert len(texts) == 21
    clock.advance(minutes=2)
    [again] = await ask(fake_telegram, "/help")
    assert "/latest" in again


async def test_admins_are_exempt_from_the_flood_limit(bot, fake_telegram):
    for _ in range(25):
        fake_telegram.push_message("/help", chat_id=ADMIN_ID)
    texts = await fake_telegram.wait_for_messages(25, chat_id=ADMIN_ID)
    assert not any("very fast" in text for text in texts)


async def test_odd_digits_and_huge_numbers_get_usage_not_silence(world, bot, fake_telegram):
    for text in ("/latest ²", "/story ²", "/story 99999999999999999999999", "/timeline ٣"):
        [reply] = await ask(fake_telegram, text)
        assert "Usage" in reply, (text, reply)
    for data in ("tl:²:0", "sr:99999999999999999999999:0", "sr:1:²"):
        fake_telegram.push_callback(data, chat_id=READER)
    await fake_telegram.wait_for(lambda: len(fake_telegram.calls_to("answerCallbackQuery")) >= 3)
    assert not bot.bot_data.get("errors")


async def test_story_links_for_other_bots_are_ignored_in_groups(world, bot, fake_telegram):
    fake_telegram.push_message("/story_1@some_other_bot", chat_id=-78, chat_type="group")
    [reply] = await ask(fake_telegram, "/story_1@briefbot_test_bot", chat_id=-78, chat_type="group")
    assert "Kyiv Wire" in reply or "Euro Desk" in reply
    assert len(fake_telegram.sent_texts(-78)) == 1


async def test_actor_mentions_are_counted_per_iso_week(world, bot, fake_telegram):
    [reply] = await ask(fake_telegram, "/actor Macron")
    assert "week of 16 Feb 2026: 5" in reply  # the Monday of ISO week 8


async def test_removeadmin_takes_a_chat_admin_away_but_not_a_configured_one(bot, fake_telegram):
    await ask(fake_telegram, f"/addadmin {READER}", chat_id=ADMIN_ID)
    [removed] = await ask(fake_telegram, f"/removeadmin {READER}", chat_id=ADMIN_ID)
    assert removed == f"{READER} is no longer an admin."
    [refused] = await ask(fake_telegram, "/stats")
    assert refused == "Sorry, /stats is only for the bot's admins."
    [again] = await ask(fake_telegram, f"/removeadmin {READER}", chat_id=ADMIN_ID)
    assert again == f"{READER} was not an admin added from chat."
    [configured] = await ask(fake_telegram, f"/removeadmin {ADMIN_ID}", chat_id=ADMIN_ID)
    assert "configuration file" in configured
    [still] = await ask(fake_telegram, "/stats", chat_id=ADMIN_ID)
    assert still.startswith("Stats")


ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: every anonymous admin sends as it


async def test_telegrams_shared_anonymous_sender_can_never_be_an_admin(bot, fake_telegram):
    [refused] = await ask(fake_telegram, f"/addadmin {ANONYMOUS_ADMIN}", chat_id=ADMIN_ID)
    assert "can never be a bot admin" in refused
    [reply] = await ask(
        fake_telegram, "/stats", chat_id=-90, user_id=ANONYMOUS_ADMIN, chat_type="group"
    )
    assert reply == "Sorry, /stats is only for the bot's admins."


async def test_anonymous_senders_in_one_group_do_not_flood_out_another(bot, fake_telegram):
    for _ in range(22):
        fake_telegram.push_message("/help", chat_id=-91, user_id=ANONYMOUS_ADMIN, chat_type="group")
    await fake_telegram.wait_for_messages(21, chat_id=-91)
    [reply] = await ask(
        fake_telegram, "/help", chat_id=-92, user_id=ANONYMOUS_ADMIN, chat_type="group"
    )
    assert "/latest" in reply
