"""Story summaries: the reports' own words, at most 300 characters, what happened, never the
headline, in the reader's language; and the kinds of developments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.analysis.datafiles import load_gazetteer, load_places
from bot.analysis.kinds import classify_kind
from bot.analysis.sentences import lead_sentences, split_sentences
from bot.analysis.summaries import SUMMARY_LIMIT, ReportLead, summarise, trim

GAZETTEER = load_gazetteer(Path("data/actors.toml"))
PLACES = load_places(Path("data/places.toml"))


def lead(n: int, title: str, text: str, language: str = "en") -> ReportLead:
    sentences = lead_sentences(
        title,
        text,
        actors=lambda part: GAZETTEER.extract("", part, language),
        places=lambda part: PLACES.extract("", part),
    )
    return ReportLead(n, title, language, sentences)


PARIS = [
    lead(
        1,
        "Allies back security guarantees for Ukraine at Paris summit",
        "Allies back security guarantees for Ukraine at Paris summit. Photo: Reuters. "
        "Leaders of the Coalition of the Willing met in Paris on Tuesday, 6 January, and signed "
        "a declaration on security guarantees for Ukraine after a ceasefire. Emmanuel Macron "
        "and Keir Starmer said a multinational force would follow. Markets were calm.",
    ),
    lead(
        2,
        "Paris declaration: what the coalition promised Kyiv",
        "The declaration signed in Paris on 6 January commits the Coalition of the Willing to a "
        "force for Ukraine, Volodymyr Zelensky said. Critics said details were missing.",
    ),
    lead(
        3,
        "Декларація в Парижі: союзники пообіцяли Україні гарантії безпеки",
        "Лідери Коаліції охочих у вівторок у Парижі підписали декларацію про гарантії безпеки "
        "для України, повідомив Володимир Зеленський. Деталі обговорять пізніше.",
        "uk",
    ),
]
HEADLINES = [report.title for report in PARIS]


def source_words(reports: list[ReportLead]) -> set[str]:
    words: set[str] = set()
    for report in reports:
        for sentence in report.sentences:
            words |= set(re.findall(r"\w+", sentence.text.lower()))
    return words


def test_a_summary_states_who_where_when_and_what_came_of_it_in_the_reports_words():
    summary = summarise(PARIS)
    text = summary.default
    assert text is not None and len(text) <= SUMMARY_LIMIT
    for fact in ("Paris", "6 January|Tuesday", "declaration", "Coalition of the Willing"):
        assert re.search(fact, text), f"the summary does not state {fact!r}: {text}"
    assert set(re.findall(r"\w+", text.lower())) <= source_words(PARIS), "invented words"
    assert text not in HEADLINES and not any(title in text for title in HEADLINES)
    assert "Markets were calm" not in text and "Photo" not in text


def test_a_reader_gets_the_summary_from_reports_in_their_language():
    summary = summarise(PARIS)
    assert "Парижі" in (summary.for_language("uk") or "")
    assert summary.for_language("en") == summary.default
    assert summary.for_language("de") == summary.default, "no German report: the default"
    assert set(summary.by_language) == {"en", "uk"}


def test_a_story_whose_reports_have_no_text_has_no_summary_rather_than_its_headline():
    empty = [lead(1, "Zelensky meets Trump", ""), lead(2, "Zelensky meets Trump again", "   ")]
    summary = summarise(empty)
    assert summary.default is None and summary.by_language == {}
    assert summarise([]).default is None


def test_a_megabyte_report_and_mixed_scripts_still_give_a_short_summary():
    huge = "Marco Rubio met Rustem Umerov in Geneva on Sunday to agree a framework. " * 14_000
    mixed = (
        "Зеленський and Macron met у Парижі on Tuesday — 6 January — and signed the "
        "декларацію on security guarantees, said Ursula von der Leyen."
    )
    summary = summarise([lead(1, "Geneva", huge), lead(2, "Paris", mixed)])
    assert summary.default is not None and len(summary.default) <= SUMMARY_LIMIT
    assert len(huge) > 1_000_000


def test_long_sentences_are_cut_at_a_clause_boundary():
    sentence = (
        "The delegations met in Geneva on Sunday, agreed an updated framework for peace, and "
        "asked their teams to draft the security guarantees in detail, which officials said "
        "could take several more weeks of work before leaders meet again in Berlin or Paris."
    )
    cut = trim(sentence, 120)
    assert len(cut) <= 120 and cut.endswith("…")
    assert sentence.startswith(cut[:-1]) and cut[-2] not in " ,"


def test_sentences_split_at_ends_but_not_at_abbreviations_or_initials():
    text = "U.S. envoy J. D. Vance met Dr. Smith on Jan. 6 in Paris. Talks ended. Никто не ушёл."
    assert split_sentences(text) == [
        "U.S. envoy J. D. Vance met Dr. Smith on Jan. 6 in Paris.",
        "Talks ended.",
        "Никто не ушёл.",
    ]


def test_a_byline_run_into_the_dateline_is_not_part_of_the_lead():
    text = (
        "By Jane Doe, Anna de Vries and Tom Lee KYIV/BERLIN, Feb 17 (Reuters) - Ukrainian and "
        "German officials met in Berlin on Tuesday to discuss security guarantees for Kyiv. "
        "By Monday, EU leaders had agreed to meet again in Brussels next month."
    )
    sentences = lead(1, "Officials meet in Berlin", text).sentences
    assert [s.text for s in sentences] == [
        "KYIV/BERLIN, Feb 17 (Reuters) - Ukrainian and German officials met in Berlin on "
        "Tuesday to discuss security guarantees for Kyiv.",
        "By Monday, EU leaders had agreed to meet again in Brussels next month.",
    ]
    # Without a wire dateline after it, "By ..." is the sentence's own start and stays.
    for own in (
        "By Tuesday evening the delegations in Geneva had agreed on a draft of the plan.",
        "By Friday Ukraine's SBU (security service) had named two suspects in the attack.",
        "By Sunday Russia's FSB, the security service, said it had stopped the plot.",
        "By Late Tuesday NATO, the EU and the UN had all condemned the strike on Kyiv.",
    ):
        assert [s.text for s in lead(2, "Draft agreed", own).sentences] == [own]


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Zelensky says guarantees must be ready before any peace deal is signed", "statement"),
        ("Russia 'Not Serious' About Peace Deal, Lindsey Graham Says", "statement"),
        ("Leaders agree on monitoring plan", "agreement"),
        ("Coalition signs declaration on guarantees", "agreement"),
        ("US drafts 28-point peace plan", "proposal"),
        ("Leaders meet in Paris for summit on Ukraine", "meeting"),
        ("Kremlin rejects European peacekeepers plan", "statement"),
        ("Germany sends Patriot air defence systems", "military_aid"),
        ("Weather in Kyiv", "other"),
        ("Саммит в Анкоридже", "meeting"),
        ("Україна та США підписали угоду", "agreement"),
    ],
)  # fmt: skip
def test_kinds_that_hold(title, kind):
    assert classify_kind(title, "") == kind


# Our own labels of the developments of the shared dev corpus (what each event was).
DEV_EVENT_KINDS = {
    "alaska-summit-2025-08-15": "meeting",
    "berlin-talks-2025-12": "meeting",
    "geneva-talks-2025-11-23": "meeting",
    "kremlin-rejects-european-guarantees-2025-08-27": "statement",
    "kremlin-rejects-european-troops-2025-02-20": "statement",
    "paris-coalition-summit-2025-09-04": "proposal",
    "paris-declaration-2026-01-06": "agreement",
    "peace-plan-28-point-2025-11": "proposal",
    "washington-summit-2025-08-18": "meeting",
    "witkoff-ushakov-call-2025-10-14": "proposal",
}
DEV_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "articles-dev.jsonl"


@pytest.mark.skipif(not DEV_CORPUS.is_file(), reason="the shared dev corpus is not here")
def test_the_kinds_of_the_dev_corpus_developments(capsys):
    from bot.cli.main import main

    assert main(["eval", "--corpus", str(DEV_CORPUS), "--json"]) == 0
    kinds = json.loads(capsys.readouterr().out)["kinds"]
    right = sum(kinds.get(event) == kind for event, kind in DEV_EVENT_KINDS.items())
    print(f"kind accuracy on the dev corpus: {right}/{len(DEV_EVENT_KINDS)}")
    assert right >= 7
