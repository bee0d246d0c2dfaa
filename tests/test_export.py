"""`briefbot export items`: the fields of `items --json`, as CSV or JSON, to stdout or a file."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.cli.ecosystem import EXPORT_FIELDS
from bot.cli.main import main


def run(capsys, *argv):
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_json_export_is_exactly_items_json(world_config, capsys):
    items = json.loads(run(capsys, "items", "--all", "--json", "--config", world_config))
    exported = json.loads(
        run(capsys, "export", "items", "--format", "json", "--all", "--config", world_config)
    )
    assert exported == items
    assert len(items) == 5 and set(EXPORT_FIELDS) == set(items[0])


def test_csv_export_has_a_header_and_one_row_per_item(world_config, capsys):
    items = json.loads(run(capsys, "items", "--all", "--json", "--config", world_config))
    text = run(capsys, "export", "items", "--all", "--config", world_config)  # csv by default
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == EXPORT_FIELDS
    assert [int(row["id"]) for row in rows] == [item["id"] for item in items]
    by_title = {row["title"]: row for row in rows}
    geneva = by_title["Witkoff and Kushner hold peace talks with Dmitriev in Geneva"]
    assert geneva["relevant"] == "true"
    assert geneva["feeds"] == "Kyiv Wire"
    assert "Steve Witkoff" in geneva["actors"].split("; ")
    assert geneva["published"].endswith("Z")
    football = by_title["Shakhtar Donetsk beat Veres Rivne in the league"]
    assert football["relevant"] == "false" and football["story"] == ""


def test_export_to_a_file_keeps_stdout_for_the_summary(world_config, tmp_path, capsys):
    out = tmp_path / "items.csv"
    summary = run(capsys, "export", "items", "--all", "--out", str(out), "--config", world_config)
    assert summary.strip() == f"exported 5 items to {out} (csv)"
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == 5


def test_export_window_is_the_one_of_items(world_config, capsys):
    def export(*window):
        args = ("export", "items", "--format", "json", *window, "--config", world_config)
        return json.loads(run(capsys, *args))

    def items(*window):
        return json.loads(run(capsys, "items", "--json", *window, "--config", world_config))

    assert export() == items()  # both default to the last 7 days
    assert export("--days", "30") == items("--days", "30") == items("--all")


def test_export_needs_a_known_format(world_config, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "items", "--format", "xml", "--config", world_config])
    assert exit_info.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err
