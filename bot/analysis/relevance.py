"""Relevance scoring: how strongly a report is about the topic described in a topic TOML file.

A topic is a set of concept groups ("subject", "matter", …), each a list of weighted terms in many
languages. A report is scored by how much evidence it holds for each group (title matches count
more than body matches) combined on a log-odds scale: every *required* group must match, and a
group with a negative weight (near-miss cues such as "Gaza" or "earthquake") pulls the score down.

Term syntax (case and accents are ignored, so "Україн*" also matches "УКРАЇНИ" and "Украину"):

* ``word*``  — the word may continue (stems: ``гарант*`` matches "гарантії", "гарантий").
* ``*word``  — the word may be the tail of a longer word (German compounds: ``*garantie*``).
* ``a b``    — the words in order, separated by spaces, hyphens, quotes or commas.
* ``a ~2 b`` — up to two other words may come between ``a`` and ``b``.
* Terms written in scripts without spaces (Chinese, Japanese, Thai) match anywhere.

Pure: the file is read by :mod:`bot.analysis.datafiles`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick

_COMBINING = re.compile("[\u0300-\u036f]+")
# Devanagari and other Indic vowel signs are not \w in Python, yet belong to the word.
_WORD = r"[\w\u0900-\u0DFF]"
_SEP = r"[^\w\u0900-\u0DFF.!?;]{1,6}"
NO_SPACE_SCRIPT = re.compile(r"[\u0E00-\u0E7F\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]")
WORD_RUN = re.compile(_WORD + "+")
_MEMO_SIZE = 200_000  # about 20 MiB of short words
_MEMO_TOKEN = 24
WORD_TOKEN = re.compile(r"^\*?[^\s*~]+\*?$")
GAP_TOKEN = re.compile(r"^~(\d)$")


def normalise(text: str) -> str:
    """Fold case and strip accents so that text and terms compare alike ("Україні" → "украіні")."""
    folded = text.casefold()
    if folded.isascii():  # NFKD and NFC leave ASCII alone
        return folded
    return unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFKD", folded)))


@dataclass(frozen=True)
class Term:
    """One compiled term: its pattern as written, its weight and the languages that list it."""

    pattern: str
    weight: float
    languages: frozenset[str]
    tier: int = 0


@dataclass(frozen=True)
class Group:
    """A concept group: its weight in the score, whether it must match, and its terms."""

    name: str
    weight: float
    required: bool
    scale: float
    terms: tuple[Term, ...]
    caps: tuple[float, ...] = ()  # per [[groups.terms]] tier: most evidence it may add


class Phrase:
    """A term of several words, matched where its first word starts.

    The words are compared one after another (separators, then a whole word or a stem, with
    up to ``~n`` other words between), which is what the term's regex does: a topic has
    hundreds of phrases, and compiling a regex for each a process meets cost every parse
    worker 0.1 s of a cold cycle. A term with a word that is not plain letters and digits
    (hyphens, scripts without spaces) is left to its regex, compiled on first use."""

    __slots__ = ("source", "_first", "_rest", "_compiled")

    def __init__(self, pattern: str) -> None:
        self.source = _compile(pattern)
        self._compiled: re.Pattern[str] | None = None
        words = _phrase_words(pattern)
        self._first = words[0] if words else None
        self._rest = tuple(words[1:])

    def end(self, text: str, start: int) -> int | None:
        """Where the phrase found at ``start`` of normalised ``text`` ends, or None if it is
        not there: the end of ``re.match`` of :attr:`source` at ``start``."""
        first = self._first
        if first is None:
            compiled = self._compiled
            if compiled is None:
                compiled = self._compiled = re.compile(self.source)
            found = compiled.match(text, start)
            return found.end() if found else None
        _, core, open_start, open_end = first
        if not open_start and start and _WORD_CHAR.match(text, start - 1):
            return None
        stop = _word_end(text, start, core, open_end)
        return None if stop is None else _rest_end(text, stop, self._rest, 0)


# (words allowed before it, its core, may start inside a word, may continue)
_PhraseWord = tuple[int, str, bool, bool]
_WORD_CHAR = re.compile(_WORD)
_SEP_RUN = re.compile(_SEP)


def _term_words(pattern: str) -> list[tuple[int, str]]:
    """The words of a term as written, each with how many other words may come before it."""
    words: list[tuple[int, str]] = []
    gap = 0
    for token in pattern.split(" "):
        if found := GAP_TOKEN.match(token):
            gap = int(found.group(1))
            continue
        words.append((gap, token))
        gap = 0
    return words


def _phrase_words(pattern: str) -> list[_PhraseWord]:
    """The words of a term as :class:`Phrase` compares them; empty if one is not plain."""
    words: list[_PhraseWord] = []
    for gap, token in _term_words(pattern):
        core = normalise(token.strip("*"))
        if not WORD_RUN.fullmatch(core) or NO_SPACE_SCRIPT.search(core):
            return []
        words.append((gap, core, token.startswith("*"), token.endswith("*")))
    return words


def _word_end(text: str, at: int, core: str, open_end: bool) -> int | None:
    """The end of ``core`` at ``at`` (the rest of the word too with ``open_end``), or None."""
    if not text.startswith(core, at):
        return None
    stop = at + len(core)
    more = WORD_RUN.match(text, stop)
    if more is None:
        return stop
    return more.end() if open_end else None


def _after_separator(text: str, at: int) -> int | None:
    found = _SEP_RUN.match(text, at)
    return found.end() if found else None


def _rest_end(text: str, at: int, rest: tuple[_PhraseWord, ...], index: int) -> int | None:
    if index == len(rest):
        return at
    gap, core, _, open_end = rest[index]
    # Where the word may start after up to ``gap`` other words, the most first (the regex's
    # greedy ``(?:sep word){0,gap}`` tries them in that order).
    starts: list[int] = []
    position = at
    for _ in range(gap + 1):
        after = _after_separator(text, position)
        if after is None:
            break
        starts.append(after)
        word = WORD_RUN.match(text, after)
        if word is None:
            break
        position = word.end()
    for after in reversed(starts):
        stop = _word_end(text, after, core, open_end)
        if stop is not None and (found := _rest_end(text, stop, rest, index + 1)) is not None:
            return found
    return None


@dataclass(frozen=True)
class _Entry:
    """Where a term lives (group and term index) and, for phrases, how to check the rest."""

    group: int
    term: int
    phrase: Phrase | None


@dataclass(frozen=True)
class _Index:
    """All terms of all groups, looked up by their first word so that matching is one pass."""

    exact: dict[str, tuple[_Entry, ...]]
    prefix: dict[str, tuple[_Entry, ...]]
    prefix_lengths: tuple[int, ...]
    infix: tuple[tuple[str, bool, _Entry], ...]
    substrings: tuple[tuple[str, _Entry], ...]
    # Every core of exact and prefix, found anywhere in a text in one pass in C (built once,
    # before workers fork, and shared): 0.2 → 0.1 s over the corpus's 13,108 texts against the
    # trie-shaped regex this replaces, whose attempt at every word start was the cost.
    cores: ahocorasick.Automaton = field(compare=False, repr=False)
    infix_cores: tuple[str, ...] = field(compare=False, repr=False)
    # token → its candidate entries; words repeat so much that most lookups hit this memo.
    memo: dict[str, tuple[_Entry, ...]] = field(default_factory=dict, compare=False, repr=False)

    def word_starts(self, text: str) -> Iterator[int]:
        """Where, in order, a word whose entries come from :attr:`exact` or :attr:`prefix`
        may start: a core found at a word start (cores are made of word characters, so one
        cannot start inside another found at a word start)."""
        if self.cores.kind != ahocorasick.AHOCORASICK:  # no core at all
            return
        starts = set()
        for end, length in self.cores.iter(text):
            start = end - length + 1
            if not start or not _WORD_CHAR.match(text, start - 1):
                starts.add(start)
        yield from sorted(starts)

    def remember(self, token: str) -> tuple[_Entry, ...]:
        """Work out the entries whose first word may be ``token`` (exact, stem or compound
        part), and remember them for next time (callers look in :attr:`memo` first)."""
        found = list(self.exact.get(token, ()))
        for length in self.prefix_lengths:
            if length > len(token):
                break
            found.extend(self.prefix.get(token[:length], ()))
        for core, open_end, entry in self.infix:
            if (core in token) if open_end else token.endswith(core):
                found.append(entry)
        entries = tuple(found)
        if len(token) <= _MEMO_TOKEN:  # long tokens (ids, base64) seldom repeat
            if len(self.memo) >= _MEMO_SIZE:
                self.memo.clear()
            self.memo[token] = entries
        return entries


@dataclass(frozen=True)
class Topic:
    """A compiled topic definition, ready for :func:`score_relevance`."""

    name: str
    description: str
    threshold_hint: float
    title_weight: float
    bias: float
    other_language_factor: float
    missing_cap: float
    shield: float
    repeat_bonus: float
    max_repeats: int
    body_chars: int
    groups: tuple[Group, ...]
    languages: frozenset[str]
    index: _Index = field(repr=False, compare=False)


@dataclass(frozen=True)
class Relevance:
    """How relevant a report is: score in [0, 1], the terms that matched, and per-group strength."""

    score: float
    matched: tuple[str, ...]
    groups: dict[str, float]


def score_relevance(topic: Topic, title: str, text: str, language: str | None = None) -> Relevance:
    """Score how relevant a report (title + body text) is to the topic, in [0, 1].

    All languages' terms are matched, since a feed's declared language is often missing or
    wrong; when ``language`` is given and the topic has terms for it, terms from other
    languages count a little less.
    """
    title_norm = normalise(title or "")
    # Only the lead counts: long articles that mention the topic in passing deep down are not
    # about it, and capping the length keeps scoring fast.
    body_norm = normalise((text or "")[: topic.body_chars])
    own = (language or "").strip().lower()[:2] or None
    favour = own is not None and own in topic.languages
    title_counts = _count(topic.index, len(topic.groups), title_norm)
    body_counts = _count(topic.index, len(topic.groups), body_norm)
    if not title_counts and not body_counts:
        # Most reports of most feeds name no term at all: their score is the topic's own.
        cached = _NOTHING_MATCHED.get(id(topic))
        if cached is None or cached[0] is not topic:
            cached = _NOTHING_MATCHED[id(topic)] = (topic, _score(topic, {}, {}, None, False))
        return cached[1]
    return _score(topic, title_counts, body_counts, own, favour)


# Per topic (by identity, checked): the result for a report that names none of its terms.
_NOTHING_MATCHED: dict[int, tuple[Topic, Relevance]] = {}


def _score(
    topic: Topic,
    title_counts: dict[tuple[int, int], int],
    body_counts: dict[tuple[int, int], int],
    own: str | None,
    favour: bool,
) -> Relevance:
    strengths: dict[str, float] = {}
    matched: list[str] = []
    for group_index, group in enumerate(topic.groups):
        per_tier = [0.0] * len(group.caps)
        hits: list[tuple[float, str]] = []
        keys = {key for key in title_counts.keys() | body_counts.keys() if key[0] == group_index}
        for index in keys:
            term = group.terms[index[1]]
            weight = term.weight
            if favour and own not in term.languages and "any" not in term.languages:
                weight *= topic.other_language_factor
            evidence = 0.0
            if title_counts.get(index):
                evidence += topic.title_weight
            if body := body_counts.get(index, 0):
                evidence += 1.0 + topic.repeat_bonus * (min(body, topic.max_repeats) - 1)
            per_tier[term.tier] += weight * evidence
            hits.append((weight * evidence, term.pattern))
        raw = sum(min(value, cap) for value, cap in zip(per_tier, group.caps, strict=True))
        strengths[group.name] = 1.0 - math.exp(-raw / group.scale)
        sign = "-" if group.weight < 0 else ""
        matched.extend(f"{sign}{group.name}:{pattern}" for _, pattern in sorted(hits, reverse=True))
    # Near-miss cues weigh less once every required group matches strongly: a report squarely
    # about the topic may still compare it with a neighbouring story.
    core = math.prod(strengths[group.name] for group in topic.groups if group.required)
    logit = topic.bias
    for group in topic.groups:
        contribution = group.weight * strengths[group.name]
        logit += contribution * (1.0 - topic.shield * core) if group.weight < 0 else contribution
    score = 1.0 / (1.0 + math.exp(-logit))
    if any(group.required and strengths[group.name] == 0.0 for group in topic.groups):
        score = min(score, topic.missing_cap)
    rounded = {name: round(value, 4) for name, value in strengths.items()}
    return Relevance(score=round(score, 4), matched=tuple(matched), groups=rounded)


def _count(index: _Index, group_count: int, text: str) -> dict[tuple[int, int], int]:
    """Count (group, term) matches in normalised text; within a group matches do not overlap and
    the longest term starting at a word wins ("peace talks" rather than "peace")."""
    counts: dict[tuple[int, int], int] = {}
    if not text:
        return counts
    free = [0] * group_count  # per group: where the last match ended
    memo = index.memo  # looked up here: a method call per token costs more than the rest
    # Words are visited only where a term's first word may start (one automaton scanning in
    # C); a term found inside words needs every word, but its cores are rare.
    infix = any(map(text.__contains__, index.infix_cores))
    words: Iterable[re.Match[str] | None]
    if infix:
        words = WORD_RUN.finditer(text)
    else:
        words = (WORD_RUN.match(text, start) for start in index.word_starts(text))
    for token_match in words:
        if token_match is None:
            continue
        token = token_match.group()
        candidates = memo.get(token)
        if candidates is None:
            candidates = index.remember(token)
        if not candidates:
            continue
        start, end = token_match.span()
        best: dict[int, tuple[int, _Entry]] = {}
        for entry in candidates:
            if start < free[entry.group]:
                continue
            if entry.phrase is None:
                stop = end
            elif (phrase_end := entry.phrase.end(text, start)) is not None:
                stop = phrase_end
            else:
                continue
            if entry.group not in best or stop > best[entry.group][0]:
                best[entry.group] = (stop, entry)
        for group, (stop, entry) in best.items():
            key = (group, entry.term)
            counts[key] = counts.get(key, 0) + 1
            free[group] = stop
    if index.substrings and NO_SPACE_SCRIPT.search(text):
        for core, entry in index.substrings:
            if found := text.count(core):
                key = (entry.group, entry.term)
                counts[key] = counts.get(key, 0) + found
    return counts


def build_index(groups: tuple[Group, ...]) -> _Index:
    exact: dict[str, list[_Entry]] = {}
    prefix: dict[str, list[_Entry]] = {}
    infix: list[tuple[str, bool, _Entry]] = []
    substrings: list[tuple[str, _Entry]] = []
    for group_index, group in enumerate(groups):
        for term_index, term in enumerate(group.terms):
            words = term.pattern.split(" ")
            first = words[0]
            core = normalise(first.strip("*"))
            if NO_SPACE_SCRIPT.search(core) and len(words) == 1:
                substrings.append((core, _Entry(group_index, term_index, None)))
                continue
            phrase = Phrase(term.pattern) if len(words) > 1 else None
            entry = _Entry(group_index, term_index, phrase)
            if first.startswith("*"):
                infix.append((core, first.endswith("*"), entry))
            elif first.endswith("*"):
                prefix.setdefault(core, []).append(entry)
            else:
                exact.setdefault(core, []).append(entry)
    cores = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
    for core in {*exact, *prefix}:
        cores.add_word(core)
    if len(cores):
        cores.make_automaton()
    return _Index(
        exact={key: tuple(value) for key, value in exact.items()},
        prefix={key: tuple(value) for key, value in prefix.items()},
        prefix_lengths=tuple(sorted({len(key) for key in prefix})),
        infix=tuple(infix),
        substrings=tuple(substrings),
        cores=cores,
        infix_cores=tuple(core for core, _, _ in infix),
    )


def _compile(pattern: str) -> str:
    """Turn one term into a regex fragment without capturing groups."""
    parts: list[str] = []
    for index, (gap, token) in enumerate(_term_words(pattern)):
        if index:
            if gap:
                parts.append(f"(?:{_SEP}{_WORD}+){{0,{gap}}}")
            parts.append(_SEP)
        parts.append(_word(token))
    return "".join(parts)


def _word(token: str) -> str:
    core = normalise(token.strip("*"))
    fragment = re.escape(core)
    if NO_SPACE_SCRIPT.search(core):
        return fragment
    if not token.startswith("*"):
        fragment = f"(?<!{_WORD}){fragment}"
    if token.endswith("*"):
        fragment += f"{_WORD}*"
    else:
        fragment += f"(?!{_WORD})"
    return fragment
