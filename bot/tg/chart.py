"""/chart [days]: a PNG of relevant reports per day, the biggest stories and the top actors."""

from __future__ import annotations

import asyncio
import threading

from telegram import Update
from telegram.ext import ContextTypes

from bot.app.service import Service
from bot.briefing import chart_drawing as charts
from bot.briefing.chart_data import DEFAULT_DAYS, ChartData, chart_data
from bot.core.i18n import Translator, translator
from bot.tg import render
from bot.tg.context import args_of, int_arg, message_of, service_of, tr_of

MAX_DAYS = 90
# matplotlib does not promise thread safety: draw one chart at a time
_DRAWING = threading.Lock()


def draw(data: ChartData, tr: Translator | None = None) -> bytes:
    """Render the chart PNG in the reader's language, one drawing at a time."""
    with _DRAWING:
        return charts.render_png(data, tr=tr)


async def read_chart_data(service: Service, days: int) -> ChartData:
    """The chart's data, any pending timeline regrouping done off the event loop first."""
    await service.refresh_timeline()
    return chart_data(service, days=days)


def caption(data: ChartData, tr: Translator | None = None) -> str:
    """The photo's caption (HTML): the window, the total and the numbered stories."""
    tr = tr or translator(None)
    reports = tr.n("chart.relevant", data.total_reports)
    lines = [tr.n("chart.caption", len(data.days), reports=reports)]
    for number, story in enumerate(data.stories, 1):
        lines.append(
            f"{number}. {tr.day(story.day)} — {render.escape(story.headline, 120)} "
            f"({tr.n('sources.count', story.sources)}) /story_{story.story}"
        )
    return "\n".join(lines)


async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chart [days]."""
    days = int_arg(
        args_of(context), default=DEFAULT_DAYS, low=1, high=MAX_DAYS, what="subject.days"
    )
    service = service_of(context)
    tr = tr_of(update, context)
    message = message_of(update)
    if not charts.available():
        await message.reply_text(tr("chart.unavailable", hint=render.escape(charts.INSTALL_HINT)))
        return
    data = await read_chart_data(service, days)
    if not data.total_reports:
        await message.reply_text(tr.n("chart.empty", days))
        return
    # Drawing takes about a second of CPU: keep it off the event loop (data was read on it).
    png = await asyncio.to_thread(draw, data, tr)
    await message.reply_photo(photo=png, caption=caption(data, tr), filename=f"chart-{days}d.png")
