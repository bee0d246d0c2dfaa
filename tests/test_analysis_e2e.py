"""Issue 4 end to end: feeds on loopback → fetch → items/timeline/actors JSON from the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.core.timeutil import utcnow
from tests.conftest import copy_world, world_files
from tests.feedserver import FeedServer
from tests.newsdata import TODAY as WORLD_TODAY
from tests.newsdata import serve_world, week_shift

# The CLI runs on the real clock: the world moves by whole weeks to this week.
TODAY = utcnow()
TUESDAY = (WORLD_TODAY + week_shift(TODAY)).date().isoformat()
MONDAY = (WORLD_TODAY + week_shift(TODAY) - timedelta(days=1)).date().isoformat()


@pytest.fixture(scope="module")
def fetched_world(tmp_path_factory) -> Path:
    """The news world imported from OPML and fetched with the CLI, once for this module."""
    directory = tmp_path_factory.mktemp("fetched")
    config = world_files(directory)
    with FeedServer() as server:
        urls = serve_world(server, today=TODAY)
        opml = directory / "f.opml"
        opml.write_text(
            "<opml version='2.0'><body>"
            + "".join(f"<outline text='{n}' xmlUrl='{u}'/>" for n, u in urls.items())
            + "</body></opml>"
        )
        assert main(["feeds", "import", str(opml), "--config", config]) == 0
        assert main(["fetch", "--config", config]) == 0
    return directory


@pytest.fixture
def world_config(fetched_world: Path, tmp_path: Path) -> str:
    return copy_world(fetched_world, tmp_path)


def cli_json(capsys, *argv):
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_items_json_carries_the_analysis(world_config, capsys):
    items = cli_json(capsys, "items", "--all", "--json", "--config", world_config)
    by_title = {item["title"]: item for item in items}
    football = by_title["Shakhtar Donetsk beat Veres Rivne in the league"]
    assert football["relevant"] is False and football["story"] is None
    paris = by_title["Zelensky and Macron agree on security guarantees for Ukraine in Paris"]
    assert paris["relevant"] is True and 0.5 <= paris["relevance"] <= 1
    assert {"Volodymyr Zelensky", "Emmanuel Macron", "Coalition of the Willing"} <= set(
        paris["actors"]
    )
    twin = by_title["Paris talks: Macron and Zelensky set out security guarantees for Ukraine"]
    assert twin["story"] == paris["story"] is not None


def test_timeline_json_has_one_entry_per_development_with_its_date(world_config, capsys):
    entries = cli_json(capsys, "timeline", "--all", "--json", "--config", world_config)
    assert [entry["date"] for entry in entries] == [TUESDAY, MONDAY]
    geneva, paris = entries
    assert "Geneva" in geneva["headline"] and geneva["kind"] == "meeting"
    assert paris["sources"] == 2 and len(paris["items"]) == 2
    assert {"Steve Witkoff", "Jared Kushner", "Kirill Dmitriev"} <= set(geneva["actors"])
    assert set(paris) >= {"date", "headline", "kind", "story", "sources", "items", "actors"}
    oldest = cli_json(
        capsys, "timeline", "--all", "--oldest-first", "--json", "--config", world_config
    )
    assert [entry["date"] for entry in oldest] == [MONDAY, TUESDAY]


def test_timeline_upcoming_lists_announced_meetings(world_config, capsys):
    events = cli_json(capsys, "timeline", "--all", "--upcoming", "--json", "--config", world_config)
    assert any("Berlin" in event["text"] for event in events)


def test_actors_json_names_roles_mentions_and_trend(world_config, capsys):
    actors = cli_json(capsys, "actors", "--all", "--json", "--config", world_config)
    by_name = {actor["name"]: actor for actor in actors}
    macron = by_name["Emmanuel Macron"]
    assert macron["kind"] == "person" and "France" in macron["role"]
    assert macron["items"] == 2 and macron["mentions"] >= 2
    assert set(macron) >= {"name", "kind", "role", "mentions", "items", "last_seen", "trend"}
    assert by_name["Russia"]["kind"] == "state"


def test_reanalyse_is_idempotent(world_config, capsys):
    before = cli_json(capsys, "timeline", "--all", "--json", "--config", world_config)
    assert main(["reanalyse", "--config", world_config]) == 0
    after = cli_json(capsys, "timeline", "--all", "--json", "--config", world_config)
    assert [(e["date"], e["headline"], e["items"]) for e in after] == [
        (e["date"], e["headline"], e["items"]) for e in before
    ]


def test_eval_reports_every_measure(tmp_path, capsys):
    corpus = tmp_path / "mini.jsonl"
    rows = [
        {
            "url": "https://a.example/1",
            "title": "Zelensky and Macron discuss security guarantees for Ukraine",
            "text": "Volodymyr Zelensky met Emmanuel Macron in Paris on "
            "Monday to discuss security guarantees for Ukraine and a ceasefire with Russia.",
            "lang": "en",
            "source": "A",
            "published": "2026-02-16",
            "label": "on_topic",
            "persons": ["Volodymyr Zelensky", "Emmanuel Macron"],
            "orgs": ["Ukraine", "Russia"],
            "event": "paris-2026-02-16",
            "event_date": "2026-02-16",
        },
        {
            "url": "https://b.example/2",
            "title": "Football: Shakhtar win again",
            "text": "Shakhtar Donetsk won the league match.",
            "lang": "en",
            "source": "B",
            "published": "2026-02-16",
            "label": "off_topic",
            "persons": [],
            "orgs": [],
            "event": "other",
            "event_date": None,
        },
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows))
    report = cli_json(capsys, "eval", "--corpus", str(corpus), "--json")
    assert report["relevance"]["all"]["f1"] == 1.0
    assert report["persons"]["recall"] == 1.0
    assert report["dates"]["accuracy"] == 1.0
    capsys.readouterr()
    assert main(["eval", "--corpus", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _labelled(lang: str, label: str, title: str, text: str, number: int) -> dict:
    return {
        "url": f"https://{lang}.example/{number}",
        "title": title,
        "text": text,
        "lang": lang,
        "source": lang,
        "published": "2026-02-16",
        "label": label,
        "persons": [],
        "orgs": [],
        "event": "other",
        "event_date": None,
    }


def test_eval_breaks_relevance_down_by_language(tmp_path, capsys):
    corpus = tmp_path / "languages.jsonl"
    rows = [
        _labelled(
            "en",
            "on_topic",
            "Allies agree security guarantees for Ukraine",
            "Leaders in Paris agreed security guarantees for Ukraine after a ceasefire with "
            "Russia.",
            1,
        ),
        _labelled("en", "off_topic", "Football: Shakhtar win again", "A league match.", 2),
        _labelled(
            "de",
            "on_topic",
            "Sicherheitsgarantien für die Ukraine vereinbart",
            "Die Verbündeten einigten sich in Paris auf Sicherheitsgarantien für die Ukraine "
            "nach einem Waffenstillstand mit Russland.",
            3,
        ),
        # Labelled on topic, but nothing in it is: a miss that only French should show.
        _labelled("fr", "on_topic", "Recette de la tarte aux pommes", "Cuire 40 minutes.", 4),
        _labelled("tr", "off_topic", "Shakhtar iki golle kazandı", "Lig maçı.", 5),
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows))
    report = cli_json(capsys, "eval", "--corpus", str(corpus), "--json")
    languages = report["relevance"]["by_language"]
    assert set(languages) == {"en", "de", "fr", "tr"}
    assert sum(scores["articles"] for scores in languages.values()) == len(rows)
    assert languages["en"]["articles"] == 2 and languages["en"]["on_topic"] == 1
    assert languages["en"]["f1"] == languages["de"]["f1"] == 1.0
    # The French miss lowers French recall and the overall figure, not the others.
    assert languages["fr"]["recall"] == 0.0 and languages["fr"]["fn"] == 1
    assert report["relevance"]["all"]["recall"] < 1.0
    assert languages["tr"]["on_topic"] == 0 and languages["tr"]["correct"] == 1

    assert main(["eval", "--corpus", str(corpus)]) == 0
    text = capsys.readouterr().out.splitlines()
    french = next(line for line in text if line.strip().startswith("fr "))
    assert "n=1" in french and "R 0.000" in french
    turkish = next(line for line in text if line.strip().startswith("tr "))
    # No precision or recall to speak of without on-topic reports: no misleading zeros.
    assert "n=1" in turkish and "P " not in turkish and "none kept" in turkish
