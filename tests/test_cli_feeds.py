"""The ingestion CLI as a user runs it: feeds add/list/import/export, fetch, items --json."""

from __future__ import annotations

import json

from bot.app.runtime import open_service
from bot.briefing import reading
from bot.cli.main import main
from bot.core.config import load_settings
from tests.feedfactory import rss, story_items


def write_config(tmp_path, extra: str = "") -> str:
    path = tmp_path / "config.toml"
    (tmp_path / "none.toml").write_text("# no default feeds\n", encoding="utf-8")
    path.write_text(
        f'[storage]\npath = "{tmp_path / "b.db"}"\n'
        f'[feeds]\nallow_private_networks = true\ndefaults_file = "{tmp_path / "none.toml"}"\n'
        + extra,
        encoding="utf-8",
    )
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_feeds_add_list_fetch_items(tmp_path, feed_server, capsys):
    config = write_config(tmp_path)
    feed_server.route("/a.xml", rss(story_items(3), title="Alpha"))
    feed_server.route("/b.xml", rss(story_items(2, prefix="Other"), title="Beta"))
    code, out, _ = run(capsys, "feeds", "add", feed_server.url("/a.xml"), "--config", config)
    assert code == 0 and "Alpha" in out and "3 new items" in out
    code, out, _ = run(
        capsys, "feeds", "add", feed_server.url("/b.xml"), "--name", "B", "--config", config
    )
    assert code == 0
    code, out, _ = run(capsys, "feeds", "list", "--json", "--config", config)
    feeds = json.loads(out)
    assert [(f["name"], f["items"]) for f in feeds] == [("Alpha", 3), ("B", 2)]
    assert all(f["last_error"] is None and f["last_success"] for f in feeds)

    code, out, _ = run(capsys, "fetch", "--all", "--config", config)
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("2 feeds: 0 ok, 0 not modified, 0 failed") or (
        "2 feeds:" in out
    )
    assert "0 new items" in out

    code, out, _ = run(capsys, "items", "--all", "--json", "--config", config)
    items = json.loads(out)
    assert len(items) == 5
    assert {"id", "title", "link", "published", "feeds"} <= set(items[0])
    assert items[0]["published"].endswith("Z")


def test_feeds_add_refusal_is_one_line_exit_2(tmp_path, feed_server, capsys):
    config = write_config(tmp_path)
    code, out, err = run(capsys, "feeds", "add", feed_server.url("/nope.xml"), "--config", config)
    assert code == 2
    assert "404" in err and len(err.strip().splitlines()) == 1


def test_fetch_reports_failures_but_exits_0(tmp_path, feed_server, capsys):
    config = write_config(tmp_path)
    feed_server.route("/ok.xml", rss(story_items(1)))
    run(capsys, "feeds", "add", feed_server.url("/ok.xml"), "--config", config)
    feed_server.route("/ok.xml", "broken", status=500)
    code, out, _ = run(capsys, "fetch", "--all", "--config", config)
    assert code == 0
    assert "1 failed" in out
    code, out, _ = run(capsys, "feeds", "list", "--config", config)
    assert "HTTP 500" in out and "failing" in out


def test_feeds_import_export_remove(tmp_path, capsys):
    config = write_config(tmp_path)
    opml = tmp_path / "f.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="K" xmlUrl="https://k.example/rss"/></body></opml>'
    )
    code, out, _ = run(capsys, "feeds", "import", str(opml), "--config", config)
    assert code == 0 and "imported 1" in out
    code, out, _ = run(capsys, "feeds", "export", "--config", config)
    assert 'xmlUrl="https://k.example/rss"' in out
    code, out, _ = run(capsys, "feeds", "pause", "1", "--config", config)
    assert code == 0 and "paused" in out
    code, out, _ = run(capsys, "feeds", "remove", "https://k.example/rss", "--config", config)
    assert code == 0 and "removed" in out
    code, out, err = run(capsys, "feeds", "remove", "1", "--config", config)
    assert code == 2 and "no feed" in err


def test_items_with_no_data_and_bad_days(tmp_path, capsys):
    config = write_config(tmp_path)
    code, out, _ = run(capsys, "items", "--config", config)
    assert code == 0 and "briefbot fetch" in out
    try:
        main(["items", "--days", "zero", "--config", config])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "whole number" in capsys.readouterr().err


def test_a_reader_that_goes_away_is_not_an_error(tmp_path):
    """`briefbot feeds list | head -1`: the closed pipe ends the command quietly, status 0."""
    import subprocess
    import sys

    from bot.core.timeutil import utcnow
    from bot.storage.store import Store
    from tests.conftest import world_files

    config = world_files(tmp_path)
    store = Store.open(tmp_path / "b.db")
    for number in range(3000):  # far more than a pipe holds
        store.add_feed(f"https://news{number}.example/feed.xml", utcnow())
    store.close()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "feeds", "list", "--config", config],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, errors
    assert "Traceback" not in errors


def test_stats_report_the_last_poll_after_briefbot_fetch(tmp_path, feed_server, capsys):
    config = write_config(tmp_path)
    feed_server.route("/a.xml", rss(story_items(3), title="Alpha"))
    (tmp_path / "feeds.opml").write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        f'<outline type="rss" text="Alpha" xmlUrl="{feed_server.url("/a.xml")}"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    assert run(capsys, "feeds", "import", str(tmp_path / "feeds.opml"), "--config", config)[0] == 0
    with open_service(load_settings(config)) as service:
        assert reading.stats(service).last_poll_at is None  # imported, never fetched
    code, out, _ = run(capsys, "fetch", "--all", "--config", config)
    assert code == 0 and "3 new items" in out
    with open_service(load_settings(config)) as service:
        stats = reading.stats(service)
    assert stats.last_poll_at is not None
    assert stats.last_poll == out.strip().splitlines()[-1]
