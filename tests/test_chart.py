"""/chart and `briefbot chart`: a PNG of reports per day, the biggest stories and top actors."""

from __future__ import annotations

import builtins
import struct
from datetime import date

import pytest

from bot.briefing import chart_drawing as charts
from bot.briefing.chart_data import ChartData, chart_data
from bot.cli.main import main
from tests.newsdata import load_world

READER = 501
needs_matplotlib = pytest.mark.skipif(
    not charts.available(), reason='matplotlib not installed (pip install -e ".[charts]")'
)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def no_matplotlib(monkeypatch):
    """Make every `import matplotlib…` fail, as on an install without the charts extra."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


@pytest.fixture
async def world(service, fetcher, feed_server):
    await load_world(service, fetcher, feed_server)
    return service


async def ask(fake, text, chat_id=READER):
    before = len(fake.sent_texts(chat_id))
    fake.push_message(text, chat_id=chat_id)
    texts = await fake.wait_for_messages(before + 1, chat_id=chat_id)
    return texts[before]


# --- the data -----------------------------------------------------------------------------------


@needs_matplotlib
async def test_chart_data_counts_relevant_reports_per_day_and_marks_big_stories(world):
    data = chart_data(world, days=7)
    assert data.days[-1] == date(2026, 2, 17) and len(data.days) == 7
    # the world: Paris (2 reports) on the 16th, Geneva (2) on the 17th; football is not relevant
    assert data.reports_on(date(2026, 2, 16)) == 2
    assert data.reports_on(date(2026, 2, 17)) == 2
    assert data.total_reports == 4
    headlines = " ".join(story.headline for story in data.stories)
    assert "Geneva" in headlines and "Paris" in headlines
    assert all(story.sources == 2 for story in data.stories)
    names = [series.name for series in data.actors]
    assert "Volodymyr Zelensky" in names and "Emmanuel Macron" in names
    for series in data.actors:
        assert len(series.mentions) == 7 and series.total > 0
        assert sum(series.mentions[:-2]) == 0  # nothing before the 16th


# --- the picture --------------------------------------------------------------------------------


@needs_matplotlib
def test_render_png_has_the_promised_size_even_without_data():
    days = tuple(date(2026, 3, day) for day in range(1, 31))
    empty = ChartData(days=days, reports=(0,) * 30, stories=(), actors=())
    assert png_size(charts.render_png(empty)) == (charts.WIDTH, charts.HEIGHT)
    assert png_size(charts.render_png(empty, width=640, height=480)) == (640, 480)


# --- chat ---------------------------------------------------------------------------------------


@needs_matplotlib
async def test_chart_command_sends_a_png_photo_with_the_stories(world, bot, fake_telegram):
    fake_telegram.push_message("/chart 7", chat_id=READER)
    [call] = await fake_telegram.wait_for(
        lambda: fake_telegram.calls_to("sendPhoto"), timeout=30, what="sendPhoto"
    )
    assert call.params["chat_id"] == READER
    photo = call.files["photo"]
    assert png_size(photo) == (charts.WIDTH, charts.HEIGHT)
    caption = call.params["caption"]
    assert "Last 7 days</b>: 4 relevant reports" in caption
    assert "Geneva" in caption and "/story_" in caption


async def test_chart_without_reports_says_so_in_text(service, bot, fake_telegram):
    reply = await ask(fake_telegram, "/chart")
    assert reply == "No relevant reports in the last 14 days — nothing to draw yet."
    assert not fake_telegram.calls_to("sendPhoto")


async def test_chart_with_a_bad_number_of_days_gets_usage(service, bot, fake_telegram):
    reply = await ask(fake_telegram, "/chart 365")
    assert reply.startswith("The number of days must be between 1 and 90. Usage: /chart [days]")


async def test_chart_without_matplotlib_explains_the_extra(
    world, bot, fake_telegram, no_matplotlib
):
    reply = await ask(fake_telegram, "/chart")
    assert "matplotlib is not installed" in reply
    assert 'pip install -e ".[charts]"' in reply
    assert not fake_telegram.calls_to("sendPhoto")


# --- command line -------------------------------------------------------------------------------


@needs_matplotlib
def test_cli_chart_writes_the_same_picture(world_config, tmp_path, capsys):
    out = tmp_path / "chart.png"
    capsys.readouterr()
    assert main(["chart", "--days", "30", "--out", str(out), "--config", world_config]) == 0
    assert png_size(out.read_bytes()) == (charts.WIDTH, charts.HEIGHT)
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"wrote {out} (1200×900 PNG): 4 relevant reports over 30 days")


def test_cli_chart_without_matplotlib_explains_the_extra(
    world_config, tmp_path, capsys, no_matplotlib
):
    out = tmp_path / "chart.png"
    capsys.readouterr()
    assert main(["chart", "--out", str(out), "--config", world_config]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "briefbot: charts need matplotlib, which is not installed. "
        'Install the extra: pip install -e ".[charts]"'
    )
    assert not out.exists()
