"""Relevance scoring: on-topic reports in many languages pass; near misses and half-matches fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis.datafiles import load_topic
from bot.analysis.relevance import GAP_TOKEN, Phrase, Relevance, normalise, score_relevance
from bot.analysis.topic_file import parse_topic

TOPIC_FILE = Path(__file__).resolve().parent.parent / "data" / "topic.toml"
THRESHOLD = 0.5


@pytest.fixture(scope="module")
def topic():
    return load_topic(TOPIC_FILE)


ON_TOPIC = [
    (
        "en",
        "Allies close in on security guarantees for Kyiv before ceasefire talks",
        "European and American officials said the package would back any truce agreed with "
        "Moscow, with a multinational force stationed away from the front line.",
    ),
    (
        "uk",
        "Партнери обговорили гарантії безпеки для України",
        "Учасники коаліції охочих погодили наступні кроки щодо мирного плану та можливого "
        "перемир'я з Росією.",
    ),
    (
        "ru",
        "Переговоры о мирном соглашении по Украине продолжатся на следующей неделе",
        "Стороны обсуждали гарантии безопасности и условия прекращения огня, сообщили в Кремле.",
    ),
    (
        "de",
        "Sicherheitsgarantien für die Ukraine: Europäer beraten in Berlin",
        "Die Koalition der Willigen will nach einem Waffenstillstand Truppen entsenden, "
        "die Friedensverhandlungen mit Russland dauern an.",
    ),
    (
        "fr",
        "Garanties de sécurité pour l'Ukraine : la coalition des volontaires se réunit",
        "Les dirigeants européens préparent une force de réassurance en cas de cessez-le-feu, "
        "alors que les pourparlers de paix reprennent.",
    ),
    (
        "es",
        "Kiev y Washington revisan el plan de paz antes de una nueva ronda de negociaciones",
        "Zelenski insistió en que cualquier alto el fuego debe ir acompañado de garantías de "
        "seguridad sólidas por parte de los aliados.",
    ),
    (
        "it",
        "Ucraina, nuovo round di colloqui di pace: sul tavolo le garanzie di sicurezza",
        "I negoziatori discutono un cessate il fuoco e il ruolo della coalizione dei volenterosi.",
    ),
    (
        "pl",
        "Gwarancje bezpieczeństwa dla Ukrainy tematem rozmów pokojowych",
        "Przywódcy koalicji chętnych rozmawiali o zawieszeniu broni i misji pokojowej po wojnie.",
    ),
    (
        "ro",
        "Garanțiile de securitate pentru Ucraina, discutate la Paris",
        "Liderii europeni au prezentat un plan de pace și condițiile unei încetări a focului.",
    ),
    (
        "hu",
        "Biztonsági garanciák Ukrajnának: folytatódnak a béketárgyalások",
        "A tűzszünet feltételeiről is egyeztettek a tárgyaló felek Zelenszkij jelenlétében.",
    ),
    (
        "tr",
        "Ukrayna için güvenlik garantileri masada",
        "Barış görüşmelerinde ateşkes ve Avrupa'nın olası barış gücü ele alındı.",
    ),
    (
        "ja",
        "ウクライナの安全の保証めぐり協議",
        "停戦と和平案について各国の首脳会談が続いている。",
    ),
]


@pytest.mark.parametrize(("language", "title", "text"), ON_TOPIC, ids=[c[0] for c in ON_TOPIC])
def test_on_topic_reports_pass_in_many_languages(topic, language, title, text):
    result = score_relevance(topic, title, text, language)
    assert result.score >= THRESHOLD, result


@pytest.mark.parametrize(("language", "title", "text"), ON_TOPIC, ids=[c[0] for c in ON_TOPIC])
def test_unknown_or_wrong_language_still_matches(topic, language, title, text):
    assert score_relevance(topic, title, text, None).score >= THRESHOLD
    wrong = "de" if language != "de" else "en"
    assert score_relevance(topic, title, text, wrong).score >= THRESHOLD


NEAR_MISSES = {
    "gaza peace plan": (
        "Hamas weighs the 20-point Gaza peace plan as ceasefire talks continue",
        "Mediators in Cairo said the hostage exchange and the truce depend on Israel's "
        "withdrawal; the peace deal envoys are expected back next week.",
    ),
    "taiwan guarantee": (
        "Should Washington offer Taiwan a formal security guarantee?",
        "Analysts argue that a written commitment to defend Taiwan could deter Beijing, "
        "though some compare it with the debate over Ukraine.",
    ),
    "alaska earthquake": (
        "Strong earthquake shakes Alaska, tsunami warning lifted",
        "The magnitude 7.1 quake struck near Anchorage; the summit venue was not damaged.",
    ),
    "football": (
        "Shakhtar Donetsk beat Dynamo Kyiv 2-1 in the Ukrainian Premier League",
        "The striker scored twice before the break and the coach praised the team after the match.",
    ),
    "energy strikes": (
        "Russian drones and missiles hit Ukraine's power grid, leaving Kyiv without electricity",
        "Two people were killed and dozens injured as the strikes damaged power plants and "
        "heating across the country, officials said.",
    ),
    "corruption probe": (
        "Anti-corruption investigators search Ukrainian minister's home",
        "NABU said the probe concerns kickbacks at a state energy company; the minister resigned.",
    ),
}


@pytest.mark.parametrize("case", list(NEAR_MISSES))
def test_near_misses_are_rejected(topic, case):
    title, text = NEAR_MISSES[case]
    result = score_relevance(topic, title, text, "en")
    assert result.score < THRESHOLD, result


def test_ukraine_mention_alone_is_not_enough(topic):
    result = score_relevance(
        topic,
        "Ukraine's wheat harvest beats forecasts",
        "Farmers in central Ukraine and around Kyiv reported high yields; Ukrainian exporters "
        "expect a busy autumn.",
        "en",
    )
    assert result.score < THRESHOLD
    assert result.groups["subject"] > 0.5 and result.groups["matter"] == 0.0


def test_guarantee_mention_alone_is_not_enough(topic):
    result = score_relevance(
        topic,
        "Security guarantees and a ceasefire: lessons from the Korean armistice",
        "Historians recall how the 1953 truce held for decades without a formal peace treaty.",
        "en",
    )
    assert result.score < THRESHOLD
    assert result.groups["matter"] > 0.5 and result.groups["subject"] == 0.0


def test_title_matches_weigh_more_than_body_matches(topic):
    in_title = score_relevance(
        topic, "Ukraine peace talks resume", "Delegations met on Tuesday morning.", "en"
    )
    in_body = score_relevance(
        topic, "Delegations met on Tuesday morning", "Ukraine peace talks resume.", "en"
    )
    assert in_title.score > in_body.score
    assert in_title.groups["matter"] > in_body.groups["matter"]


def test_result_reports_matched_terms_and_groups(topic):
    result = score_relevance(topic, "Zelensky discusses security guarantees", "", "en")
    assert isinstance(result, Relevance)
    assert "subject:zelensk*" in result.matched
    assert "matter:security guarantee*" in result.matched
    assert set(result.groups) == {group.name for group in topic.groups}


def test_inflected_forms_match(topic):
    # Genitive/dative/locative forms that a fixed word list would miss.
    for title in (
        "Гарантіями безпеки Україні займуться партнери",
        "О гарантиях безопасности для Украины договорились",
        "W sprawie gwarancji bezpieczeństwa dla Ukrainy",
    ):
        assert score_relevance(topic, title, "").score >= THRESHOLD, title


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=80), text=st.text(max_size=300))
def test_score_is_always_between_zero_and_one(topic, title, text):
    score = score_relevance(topic, title, text).score
    assert 0.0 <= score <= 1.0


def _phrase_terms() -> list[str]:
    topic = load_topic(TOPIC_FILE)
    return sorted({t.pattern for group in topic.groups for t in group.terms if " " in t.pattern})


PHRASE_TERMS = _phrase_terms()
SEPARATORS = [" ", "-", ", ", " — ", ". ", "; ", "       ", " «", "\u093e", "\u093e "]
FILLERS = ["and", "the", "о", "війни", "2026", "x"]


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_a_phrase_term_matches_exactly_where_its_regex_does(data):
    """Phrases are compared word by word instead of by a compiled regex: the same matches,
    ends included, on texts made of the term's own words, their stems and look-alikes, other
    words, sentence ends and separators too long to join words."""
    gapped = [pattern for pattern in PHRASE_TERMS if "~" in pattern]
    pattern = data.draw(st.sampled_from(gapped) | st.sampled_from(PHRASE_TERMS))
    words = [normalise(t.strip("*")) for t in pattern.split(" ") if not GAP_TOKEN.match(t)]
    pieces = words + [w + "ах" for w in words] + [w[:-1] for w in words if len(w) > 2]
    pieces += ["z" + w for w in words] + FILLERS
    parts = data.draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=8))
    glue = data.draw(st.lists(st.sampled_from(SEPARATORS), min_size=8, max_size=8))
    text = "".join(part + sep for part, sep in zip(parts, glue, strict=False)).strip()
    phrase = Phrase(pattern)
    regex = re.compile(phrase.source)
    for start in range(len(text)):
        found = regex.match(text, start)
        assert phrase.end(text, start) == (found.end() if found else None), (pattern, text, start)


def test_the_topic_phrases_are_compared_without_their_regex():
    compared = [pattern for pattern in PHRASE_TERMS if Phrase(pattern)._first is not None]
    assert len(compared) >= 0.9 * len(PHRASE_TERMS)
    gapped = Phrase("trilateral ~2 meeting*")
    assert gapped.end("trilateral security meeting", 0) == 27
    assert gapped.end("trilateral meeting meetings", 0) == 27, "the most words between first"
    assert gapped.end("trilateral a b c meeting", 0) is None, "three words between"
    assert Phrase("peace talks").end("peace. talks", 0) is None  # a sentence ends between
    assert Phrase("peace talks").end("peaceful talks", 0) is None
    assert Phrase("peace talks").end("zpeace talks", 1) is None, "inside a word"
    assert Phrase("*peace talks").end("zpeace talks", 1) == 12


CHEESE_TOPIC = """
[topic]
name = "Cheese"
[[groups]]
name = "cheese"
required = true
weight = 8.0
[[groups.terms]]
weight = 3.0
en = ["cheese*", "camembert", "cheddar"]
fr = ["fromage*"]
"""


def test_swapping_the_topic_changes_what_is_relevant(topic):
    cheese = parse_topic(CHEESE_TOPIC)
    cheese_report = ("Camembert makers fear a cheese shortage", "Fromageries in Normandy warn.")
    talks_report = ("Ukraine peace talks resume", "Negotiators discuss security guarantees.")
    assert score_relevance(cheese, *cheese_report).score >= THRESHOLD
    assert score_relevance(cheese, *talks_report).score < THRESHOLD
    assert score_relevance(topic, *cheese_report).score < THRESHOLD
    assert score_relevance(topic, *talks_report).score >= THRESHOLD


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[topic\nname=", "not valid TOML"),
        ('[[groups]]\nname = "x"', "topic"),
        ('[topic]\nname = "t"', "groups"),
        (CHEESE_TOPIC.replace("required = true", "required = false"), "required"),
        (CHEESE_TOPIC.replace('"cheddar"', '"ched dar ~2"'), "ched dar ~2"),
        (CHEESE_TOPIC.replace('"cheddar"', '"che-ddar"'), "che-ddar"),
        (CHEESE_TOPIC.replace("weight = 3.0", 'weight = "heavy"'), "weight"),
        (CHEESE_TOPIC.replace('name = "Cheese"', 'name = "Cheese"\ncolour = 1'), "topic.colour"),
        (CHEESE_TOPIC.replace("fr = ", "French = "), "French"),
    ],
)
def test_bad_topic_text_raises_value_error_naming_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        parse_topic(text)


def test_load_topic_reports_the_file_for_bad_or_missing_files(tmp_path):
    bad = tmp_path / "topic.toml"
    bad.write_text('[topic]\nname = ""\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"topic\.toml: topic\.name"):
        load_topic(bad)
    with pytest.raises(ValueError, match="cannot read"):
        load_topic(tmp_path / "missing.toml")


def test_load_topic_reads_a_swapped_topic_file(tmp_path):
    path = tmp_path / "cheese.toml"
    path.write_text(CHEESE_TOPIC, encoding="utf-8")
    cheese = load_topic(path)
    assert cheese.name == "Cheese"
    assert score_relevance(cheese, "Cheddar prices rise", "").score >= THRESHOLD


# One word for each of 40 first letters in four scripts: the word-start scan picks among
# that many branches at every word of a text.
MANY_FIRST_LETTERS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu "
    "арка борщ вишня гора дуб єнот жито ясен ωμέγα βήτα γάμμα ऊर्जा कमल"
).split()


def test_terms_starting_with_many_different_letters_are_each_found_at_word_starts_only():
    terms = ", ".join(f'"{word}"' for word in MANY_FIRST_LETTERS)
    letters = parse_topic(
        '[topic]\nname = "Letters"\n[[groups]]\nname = "words"\nrequired = true\n'
        f"weight = 8.0\n[[groups.terms]]\nweight = 3.0\nen = [{terms}]\n"
    )
    for word in MANY_FIRST_LETTERS:
        assert score_relevance(letters, f"Today: {word.upper()}!", "").matched == (
            f"words:{word}",
        ), word
        assert score_relevance(letters, f"Today: q{word} {word}s", "").matched == (), word
