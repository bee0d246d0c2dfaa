"""Drawing the chart: ChartData in, PNG bytes out (matplotlib, Agg canvas; no Telegram, no I/O).

matplotlib is the optional extra ``charts``; without it :func:`render_png` raises
:class:`ChartsUnavailable`, whose message says how to install it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.briefing.chart_data import ChartData, MarkedStory
from bot.core.i18n import Translator, translator

WIDTH = 1200
HEIGHT = 900
DPI = 100
INSTALL_HINT = 'pip install -e ".[charts]"'
HEADLINE_MAX = 95

_BAR = "#4a78b5"
_MARK = "#d1495b"
_ACTOR_COLOURS = ("#2e4057", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f")


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed."""

    def __init__(self) -> None:
        super().__init__(
            f"charts need matplotlib, which is not installed. Install the extra: {INSTALL_HINT}"
        )


def available() -> bool:
    """Whether matplotlib can be imported."""
    try:
        _figure_classes()
    except ChartsUnavailable:
        return False
    return True


def _figure_classes() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable() from None
    return Figure, FigureCanvasAgg


def _short(text: str, limit: int = HEADLINE_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# The plot's share of the picture's width (the grid's left and right), and the narrowest bar.
_PLOT_SHARE = 0.97 - 0.08
MIN_BAR_PIXELS = 2.0
# Points between numbered markers stacked on one day.
MARKER_STEP = 22


def _tick_positions(count: int, most: int = 15) -> list[int]:
    step = max(1, -(-count // most))
    # keep the last day (today) labelled; thin out towards the past
    return sorted(range(count - 1, -1, -step))


def axis_labels(days: Sequence[date], tr: Translator | None = None) -> list[tuple[int, str]]:
    """The labelled days (position, label): with the year when the span crosses a year or is
    longer than one."""
    if not days:
        return []
    years = days[0].year != days[-1].year or len(days) > 366
    ticks = _tick_positions(len(days), most=9 if years else 15)  # longer labels: fewer fit
    tr = tr or translator(None)
    return [(tick, tr.short_day(days[tick], year=years)) for tick in ticks]


def bar_width(count: int, width: int = WIDTH) -> float:
    """A day's bar width in days: 0.8, widened so that no bar is narrower than
    ``MIN_BAR_PIXELS`` however many days the chart shows."""
    pixels_per_day = width * _PLOT_SHARE / max(count, 1)
    return max(0.8, MIN_BAR_PIXELS / pixels_per_day)


def marker_offsets(stories: Sequence[MarkedStory]) -> list[int]:
    """Each numbered marker's height above its bar in points: markers of one day are stacked
    so that none hides another."""
    seen: dict[date, int] = {}
    offsets = []
    for story in stories:
        below = seen.get(story.day, 0)
        seen[story.day] = below + 1
        offsets.append(10 + MARKER_STEP * below)
    return offsets


def note_lines(data: ChartData, tr: Translator | None = None) -> list[str]:
    """The numbered stories printed under the bars: day, headline, sources."""
    tr = tr or translator(None)
    first, last = data.days[0], data.days[-1]
    years = first.year != last.year or len(data.days) > 366
    return [
        f"{number}.  {tr.short_day(story.day, year=years)} — {_short(story.headline)}  "
        f"({tr.n('sources.count', story.sources)})"
        for number, story in enumerate(data.stories, 1)
    ] or [tr("picture.no_stories")]


def render_png(
    data: ChartData,
    *,
    tr: Translator | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    dpi: int = DPI,
) -> bytes:
    """Draw the chart and return it as PNG bytes of exactly ``width`` × ``height`` pixels.

    Top: relevant reports per day, the biggest stories numbered on their day. Middle: the top
    actors' mentions per day. Bottom: the numbered stories' dates and headlines. Its words
    are in the language of ``tr`` (English without one).
    """
    tr = tr or translator(None)
    figure_class, canvas_class = _figure_classes()
    from matplotlib.ticker import MaxNLocator

    figure = figure_class(figsize=(width / dpi, height / dpi), dpi=dpi)
    canvas_class(figure)
    grid = figure.add_gridspec(
        3, 1, height_ratios=(3.0, 2.2, 0.8), hspace=0.3, top=0.9, bottom=0.03, left=0.08, right=0.97
    )
    reports_axes = figure.add_subplot(grid[0])
    actors_axes = figure.add_subplot(grid[1], sharex=reports_axes)
    notes_axes = figure.add_subplot(grid[2])
    positions = list(range(len(data.days)))
    first, last = data.days[0], data.days[-1]
    start = tr.short_day(first, year=first.year != last.year)
    figure.suptitle(
        tr("picture.title", start=start, end=tr.short_day(last, year=True)),
        fontsize=15,
        parse_math=False,
    )

    marked_days = {story.day for story in data.stories}
    colours = [_MARK if day in marked_days else _BAR for day in data.days]
    reports_axes.bar(positions, data.reports, color=colours, width=bar_width(len(positions), width))
    reports_axes.set_ylabel(tr("picture.reports_axis"))
    reports_axes.set_title(
        tr.n("picture.reports", data.total_reports), loc="left", fontsize=11, parse_math=False
    )
    top = max(data.reports, default=0)
    stacked = max(marker_offsets(data.stories), default=10) // MARKER_STEP
    reports_axes.set_ylim(0, max(1, top) * (1.25 + 0.15 * stacked) + 0.5)
    index = {day: position for position, day in enumerate(data.days)}
    offsets = marker_offsets(data.stories)
    for number, (story, offset) in enumerate(zip(data.stories, offsets, strict=True), 1):
        if story.day not in index:
            continue
        x, y = index[story.day], data.reports_on(story.day)
        reports_axes.annotate(
            str(number),
            xy=(x, y),
            xytext=(0, offset),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=10,
            fontweight="bold",
            color="white",
            bbox={"boxstyle": "circle,pad=0.3", "facecolor": _MARK, "edgecolor": "none"},
        )
    if not data.total_reports:
        reports_axes.text(
            0.5, 0.5, tr("picture.no_reports"), transform=reports_axes.transAxes,
            ha="center", va="center", color="grey", fontsize=13,
        )  # fmt: skip

    for number, series in enumerate(data.actors):
        actors_axes.plot(
            positions,
            series.mentions,
            marker="o",
            markersize=3,
            linewidth=1.8,
            color=_ACTOR_COLOURS[number % len(_ACTOR_COLOURS)],
            label=f"{series.name} ({series.total})",
        )
    actors_axes.set_ylabel(tr("picture.mentions_axis"))
    actors_axes.set_title(tr("picture.actors"), loc="left", fontsize=11, parse_math=False)
    peak = max((max(series.mentions, default=0) for series in data.actors), default=0)
    actors_axes.set_ylim(0, max(1, peak) * 1.5)  # headroom for the legend above the lines
    if data.actors:
        actors_axes.legend(loc="upper left", fontsize=9, frameon=False, ncols=3)
    labels = axis_labels(data.days, tr)
    actors_axes.set_xticks([tick for tick, _ in labels], [label for _, label in labels])
    reports_axes.tick_params(labelbottom=False)
    for axes in (reports_axes, actors_axes):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", alpha=0.3)
        axes.set_xlim(-0.6, len(positions) - 0.4)

    notes_axes.axis("off")
    lines = note_lines(data, tr)
    notes_axes.text(
        0.0, 1.0, "\n".join(lines), transform=notes_axes.transAxes, va="top", ha="left",
        fontsize=10, linespacing=1.6, parse_math=False,
    )  # fmt: skip

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # glyphs missing from the bundled font (e.g. CJK headlines) draw as boxes; that is fine
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
