"""Reading the bundled data files (topic, actors, places): the file I/O the analysers leave out.

Each file is compiled once per content: an edited file is compiled again on next use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from bot.analysis.actors import Gazetteer
from bot.analysis.gazetteer_file import parse_gazetteer, parse_places
from bot.analysis.places import Places
from bot.analysis.relevance import Topic
from bot.analysis.topic_file import parse_topic

T = TypeVar("T")


def resolve_data_path(path: Path) -> Path:
    """A data file path as configured: relative to the working directory, else to the repo."""
    if path.is_absolute() or path.exists():
        return path
    bundled = Path(__file__).resolve().parent.parent / path
    return bundled if bundled.exists() else path


def _read(path: str | Path, parse: Callable[[str], T]) -> T:
    """Read ``path`` and parse it; raise ValueError naming the file and the problem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{file}: cannot read the file ({error})") from None
    try:
        return parse(text)
    except ValueError as error:
        raise ValueError(f"{file}: {error}") from None


def _stamp(path: Path) -> tuple[int, int]:
    """A file's identity for the compile cache (0, 0 when it cannot be read)."""
    try:
        stat = path.stat()
    except OSError:
        return 0, 0
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _topic(path: Path, stamp: tuple[int, int]) -> Topic:
    return _read(path, parse_topic)


@lru_cache(maxsize=8)
def _gazetteer(path: Path, stamp: tuple[int, int]) -> Gazetteer:
    return _read(path, parse_gazetteer)


@lru_cache(maxsize=8)
def _places(path: Path, stamp: tuple[int, int]) -> Places:
    return _read(path, parse_places)


def load_topic(path: str | Path) -> Topic:
    """The compiled topic definition in ``path`` (ValueError naming the file and the problem)."""
    file = Path(path)
    return _topic(file, _stamp(file))


def load_gazetteer(path: str | Path) -> Gazetteer:
    """The compiled actor gazetteer in ``path`` (ValueError naming the file and the problem)."""
    file = Path(path)
    return _gazetteer(file, _stamp(file))


def load_places(path: str | Path) -> Places:
    """The compiled places gazetteer in ``path`` (ValueError naming the file and the problem)."""
    file = Path(path)
    return _places(file, _stamp(file))
