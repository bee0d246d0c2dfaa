"""Languages: the catalogue is complete in English and Ukrainian; every command answers in both."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from bot.core.i18n import LANGUAGES, MESSAGES, choose_language, plural_index, translator
from bot.tg.commands import COMMANDS
from tests.conftest import ADMIN_ID

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile("[а-яіїєґ]", re.IGNORECASE)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), f"{key}: missing a language"
        en, uk = texts["en"], texts["uk"]
        if isinstance(en, tuple):
            assert isinstance(uk, tuple), key
            assert (len(en), len(uk)) == (2, 3), f"{key}: en needs 2 plural forms, uk 3"
            forms = [_fields(form) for form in (*en, *uk)]
            assert all(f == forms[0] for f in forms), f"{key}: placeholders differ"
        else:
            assert _fields(en) == _fields(uk), f"{key}: placeholders differ"


def test_every_key_used_in_the_code_exists():
    used: set[str] = set()
    pattern = re.compile(r"""\btr(?:\.n)?\(\s*["']([a-z_.]+)["']""")
    usage = re.compile(r"""Usage\(\s*["']([a-z_.]+)["']""")
    for path in (ROOT / "bot").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(pattern.findall(text)) | set(usage.findall(text))
    used |= {f"cmd.{spec.name}" for spec in COMMANDS}
    missing = sorted(key for key in used if key not in MESSAGES)
    assert not missing, f"keys used but not in bot/i18n.py: {missing}"
    assert len(used) > 100


@pytest.mark.parametrize(
    ("count", "form"),
    [(1, 0), (2, 1), (4, 1), (5, 2), (11, 2), (12, 2), (21, 0), (22, 1), (25, 2), (111, 2)],
)
def test_ukrainian_plural_forms(count, form):
    assert plural_index("uk", count) == form
    tr = translator("uk")
    assert tr.n("sources.count", 1) == "1 джерело"
    assert tr.n("sources.count", 3) == "3 джерела"
    assert tr.n("sources.count", 5) == "5 джерел"


def test_dates_and_numbers_follow_the_language():
    assert translator("en").day(date(2026, 2, 17)) == "17 Feb 2026"
    assert translator("uk").day(date(2026, 2, 17)) == "17 лютого 2026"
    assert translator("en").number(12345) == "12,345"
    assert translator("uk").number(12345) == "12\u202f345"
    assert translator("en").n("sources.count", 1) == "1 source"


def test_language_choice():
    assert choose_language(None, "uk") == "uk"
    assert choose_language(None, "uk-UA") == "uk"
    assert choose_language(None, "de") == "en"
    assert choose_language("en", "uk") == "en"
    assert choose_language(None, None) == "en"


EVERY_COMMAND = [(spec.name, spec.admin_only) for spec in COMMANDS]


@pytest.mark.parametrize("language", ["en", "uk"])
async def test_every_command_answers_in_both_languages(bot, fake_telegram, language):
    for number, (name, admin_only) in enumerate(EVERY_COMMAND):
        chat = 70_000 + number + (1000 if language == "uk" else 0)
        user = ADMIN_ID if admin_only else chat
        fake_telegram.push_message(f"/{name}", chat_id=chat, user_id=user, language_code=language)
        [reply] = await fake_telegram.wait_for_messages(1, chat_id=chat)
        if language == "uk":
            assert CYRILLIC.search(reply), f"/{name} answered in English: {reply!r}"
        else:
            assert not CYRILLIC.search(reply), f"/{name} answered in Ukrainian: {reply!r}"
    assert not bot.bot_data.get("errors")


async def test_language_command_overrides_telegram_language(bot, service, fake_telegram):
    fake_telegram.push_message("/language uk", chat_id=555, language_code="en")
    [set_reply] = await fake_telegram.wait_for_messages(1, chat_id=555)
    assert set_reply == "Відповідатиму українською."
    fake_telegram.push_message("/help", chat_id=555, language_code="en")
    texts = await fake_telegram.wait_for_messages(2, chat_id=555)
    assert texts[1].startswith("Команди")
    fake_telegram.push_message("/language fr", chat_id=555, language_code="en")
    texts = await fake_telegram.wait_for_messages(3, chat_id=555)
    assert "Оберіть en або uk" in texts[2]


def test_no_button_or_reply_is_hard_coded_in_english():
    literal = re.compile(
        r"""(InlineKeyboardButton|reply_text|answer|edit_message_text)\(\s*f?["'][^"']*[A-Za-z]{3}"""
    )
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in (ROOT / "bot" / "tg").glob("*.py")
        for match in literal.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
