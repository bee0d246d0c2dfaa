"""Talking to the briefer: plain questions in chat and on the command line, /search with real
operators, /actor that forgives."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.analysis.datafiles import load_gazetteer, load_places
from bot.analysis.questions import parse_question
from bot.analysis.search_syntax import parse_search
from bot.briefing import reading
from bot.cli.main import main
from bot.core.records import SearchTerm
from bot.storage.reading import fts_match
from tests.newsdata import load_world

READER = 811
GROUP = -100811
GAZETTEER = load_gazetteer("data/actors.toml")
PLACES = load_places("data/places.toml")


@pytest.fixture
async def world(service, fetcher, feed_server):
    await load_world(service, fetcher, feed_server)
    return service


async def say(fake, text, chat_id=READER, **kw):
    before = len(fake.sent_texts(chat_id))
    fake.push_message(text, chat_id=chat_id, **kw)
    [reply] = (await fake.wait_for_messages(before + 1, chat_id=chat_id))[before:]
    return reply


def test_questions_understand_names_places_and_time_in_any_language():
    today = date(2026, 2, 17)
    q = parse_question(
        "Що казав Путін про переговори в Женеві минулого тижня?", GAZETTEER, PLACES, today
    )
    assert q.actors == ("Vladimir Putin",) and q.places == ("Geneva",)
    assert (q.since, q.until) == (date(2026, 2, 9), date(2026, 2, 15))
    q = parse_question("What did Zelensky's team agree on 6 January?", GAZETTEER, PLACES, today)
    assert q.actors == ("Volodymyr Zelensky",) and (q.since, q.until) == (
        date(2026, 1, 5),
        date(2026, 1, 7),
    )
    assert "agree" in q.words and "zelensky's" not in q.words
    q = parse_question("Зеленського у січні", GAZETTEER, PLACES, today)
    assert q.actors == ("Volodymyr Zelensky",) and q.since == date(2026, 1, 1)
    assert parse_question("who is Witkoff?", GAZETTEER, PLACES, today).who_is == "Witkoff"
    assert parse_question("?!… ---", GAZETTEER, PLACES, today).empty


async def test_a_plain_question_in_a_private_chat_gets_the_stories_that_answer_it(
    world, bot, fake_telegram
):
    reply = await say(fake_telegram, "what happened in Geneva?")
    assert "Witkoff and Kushner hold peace talks with Dmitriev in Geneva" in reply
    assert "met Russian envoy Kirill Dmitriev in Geneva on Tuesday" in reply  # the summary
    assert "/story_" in reply and "2 sources" in reply
    assert reply.index("Geneva") < reply.index("/story_")


async def test_a_question_in_ukrainian_is_answered_in_ukrainian(world, bot, fake_telegram):
    reply = await say(fake_telegram, "Що було в Парижі?", language_code="uk")
    assert "Ось що я знайшов" in reply and "Paris" in reply and "2 джерела" in reply


async def test_who_is_gets_the_actor_card(world, bot, fake_telegram):
    reply = await say(fake_telegram, "Who is Witkoff?")
    assert "Steve Witkoff" in reply and "Special Envoy" in reply


async def test_nothing_found_says_so_and_points_to_search_and_timeline(world, bot, fake_telegram):
    reply = await say(fake_telegram, "what about the Arctic fisheries quota?")
    assert "found nothing" in reply and "/search" in reply and "/timeline" in reply


async def test_in_a_group_only_questions_for_the_bot_are_answered(world, bot, fake_telegram):
    fake_telegram.push_message("what happened in Geneva?", chat_id=GROUP, chat_type="group")
    reply = await say(
        fake_telegram, "@briefbot_test_bot what happened in Paris?", GROUP, chat_type="group"
    )
    assert "Paris" in reply and "Geneva" not in reply.split("\n")[0]
    reply = await say(fake_telegram, "and in Geneva?", GROUP, chat_type="group", reply_to_bot=True)
    assert "Geneva" in reply
    assert len(fake_telegram.sent_texts(GROUP)) == 2, "the chatter was answered"


async def test_questions_count_against_the_flood_limit(world, bot, fake_telegram):
    for _ in range(21):
        fake_telegram.push_message("what happened in Geneva?", chat_id=READER)
    texts = await fake_telegram.wait_for(
        lambda: (
            any("very fast" in t.lower() for t in fake_telegram.sent_texts(READER))
            and fake_telegram.sent_texts(READER)
        )
    )
    assert len(texts) == 21 and "very fast" in texts[-1].lower()


@pytest.mark.parametrize(
    "question",
    [
        "Geneva? " * 600,  # 4,800 characters
        "what\x00 happened\x1b[31m in Gen\u200beva\u202e?",
        'NEAR(Trump Putin) OR "security* AND ^title:guarantees',
        "<b>Geneva</b> <script>alert(1)</script> &amp;",
        "?!.,;:—…",
    ],
)
async def test_bad_questions_get_a_clear_answer(world, bot, fake_telegram, question):
    reply = await say(fake_telegram, question)
    assert reply and "went wrong" not in reply
    assert "<script>" not in reply or "&lt;script&gt;" not in reply
    assert not bot.bot_data.get("errors")


def test_ask_json_on_the_command_line(world_config, capsys):
    assert main(["ask", "what happened in Geneva?", "--json", "--config", world_config]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["question"] == "what happened in Geneva?" and answer["actor"] is None
    [first, *_] = answer["stories"]
    assert set(first) >= {"id", "headline", "date", "summary", "sources", "items"}
    assert "Geneva" in first["headline"] and first["items"]
    assert main(["ask", "who is Kushner", "--json", "--config", world_config]) == 0
    assert json.loads(capsys.readouterr().out)["actor"]["name"] == "Jared Kushner"


def test_search_syntax():
    query = parse_search('"security guarantees" Geneva OR Paris -Gaza NOT earthquake')
    assert query.groups[0] == (SearchTerm("security guarantees", phrase=True),)
    assert [t.text for t in query.groups[1]] == ["Geneva", "Paris"]
    assert [t.text for t in query.excluded] == ["Gaza", "earthquake"]
    match = fts_match(query)
    assert (
        match
        == '("security guarantees" AND ("Geneva"* OR "Paris"*)) NOT ("Gaza"* OR "earthquake"*)'
    )
    variants = parse_search("Zelenskyy", GAZETTEER).groups[0]
    assert {"Zelensky", "Зеленський"} <= {t.text for t in variants}
    assert parse_search("-Russia NOT Gaza").empty
    assert (
        fts_match(parse_search('NEAR(Trump Putin) ^x:"y'))
        == '"NEAR(Trump"* AND "Putin"* AND "x:""y"*'  # every term quoted: no FTS syntax
    )


async def test_search_operators_in_chat(world, bot, fake_telegram):
    reply = await say(fake_telegram, '/search "security guarantees" -Geneva')
    assert "Paris" in reply and "Geneva" not in reply.split("\n", 1)[1]
    assert '"security guarantees" -Geneva' in reply  # the echo, as typed
    reply = await say(fake_telegram, "/search Geneva OR Paris")
    assert "4 reports" in reply
    reply = await say(fake_telegram, "/search NOT Paris")
    assert "found no" in reply.lower() or "nothing" in reply.lower()
    reply = await say(fake_telegram, "/search Zelenskyy")
    assert "2 reports" in reply, "Zelenskyy finds the reports that spell him Zelensky"


def test_a_search_page_past_the_last_is_the_last(world):
    page = reading.search(world, "Geneva OR Paris", page=99, per_page=3)
    assert (page.page, page.pages, page.total) == (1, 2, 4) and len(page.hits) == 1


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("putn", "Vladimir Putin"),
        ("Путина", "Vladimir Putin"),
        ("Zelensky's", "Volodymyr Zelensky"),
        ("Зеленського", "Volodymyr Zelensky"),
        ("Zel\u200bensky\u202e", "Volodymyr Zelensky"),
        ("Macrn", "Emmanuel Macron"),
    ],
)
async def test_actor_forgives_typos_inflections_and_scripts(world, bot, fake_telegram, query, name):
    reply = await say(fake_telegram, f"/actor {query}")
    assert reply.startswith(name)


@pytest.mark.parametrize("query", ["a", "Jo", "\u200b\u200bZe"])
async def test_actor_under_three_letters_gets_usage(world, bot, fake_telegram, query):
    reply = await say(fake_telegram, f"/actor {query}")
    assert "three letters" in reply and "/actor NAME" in reply
