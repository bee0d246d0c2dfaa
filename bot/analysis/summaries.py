"""Story summaries: one or two sentences, chosen from the story's own reports, that state what
happened — who on each side, where, when, and what came of it.

Pure and extractive: every word comes from a report. A sentence scores for the facts it states
(actors, places, days, numbers, outcomes; see :mod:`bot.analysis.sentences`), the more so when
other reports of the story state them too, for agreeing with the story's common wording, and
for standing near the top of its report. The best sentence is taken, then a second one if it
adds a missing kind of fact (a place, a day, the other side, the outcome) and both fit in
:data:`SUMMARY_LIMIT` characters; a sentence too long is cut at a clause boundary. A sentence
that merely repeats a headline is never chosen. A summary exists per language the story has
reports in, so readers get one in their own language where there is one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.analysis.sentences import Sentence, content_words

SUMMARY_LIMIT = 300
REPORTS_PER_LANGUAGE = 12  # reports read per language (spread over the story)
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[—–-]\s|\s\(")

# Facts that name the story's ever-present parties tell little about this development.
_EVERYWHERE = frozenset(
    {"a:Ukraine", "a:Russia", "a:United States", "a:European Union", "p:Kyiv", "p:Moscow"}
)
_WEIGHT = {"a": 1.0, "p": 1.3, "d": 1.1, "w": 0.9, "n": 0.4, "o": 0.8}
_CATEGORY = {"a": "who", "p": "where", "d": "when", "w": "when", "o": "outcome"}
_POSITION = (0.8, 0.5, 0.25)

__all__ = ["ReportLead", "Summaries", "SUMMARY_LIMIT", "summarise", "trim"]


@dataclass(frozen=True)
class ReportLead:
    """What summaries read of one report."""

    id: int
    title: str
    language: str | None
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Summaries:
    """A story's summary in each language it has reports in, and the one for everyone else."""

    default: str | None
    by_language: dict[str, str]

    def for_language(self, language: str | None) -> str | None:
        """The summary for a reader of ``language``: from reports in it, else the default."""
        if language:
            found = self.by_language.get(language.lower()[:2])
            if found:
                return found
        return self.default


def _language(report: ReportLead) -> str:
    return (report.language or "").lower()[:2] or "?"


def _weight(fact: str) -> float:
    if fact in _EVERYWHERE or fact == "o:announced":  # "said" is no outcome yet
        return 0.3
    if fact[0] == "o":
        return 1.6
    return _WEIGHT.get(fact[0], 0.5)


def _categories(facts: Iterable[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for fact in facts:
        category = _CATEGORY.get(fact[0])
        if category and fact not in _EVERYWHERE and fact != "o:announced":
            found[category] += 1
    return found


def _category_bonus(counts: Counter[str]) -> float:
    bonus = sum(1.0 for category in counts if category != "who")
    who = counts.get("who", 0)
    return bonus + (1.5 if who >= 2 else 1.0 if who else 0.0)


def _spread(reports: list[ReportLead], count: int) -> list[ReportLead]:
    if len(reports) <= count:
        return reports
    step = len(reports) / count
    return [reports[int(index * step)] for index in range(count)]


def trim(sentence: str, budget: int) -> str:
    """``sentence`` within ``budget`` characters: whole, else cut after its last clause that
    fits (else its last word that fits), marked with "…"."""
    if len(sentence) <= budget:
        return sentence
    room = budget - 1
    cuts = [m.start() for m in _CLAUSE_END.finditer(sentence) if 40 <= m.start() <= room]
    if cuts:
        return sentence[: cuts[-1]].rstrip() + "…"
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", sentence) if 40 <= m.end() <= budget]
    if ends:
        return sentence[: ends[-1]]
    space = sentence.rfind(" ", 0, room)
    cut = space if space >= 20 else room
    return sentence[:cut].rstrip(" ,;:—–-") + "…"


def _headline_like(words: frozenset[str], headlines: list[frozenset[str]]) -> bool:
    for title in headlines:
        if title and words and len(words & title) / len(words | title) >= 0.6:
            return True
    return False


@dataclass(frozen=True)
class _Candidate:
    sentence: Sentence
    report: ReportLead
    score: float
    counts: Counter[str]


def _candidates(
    pool: list[ReportLead], support: Counter[str], word_support: Counter[str], reports: int
) -> list[_Candidate]:
    headlines = [content_words(report.title) for report in pool]
    seen: set[str] = set()
    found = []
    for report in pool:
        for sentence in report.sentences:
            key = " ".join(sentence.text.lower().split())
            if key in seen or _headline_like(sentence.words, headlines):
                continue
            seen.add(key)
            facts = sum(_weight(f) * (0.5 + support[f] / reports) for f in sentence.facts)
            wording = sum(word_support[w] for w in sentence.words) / reports
            wording /= math.sqrt(len(sentence.words) + 1)
            counts = _categories(sentence.facts)
            position = _POSITION[sentence.position] if sentence.position < len(_POSITION) else 0
            length = len(sentence.text)
            fit = -0.6 if length > SUMMARY_LIMIT else -0.4 if length < 60 else 0.0
            score = facts + wording + _category_bonus(counts) + position + fit
            found.append(_Candidate(sentence, report, score, counts))
    return sorted(found, key=lambda c: (-c.score, c.sentence.position, c.report.id))


def _second(
    first: _Candidate, rest: list[_Candidate], support: Counter[str], reports: int, room: int
) -> _Candidate | None:
    """The sentence that best completes ``first`` within ``room`` characters: new kinds of
    facts, then new facts; one that would be cut counts half."""
    best: tuple[float, _Candidate] | None = None
    have = set(first.sentence.facts)
    for candidate in rest:
        new_facts = candidate.sentence.facts - have
        new_kinds = set(candidate.counts) - set(first.counts)
        if (
            "who" in candidate.counts
            and first.counts.get("who", 0) < 2
            and new_facts & {f for f in candidate.sentence.facts if f.startswith("a:")}
        ):
            new_kinds.add("other side")
        if not new_kinds:
            continue
        # a missing kind of fact (where, when, the other side, the outcome) matters most
        gain = 3.0 * len(new_kinds) + min(
            2.0, sum(_weight(f) * (0.5 + support[f] / reports) for f in new_facts)
        )
        gain += 0.2 * candidate.score
        if len(candidate.sentence.text) > room:
            gain *= 0.5
        if best is None or gain > best[0]:
            best = (gain, candidate)
    return None if best is None or best[0] < 2.0 else best[1]


def _compose(first: _Candidate, second: _Candidate | None) -> str:
    if second is None:
        return trim(first.sentence.text, SUMMARY_LIMIT)
    pair = [first, second]
    if first.report.id == second.report.id:
        pair.sort(key=lambda c: c.sentence.position)
    head = trim(pair[0].sentence.text, SUMMARY_LIMIT - 60)
    tail_room = SUMMARY_LIMIT - len(head) - 1
    if tail_room < 60:
        return trim(first.sentence.text, SUMMARY_LIMIT)
    return f"{head} {trim(pair[1].sentence.text, tail_room)}"


def _summary(pool: list[ReportLead], support: Counter[str], reports: int) -> str | None:
    word_support: Counter[str] = Counter()
    for report in pool:
        word_support.update({w for s in report.sentences for w in s.words})
    ranked = _candidates(pool, support, word_support, len(pool))
    if not ranked:
        return None
    first = ranked[0]
    room = SUMMARY_LIMIT - min(len(first.sentence.text), SUMMARY_LIMIT - 60) - 1
    return _compose(first, _second(first, ranked[1:], support, reports, room))


def summarise(reports: Sequence[ReportLead], *, prefer: str = "en") -> Summaries:
    """The summaries of a story from its reports (in publication order)."""
    support: Counter[str] = Counter()
    for report in reports:
        support.update({fact for s in report.sentences for fact in s.facts})
    by_language: dict[str, list[ReportLead]] = {}
    for report in reports:
        if report.sentences:
            by_language.setdefault(_language(report), []).append(report)
    summaries: dict[str, str] = {}
    for language, pool in by_language.items():
        text = _summary(_spread(pool, REPORTS_PER_LANGUAGE), support, len(reports))
        if text:
            summaries[language] = text
    if not summaries:
        return Summaries(None, {})
    if prefer in summaries:
        default = summaries[prefer]
    else:
        biggest = max(summaries, key=lambda lang: (len(by_language[lang]), lang != "?"))
        default = summaries[biggest]
    return Summaries(default, {lang: text for lang, text in summaries.items() if lang != "?"})
