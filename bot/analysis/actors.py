"""Actor gazetteer: find people, states and organizations in report text.

Pure module: the gazetteer is parsed from TOML text (``data/actors.toml``), and matching works on
strings only. All aliases of all actors are compiled into one trie-shaped regular expression;
each alias contributes a *stem* plus the inflectional endings its script and shape allow
(``Путин`` → ``Путина``, ``Путину``; ``Zelenski`` → ``Zelenskiego``; ``Trump`` → ``Trumppal``),
so that a single left-to-right scan finds every mention, longest first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.analysis.actor_cues import (
    ACTS_AFTER,
    ACTS_BEFORE,
    APOSTROPHE_CLASS,
    LIST_GAP,
    MARKS,
    NAME_PARTICLES,
    NAME_WORD,
    NOT_NAMES,
    OUTLET_AFTER,
    ROLE_AFTER,
    ROLE_BEFORE,
    ROLE_WORDS,
    VENUE_BEFORE,
    WORD_CHAR,
)

KINDS = ("person", "state", "organization")
MIN_QUERY_LETTERS = 3
FUZZY_CUTOFF = 80
_HIDDEN_CHARS = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

__all__ = [
    "KINDS",
    "Actor",
    "Candidate",
    "Gazetteer",
    "Role",
]


@dataclass(frozen=True)
class Role:
    """A title held from ``start`` (inclusive) until ``end`` (exclusive); None means open."""

    title: str
    start: date | None = None
    end: date | None = None

    def holds_on(self, day: date) -> bool:
        """Whether the role was held on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Actor:
    """A person, state or organization with every name it goes by."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    weak: tuple[str, ...] = ()
    metonyms: tuple[str, ...] = ()
    part_of: str | None = None

    def role_on(self, day: date) -> str | None:
        """The title(s) held on ``day`` joined with "; ", or None when none applies."""
        titles = [role.title for role in self.roles if role.holds_on(day)]
        return "; ".join(dict.fromkeys(titles)) or None


@dataclass(frozen=True)
class Candidate:
    """A capitalised name right after a role word that the gazetteer does not know."""

    name: str
    cue: str
    context: str


# --- text helpers -------------------------------------------------------------------------------

# Combining marks of the scripts we meet belong to words: without them a Devanagari vowel sign
# would count as a word boundary ("रूस" inside "रूसी").
MARKS += "\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983\u09bc-\u09d7"
_WORD_RE = re.compile(WORD_CHAR)
_APOSTROPHES = "'’ʼ`´"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_VOWELS_LATIN = set("aeiouyáéíóúýàèìòùâêîôûäëïöüőűăąęėįųõåæøœ")
_SPACE_RE = re.compile(r"\s+")


def nfc(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if text.isascii():
        return text
    # Romanian is written with both cedilla and comma letters; match them as one. Four
    # replaces: str.translate with a non-ASCII table costs more than all the matching.
    return text.replace("ş", "ș").replace("ţ", "ț").replace("Ş", "Ș").replace("Ţ", "Ț")


def name_key(text: str) -> str:
    """Normalised lookup key: NFC, single spaces, one apostrophe, case-folded."""
    text = _SPACE_RE.sub(" ", nfc(text).strip())
    for apostrophe in _APOSTROPHES[1:]:
        text = text.replace(apostrophe, "'")
    return text.casefold()


@functools.lru_cache(maxsize=4096)
def _ending_keys(endings: frozenset[str]) -> frozenset[str]:
    """The lookup keys of a set of endings (aliases of one kind share their sets)."""
    return frozenset(name_key(ending) for ending in endings)


def _fold(text: str) -> str:
    """Key without accents, for forgiving lookups typed by users."""
    decomposed = unicodedata.normalize("NFKD", name_key(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _lower(text: str) -> str:
    """Lower-case without changing the length, so positions still fit the original text."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower()[0] for ch in text)  # "İ".lower() is two characters


def _has_case(ch: str) -> bool:
    return ch.lower() != ch.upper()


# --- inflection rules ---------------------------------------------------------------------------

# Latin-script proper nouns: Slavic cases (Putina, Trumpem, Tuskowi), German genitive (Putins),
# Hungarian suffixes (Trumpnak, Putyint, Trumppal: last letter doubled + al/el).
_LATIN_CONS = (
    "s", "a", "u", "e", "em", "om", "owi", "ovi", "ie", "iem", "y", "i", "ą", "ę", "ot", "öt",
    "t", "nak", "nek", "ra", "re", "ról", "ről", "tól", "től", "hoz", "hez", "höz", "ért", "ban",
    "ben", "nál", "nél", "ov", "ova",
)  # fmt: skip
# Names ending in a vowel other than -a (Meloni, Rubio, Rutte).
_LATIN_VOWEL = (
    "n", "t", "nak", "nek", "val", "vel", "ra", "re", "ról", "ről", "tól", "től", "hoz", "hez",
    "ért", "ban", "ben", "ja", "ju", "jem", "ji", "jo", "ho", "m", "mu",
)  # fmt: skip
# Feminine/-a nouns (Rosja → Rosji, Rusia → Rusiei, Ukrajna → Ukrajnában, Sybiha → Sybihy).
_LATIN_A = (
    "a", "y", "i", "e", "ę", "ą", "u", "o", "ou", "ei", "ie", "ii", "ji", "je", "ju", "jo", "ją",
    "ję", "á", "ában", "ának", "át", "ával", "ára", "ából", "ához", "ától", "áért", "ét", "éval",
    "ának", "ához",
)  # fmt: skip
# Adjective-like surnames after -sk-/-ck-/-zk- (Zelenski → Zelenskiego, Zelenského, Syrskyi).
_LATIN_ADJ_PERSON = (
    "i", "y", "ij", "yj", "yi", "iy", "yy", "ii", "í", "ý", "iego", "iemu", "im", "ego", "emu",
    "ého", "ému", "ém", "ým", "ega", "em", "om", "ijs", "yjs", "is", "ys",
)  # fmt: skip
_LATIN_ADJ_OTHER = _LATIN_ADJ_PERSON + (
    "a", "á", "é", "ie", "ich", "ych", "ych", "ymi", "imi", "ą", "ou", "ých", "ými", "o", "e",
    "ega", "ih", "ima", "ega",
)  # fmt: skip
_GERMAN_ADJ = ("e", "en", "er", "es", "em")

_CYR_CONS = ("а", "у", "ом", "ым", "им", "ім", "е", "і", "ові", "еві", "ем", "ю", "я", "ой", "ою")
_CYR_A = (
    "а", "я", "ы", "и", "і", "ї", "е", "є", "у", "ю", "ой", "ою", "ей", "ею", "єю", "ии", "ию",
    "ией", "ія", "ію", "ією", "ой",
)  # fmt: skip
_CYR_SOFT = ("ь", "й", "я", "ю", "ем", "єм", "і", "е", "ї", "ей", "ям", "ях")
_CYR_ADJ_PERSON = ("ий", "ый", "ой", "и", "ого", "ому", "им", "ім", "ым", "ом", "і")
_CYR_ADJ_OTHER = _CYR_ADJ_PERSON + (
    "ій", "ая", "ої", "ою", "ую", "у", "ое", "ее", "ые", "ых", "ими", "ыми", "их", "ій", "а", "е",
    "і", "ої", "ій", "ого", "ому", "ої", "ою", "ими", "их", "ім", "ім", "ей", "ья",
)  # fmt: skip

_LATIN_ADJ_TAIL = re.compile(r"(?<=[sczSCZ][kK])(ij|yj|yi|iy|yy|ii|í|ý|i|y)$")
_CYR_ADJ_TAIL = re.compile(r"(?<=[скцзСКЦЗнН])(ий|ій|ый|ой|и|і)$")


def _is_acronym(alias: str) -> bool:
    letters = [ch for ch in alias if _has_case(ch)]
    if len(alias.replace(".", "").replace("-", "")) <= 3:
        return True
    return bool(letters) and all(ch.isupper() for ch in letters) and " " not in alias.strip()


def _stem_and_endings(alias: str, kind: str) -> tuple[str, frozenset[str]]:
    """Split an alias into the part to match literally and the endings allowed after it."""
    person = kind == "person"
    if _is_acronym(alias) or _CJK.search(alias[-1:]):
        return alias, frozenset({""})
    last = alias[-1]
    lower = alias == alias.lower()
    if _CYRILLIC.match(last):
        if (m := _CYR_ADJ_TAIL.search(alias)) and len(alias) > 4:
            endings = _CYR_ADJ_PERSON if person else _CYR_ADJ_OTHER
            return alias[: m.start()], frozenset(endings) | {m.group(1)}
        if last in "ая":
            return alias[:-1], frozenset(_CYR_A) | {last}
        if last in "ьй":
            return alias[:-1], frozenset(_CYR_SOFT) | {last}
        if last in "еоуиюіэєї":
            return alias, frozenset({""})
        return alias, frozenset(_CYR_CONS) | {""}
    if not _LATIN_LETTER.match(last):
        return alias, frozenset({""})  # Devanagari, Arabic, Hebrew ...: no derived endings
    if lower:
        if alias.endswith("isch"):
            return alias, frozenset(_GERMAN_ADJ) | {""}
        if m := _LATIN_ADJ_TAIL.search(alias):
            return alias[: m.start()], frozenset(_LATIN_ADJ_OTHER) | {m.group(1)}
        return alias, frozenset({""})
    if m := _LATIN_ADJ_TAIL.search(alias):
        tail = m.group(1)
        forms = set(_LATIN_ADJ_PERSON if person else _LATIN_ADJ_OTHER)
        forms |= {tail + e for e in ("t", "nak", "nek", "ról", "ről", "tól", "től", "hoz")}
        forms |= {tail + tail[-1] + "al", tail + tail[-1] + "el", tail}
        return alias[: m.start()], frozenset(forms)
    if last in "aA":
        return alias[:-1], frozenset(_LATIN_A) | {last}
    if last.lower() in _VOWELS_LATIN:
        return alias, frozenset(_LATIN_VOWEL) | {""}
    doubled = {last.lower() + "al", last.lower() + "el"}  # Hungarian -val/-vel assimilates
    return alias, frozenset(_LATIN_CONS) | doubled | {""}


def _case_rule(alias: str) -> str:
    """How the alias must be capitalised in text: "any", "first" (letter) or "exact"."""
    if _is_acronym(alias):
        return "exact"
    if alias == alias.lower() or not _has_case(alias[0]):
        return "any"
    return "first"


def _case_ok(rule: str, stem: str, matched: str) -> bool:
    if rule == "any":
        return True
    if rule == "first":
        return matched[:1] == stem[:1]
    return _SPACE_RE.sub(" ", matched[: len(stem) + 4]).startswith(_SPACE_RE.sub(" ", stem))


def _trie_tokens(stem: str) -> list[str]:
    """Regex tokens for a stem; text is lower-cased before matching and case checked later."""
    tokens: list[str] = []
    for ch in _lower(stem):
        if ch.isspace():
            if not tokens or tokens[-1] != r"\s+":
                tokens.append(r"\s+")
        elif ch in _APOSTROPHES:
            tokens.append(APOSTROPHE_CLASS)
        elif ch in "-‐‑":
            tokens.append(r"[-‐‑]")
        else:
            tokens.append(re.escape(ch))
    return tokens


# --- context cues ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    actor: str  # canonical name, or "" for an ignore phrase
    strength: str  # "strong" | "weak" | "metonym" | "ignore"
    endings: frozenset[str]
    exact: str  # the alias's own key, to prefer it when stems collide
    stem: str  # as written, for the case check
    case: str  # "any" | "first" | "exact"


@dataclass
class _Trie:
    children: dict[str, _Trie] = field(default_factory=dict)
    terminal: bool = False


@dataclass
class Gazetteer:
    """Every known actor, compiled for fast mention extraction."""

    actors: dict[str, Actor]
    ignore: tuple[str, ...] = ()
    _stems: dict[str, list[_Entry]] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _cjk_pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _max_ending: int = field(default=0, repr=False)
    _fuzzy_names: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        sources = [("", "ignore", phrase, "") for phrase in self.ignore]
        for actor in self.actors.values():
            for alias in (actor.name, *actor.aliases):
                sources.append((actor.name, "strong", alias, actor.kind))
            sources += [(actor.name, "weak", alias, actor.kind) for alias in actor.weak]
            sources += [(actor.name, "metonym", alias, actor.kind) for alias in actor.metonyms]
        prepared = []
        for actor_name, strength, raw_alias, kind in sources:
            alias = nfc(raw_alias.strip())
            if strength == "ignore":
                stem, endings = alias, frozenset({""})
            else:
                stem, endings = _stem_and_endings(alias, kind)
            prepared.append((actor_name, strength, alias, stem, _ending_keys(endings)))
        # The trie and the regex compiler's parse tree are built and dropped before the lasting
        # lookup tables: their many short-lived objects, allocated among those, would leave
        # memory in pieces the process keeps (2 of its 8 MiB).
        main, cjk = _trie_patterns(stem for *_, stem, _ in prepared)
        self._max_ending = max((len(e) for *_, endings in prepared for e in endings), default=0)
        # After a stem the regex takes the rest of the word (at most max_ending characters);
        # _resolve then checks that this rest is an ending the alias allows. The text is
        # lower-cased first: a case-sensitive scan is several times faster than re.IGNORECASE.
        tail = rf"{WORD_CHAR}{{0,{self._max_ending}}}(?!{WORD_CHAR})"
        self._pattern = re.compile(rf"(?<!\w)(?:{main}){tail}")
        # CJK text has no spaces: such names are found anywhere and need no ending.
        self._cjk_pattern = re.compile(cjk) if cjk else None
        del main, cjk
        stems: dict[str, list[_Entry]] = {}
        for actor_name, strength, alias, stem, endings in prepared:
            entry = _Entry(
                actor=actor_name,
                strength=strength,
                endings=endings,
                exact=name_key(alias),
                stem=stem,
                case=_case_rule(alias),
            )
            bucket = stems.setdefault(name_key(stem), [])
            if entry not in bucket:
                bucket.append(entry)
        self._stems = stems

    # -- extraction ------------------------------------------------------------------------------

    def _resolve(self, matched: str) -> list[_Entry]:
        key = name_key(matched)
        for cut in range(len(key), max(len(key) - self._max_ending, 0) - 1, -1):
            bucket = self._stems.get(key[:cut])
            if not bucket:
                continue
            rest = key[cut:]
            fits = [
                entry
                for entry in bucket
                if rest in entry.endings and _case_ok(entry.case, entry.stem, matched)
            ]
            if fits:
                exact = [entry for entry in fits if entry.exact == key]
                return exact or fits
        return []

    def _mentions(self, text: str) -> list[tuple[int, int, list[_Entry]]]:
        assert self._pattern is not None
        found = []
        low = _lower(text)
        for match in self._pattern.finditer(low):
            start, end = match.span()
            if start and _WORD_RE.match(text[start - 1]):
                continue  # a combining mark before: inside a word
            entries = self._resolve(text[start:end])
            if entries:
                found.append((start, end, entries))
        if self._cjk_pattern is not None and _CJK.search(text):
            for match in self._cjk_pattern.finditer(low):
                if entries := self._resolve(text[match.start() : match.end()]):
                    found.append((match.start(), match.end(), entries))
            found.sort(key=lambda item: item[0])
        return found

    def extract(self, title: str, text: str, language: str | None = None) -> dict[str, int]:
        """Count mentions of known actors in a report: canonical name → number of mentions.

        ``language`` (ISO 639-1) only switches the English verb cues for capitals on or off;
        matching itself does not depend on it. A part (European Commission) also counts for
        the whole it belongs to (European Union).
        """
        english = language is None or language.lower().startswith("en")
        counts: dict[str, int] = {}
        venue_only: dict[str, bool] = {}
        pending_weak: list[tuple[list[str], bool]] = []
        for part in (title or "", text or ""):
            part = nfc(part)
            mentions = self._mentions(part)
            for index, (start, end, entries) in enumerate(mentions):
                strengths = {entry.strength for entry in entries}
                names = list(dict.fromkeys(entry.actor for entry in entries if entry.actor))
                if "ignore" in strengths or not names:
                    continue
                kinds = {self.actors[name].kind for name in names}
                if "person" not in kinds and OUTLET_AFTER.match(part, end):
                    continue
                if "strong" in strengths:
                    before = part[max(0, start - 30) : start]
                    venue = english and VENUE_BEFORE.search(before) is not None
                    for name in dict.fromkeys(e.actor for e in entries if e.strength == "strong"):
                        counts[name] = counts.get(name, 0) + 1
                        if self.actors[name].kind == "state":
                            venue_only[name] = venue_only.get(name, True) and venue
                elif "metonym" in strengths:
                    if english and (
                        ACTS_AFTER.match(part, end) is not None
                        or ACTS_BEFORE.search(part[max(0, start - 30) : start]) is not None
                    ):
                        for name in names:
                            counts[name] = counts.get(name, 0) + 1
                            venue_only[name] = False
                else:
                    cued = ROLE_BEFORE.search(part[max(0, start - 60) : start]) is not None
                    if kinds == {"state"}:
                        cued = self._listed_with_states(part, mentions, index)
                    pending_weak.append((names, cued))
        for name, venue in venue_only.items():
            if venue:
                del counts[name]
        for names, cued in pending_weak:
            supported = [name for name in names if name in counts]
            if supported:
                for name in supported:
                    counts[name] += 1
            elif cued and len(names) == 1:
                counts[names[0]] = counts.get(names[0], 0) + 1
        for name in list(counts):
            parent = self.actors[name].part_of
            seen = {name}
            while parent and parent not in seen:
                counts[parent] = counts.get(parent, 0) + counts[name]
                seen.add(parent)
                parent = self.actors[parent].part_of
        return counts

    def _listed_with_states(
        self, text: str, mentions: list[tuple[int, int, list[_Entry]]], index: int
    ) -> bool:
        """Whether a weak state name stands in a list next to another state ("Qatar and Jordan")."""
        for other in (index - 1, index + 1):
            if not 0 <= other < len(mentions):
                continue
            o_start, o_end, o_entries = mentions[other]
            if not any(
                e.strength == "strong" and e.actor and self.actors[e.actor].kind == "state"
                for e in o_entries
            ):
                continue
            start, end = mentions[index][:2]
            gap = text[o_end:start] if other < index else text[end:o_start]
            if LIST_GAP.fullmatch(gap):
                return True
        return False

    def candidates(self, title: str, text: str) -> list[Candidate]:
        """Unknown capitalised names (1–3 words) right after a role word, in order of appearance.

        A Title Case headline is skipped: every word there looks like a name.
        """
        results: list[Candidate] = []
        seen: set[str] = set()
        parts = [text or ""]
        if title and not _looks_title_case(title):
            parts.insert(0, title)
        for part in parts:
            part = nfc(part)
            for match in ROLE_AFTER.finditer(part):
                name = _name_after(part, match.end())
                if not name or name_key(name) in seen:
                    continue
                if self._mentions(name) or name.casefold() in {w.casefold() for w in ROLE_WORDS}:
                    continue
                seen.add(name_key(name))
                lo, hi = max(0, match.start() - 60), min(len(part), match.end() + len(name) + 60)
                context = _SPACE_RE.sub(" ", part[lo:hi]).strip()
                results.append(Candidate(name=name, cue=match.group("cue"), context=context))
        return results

    def find(self, query: str) -> Actor | None:
        """The actor a person typing ``query`` means, forgiving what people type: any alias,
        inflection or script ("Путина", "Зеленського"), a possessive ("Zelensky's"), a prefix of
        at least three letters ("Zel"), a typo ("putn", "Zelenskyj"). None when nothing is close
        or the query has fewer than :data:`MIN_QUERY_LETTERS` letters."""
        cleaned = _HIDDEN_CHARS.sub("", nfc(query or "")).strip()
        cleaned = re.sub(r"['’ʼ]s?$", "", cleaned).strip(" .,;:!?\"'()")
        if sum(ch.isalpha() for ch in cleaned) < MIN_QUERY_LETTERS:
            return None
        mentioned = self.extract(cleaned, "", None)
        if mentioned:
            return self.actors[max(mentioned, key=lambda name: (mentioned[name], -len(name)))]
        found = self.lookup(cleaned)
        if found:
            return found[0]
        return self._closest(cleaned)

    def _closest(self, query: str) -> Actor | None:
        """The actor with a name or alias (or a word of one) closest to ``query`` (rapidfuzz
        ratio of at least :data:`FUZZY_CUTOFF`)."""
        wanted = _fold(query)
        if not self._fuzzy_names:
            for actor in self.actors.values():
                for alias in (actor.name, *actor.aliases, *actor.weak):
                    folded = _fold(alias)
                    self._fuzzy_names.append((folded, actor.name))
                    self._fuzzy_names += [(w, actor.name) for w in folded.split() if len(w) > 3]
        # Imported here: only typed lookups use it (a C++ library, 8 ms and 2 MiB to load).
        from rapidfuzz import fuzz, process

        match = process.extractOne(
            wanted,
            [name for name, _ in self._fuzzy_names],
            scorer=fuzz.ratio,
            score_cutoff=FUZZY_CUTOFF,
        )
        if match is None:
            return None
        return self.actors[self._fuzzy_names[match[2]][1]]

    def lookup(self, query: str) -> list[Actor]:
        """Actors whose name or alias matches ``query`` (case- and accent-insensitive).

        Best first: exact name, exact alias, name word starting with the query, alias starting
        with it, then any substring match; ties go to the actor listed first in the file
        (the file lists the most prominent actors first).
        """
        wanted = _fold(query)
        if not wanted:
            return []
        scored: list[tuple[int, int, Actor]] = []
        for order, actor in enumerate(self.actors.values()):
            best = None
            names = [(actor.name, 0)] + [(a, 1) for a in (*actor.aliases, *actor.weak)]
            names += [(a, 1) for a in actor.metonyms]
            for alias, bonus in names:
                folded = _fold(alias)
                if folded == wanted:
                    score = bonus
                elif folded.startswith(wanted) or any(w.startswith(wanted) for w in folded.split()):
                    score = 2 + bonus
                elif wanted in folded:
                    score = 4 + bonus
                else:
                    continue
                best = score if best is None else min(best, score)
            if best is not None:
                scored.append((best, order, actor))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [actor for _, _, actor in scored]


def _trie_patterns(stems: Iterable[str]) -> tuple[str, str]:
    """The regex alternations of all stems, shaped as a trie: non-CJK ones, CJK ones ("" if
    none)."""
    root, cjk_root = _Trie(), _Trie()
    for stem in stems:
        node = cjk_root if _CJK.match(stem) else root
        for token in _trie_tokens(stem):
            node = node.children.setdefault(token, _Trie())
        node.terminal = True
    return _emit(root), _emit(cjk_root) if cjk_root.children else ""


def _emit(node: _Trie) -> str:
    """Turn the trie into a regex; longer continuations are tried before stopping here."""
    branches = [token + _emit(child) for token, child in sorted(node.children.items())]
    if node.terminal:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _looks_title_case(title: str) -> bool:
    words = [w for w in NAME_WORD.findall(title) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _name_after(text: str, pos: int) -> str | None:
    """Up to three capitalised words starting at ``pos`` (particles such as "von der" allowed)."""
    words: list[str] = []
    end = pos
    for match in NAME_WORD.finditer(text, pos):
        if text[end : match.start()].strip() or (words and match.start() - end > 2):
            break
        word = match.group(0).rstrip(".'’-")
        if word.endswith(("'s", "’s")):
            word = word[:-2]
            if word[:1].isupper() and word.casefold() not in NOT_NAMES:
                words.append(word)
            break
        capitalised = word[:1].isupper() and word.casefold() not in NOT_NAMES
        if capitalised or (words and word in NAME_PARTICLES):
            words.append(word)
        else:
            break
        end = match.start() + len(word)
        if sum(1 for w in words if w not in NAME_PARTICLES) >= 3:
            break
    while words and words[-1] in NAME_PARTICLES:
        words.pop()
    if not words or all(len(w) < 2 for w in words):
        return None
    return " ".join(words)


# --- loading --------------------------------------------------------------------------------------
