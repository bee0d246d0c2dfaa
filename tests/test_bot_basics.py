"""End to end through the fake Bot API: the bot starts, answers /start and /help."""

from __future__ import annotations

from tests.conftest import ADMIN_ID


async def test_start_greets_and_explains(bot, fake_telegram):
    fake_telegram.push_message("/start", chat_id=77, first_name="Olena")
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=77)
    assert "Hello, Olena!" in reply
    assert "security guarantees for Ukraine" in reply
    assert "/help" in reply


async def test_help_lists_commands_for_a_reader(bot, fake_telegram):
    fake_telegram.push_message("/help", chat_id=78)
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=78)
    assert "/start" in reply and "/help" in reply
    assert "Admin commands" not in reply


async def test_help_in_a_group_with_bot_mention(bot, fake_telegram):
    fake_telegram.push_message("/help@briefbot_test_bot", chat_id=-500, chat_type="group")
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=-500)
    assert "/help" in reply


async def test_command_list_is_published_on_start_in_every_language(bot, fake_telegram):
    calls = await fake_telegram.wait_for(
        lambda: len(found := fake_telegram.calls_to("setMyCommands")) == 5 and found
    )
    english, ukrainian = calls[0], calls[1]
    assert [call.params.get("language_code") for call in calls[1:]] == ["uk", "de", "fr", "pl"]
    names = [command["command"] for command in english.params["commands"]]
    assert "start" in names and "help" in names and "addfeed" not in names
    assert "language_code" not in english.params
    assert ukrainian.params["language_code"] == "uk"
    help_uk = next(c for c in ukrainian.params["commands"] if c["command"] == "help")
    assert help_uk["description"] == "Команди, доступні вам"


async def test_bot_starts_even_when_set_my_commands_fails(service, fake_telegram):
    from tests.botharness import running_bot

    fake_telegram.fail("setMyCommands", 400, "Bad Request: commands are invalid")
    async with running_bot(service):
        fake_telegram.push_message("/start", chat_id=79)
        assert await fake_telegram.wait_for_messages(1, chat_id=79)


async def test_replies_are_html_with_link_previews_off(bot, fake_telegram):
    fake_telegram.push_message("/start", chat_id=80, first_name="<Bob & Co>")
    await fake_telegram.wait_for_messages(1, chat_id=80)
    call = [c for c in fake_telegram.calls_to("sendMessage") if c.params["chat_id"] == 80][0]
    assert call.params["parse_mode"] == "HTML"
    assert "&lt;Bob &amp; Co&gt;" in call.params["text"]
    assert call.params["link_preview_options"]["is_disabled"] is True


async def test_admin_sees_admin_section_only_when_admin_commands_exist(bot, fake_telegram):
    fake_telegram.push_message("/help", chat_id=ADMIN_ID)
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=ADMIN_ID)
    assert "/help" in reply


def search_fails_with(monkeypatch, error: Exception) -> None:
    """Make the service call behind /search raise ``error``."""
    from bot.briefing import reading as briefing

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(briefing, "search", fails)


async def test_a_command_that_crashes_still_gets_an_apology(bot, fake_telegram, monkeypatch):
    search_fails_with(monkeypatch, RuntimeError("disk on fire"))
    fake_telegram.push_message("/search ceasefire", chat_id=1777)
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=1777)
    assert "went wrong on my side" in reply
    assert "disk on fire" not in reply
    assert [str(error) for error in bot.bot_data["errors"]] == ["disk on fire"]


async def test_a_button_that_crashes_answers_with_an_alert(bot, fake_telegram, monkeypatch):
    from bot.briefing import reading as briefing

    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(briefing, "timeline_page_async", broken)
    fake_telegram.push_callback("tl:a:1", chat_id=1778)
    answers = await fake_telegram.wait_for(
        lambda: fake_telegram.calls_to("answerCallbackQuery"), timeout=15
    )
    assert "went wrong on my side" in answers[-1].params["text"]
    assert answers[-1].params["show_alert"] in (True, "true")


async def test_no_apology_is_attempted_when_telegram_itself_failed(bot, fake_telegram, monkeypatch):
    from telegram.error import TimedOut

    search_fails_with(monkeypatch, TimedOut("the reply may or may not have arrived"))
    fake_telegram.push_message("/search ceasefire", chat_id=1779)
    fake_telegram.push_message("/help", chat_id=1779)  # updates run in order: after the error
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=1779)
    assert "went wrong" not in reply and "/search" in reply
    assert isinstance(bot.bot_data["errors"][-1], TimedOut)


async def test_a_reply_telegram_rejects_as_malformed_still_gets_an_apology(
    bot, fake_telegram, monkeypatch
):
    from telegram.error import BadRequest

    search_fails_with(monkeypatch, BadRequest("Can't parse entities: unsupported start tag"))
    fake_telegram.push_message("/search ceasefire", chat_id=1780)
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=1780)
    assert "went wrong on my side" in reply
