"""Property test: any text and arguments to any command get a reply and raise nothing."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.tg.commands import COMMANDS
from tests.conftest import ADMIN_ID

# /addfeed as an admin would fetch whatever URL the fuzzer invents: tests never touch the network.
ADMIN_SAFE = [spec.name for spec in COMMANDS if spec.name != "addfeed"]
EVERYONE = [spec.name for spec in COMMANDS]
chat_ids = itertools.count(10_000)

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30
).filter(lambda w: w.strip())
tricky = st.sampled_from(
    ["0", "-1", "999999999999999999999", "all", "<b>", "&amp;", "\u202e", "@", "/", "25:61",
     "Europe/Kyiv", "http://", "''", "\"", "*", "NEAR(", "AND", "tl:a:1", "\x00", "a\x00b"]
)  # fmt: skip


async def _one_reply(fake, text: str, chat_id: int, user_id: int) -> str:
    before = len(fake.sent_texts(chat_id))
    fake.push_message(text, chat_id=chat_id, user_id=user_id)
    texts = await fake.wait_for_messages(before + 1, chat_id=chat_id, timeout=15)
    return texts[-1]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(EVERYONE),
    args=st.lists(st.one_of(words, tricky), max_size=4),
)
async def test_any_arguments_from_a_reader_get_a_reply(bot, fake_telegram, command, args):
    chat_id = next(chat_ids)
    await _assert_a_reply(bot, fake_telegram, [f"/{command}", *args], chat_id, chat_id)


async def _assert_a_reply(bot, fake_telegram, words: list[str], chat_id: int, user_id: int):
    reply = await _one_reply(fake_telegram, " ".join(words), chat_id, user_id)
    assert reply.strip()
    assert not bot.bot_data.get("errors"), bot.bot_data.get("errors")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(ADMIN_SAFE),
    args=st.lists(st.one_of(words, tricky), max_size=4),
)
async def test_any_arguments_from_an_admin_get_a_reply(bot, fake_telegram, command, args):
    await _assert_a_reply(bot, fake_telegram, [f"/{command}", *args], next(chat_ids), ADMIN_ID)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.text(max_size=64))
async def test_any_button_data_gets_an_answer(bot, fake_telegram, data):
    before = len(fake_telegram.calls_to("answerCallbackQuery"))
    fake_telegram.push_callback(data or "x", chat_id=next(chat_ids))
    await fake_telegram.wait_for(
        lambda: len(fake_telegram.calls_to("answerCallbackQuery")) > before, timeout=15
    )
    assert not bot.bot_data.get("errors"), bot.bot_data.get("errors")
