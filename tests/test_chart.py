"""/chart and `briefbot chart`: a PNG of reports per day, the biggest stories and top actors."""

from __future__ import annotations

import builtins
import struct
from datetime import date, timedelta

import pytest

from bot.briefing import chart_drawing as charts
from bot.briefing.chart_data import ChartData, MarkedStory, chart_data
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


async def test_a_long_window_is_drawn_from_its_first_day_with_data(world, clock):
    # `briefbot chart --days 9999` must not draw 27 years of empty days.
    clock.advance(days=400)
    data = chart_data(world, days=9999)
    assert data.days[0] == date(2026, 2, 16)  # Paris, the first relevant reports
    assert data.days[-1] == clock().date() and len(data.days) == 402
    assert data.total_reports == 4 and len(data.stories) == 2
    # A short window, or data from the last days only, is drawn as asked (at least 90 days).
    clock.advance(days=-400)
    assert len(chart_data(world, days=30).days) == 30
    assert len(chart_data(world, days=9999).days) == 90


# --- the picture --------------------------------------------------------------------------------


@needs_matplotlib
def test_render_png_has_the_promised_size_even_without_data():
    days = tuple(date(2026, 3, day) for day in range(1, 31))
    empty = ChartData(days=days, reports=(0,) * 30, stories=(), actors=())
    assert png_size(charts.render_png(empty)) == (charts.WIDTH, charts.HEIGHT)
    assert png_size(charts.render_png(empty, width=640, height=480)) == (640, 480)


def test_axis_shows_years_when_the_span_crosses_one_or_is_longer_than_a_year():
    two_weeks = tuple(date(2026, 3, 1) + timedelta(days=n) for n in range(14))
    assert all(not label.endswith("2026") for _, label in charts.axis_labels(two_weeks))
    new_year = tuple(date(2025, 12, 25) + timedelta(days=n) for n in range(14))
    labels = [label for _, label in charts.axis_labels(new_year)]
    assert labels[0].endswith(" Dec 2025") and labels[-1] == "7 Jan 2026"
    years = tuple(date(2024, 1, 1) + timedelta(days=n) for n in range(900))
    labels = [label for _, label in charts.axis_labels(years)]
    assert {label[-4:] for label in labels} == {"2024", "2025", "2026"}


def test_bars_stay_at_least_two_pixels_wide_on_a_long_span():
    assert charts.bar_width(14) == 0.8
    for count in (400, 3650, 9999):
        pixels_per_day = charts.WIDTH * 0.89 / count
        assert charts.bar_width(count) * pixels_per_day >= charts.MIN_BAR_PIXELS - 1e-9


def test_story_markers_on_one_day_are_stacked_not_overlaid():
    day, other = date(2026, 2, 16), date(2026, 2, 17)
    stories = [
        MarkedStory(day, "A", 1, 3),
        MarkedStory(day, "B", 2, 2),
        MarkedStory(other, "C", 3, 2),
    ]
    first, second, third = charts.marker_offsets(stories)
    assert second - first >= charts.MARKER_STEP  # a marker is about 20 points tall
    assert third == first


@needs_matplotlib
def test_render_png_draws_a_long_span_with_stacked_markers():
    days = tuple(date(2024, 1, 1) + timedelta(days=n) for n in range(800))
    reports = tuple(3 if n % 97 == 0 else 0 for n in range(800))
    stories = (MarkedStory(days[0], "A", 1, 3), MarkedStory(days[0], "B", 2, 2))
    data = ChartData(days=days, reports=reports, stories=stories, actors=())
    assert png_size(charts.render_png(data)) == (charts.WIDTH, charts.HEIGHT)


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


def test_the_notes_under_the_chart_count_sources_in_words():
    days = tuple(date(2026, 3, 1) + timedelta(days=n) for n in range(7))
    stories = (MarkedStory(days[1], "Talks in Geneva", 1, 1), MarkedStory(days[3], "A plan", 2, 4))
    data = ChartData(days=days, reports=(1,) * 7, stories=stories, actors=())
    one, four = charts.note_lines(data)
    assert one.endswith("Talks in Geneva  (1 source)") and four.endswith("(4 sources)")


@needs_matplotlib
def test_the_picture_speaks_the_readers_language():
    from bot.core.i18n import translator

    days = tuple(date(2026, 2, 10) + timedelta(days=n) for n in range(8))
    stories = (MarkedStory(days[7], "Gespräche in Genf", 1, 1),)
    data = ChartData(days=days, reports=(1,) * 8, stories=stories, actors=())
    [note] = charts.note_lines(data, translator("uk"))
    assert note.startswith("1.  17 лют.") and note.endswith("(1 джерело)")
    assert charts.axis_labels(days, translator("de"))[-1][1] == "17. Feb."
    empty = ChartData(days=days, reports=(0,) * 8, stories=(), actors=())
    assert charts.note_lines(empty, translator("pl")) == ["Brak wiadomości w tym okresie."]
    assert png_size(charts.render_png(data, tr=translator("fr"))) == (charts.WIDTH, charts.HEIGHT)
