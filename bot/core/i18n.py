"""The bot's own words in five languages: gettext catalogs for text, Babel for plural rules,
dates, numbers and place names.

Every user-facing chat string goes through :class:`Translator`. English is the source
(:mod:`bot.core.messages`); the other languages are compiled gettext catalogs shipped in
``bot/core/locale/<lang>/LC_MESSAGES/briefbot.mo``, whose ``Plural-Forms`` come from CLDR through
Babel. Values may contain Telegram HTML; placeholders are filled with text the caller has
already escaped.
"""

from __future__ import annotations

import gettext
import logging
from dataclasses import dataclass, field
from datetime import date, tzinfo
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, get_timezone_location
from babel.numbers import format_decimal

from bot.core.messages import SOURCE

log = logging.getLogger(__name__)

LANGUAGES = ("en", "uk", "de", "fr", "pl")
DEFAULT = "en"
DOMAIN = "briefbot"
LOCALE_DIR = Path(__file__).with_name("locale")
ROLE_CONTEXT = "role"  # gettext context of actor roles ("President of Russia")

# CLDR locale per UI language: British English writes "17 Feb 2026".
_BABEL_LOCALE = {"en": "en_GB", "uk": "uk", "de": "de", "fr": "fr", "pl": "pl"}
# A medium date in English; elsewhere the long one, whose month is a word ("17 лютого 2026 р.").
_DATE_FORMAT = {"en": "medium"}


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English, the source, needs none)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def language_name(lang: str) -> str:
    """A language's own name for itself: English, українська, Deutsch, français, polski."""
    return Locale.parse(_BABEL_LOCALE.get(lang, lang)).get_language_name() or lang


def language_choices() -> str:
    """``en`` English, ``uk`` українська, … as /language lists them."""
    return ", ".join(f"<code>{lang}</code> {language_name(lang)}" for lang in LANGUAGES)


def choose_language(preference: str | None, telegram_code: str | None) -> str:
    """A stored /language choice wins; else the Telegram client's language when we speak it."""
    if preference in LANGUAGES:
        return preference
    if telegram_code:
        base = telegram_code.lower().replace("_", "-").split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT


@dataclass(frozen=True)
class Translator:
    """Message lookup and formatting for one language."""

    lang: str = DEFAULT
    _catalog: gettext.NullTranslations = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_catalog", catalog(self.lang))

    @property
    def locale(self) -> str:
        """The CLDR locale of this language."""
        return _BABEL_LOCALE[self.lang]

    def __call__(self, key: str, **values: object) -> str:
        source = SOURCE[key]
        assert isinstance(source, str), f"{key} is a plural message: use .n()"
        text = self._catalog.pgettext(key, source)
        return _fill(key, text, source, values) if values else text

    def n(self, key: str, count: int, **values: object) -> str:
        """A message with a count, in the plural form the language's CLDR rule picks."""
        source = SOURCE[key]
        assert isinstance(source, tuple), f"{key} is not a plural message"
        text = self._catalog.npgettext(key, source[0], source[1], count)
        english = source[0] if count == 1 else source[1]
        return _fill(key, text, english, {"n": self.number(count), **values})

    def role(self, title: str) -> str:
        """An actor's role in this language (as given when no catalog has it); roles held at
        once come joined by "; ", each translated."""
        whole = self._catalog.pgettext(ROLE_CONTEXT, title)
        if whole != title or "; " not in title:
            return whole
        return "; ".join(self._catalog.pgettext(ROLE_CONTEXT, part) for part in title.split("; "))

    def day(self, day: date) -> str:
        """17 Feb 2026 / 17 лютого 2026 р. / 17. Februar 2026 / 17 février 2026 / 17 lutego 2026."""
        return format_date(day, _DATE_FORMAT.get(self.lang, "long"), locale=self.locale)

    def short_day(self, day: date, *, year: bool = False) -> str:
        """17 Feb / 17 лют. / 17. Feb. (with the year: 17 Feb 2026): chart labels."""
        skeleton = "yMMMd" if year else "MMMd"
        return format_skeleton(skeleton, day, locale=self.locale)

    def number(self, value: int) -> str:
        """1,234 / 1 234 / 1.234 as the language writes it."""
        return format_decimal(value, locale=self.locale)

    def city(self, zone: tzinfo) -> str:
        """A time zone's city in this language: Kyiv / Київ / Kiew / Kyiv / Kijów."""
        return get_timezone_location(zone, locale=self.locale, return_city=True)


def _fill(key: str, text: str, english: str, values: dict[str, object]) -> str:
    """Placeholders filled in; a translation whose placeholders are broken falls back to the
    English (logged) rather than failing the whole reply."""
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        log.warning("translation of %s has broken placeholders; using the English", key)
        return english.format(**values)


def translator(lang: str | None) -> Translator:
    """The Translator for a language code (English for anything unknown)."""
    return Translator(lang if lang in LANGUAGES else DEFAULT)
