"""Reading a topic file (`data/topic.toml`) into a compiled :class:`~bot.analysis.relevance.Topic`.

Every key is checked, and a mistake is reported as a ValueError naming the key or term.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from bot.analysis.relevance import (
    GAP_TOKEN,
    NO_SPACE_SCRIPT,
    WORD_RUN,
    WORD_TOKEN,
    Group,
    Term,
    Topic,
    build_index,
    normalise,
)

_LANGUAGE_KEY = re.compile(r"^(?:[a-z]{2,3}|any)$")
_TOPIC_KEYS = {
    "name": "a non-empty string",
    "description": "a string",
    "threshold_hint": "a number between 0 and 1",
    "title_weight": "a positive number",
    "bias": "a number",
    "other_language_factor": "a number between 0 and 1",
    "missing_cap": "a number between 0 and 1",
    "shield": "a number between 0 and 1",
    "repeat_bonus": "a number between 0 and 1",
    "max_repeats": "a whole number between 1 and 20",
    "body_chars": "a whole number of characters, at least 100",
}
_GROUP_KEYS = {"name", "description", "required", "weight", "scale", "terms"}
_TIER_META_KEYS = {"weight", "note", "cap"}


def parse_topic(text: str) -> Topic:
    """Compile a topic from TOML text; raise ValueError naming the key or term that is wrong."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML ({error})") from None
    unknown = set(raw) - {"topic", "groups"}
    if unknown:
        raise ValueError(f"{sorted(unknown)[0]}: unknown section (known: [topic], [[groups]])")
    head = raw.get("topic")
    if not isinstance(head, dict):
        raise ValueError('topic: missing [topic] table with at least name = "..."')
    settings = _topic_settings(head)
    groups_raw = raw.get("groups")
    if not isinstance(groups_raw, list) or not groups_raw:
        raise ValueError("groups: at least one [[groups]] table is needed")
    groups = tuple(_group(entry, index) for index, entry in enumerate(groups_raw))
    names = [group.name for group in groups]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"groups: duplicate group name {name!r}")
    if not any(group.required for group in groups):
        raise ValueError("groups: at least one group must have required = true")
    languages = frozenset(
        language for group in groups for term in group.terms for language in term.languages
    )
    return Topic(
        groups=groups, languages=languages - {"any"}, index=build_index(groups), **settings
    )


def _number(value: Any, key: str, low: float | None, high: float | None, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key}: expected {what}")
    number = float(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{key}: expected {what}, got {value}")
    return number


def _topic_settings(head: Mapping[str, Any]) -> dict[str, Any]:
    for key in head:
        if key not in _TOPIC_KEYS:
            raise ValueError(f"topic.{key}: unknown key (known: {', '.join(_TOPIC_KEYS)})")
    name = head.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"topic.name: expected {_TOPIC_KEYS['name']}")
    description = head.get("description", "")
    if not isinstance(description, str):
        raise ValueError("topic.description: expected a string")

    def num(key: str, default: float, low: float | None, high: float | None) -> float:
        return _number(head.get(key, default), f"topic.{key}", low, high, _TOPIC_KEYS[key])

    title_weight = num("title_weight", 2.5, 0.0, None)
    if title_weight <= 0:
        raise ValueError(f"topic.title_weight: expected {_TOPIC_KEYS['title_weight']}")
    max_repeats = head.get("max_repeats", 4)
    if (
        isinstance(max_repeats, bool)
        or not isinstance(max_repeats, int)
        or not (1 <= max_repeats <= 20)
    ):
        raise ValueError(f"topic.max_repeats: expected {_TOPIC_KEYS['max_repeats']}")
    body_chars = head.get("body_chars", 3000)
    if isinstance(body_chars, bool) or not isinstance(body_chars, int) or body_chars < 100:
        raise ValueError(f"topic.body_chars: expected {_TOPIC_KEYS['body_chars']}")
    return {
        "body_chars": body_chars,
        "name": name.strip(),
        "description": description.strip(),
        "threshold_hint": num("threshold_hint", 0.5, 0.0, 1.0),
        "title_weight": title_weight,
        "bias": num("bias", -6.0, None, None),
        "other_language_factor": num("other_language_factor", 0.85, 0.0, 1.0),
        "missing_cap": num("missing_cap", 0.25, 0.0, 1.0),
        "shield": num("shield", 0.5, 0.0, 1.0),
        "repeat_bonus": num("repeat_bonus", 0.5, 0.0, 1.0),
        "max_repeats": max_repeats,
    }


def _group(entry: Any, index: int) -> Group:
    where = f"groups[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a [[groups]] table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}.name: expected a non-empty string")
    where = f"groups.{name.strip()}"
    for key in entry:
        if key not in _GROUP_KEYS:
            raise ValueError(
                f"{where}.{key}: unknown key (known: {', '.join(sorted(_GROUP_KEYS))})"
            )
    required = entry.get("required", False)
    if not isinstance(required, bool):
        raise ValueError(f"{where}.required: expected true or false")
    weight = _number(entry.get("weight", 1.0), f"{where}.weight", None, None, "a number")
    if weight == 0:
        raise ValueError(f"{where}.weight: must not be zero")
    if required and weight < 0:
        raise ValueError(f"{where}.required: a group with a negative weight cannot be required")
    scale = _number(entry.get("scale", 3.0), f"{where}.scale", 0.0, None, "a positive number")
    if scale <= 0:
        raise ValueError(f"{where}.scale: expected a positive number")
    tiers = entry.get("terms")
    if not isinstance(tiers, list) or not tiers:
        raise ValueError(f"{where}.terms: expected at least one [[groups.terms]] table")
    # pattern → (weight, tier, languages); a pattern listed twice keeps its highest weight
    collected: dict[str, tuple[float, int, set[str]]] = {}
    caps: list[float] = []
    for tier_index, tier in enumerate(tiers):
        tier_where = f"{where}.terms[{tier_index}]"
        if not isinstance(tier, dict):
            raise ValueError(f"{tier_where}: expected a table of language = [terms]")
        term_weight = _number(
            tier.get("weight", 1.0), f"{tier_where}.weight", 0.0, None, "a positive number"
        )
        if term_weight <= 0:
            raise ValueError(f"{tier_where}.weight: expected a positive number")
        cap = _number(tier.get("cap", math.inf), f"{tier_where}.cap", 0, None, "a positive number")
        if cap <= 0:
            raise ValueError(f"{tier_where}.cap: expected a positive number")
        caps.append(cap)
        for language, patterns in tier.items():
            if language in _TIER_META_KEYS:
                continue
            if not _LANGUAGE_KEY.match(language):
                raise ValueError(
                    f"{tier_where}.{language}: expected a language code such as en, uk or any"
                )
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                raise ValueError(f"{tier_where}.{language}: expected a list of strings")
            for pattern in patterns:
                key = " ".join(pattern.split())
                _check_pattern(key, f"{tier_where}.{language}")
                old_weight, old_tier, langs = collected.get(key, (0.0, tier_index, set()))
                langs.add(language)
                if term_weight > old_weight:
                    old_weight, old_tier = term_weight, tier_index
                collected[key] = (old_weight, old_tier, langs)
    if not collected:
        raise ValueError(f"{where}.terms: no terms listed")
    # Longer patterns first so that a phrase wins over a word it starts with.
    ordered = sorted(collected.items(), key=lambda item: (-len(item[0]), item[0]))
    terms = tuple(
        Term(pattern=pattern, weight=term_weight, languages=frozenset(langs), tier=tier)
        for pattern, (term_weight, tier, langs) in ordered
    )
    return Group(
        name=name.strip(),
        weight=weight,
        required=required,
        scale=scale,
        terms=terms,
        caps=tuple(caps),
    )


def _check_pattern(pattern: str, where: str) -> None:
    tokens = pattern.split(" ")
    if not pattern:
        raise ValueError(f"{where}: empty term")
    if GAP_TOKEN.match(tokens[0]) or GAP_TOKEN.match(tokens[-1]):
        raise ValueError(f"{where}: term {pattern!r} must not start or end with a ~N gap")
    for position, token in enumerate(tokens):
        if GAP_TOKEN.match(token):
            continue
        core = normalise(token.strip("*"))
        if not WORD_TOKEN.match(token) or not WORD_RUN.fullmatch(core):
            raise ValueError(
                f"{where}: bad term {pattern!r} (words of letters or digits: word, word*, *word,"
                " 'a b' or 'a ~2 b')"
            )
        if token.startswith("*") and len(tokens) > 1:
            raise ValueError(f"{where}: term {pattern!r}: a leading * only works in one-word terms")
        if position and NO_SPACE_SCRIPT.search(core):
            raise ValueError(
                f"{where}: term {pattern!r}: write Chinese/Japanese terms without spaces"
            )
