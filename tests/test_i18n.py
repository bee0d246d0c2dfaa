"""Languages: every message is in the gettext catalogs of all five languages, with the same
placeholders; Babel's CLDR rules give plurals, dates, numbers and city names; every command
answers in each language."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.cli import catalogs
from bot.core.i18n import LANGUAGES, ROLE_CONTEXT, choose_language, translator
from bot.core.messages import SOURCE
from bot.tg.commands import COMMANDS
from tests.conftest import ADMIN_ID

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile("[а-яіїєґ]", re.IGNORECASE)
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _tags(text: str) -> list[str]:
    return sorted(re.findall(r"</?[a-z]+>", text))


def _catalog(lang: str):
    with catalogs.po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_and_role_is_translated_with_the_same_placeholders(lang):
    catalog = _catalog(lang)
    wanted = {(key, text if isinstance(text, str) else text[0]) for key, text in SOURCE.items()}
    wanted |= {(ROLE_CONTEXT, title) for title in catalogs.role_titles()}
    found = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    assert not wanted - found, f"{lang}: missing {sorted(wanted - found)[:5]}"
    assert not catalogs.untranslated(catalog), catalogs.untranslated(catalog)[:5]
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple):
            assert len(strings) == catalog.num_plurals, f"{lang} {message.context}: plural forms"
        for text in strings:
            assert _fields(text) == _fields(source), f"{lang} {message.context}: placeholders"
            assert _tags(text) == _tags(source), f"{lang} {message.context}: HTML tags"


def test_the_shipped_catalogs_are_compiled_from_the_current_source(capsys):
    # .pot, .po and .mo in step with bot/core/messages.py and the gazetteer's roles.
    assert catalogs.main(["--check"]) == 0, capsys.readouterr().err


def test_a_catalog_missing_a_message_or_with_a_changed_placeholder_is_reported(tmp_path):
    catalog = catalogs.merged("de", catalogs.template(catalogs.role_titles()))
    assert not catalogs.untranslated(catalog)
    stale = catalogs.merged("de", catalogs.template(["Keeper of the Lighthouse"]))
    assert catalogs.untranslated(stale) == ["role: Keeper of the Lighthouse"]
    assert not catalogs.mismatched(catalog)
    greeting = next(m for m in catalog if m.context == "hello.name")
    greeting.string = "Hallo, {nmae}!"
    bold = next(m for m in catalog if m.context == "addfeed.added")
    bold.string = bold.string.replace("</b>", "")
    assert catalogs.mismatched(catalog) == [
        "hello.name: Hello, {name}!",
        "addfeed.added: Added feed {id}: <b>{name}</b>",
    ]


def test_a_translation_with_broken_placeholders_falls_back_to_english(caplog):
    from bot.core import i18n

    assert i18n._fill("hello.name", "Hallo, {nmae}!", "Hello, {name}!", {"name": "Olena"}) == (
        "Hello, Olena!"
    )
    assert "hello.name" in caplog.text


def test_every_key_used_in_the_code_exists():
    used: set[str] = set()
    pattern = re.compile(r"""\btr(?:\.n)?\(\s*["']([a-z_.]+)["']""")
    usage = re.compile(r"""Usage\(\s*["']([a-z_.]+)["']""")
    for path in (ROOT / "bot").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(pattern.findall(text)) | set(usage.findall(text))
    used |= {f"cmd.{spec.name}" for spec in COMMANDS}
    missing = sorted(key for key in used if key not in SOURCE)
    assert not missing, f"keys used but not in bot/core/messages.py: {missing}"
    assert len(used) > 100


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        ("uk", {1: "1 джерело", 3: "3 джерела", 5: "5 джерел", 11: "11 джерел", 21: "21 джерело"}),
        ("pl", {1: "1 źródło", 3: "3 źródła", 5: "5 źródeł", 22: "22 źródła", 25: "25 źródeł"}),
        ("de", {1: "1 Quelle", 2: "2 Quellen"}),
        ("en", {1: "1 source", 2: "2 sources", 1000: "1,000 sources"}),
    ],
)
def test_plural_forms_follow_each_languages_rule(lang, counts):
    tr = translator(lang)
    for count, text in counts.items():
        assert tr.n("sources.count", count) == text


def test_dates_numbers_and_cities_follow_the_language():
    day = date(2026, 2, 17)
    assert translator("en").day(day) == "17 Feb 2026"
    assert translator("uk").day(day).replace("\u202f", " ") == "17 лютого 2026 р."
    assert translator("de").day(day) == "17. Februar 2026"
    assert translator("fr").day(day) == "17 février 2026"
    assert translator("pl").day(day) == "17 lutego 2026"
    assert translator("en").number(12345) == "12,345"
    assert translator("de").number(12345) == "12.345"
    assert translator("uk").number(12345).replace("\xa0", " ") == "12 345"
    from zoneinfo import ZoneInfo

    assert translator("pl").city(ZoneInfo("Europe/Kyiv")) == "Kijów"
    assert translator("uk").city(ZoneInfo("Europe/Warsaw")) == "Варшава"


def test_actor_roles_are_translated():
    assert translator("uk").role("President of Russia") != "President of Russia"
    assert translator("de").role("President of Russia") != "President of Russia"
    assert translator("en").role("President of Russia") == "President of Russia"
    assert translator("fr").role("A role no catalog knows") == "A role no catalog knows"


def test_language_choice():
    assert choose_language(None, "uk") == "uk"
    assert choose_language(None, "uk-UA") == "uk"
    assert choose_language(None, "de") == "de"
    assert choose_language(None, "pl-PL") == "pl"
    assert choose_language(None, "fr_CA") == "fr"
    assert choose_language(None, "ru") == "en"
    assert choose_language("en", "uk") == "en"
    assert choose_language(None, None) == "en"


EVERY_COMMAND = [(spec.name, spec.admin_only) for spec in COMMANDS]


async def test_every_command_answers_in_each_language(bot, fake_telegram):
    replies: dict[str, dict[str, str]] = {}
    for offset, language in enumerate(LANGUAGES):
        for number, (name, admin_only) in enumerate(EVERY_COMMAND):
            chat = 70_000 + number + 1000 * offset
            user = ADMIN_ID if admin_only else chat
            fake_telegram.push_message(
                f"/{name}", chat_id=chat, user_id=user, language_code=language
            )
            [reply] = await fake_telegram.wait_for_messages(1, chat_id=chat)
            replies.setdefault(language, {})[name] = reply
    for name, english in replies["en"].items():
        if name != "language":  # which lists every language by its own name
            assert not CYRILLIC.search(english), f"/{name} answered en in Ukrainian: {english!r}"
        assert CYRILLIC.search(replies["uk"][name]), f"/{name} answered uk in English"
        for language in ("de", "fr", "pl"):
            assert replies[language][name] != english, f"/{name} answered {language} in English"
    assert not bot.bot_data.get("errors")


async def test_language_lists_every_language_and_switches(bot, service, fake_telegram):
    fake_telegram.push_message("/language", chat_id=555, language_code="en")
    [listing] = await fake_telegram.wait_for_messages(1, chat_id=555)
    for name in ("English", "українська", "Deutsch", "français", "polski"):
        assert name in listing
    fake_telegram.push_message("/language uk", chat_id=555, language_code="en")
    texts = await fake_telegram.wait_for_messages(2, chat_id=555)
    assert texts[1] == "Відповідатиму українською."
    fake_telegram.push_message("/help", chat_id=555, language_code="en")
    texts = await fake_telegram.wait_for_messages(3, chat_id=555)
    assert texts[2].startswith("Команди")
    assert "[ГГ:ХХ]" in texts[2] and "HH:MM" not in texts[2]
    fake_telegram.push_message("/language xx", chat_id=555, language_code="en")
    texts = await fake_telegram.wait_for_messages(4, chat_id=555)
    assert "en, uk, de, fr, pl" in texts[3] and CYRILLIC.search(texts[3])
    fake_telegram.push_message("/language pl", chat_id=555, language_code="en")
    fake_telegram.push_message("/timeline 1", chat_id=555, language_code="en")
    texts = await fake_telegram.wait_for_messages(6, chat_id=555)
    assert "1 dzień" in texts[5] or "1 dnia" in texts[5], texts[5]


async def test_a_polish_telegram_client_gets_polish_without_asking(bot, fake_telegram):
    fake_telegram.push_message("/start", chat_id=556, language_code="pl")
    [reply] = await fake_telegram.wait_for_messages(1, chat_id=556)
    assert re.sub("<[^>]+>", "", translator("pl")("start.body")) in reply


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
