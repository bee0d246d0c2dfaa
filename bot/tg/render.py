"""Telegram HTML rendering: escaping, links, message texts and splitting. Pure, no I/O."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.analysis.timeline_grouping import TimelineEntry
from bot.briefing.ask import Answer
from bot.briefing.digest_selection import ActorTrend, Digest
from bot.briefing.reading import (
    ActorProfile,
    ActorStat,
    SearchPage,
    Stats,
    StoryBrief,
    StoryDetail,
    UpcomingEvent,
)
from bot.core.i18n import Translator
from bot.core.messages import SOURCE
from bot.core.models import Feed
from bot.core.records import ActorCandidate, Subscription
from bot.core.timeutil import from_iso

if TYPE_CHECKING:
    from bot.tg.commands import Command

MESSAGE_LIMIT = 4096
HEADLINE_MAX = 220
SUMMARY_MAX = 320
TIMELINE_SUMMARY_MAX = 160
# Characters that must never reach a chat from a feed: controls and bidi overrides/isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def clean(text: object, limit: int | None = None) -> str:
    """Plain text safe to show: unsafe characters removed, optionally shortened with "…"."""
    value = _UNSAFE.sub("", str(text))
    if limit is not None and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def escape(text: object, limit: int | None = None) -> str:
    """Escape any text (from feeds or users) for Telegram's HTML parse mode."""
    return html.escape(clean(text, limit), quote=True)


def link(url: str | None, text: str, limit: int | None = HEADLINE_MAX) -> str:
    """An <a> link when the URL is http(s), else the escaped text alone."""
    label = escape(text, limit)
    if url and re.match(r"^https?://", url, re.IGNORECASE):
        return f'<a href="{html.escape(clean(url), quote=True)}">{label}</a>'
    return label


def utf16_length(text: str) -> int:
    """Telegram measures message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_message(
    blocks: Sequence[str], limit: int = MESSAGE_LIMIT, sep: str = "\n\n"
) -> list[str]:
    """Join blocks into messages of at most ``limit`` units, splitting only between blocks.

    Blocks are complete HTML fragments (an entry, a paragraph), so no message ends inside a tag
    or an entity. A block that alone exceeds the limit is cut at a line boundary, else dropped
    to its plain text.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _fit(block, limit):
            candidate = f"{current}{sep}{piece}" if current else piece
            if utf16_length(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _fit(block: str, limit: int) -> list[str]:
    if utf16_length(block) <= limit:
        return [block]
    lines = block.split("\n")
    if len(lines) > 1:
        # Lines regrouped as they were written (one per line, no blank line between them),
        # each piece as long as the limit allows.
        pieces: list[str] = []
        for line in lines:
            for part in _fit(line, limit):
                joined = f"{pieces[-1]}\n{part}" if pieces else part
                if pieces and utf16_length(joined) <= limit:
                    pieces[-1] = joined
                else:
                    pieces.append(part)
        return pieces
    plain = html.escape(html.unescape(re.sub(r"<[^>]+>", "", block)))
    while utf16_length(plain) > limit:
        plain = plain[: len(plain) * 9 // 10]
        plain = plain[: plain.rfind("&")] if plain.rfind("&") > plain.rfind(";") else plain
    return [plain]


def _actors(actors: Sequence[str], count: int = 4) -> str:
    return ", ".join(escape(name) for name in actors[:count])


def _kind(tr: Translator, kind: str) -> str:
    return tr(f"kind.{kind}") if f"kind.{kind}" in SOURCE else escape(kind)


# --- replies ------------------------------------------------------------------------------------


def start_text(tr: Translator, first_name: str | None) -> str:
    """The /start greeting."""
    hello = tr("hello.name", name=escape(first_name, 64)) if first_name else tr("hello")
    return f"{hello} {tr('start.body')}"


def help_text(tr: Translator, commands: list[Command], is_admin: bool) -> str:
    """The /help reply: one line per command this user may use."""

    def line(spec: Command) -> str:
        usage = f" {escape(tr(spec.args_key))}" if spec.args_key in SOURCE else ""
        return f"/{spec.name}{usage} — {escape(tr(spec.help_key))}"

    lines = [f"<b>{tr('help.title')}</b>", *(line(s) for s in commands if not s.admin_only)]
    admin_lines = [line(s) for s in commands if s.admin_only]
    if is_admin and admin_lines:
        lines += ["", f"<b>{tr('help.admin')}</b>", *admin_lines]
    return "\n".join(lines)


def usage_text(tr: Translator, spec: Command, problem: str | None = None) -> str:
    """A one-line usage answer for bad arguments."""
    prefix = f"{problem}. " if problem else ""
    example_text = tr(spec.example_key) if spec.example_key in SOURCE else spec.example
    example = (
        tr("usage.example", example=f"<code>{escape(example_text)}</code>") if example_text else ""
    )
    args = f" {escape(tr(spec.args_key))}" if spec.args_key in SOURCE else ""
    usage = f"<code>/{spec.name}{args}</code>"
    return f"{prefix}{tr('usage', usage=usage)}{example}"


def summary_line(summary: str | None, limit: int = SUMMARY_MAX) -> str:
    """A story's summary as a line of its own (nothing when it has none)."""
    return f"\n{escape(summary, limit)}" if summary else ""


def story_line(tr: Translator, story: StoryBrief) -> str:
    """One story in a list: linked headline, its summary, date, kind, sources."""
    return (
        f"<b>{link(story.link, story.headline)}</b>"
        f"{summary_line(story.summary_for(tr.lang))}\n"
        f"{tr.day(story.day)} · {_kind(tr, story.kind)} · "
        f"{tr.n('sources.count', story.sources)} · /story_{story.id}"
    )


def latest_blocks(tr: Translator, stories: Sequence[StoryBrief]) -> list[str]:
    """/latest."""
    if not stories:
        return [tr("latest.empty")]
    return [f"<b>{tr('latest.title')}</b>", *(story_line(tr, story) for story in stories)]


def timeline_entry(tr: Translator, entry: TimelineEntry, summary: str | None = None) -> str:
    """One dated timeline entry, with its summary shortened."""
    actors = f" · {_actors(entry.actors, 3)}" if entry.actors else ""
    return (
        f"<b>{tr.day(entry.day)}</b> — {escape(entry.headline, HEADLINE_MAX)}"
        f"{summary_line(summary, TIMELINE_SUMMARY_MAX)}\n"
        f"{_kind(tr, entry.kind)} · {tr.n('sources.count', entry.sources)}{actors} · "
        f"/story_{entry.story}"
    )


def timeline_blocks(
    tr: Translator,
    entries: Sequence[TimelineEntry],
    *,
    days: int | None,
    page: int,
    pages: int,
    summaries: Mapping[int, str | None] | None = None,
) -> list[str]:
    """/timeline, one page."""
    window = tr("timeline.window.all") if days is None else tr.n("timeline.window.days", days)
    if not entries:
        if days is None:
            return [tr("timeline.empty.all") + "."]
        return [tr("timeline.empty", window=window) + tr("timeline.empty.hint") + "."]
    pager = tr("timeline.page", page=page + 1, pages=pages)
    return [
        f"<b>{tr('timeline.title')}</b> ({window}, {pager})",
        *(timeline_entry(tr, entry, (summaries or {}).get(entry.story)) for entry in entries),
    ]


def trend_arrow(stat: ActorStat) -> str:
    """↑ rising, ↓ falling, → steady, ★ new in this window."""
    if stat.trend is None:
        return ""
    if stat.previous == 0:
        return " ★"
    return " ↑" if stat.trend > 0 else " ↓" if stat.trend < 0 else " →"


def actors_blocks(tr: Translator, stats: Sequence[ActorStat], days: int) -> list[str]:
    """/actors."""
    if not stats:
        return [tr.n("actors.empty", days)]
    lines = [f"<b>{tr('actors.title')}</b> {tr.n('actors.window', days)}"]
    for stat in stats:
        role = f" — {escape(tr.role(stat.role), 120)}" if stat.role else ""
        lines.append(f"{escape(stat.name)}{role}: {tr.number(stat.mentions)}{trend_arrow(stat)}")
    return ["\n".join(lines)]


def actor_blocks(tr: Translator, profile: ActorProfile) -> list[str]:
    """/actor NAME."""
    head = f"<b>{escape(profile.name)}</b> ({_kind(tr, profile.kind)})"
    if profile.role:
        head += f"\n{escape(tr.role(profile.role))}"
    if profile.aliases:
        head += "\n" + tr("actor.also", aliases=", ".join(escape(a) for a in profile.aliases))
    blocks = [head]
    if profile.weekly:
        weeks = " · ".join(
            f"{tr('actor.week', date=_week_start(tr, week))}: {tr.number(count)}"
            for week, count in profile.weekly
        )
        blocks.append(f"<b>{tr('actor.weekly')}</b>\n{weeks}")
    else:
        blocks.append(tr("actor.no_mentions"))
    if profile.stories:
        blocks.append(f"<b>{tr('actor.stories')}</b>")
        blocks += [story_line(tr, story) for story in profile.stories]
    if profile.alongside:
        together = ", ".join(f"{escape(name)} ({count})" for name, count in profile.alongside)
        blocks.append(f"<b>{tr('actor.alongside')}</b>\n{together}")
    return blocks


def _week_start(tr: Translator, week: str) -> str:
    """An ISO week ("2026-W49") as the day it starts, in the reader's language."""
    try:
        return tr.day(date.fromisoformat(f"{week}-1"))
    except ValueError:
        return escape(week)


def story_blocks(tr: Translator, detail: StoryDetail) -> list[str]:
    """/story ID: headline, date, kind and every source with its link."""
    story = detail.story
    head = (
        f"<b>{link(story.link, story.headline)}</b>\n"
        f"{tr.day(story.day)} · {_kind(tr, story.kind)} · {tr.n('sources.count', story.sources)}"
    )
    if story.actors:
        head += "\n" + tr("story.actors", actors=_actors(story.actors, 8))
    summary = story.summary_for(tr.lang)
    blocks = [head, escape(summary, SUMMARY_MAX)] if summary else [head]
    for report in detail.reports:
        feeds = ", ".join(escape(feed, 60) for feed in report.feeds) or tr("story.unknown_source")
        blocks.append(
            f"• {feeds}: {link(report.link, report.title)} ({tr.day(report.published.date())})"
        )
    return blocks


def answer_blocks(tr: Translator, answer: Answer) -> list[str]:
    """The answer to a question: the actor card, the stories (headline, date, summary,
    sources, link), or a hint where to look instead."""
    if answer.actor is not None:
        return actor_blocks(tr, answer.actor)
    question = escape(answer.question.text, 120)
    if answer.question.empty:
        return [tr("ask.empty")]
    if not answer.stories:
        return [tr("ask.none", question=question)]
    return [f"<b>{tr('ask.title', question=question)}</b>"] + [
        story_line(tr, story) for story in answer.stories
    ]


def highlight(snippet: str) -> str:
    """Escape a search snippet, then turn its match markers into bold."""
    # Private-use stand-ins survive cleaning and escaping, then become tags.
    snippet = snippet.replace("\ue000", "").replace("\ue001", "")
    text = escape(snippet.replace("\x02", "\ue000").replace("\x03", "\ue001"), 300)
    text = text.replace("\ue000", "<b>").replace("\ue001", "</b>")
    # A cut can leave a marker unbalanced: drop the dangling tag.
    if text.count("<b>") != text.count("</b>"):
        text = text.replace("<b>", "").replace("</b>", "")
    return text


def search_blocks(tr: Translator, text: str, page: SearchPage) -> list[str]:
    """/search WORDS, one page; the query is echoed as typed."""
    query = escape(text, 100)
    if not page.hits:
        return [tr("search.none", query=query)]
    pager = tr("timeline.page", page=page.page + 1, pages=page.pages)
    blocks = [
        f"<b>{tr('search.title')}</b> {query} — {tr.n('reports.count', page.total)} ({pager})"
    ]
    for hit in page.hits:
        story = f" · /story_{hit.story}" if hit.story else ""
        blocks.append(
            f"<b>{link(hit.link, hit.title)}</b> ({tr.day(hit.published.date())}{story})\n"
            f"{highlight(hit.snippet)}"
        )
    return blocks


def upcoming_blocks(tr: Translator, events: Sequence[UpcomingEvent]) -> list[str]:
    """/upcoming."""
    if not events:
        return [tr("upcoming.empty")]
    lines = [f"<b>{tr('upcoming.title')}</b>"]
    for event in events:
        when = f"<b>{tr.day(event.day)}</b> — {escape(event.text, 120)}"
        lines.append(f"{when}\n{link(event.link, event.title)}")
    return lines


def feed_health(tr: Translator, feed: Feed) -> str:
    """✅ healthy, ⚠️ failing, ⏸ paused, ⏳ not polled yet."""
    if not feed.active:
        return tr("health.paused")
    if feed.error_count:
        return tr("health.failing", count=feed.error_count)
    if feed.last_success_at is None:
        return tr("health.new")
    return tr("health.ok")


def sources_blocks(tr: Translator, feeds: Sequence[Feed]) -> list[str]:
    """/sources: the feeds in use and whether each is healthy."""
    if not feeds:
        return [tr("sources.empty")]
    lines = [f"<b>{tr('sources.title')}</b> ({len(feeds)})"]
    lines += [f"{feed_health(tr, feed)} — {escape(feed.display_name, 80)}" for feed in feeds]
    return ["\n".join(lines)]


def _when(tr: Translator, moment: datetime | None) -> str:
    """A moment as the reader's date and a UTC time ("17 лютого 2026 р., 08:30 UTC")."""
    if moment is None:
        return tr("feeds.never")
    return tr("stats.at", date=tr.day(moment.date()), time=moment.strftime("%H:%M"))


def feed_admin_block(tr: Translator, feed: Feed) -> str:
    """One feed in /feeds: id, name, health, URL, items, last success, next check, error."""
    lines = [
        f"<b>{feed.id}</b>. {escape(feed.display_name, 80)} — {feed_health(tr, feed)}",
        f"<code>{escape(feed.url, 200)}</code>",
        tr(
            "feeds.line",
            items=tr.number(feed.item_count),
            success=_when(tr, feed.last_success_at),
            next=_when(tr, feed.next_check_at) if feed.next_check_at else "—",
        ),
    ]
    if feed.last_error:
        lines.append(tr("feeds.error", error=escape(feed.last_error, 120)))
    return "\n".join(lines)


def feeds_admin_pages(
    tr: Translator, feeds: Sequence[Feed], *, most: int = 15, limit: int = MESSAGE_LIMIT - 300
) -> list[list[str]]:
    """/feeds cut into pages that each fit one message: at most ``most`` feeds a page, fewer
    when their blocks are long (long names, URLs, errors)."""
    pages: list[list[str]] = []
    size = 0
    for feed in feeds:
        block = feed_admin_block(tr, feed)
        length = utf16_length(block) + 2
        if not pages or len(pages[-1]) >= most or size + length > limit:
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += length
    return pages


def feeds_admin_blocks(
    tr: Translator, total: int, pages: Sequence[Sequence[str]], page: int
) -> list[str]:
    """/feeds: health details for admins, one of the pages :func:`feeds_admin_pages` cut."""
    if not pages:
        return [tr("feeds.empty")]
    page = min(max(page, 0), len(pages) - 1)
    title = f"<b>{tr('feeds.title')}</b> ({total})"
    if len(pages) > 1:
        title += f" — {tr('timeline.page', page=page + 1, pages=len(pages))}"
    return [title, *pages[page]]


def stats_text(tr: Translator, stats: Stats) -> str:
    """/stats."""
    poll = _when(tr, from_iso(stats.last_poll_at) if stats.last_poll_at else None)
    if counts := stats.last_counts:
        poll += " — " + tr(
            "stats.fetch",
            feeds=tr.n("feeds.count", counts.feeds),
            ok=tr.number(counts.ok),
            unchanged=tr.number(counts.not_modified),
            failed=tr.number(counts.failed),
            new=tr.number(counts.new),
            updated=tr.number(counts.updated),
        )
    totals = stats.totals
    return tr(
        "stats.text",
        items=tr.number(totals.items),
        relevant=tr.number(totals.relevant_items),
        stories=tr.number(totals.stories),
        feeds=totals.feeds,
        active=totals.active_feeds,
        subscribers=tr.number(totals.subscribers),
        poll=poll,
    )


def candidates_blocks(tr: Translator, found: Sequence[ActorCandidate]) -> list[str]:
    """/candidates."""
    if not found:
        return [tr("candidates.empty")]
    lines = [f"<b>{tr('candidates.title')}</b>"]
    for candidate in found:
        lines.append(
            tr(
                "candidates.line",
                name=escape(candidate.name, 80),
                count=candidate.mentions,
                cue=escape(candidate.cue, 40),
            )
        )
    return ["\n".join(lines)]


def _trend_mark(trend: ActorTrend) -> str:
    if trend.previous == 0:
        return "★"
    change = trend.mentions - trend.previous
    return "↑" if change > 0 else "↓" if change < 0 else "→"


def digest_body(tr: Translator, digest: Digest) -> list[str]:
    """The shared part of a digest (identical for everyone who gets the same one), as a
    briefing: what's happening (the top stories with their summaries), what's next (announced
    meetings and deadlines), who's in the news (actors with their trends)."""
    if digest.is_empty():
        return [tr("digest.empty")]
    blocks = [f"<b>{tr('digest.happening')}</b>"]
    for number, story in enumerate(digest.stories, 1):
        blocks.append(
            f"{number}. <b>{link(story.link, story.headline)}</b>"
            f"{summary_line(story.summary_for(tr.lang))}\n"
            f"{tr.day(story.day)} · {_kind(tr, story.kind)} · "
            f"{tr.n('sources.count', story.sources)} · /story_{story.id}"
        )
    if digest.coming:
        lines = [f"<b>{tr('digest.next')}</b>"]
        for event in digest.coming:
            more = f" · /story_{event.story}" if event.story else ""
            lines.append(
                f"• <b>{tr.day(event.day)}</b> — {escape(event.text, 120)}"
                f" ({link(event.link, event.title, 100)}){more}"
            )
        blocks.append("\n".join(lines))
    if digest.actors:
        actors = " · ".join(
            f"{escape(a.name)} {tr.number(a.mentions)} {_trend_mark(a)}" for a in digest.actors
        )
        blocks.append(f"<b>{tr('digest.people')}</b>\n{actors}")
    if digest.more:
        blocks.append(tr.n("digest.more", digest.more))
    return blocks


def digest_header(tr: Translator, day: date) -> str:
    """The personal first line of a digest (the subscriber's local date)."""
    return tr("digest.header", date=tr.day(day))


def alert_text(tr: Translator, story: StoryBrief, sources_in_window: int) -> str:
    """A breaking-story alert: how many outlets reported it within the window."""
    text = tr(
        "alert.text",
        headline=link(story.link, story.headline),
        sources=tr.n("sources.count", sources_in_window),
        id=story.id,
    )
    summary = story.summary_for(tr.lang)
    return f"{text}\n{escape(summary, SUMMARY_MAX)}" if summary else text


def plain_text(html_text: str) -> str:
    """A message without markup (the fallback when Telegram refuses the HTML)."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def _zone_name(tr: Translator, zone: str) -> str:
    """A time zone by its city in the reader's language, with the name to type: "Київ
    (Europe/Kyiv)" (the zone's own name alone when there is no city)."""
    try:
        city = tr.city(ZoneInfo(zone)) if "/" in zone else zone
    except (ValueError, LookupError):
        return zone
    return zone if city == zone else f"{city} ({zone})"


def subscription_text(tr: Translator, sub: Subscription) -> str:
    """What /settings and /subscribe show: the current digest settings."""
    text = tr(
        "sub.settings",
        time=sub.at.strftime("%H:%M"),
        zone=escape(_zone_name(tr, sub.timezone)),
        days=tr("sub.daily") if sub.days == "daily" else tr("sub.weekdays"),
        alerts=tr("on") if sub.alerts else tr("off"),
        empty=tr("sub.skipped") if sub.skip_empty else tr("sub.note"),
    )
    text += "\n" + tr("sub.chart", state=tr("on") if sub.weekly_chart else tr("off"))
    return text if sub.active else f"{text}\n{tr('sub.inactive')}"
