"""/chart [days]: a PNG of relevant reports per day, the biggest stories and the top actors."""

from __future__ import annotations

import asyncio
import threading

from telegram import Update
from telegram.ext import ContextTypes

from bot import charts
from bot.chartdata import DEFAULT_DAYS, ChartData, chart_data
from bot.tg import render
from bot.tg.handlers import command, int_arg, service_of

MAX_DAYS = 90
# matplotlib does not promise thread safety: draw one chart at a time
_DRAWING = threading.Lock()
NOT_INSTALLED = (
    "Charts are not available on this bot: matplotlib is not installed. "
    f"The bot's operator can add it with: {charts.INSTALL_HINT}"
)


def _draw(data: ChartData) -> bytes:
    with _DRAWING:
        return charts.render_png(data)


def caption(data: ChartData) -> str:
    """The photo's caption (HTML): the window, the total and the numbered stories."""
    days = len(data.days)
    lines = [f"<b>Last {days} days</b>: {data.total_reports} relevant reports"]
    for number, story in enumerate(data.stories, 1):
        day = f"{story.day.day} {story.day.strftime('%b')}"
        lines.append(
            f"{number}. {day} — {render.escape(story.headline, 120)} "
            f"({story.sources} sources) /story_{story.story}"
        )
    return "\n".join(lines)


@command("chart")
async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chart [days]."""
    days = int_arg(context.args, default=DEFAULT_DAYS, low=1, high=MAX_DAYS, what="days")
    service = service_of(context)
    message = update.effective_message
    if not charts.available():
        await message.reply_text(render.escape(NOT_INSTALLED))
        return
    data = chart_data(service, days=days)
    if not data.total_reports:
        await message.reply_text(
            f"No relevant reports in the last {days} days — nothing to draw yet."
        )
        return
    # Drawing takes about a second of CPU: keep it off the event loop (data was read on it).
    png = await asyncio.to_thread(_draw, data)
    await message.reply_photo(photo=png, caption=caption(data), filename=f"chart-{days}d.png")
