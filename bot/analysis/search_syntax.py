"""Reading a /search query as typed: "exact phrases", -word and NOT word, OR between terms, and
names in any spelling (Zelenskyy finds every Zelensky alias).

Pure. The result is a :class:`~bot.core.records.SearchQuery`; the store turns it into SQLite
FTS5 syntax, so nothing a user types is ever FTS syntax itself.
"""

from __future__ import annotations

import re

from bot.analysis.actors import Gazetteer
from bot.analysis.questions import clean_text
from bot.core.records import SearchQuery, SearchTerm

MAX_TERMS = 8
MAX_TERM = 60
MAX_VARIANTS = 30  # aliases a name expands to

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_EDGES = "'*()^:.,;!?"


def _variants(term: SearchTerm, gazetteer: Gazetteer | None) -> tuple[SearchTerm, ...]:
    """A term, and when it names a known actor, that actor's other names too."""
    if gazetteer is None:
        return (term,)
    names = list(gazetteer.extract(term.text, "", None))
    if len(names) != 1:
        return (term,)
    actor = gazetteer.actors[names[0]]
    aliases = [a for a in (actor.name, *actor.aliases) if a.casefold() != term.text.casefold()]
    found = [term] + [SearchTerm(a, phrase=" " in a) for a in aliases]
    return tuple(dict.fromkeys(found))[: MAX_VARIANTS + 1]


def parse_search(text: str, gazetteer: Gazetteer | None = None) -> SearchQuery:
    """The query a user typed. Words match as prefixes; "…" is an exact phrase; a word after
    OR is an alternative to the one before; -word or NOT word must not occur."""
    groups: list[list[SearchTerm]] = []
    excluded: list[SearchTerm] = []
    negate = alternative = False
    for match in _TOKEN.finditer(clean_text(text, 1000)):
        phrase, word = match.group(1), match.group(2)
        if word is not None:
            if word == "OR":
                alternative = bool(groups)
                continue
            if word == "NOT":
                negate = True
                continue
            if word.startswith("-") and len(word) > 1:
                negate, word = True, word[1:]
            word = word.strip(_EDGES).replace("\x00", "")
            if not word or not any(ch.isalnum() for ch in word):
                negate = alternative = False
                continue
            term = SearchTerm(word[:MAX_TERM])
        else:
            words = " ".join(phrase.replace("\x00", "").split())
            if not any(ch.isalnum() for ch in words):
                continue
            term = SearchTerm(words[: MAX_TERM * 2], phrase=True)
        if negate:
            excluded.append(term)
        elif alternative and groups:
            groups[-1].extend(_variants(term, gazetteer))
        elif len(groups) < MAX_TERMS:
            groups.append(list(_variants(term, gazetteer)))
        negate = alternative = False
    return SearchQuery(tuple(tuple(group) for group in groups), tuple(excluded[:MAX_TERMS]))
