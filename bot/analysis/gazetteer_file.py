"""Reading a gazetteer file (`data/actors.toml`) into a :class:`~bot.analysis.actors.Gazetteer`.

Every entry is checked, and a mistake is reported as a ValueError naming the entry and key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bot.analysis.actors import KINDS, Actor, Gazetteer, Role, name_key, nfc
from bot.analysis.places import Places


def _parse_date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{where}: expected a date such as 2025-01-20, got {value!r}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: expected a list of non-empty strings")
    return tuple(dict.fromkeys(nfc(v.strip()) for v in value))


def _actor(raw: Any, index: int) -> Actor:
    if not isinstance(raw, Mapping):
        raise ValueError(f"actor #{index}: expected a table")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"actor #{index}: missing name")
    where = f"actor {name!r}"
    known = {"name", "kind", "aliases", "weak", "metonyms", "roles", "part_of"}
    if unknown := sorted(set(raw) - known):
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    roles_raw = raw.get("roles", [])
    if not isinstance(roles_raw, list):
        raise ValueError(f"{where}: roles must be a list of tables")
    roles = []
    for role in roles_raw:
        if not isinstance(role, Mapping) or not isinstance(role.get("title"), str):
            raise ValueError(f"{where}: each role needs a title")
        start = _parse_date(role.get("start"), f"{where} role {role['title']!r} start")
        end = _parse_date(role.get("end"), f"{where} role {role['title']!r} end")
        if start and end and end <= start:
            raise ValueError(f"{where}: role {role['title']!r} ends before it starts")
        roles.append(Role(role["title"].strip(), start, end))
    part_of = raw.get("part_of")
    if part_of is not None and not (isinstance(part_of, str) and part_of.strip()):
        raise ValueError(f"{where}: part_of must be an actor name")
    return Actor(
        name=nfc(name.strip()),
        kind=kind,
        aliases=_strings(raw.get("aliases"), f"{where} aliases"),
        roles=tuple(roles),
        weak=_strings(raw.get("weak"), f"{where} weak"),
        metonyms=_strings(raw.get("metonyms"), f"{where} metonyms"),
        part_of=part_of.strip() if isinstance(part_of, str) else None,
    )


def _check_conflicts(actors: Iterable[Actor]) -> None:
    owner: dict[str, str] = {}
    for actor in actors:
        for alias in (actor.name, *actor.aliases):
            key = name_key(alias)
            other = owner.setdefault(key, actor.name)
            if other != actor.name:
                raise ValueError(
                    f"alias {alias!r} belongs to both {other!r} and {actor.name!r} "
                    "(make it weak in both if it is really shared)"
                )


def parse_gazetteer(text: str) -> Gazetteer:
    """Build a Gazetteer from TOML text; raise ValueError naming the problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML ({error})") from None
    items = raw.get("actor")
    if not isinstance(items, list) or not items:
        raise ValueError("no [[actor]] tables found")
    actors: dict[str, Actor] = {}
    for index, item in enumerate(items, start=1):
        actor = _actor(item, index)
        if actor.name in actors:
            raise ValueError(f"actor {actor.name!r} is defined twice")
        actors[actor.name] = actor
    for actor in actors.values():
        if actor.part_of is not None and actor.part_of not in actors:
            raise ValueError(f"actor {actor.name!r}: part_of names unknown actor {actor.part_of!r}")
    _check_conflicts(actors.values())
    ignore = _strings(raw.get("ignore"), "ignore")
    return Gazetteer(actors=actors, ignore=ignore)


def parse_places(text: str) -> Places:
    """Build the places gazetteer from TOML text (``[[place]]`` tables); ValueError naming the
    problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML ({error})") from None
    items = raw.get("place")
    if not isinstance(items, list) or not items:
        raise ValueError("no [[place]] tables found")
    places: dict[str, Actor] = {}
    common: set[str] = set()
    known = {"name", "aliases", "weak", "part_of", "common"}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise ValueError(f"place #{index}: expected a table")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"place #{index}: missing name")
        where = f"place {name!r}"
        if unknown := sorted(set(item) - known):
            raise ValueError(
                f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        if not isinstance(item.get("common", False), bool):
            raise ValueError(f"{where}: common must be true or false")
        part_of = item.get("part_of")
        if part_of is not None and not (isinstance(part_of, str) and part_of.strip()):
            raise ValueError(f"{where}: part_of must be a place name")
        place = Actor(
            name=nfc(name.strip()),
            kind="place",
            aliases=tuple(dict.fromkeys(_strings(item.get("aliases"), f"{where} aliases"))),
            weak=_strings(item.get("weak"), f"{where} weak"),
            part_of=part_of.strip() if isinstance(part_of, str) else None,
        )
        if place.name in places:
            raise ValueError(f"{where} is defined twice")
        places[place.name] = place
        if item.get("common", False):
            common.add(place.name)
    for place in places.values():
        if place.part_of is not None and place.part_of not in places:
            raise ValueError(f"place {place.name!r}: part_of names unknown place {place.part_of!r}")
    _check_conflicts(places.values())
    ignore = _strings(raw.get("ignore"), "ignore")
    return Places(Gazetteer(actors=places, ignore=ignore), frozenset(common))
