"""Configuration: TOML file + environment → one frozen, validated Settings object.

Lookup order: ``--config PATH``, else ``$BRIEFBOT_CONFIG``, else ``./config.toml`` when present,
else built-in defaults. ``BRIEFBOT_TOKEN`` overrides ``[telegram] token``. Every problem is raised
as a :class:`ConfigError` whose message names the key, so the CLI can print one line and exit 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_CONFIG = "BRIEFBOT_CONFIG"
ENV_TOKEN = "BRIEFBOT_TOKEN"
DEFAULT_CONFIG_FILE = "config.toml"


class ConfigError(Exception):
    """A configuration problem, phrased as one line that names the key."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    base_url: str = ""
    admins: tuple[int, ...] = ()
    mode: str = "polling"
    webhook_url: str = ""
    listen: str = "0.0.0.0"
    port: int = 8443
    secret_token: str = ""


@dataclass(frozen=True)
class StorageSettings:
    path: Path = Path("data/briefbot.db")
    off_topic_days: int = 30
    off_topic_per_feed: int = 2000


@dataclass(frozen=True)
class FeedSettings:
    poll_interval: int = 600
    allow_private_networks: bool = False
    min_interval: int = 300
    max_interval: int = 86_400
    concurrency: int = 32
    per_host_concurrency: int = 4
    timeout: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024
    parse_workers: int = 0
    defaults_file: Path = Path("data/feeds.toml")


@dataclass(frozen=True)
class AnalysisSettings:
    relevance_threshold: float = 0.5
    topic_file: Path = Path("data/topic.toml")
    actors_file: Path = Path("data/actors.toml")
    places_file: Path = Path("data/places.toml")


@dataclass(frozen=True)
class DigestSettings:
    default_time: time = time(8, 0)
    default_timezone: str = "Europe/Kyiv"
    max_stories: int = 8


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from configuration, validated once."""

    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    source: str = "built-in defaults"


# --- value parsers: each takes the raw TOML value and returns the typed value or raises ValueError


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}


def parse_duration(value: Any) -> int:
    """Parse ``"10m"``, ``"90s"``, ``"2h"``, ``"1d"`` or a number of seconds into seconds (> 0)."""
    if isinstance(value, bool):
        raise ValueError('expected a duration such as "10m", "90s" or "2h"')
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise ValueError('expected a duration such as "10m", "90s" or "2h"')
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    if seconds > 366 * 86_400:
        raise ValueError("must be at most a year")
    return seconds


def parse_clock_time(value: Any) -> time:
    """Parse ``"HH:MM"`` (24-hour clock)."""
    if isinstance(value, str) and (match := re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError('expected a time "HH:MM" such as "08:00"')


def parse_timezone(value: Any) -> str:
    """Accept an IANA zone name such as ``Europe/Kyiv``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError('expected an IANA time zone such as "Europe/Kyiv"')
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f'unknown time zone "{value}" (use a name such as "Europe/Kyiv")'
        ) from None
    return value.strip()


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value.strip()


def _base_url(value: Any) -> str:
    url = _string(value)
    if url and not re.match(r"^https?://", url):
        raise ValueError('expected an http(s) URL such as "http://127.0.0.1:8081/bot"')
    return url


def _mode(value: Any) -> str:
    if value not in ("polling", "webhook"):
        raise ValueError('expected "polling" or "webhook"')
    return str(value)


def _webhook_url(value: Any) -> str:
    url = _string(value)
    if url and not re.match(r"^https://[^/\s]+", url):
        raise ValueError(
            'expected the public https URL Telegram posts to, e.g. "https://bot.example.org/briefbot"'
        )
    return url


_BOT_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,100}")


def _bot_token(value: Any) -> str:
    """A bot token as @BotFather gives it: the bot's number, a colon, the secret."""
    token = _string(value)
    if token and not _BOT_TOKEN.fullmatch(token):
        raise ValueError("expected the token @BotFather gave, digits:secret (e.g. 123456:ABC-…)")
    return token


def _secret_token(value: Any) -> str:
    token = _string(value)
    if token and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", token):
        raise ValueError("1-256 characters: letters, digits, _ and - only")
    return token


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _int_range(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number between 0 and 1")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError("must be between 0 and 1")
    return float(value)


def _seconds_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
        raise ValueError("expected a number of seconds between 0 and 3600")
    return float(value)


def _path(value: Any) -> Path:
    text = _string(value)
    if not text:
        raise ValueError("must not be empty")
    return Path(text)


def _admins(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ValueError("expected a list of Telegram user ids, e.g. [123456789]")
    ids = []
    for entry in value:
        if isinstance(entry, bool) or not isinstance(entry, int) or entry <= 0:
            raise ValueError(f"{entry!r} is not a Telegram user id (a positive whole number)")
        ids.append(entry)
    return tuple(ids)


def _bytes_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise ValueError("expected a number of bytes (at least 1024)")
    return value


# section → key → (dataclass field, parser)
_SCHEMA: dict[str, tuple[type, dict[str, Callable[[Any], Any]]]] = {
    "telegram": (
        TelegramSettings,
        {
            "token": _bot_token,
            "base_url": _base_url,
            "admins": _admins,
            "mode": _mode,
            "webhook_url": _webhook_url,
            "listen": _string,
            "port": _int_range(1, 65535),
            "secret_token": _secret_token,
        },
    ),
    "storage": (
        StorageSettings,
        {
            "path": _path,
            "off_topic_days": _int_range(1, 3650),
            "off_topic_per_feed": _int_range(10, 1_000_000),
        },
    ),
    "feeds": (
        FeedSettings,
        {
            "poll_interval": parse_duration,
            "allow_private_networks": _bool,
            "min_interval": parse_duration,
            "max_interval": parse_duration,
            "concurrency": _int_range(1, 512),
            "per_host_concurrency": _int_range(1, 64),
            "timeout": _seconds_float,
            "max_body_bytes": _bytes_size,
            "parse_workers": _int_range(0, 32),
            "defaults_file": _path,
        },
    ),
    "analysis": (
        AnalysisSettings,
        {
            "relevance_threshold": _fraction,
            "topic_file": _path,
            "actors_file": _path,
            "places_file": _path,
        },
    ),
    "digest": (
        DigestSettings,
        {
            "default_time": parse_clock_time,
            "default_timezone": parse_timezone,
            "max_stories": _int_range(1, 50),
        },
    ),
}


def settings_from_mapping(raw: Mapping[str, Any], source: str = "<mapping>") -> Settings:
    """Validate a parsed TOML document and build Settings; raise ConfigError naming the key."""
    sections: dict[str, Any] = {}
    for section_name, section_value in raw.items():
        if section_name not in _SCHEMA:
            known = ", ".join(f"[{name}]" for name in _SCHEMA)
            raise ConfigError(f"{section_name}: unknown section (known: {known})")
        if not isinstance(section_value, dict):
            raise ConfigError(f"{section_name}: expected a [{section_name}] table")
        cls, parsers = _SCHEMA[section_name]
        values = {}
        for key, value in section_value.items():
            if key not in parsers:
                raise ConfigError(
                    f"{section_name}.{key}: unknown key (known: {', '.join(parsers)})"
                )
            try:
                values[key] = parsers[key](value)
            except ValueError as error:
                raise ConfigError(f"{section_name}.{key}: {error}") from None
        sections[section_name] = cls(**values)
    settings = Settings(**sections, source=source)
    telegram = settings.telegram
    if telegram.mode == "webhook":
        if not telegram.webhook_url:
            raise ConfigError('telegram.webhook_url: required when telegram.mode is "webhook"')
        if not telegram.secret_token:
            raise ConfigError(
                'telegram.secret_token: required when telegram.mode is "webhook" '
                "(Telegram sends it with every update; others are refused)"
            )
    feeds = settings.feeds
    if feeds.min_interval > feeds.max_interval:
        raise ConfigError("feeds.min_interval: must not be longer than feeds.max_interval")
    return settings


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load settings following the documented lookup order and apply environment overrides."""
    env = os.environ if environ is None else environ
    explicit = path if path is not None else env.get(ENV_CONFIG) or None
    if explicit is not None:
        file = Path(explicit)
        label = "--config" if path is not None else ENV_CONFIG
        if not file.is_file():
            raise ConfigError(f"{label}: config file {str(file)!r} not found")
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        file = Path(DEFAULT_CONFIG_FILE)
    else:
        file = None

    if file is None:
        settings = Settings()
    else:
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{file}: not valid TOML ({error})") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{file}: cannot be read ({error})") from None
        settings = settings_from_mapping(raw, source=str(file))

    token = env.get(ENV_TOKEN)
    if token:
        try:
            token = _bot_token(token.strip())
        except ValueError as error:
            raise ConfigError(f"{ENV_TOKEN}: {error}") from None
        settings = replace_section(settings, "telegram", token=token)
    return settings


def replace_section(settings: Settings, section: str, **changes: Any) -> Settings:
    """Return a copy of settings with some keys of one section changed (used by tests and env)."""
    from dataclasses import replace

    return replace(settings, **{section: replace(getattr(settings, section), **changes)})
