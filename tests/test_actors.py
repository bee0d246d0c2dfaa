"""Actor gazetteer: what the bot finds in reports, and what it must not find."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.analysis.actors import Gazetteer
from bot.analysis.datafiles import load_gazetteer
from bot.analysis.gazetteer_file import parse_gazetteer

ACTORS_FILE = Path(__file__).resolve().parent.parent / "data" / "actors.toml"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(ACTORS_FILE)


def found(g: Gazetteer, text: str, title: str = "", language: str | None = None) -> set[str]:
    return set(g.extract(title, text, language))


def test_shipped_file_has_enough_people_and_bodies(gazetteer: Gazetteer) -> None:
    kinds = [actor.kind for actor in gazetteer.actors.values()]
    assert kinds.count("person") >= 60
    assert len(kinds) - kinds.count("person") >= 40


@pytest.mark.parametrize(
    "text",
    [
        "Zelenskyy met the envoys.",
        "Selenskyj traf die Gesandten.",
        "Zelenszkij Washingtonba utazott.",
        "Зеленський зустрівся з посланцями.",
        "Зеленский встретился с посланниками.",
        "ज़ेलेंस्की ने कहा।",
        "Rozmowa z Zełenskim i list do Zełenskiego.",
        "Зустріч із Зеленським.",
    ],
)
def test_zelensky_in_many_spellings_and_scripts(gazetteer: Gazetteer, text: str) -> None:
    assert "Volodymyr Zelensky" in found(gazetteer, text)


def test_possessives_and_slavic_cases_count_every_mention(gazetteer: Gazetteer) -> None:
    text = "Putin's demands. Путина, Путину, Путіним. Putin'in planı. Putyinnal tárgyalt."
    assert gazetteer.extract("", text)["Vladimir Putin"] == 6
    assert "Donald Trump" in found(gazetteer, "Rozmowa z Trumpem o Trumpa planie.")
    assert "Donald Trump" in found(gazetteer, "Zelenszkij Trumppal tárgyalt.")
    assert "Volodymyr Zelensky" in found(gazetteer, "Zelensky’s plan")


def test_states_in_other_languages_with_endings(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "Sancțiuni împotriva Rusiei") >= {"Russia"}
    assert found(gazetteer, "Pomoc dla Ukrainy i Rosji") >= {"Ukraine", "Russia"}
    assert found(gazetteer, "Росії та України, США і НАТО") >= {
        "Russia",
        "Ukraine",
        "United States",
        "NATO",
    }
    assert "Coalition of the Willing" in found(gazetteer, "засідання коаліції охочих")
    assert "Russia" in found(gazetteer, "रूसी सेना")


def test_common_words_do_not_become_people(gazetteer: Gazetteer) -> None:
    assert "Donald Trump" not in found(gazetteer, "She played her trump card at the trumpet show.")
    assert "Donald Trump" in found(gazetteer, "TRUMP MEETS PUTIN")


def test_costa_needs_his_first_name_or_a_title(gazetteer: Gazetteer) -> None:
    assert "António Costa" not in found(gazetteer, "Holidays in Costa Rica and on the Costa Brava.")
    assert "António Costa" in found(gazetteer, "Council President Costa welcomed the plan.")
    text = "António Costa spoke first. Later Costa added a warning."
    assert gazetteer.extract("", text)["António Costa"] == 2


def test_kremlin_stands_for_russia_and_capitals_only_when_they_act(gazetteer: Gazetteer) -> None:
    assert "Russia" in found(gazetteer, "The Kremlin rejected the proposal.")
    assert "Russia" in found(gazetteer, "Moscow rejected the proposal.")
    assert "Russia" not in found(gazetteer, "The delegation flew to Moscow on Monday.")
    assert "United States" in found(gazetteer, "Washington's plan was published.")
    assert "United States" not in found(gazetteer, "The Washington Post reported it.")


def test_a_country_named_only_as_a_venue_is_not_an_actor(gazetteer: Gazetteer) -> None:
    assert "France" not in found(gazetteer, "The coalition met in France on Tuesday.")
    assert "France" in found(gazetteer, "France will send troops.")


def test_role_only_mention_is_not_a_person(gazetteer: Gazetteer) -> None:
    names = found(gazetteer, "The German chancellor and the Kremlin spokesman spoke by phone.")
    assert not {name for name in names if gazetteer.actors[name].kind == "person"}


def test_institution_counts_for_its_union(gazetteer: Gazetteer) -> None:
    counts = gazetteer.extract("", "The European Commission proposed a loan.")
    assert counts["European Commission"] == 1
    assert counts["European Union"] == 1


def test_role_on_follows_the_dates(gazetteer: Gazetteer) -> None:
    scholz, merz = gazetteer.actors["Olaf Scholz"], gazetteer.actors["Friedrich Merz"]
    assert scholz.role_on(date(2024, 6, 1)) == "Chancellor of Germany"
    assert merz.role_on(date(2024, 6, 1)) is None
    assert merz.role_on(date(2025, 5, 6)) == "Chancellor of Germany"
    assert scholz.role_on(date(2025, 5, 6)) is None
    rutte = gazetteer.actors["Mark Rutte"]
    assert rutte.role_on(date(2024, 9, 30)) is None
    assert rutte.role_on(date(2024, 10, 1)) == "NATO Secretary General"


def test_lookup_by_partial_name_alias_and_other_script(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("zelen")[0].name == "Volodymyr Zelensky"
    assert gazetteer.lookup("Selenskyj")[0].name == "Volodymyr Zelensky"
    assert gazetteer.lookup("путин")[0].name == "Vladimir Putin"
    assert gazetteer.lookup("kremlin")[0].name == "Russia"
    assert gazetteer.lookup("orban")[0].name == "Viktor Orbán"
    assert gazetteer.lookup("xyzzy-nobody") == []


def test_candidates_are_unknown_names_after_role_words(gazetteer: Gazetteer) -> None:
    text = (
        "Foreign Minister Jan Novak met special envoy Steve Witkoff. "
        "Der Sondergesandte Hans Beispiel sprach mit Präsident Selenskyj. "
        "Речник Іван Приклад прокоментував."
    )
    names = {c.name: c.cue for c in gazetteer.candidates("", text)}
    assert names == {
        "Jan Novak": "Foreign Minister",
        "Hans Beispiel": "Sondergesandte",
        "Іван Приклад": "Речник",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[actor]\nname = 'x'", "not valid TOML"),
        ("[[actor]]\nname = 'X'\nkind = 'planet'", "kind"),
        ("[[actor]]\nkind = 'person'", "missing name"),
        (
            "[[actor]]\nname = 'X'\nkind = 'person'\nroles = [{ title = 'T', start = 'soon' }]",
            "expected a date",
        ),
        (
            "[[actor]]\nname = 'A'\nkind = 'person'\naliases = ['Same']\n"
            "[[actor]]\nname = 'B'\nkind = 'person'\naliases = ['Same']",
            "belongs to both",
        ),
    ],
)
def test_bad_file_is_rejected_with_the_problem_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_gazetteer(text)


def test_load_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "actors.toml"
    bad.write_text("[[actor]]\nname = 'X'\nkind = 'planet'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="actors.toml"):
        load_gazetteer(bad)
