"""Telegram HTML rendering: escaping, links, message texts and splitting. Pure, no I/O."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date

from bot.briefing import (
    ActorProfile,
    ActorStat,
    SearchPage,
    StoryBrief,
    StoryDetail,
    UpcomingEvent,
)
from bot.digest import ActorTrend, Digest
from bot.models import Feed
from bot.tg.commands import CommandSpec
from bot.timeline import TimelineEntry
from bot.timeutil import to_iso

BOT_NAME = "briefbot"
MESSAGE_LIMIT = 4096
HEADLINE_MAX = 220
KIND_LABELS = {
    "meeting": "🤝 meeting",
    "proposal": "📝 proposal",
    "agreement": "✍️ agreement",
    "statement": "💬 statement",
    "military_aid": "🛡 military aid",
    "other": "📰 report",
}
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
        return [piece for line in lines for piece in _fit(line, limit)]
    plain = html.escape(html.unescape(re.sub(r"<[^>]+>", "", block)))
    while utf16_length(plain) > limit:
        plain = plain[: len(plain) * 9 // 10]
        plain = plain[: plain.rfind("&")] if plain.rfind("&") > plain.rfind(";") else plain
    return [plain]


def _day(day: date) -> str:
    return day.strftime("%d %b %Y").lstrip("0")


def _actors(actors: Sequence[str], count: int = 4) -> str:
    return ", ".join(escape(name) for name in actors[:count])


# --- replies ------------------------------------------------------------------------------------


def start_text(first_name: str | None) -> str:
    """The /start greeting."""
    hello = f"Hello, {escape(first_name, 64)}!" if first_name else "Hello!"
    return (
        f"{hello} I am <b>{BOT_NAME}</b>. I follow the news on <b>security guarantees for "
        "Ukraine</b> and the peace talks around them across dozens of outlets, keep the reports "
        "that matter, and tell you who did what and when.\n\n"
        "/latest — the newest developments\n"
        "/timeline — what happened when\n"
        "/actors — who is involved\n"
        "/subscribe — a daily digest at your hour\n\n"
        "Send /help to see everything I can do."
    )


def help_text(commands: list[CommandSpec], is_admin: bool) -> str:
    """The /help reply: one line per command this user may use."""

    def line(spec: CommandSpec) -> str:
        usage = f" {escape(spec.usage)}" if spec.usage else ""
        return f"/{spec.name}{usage} — {escape(spec.description)}"

    lines = ["<b>Commands</b>", *(line(s) for s in commands if not s.admin_only)]
    admin_lines = [line(s) for s in commands if s.admin_only]
    if is_admin and admin_lines:
        lines += ["", "<b>Admin commands</b>", *admin_lines]
    return "\n".join(lines)


def usage_text(spec: CommandSpec, problem: str | None = None) -> str:
    """A one-line usage answer for bad arguments."""
    prefix = f"{escape(problem)}. " if problem else ""
    example = f" — e.g. <code>{escape(spec.example)}</code>" if spec.example else ""
    return f"{prefix}Usage: <code>/{spec.name} {escape(spec.usage)}</code>{example}"


def story_line(story: StoryBrief) -> str:
    """One story in a list: linked headline, date, kind, sources."""
    sources = f"{story.sources} source{'s' if story.sources != 1 else ''}"
    return (
        f"<b>{link(story.link, story.headline)}</b>\n"
        f"{_day(story.day)} · {KIND_LABELS.get(story.kind, story.kind)} · {sources} · "
        f"/story_{story.id}"
    )


def latest_blocks(stories: Sequence[StoryBrief]) -> list[str]:
    """/latest."""
    if not stories:
        return ["No relevant reports yet — the bot is still reading its feeds. Try /sources."]
    return ["<b>Latest developments</b>", *(story_line(story) for story in stories)]


def timeline_entry(entry: TimelineEntry) -> str:
    """One dated timeline entry."""
    actors = f" · {_actors(entry.actors, 3)}" if entry.actors else ""
    sources = f"{entry.sources} source{'s' if entry.sources != 1 else ''}"
    return (
        f"<b>{_day(entry.day)}</b> — {escape(entry.headline, HEADLINE_MAX)}\n"
        f"{KIND_LABELS.get(entry.kind, entry.kind)} · {sources}{actors} · /story_{entry.story}"
    )


def timeline_blocks(
    entries: Sequence[TimelineEntry], *, days: int | None, page: int, pages: int
) -> list[str]:
    """/timeline, one page."""
    window = "all time" if days is None else f"last {days} days"
    if not entries:
        hint = "" if days is None else " — try /timeline all"
        return [f"No relevant reports in the {window}{hint}."]
    title = f"<b>Timeline</b> ({window}, page {page + 1} of {pages})"
    return [title, *(timeline_entry(entry) for entry in entries)]


def trend_arrow(stat: ActorStat) -> str:
    """↑ rising, ↓ falling, → steady, ★ new in this window."""
    if stat.trend is None:
        return ""
    if stat.previous == 0:
        return " ★"
    return " ↑" if stat.trend > 0 else " ↓" if stat.trend < 0 else " →"


def actors_blocks(stats: Sequence[ActorStat], days: int) -> list[str]:
    """/actors."""
    if not stats:
        return [f"No actors in relevant reports of the last {days} days — try /actors 30."]
    lines = [f"<b>Who is involved</b> (last {days} days; ↑↓ vs the {days} days before)"]
    for stat in stats:
        role = f" — {escape(stat.role, 80)}" if stat.role else ""
        lines.append(f"{escape(stat.name)}{role}: {stat.mentions}{trend_arrow(stat)}")
    return ["\n".join(lines)]


def actor_blocks(profile: ActorProfile) -> list[str]:
    """/actor NAME."""
    head = f"<b>{escape(profile.name)}</b> ({escape(profile.kind)})"
    if profile.role:
        head += f"\n{escape(profile.role)}"
    if profile.aliases:
        head += f"\nAlso: {', '.join(escape(a) for a in profile.aliases)}"
    blocks = [head]
    if profile.weekly:
        weeks = " · ".join(f"{escape(week)}: {count}" for week, count in profile.weekly)
        blocks.append(f"<b>Mentions per week</b>\n{weeks}")
    else:
        blocks.append("No mentions in relevant reports of the last 8 weeks.")
    if profile.stories:
        blocks.append("<b>Latest stories</b>")
        blocks += [story_line(story) for story in profile.stories]
    if profile.alongside:
        together = ", ".join(f"{escape(name)} ({count})" for name, count in profile.alongside)
        blocks.append(f"<b>Most often alongside</b>\n{together}")
    return blocks


def story_blocks(detail: StoryDetail) -> list[str]:
    """/story ID: headline, date, kind and every source with its link."""
    story = detail.story
    head = (
        f"<b>{link(story.link, story.headline)}</b>\n"
        f"{_day(story.day)} · {KIND_LABELS.get(story.kind, story.kind)} · "
        f"{story.sources} source{'s' if story.sources != 1 else ''}"
    )
    if story.actors:
        head += f"\nActors: {_actors(story.actors, 8)}"
    blocks = [head]
    for report in detail.reports:
        feeds = ", ".join(escape(feed, 60) for feed in report.feeds) or "unknown source"
        blocks.append(f"• {feeds}: {link(report.link, report.title)} ({report.published[:10]})")
    return blocks


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


def search_blocks(words: Sequence[str], page: SearchPage, number: int, pages: int) -> list[str]:
    """/search WORDS, one page."""
    query = escape(" ".join(words), 100)
    if not page.hits:
        return [f"Nothing relevant matches “{query}”. Try fewer or other words."]
    blocks = [f"<b>Search:</b> {query} — {page.total} reports (page {number + 1} of {pages})"]
    for hit in page.hits:
        story = f" · /story_{hit.story}" if hit.story else ""
        blocks.append(
            f"<b>{link(hit.link, hit.title)}</b> ({hit.published[:10]}{story})\n"
            f"{highlight(hit.snippet)}"
        )
    return blocks


def upcoming_blocks(events: Sequence[UpcomingEvent]) -> list[str]:
    """/upcoming."""
    if not events:
        return ["No announced meetings or deadlines ahead."]
    lines = ["<b>Coming up</b>"]
    for event in events:
        lines.append(
            f"<b>{_day(event.day)}</b> — {escape(event.text, 120)}\n{link(event.link, event.title)}"
        )
    return lines


def feed_health(feed: Feed) -> str:
    """✅ healthy, ⚠️ failing, ⏸ paused."""
    if not feed.active:
        return "⏸ paused"
    if feed.error_count:
        return f"⚠️ failing ({feed.error_count}×)"
    if feed.last_success_at is None:
        return "⏳ not polled yet"
    return "✅ ok"


def sources_blocks(feeds: Sequence[Feed]) -> list[str]:
    """/sources: the feeds in use and whether each is healthy."""
    if not feeds:
        return ["No feeds yet. Admins can add one with /addfeed URL."]
    lines = [f"<b>Sources</b> ({len(feeds)})"]
    lines += [f"{feed_health(feed)} — {escape(feed.display_name, 80)}" for feed in feeds]
    return lines


def feeds_admin_blocks(feeds: Sequence[Feed]) -> list[str]:
    """/feeds: health details for admins."""
    if not feeds:
        return ["No feeds. Add one with /addfeed URL [name]."]
    blocks = [f"<b>Feeds</b> ({len(feeds)})"]
    for feed in feeds:
        lines = [
            f"<b>{feed.id}</b>. {escape(feed.display_name, 80)} — {feed_health(feed)}",
            f"<code>{escape(feed.url, 200)}</code>",
            f"items {feed.item_count} · last success {to_iso(feed.last_success_at) or 'never'}"
            f" · next check {to_iso(feed.next_check_at) or '—'}",
        ]
        if feed.last_error:
            lines.append(f"last error: {escape(feed.last_error, 200)}")
        blocks.append("\n".join(lines))
    return blocks


def stats_text(stats: dict) -> str:
    """/stats."""
    return (
        "<b>Stats</b>\n"
        f"items: {stats['items']} (relevant {stats['relevant_items']})\n"
        f"stories: {stats['stories']}\n"
        f"feeds: {stats['feeds']} (active {stats['active_feeds']})\n"
        f"subscribers: {stats['subscribers']}\n"
        f"last poll: {escape(stats['last_poll_at'] or 'never')}"
        + (f" — {escape(stats['last_poll'])}" if stats.get("last_poll") else "")
    )


def candidates_blocks(rows: Sequence[dict]) -> list[str]:
    """/candidates."""
    if not rows:
        return ["No actor candidates waiting for review."]
    lines = ["<b>Actor candidates</b> (accept with /addactor NAME)"]
    for row in rows:
        lines.append(
            f"{escape(row['name'], 80)} — {row['mentions']}× after “{escape(row['cue'], 40)}”"
        )
    return ["\n".join(lines)]


def _trend_mark(trend: ActorTrend) -> str:
    if trend.previous == 0:
        return "★"
    change = trend.mentions - trend.previous
    return "↑" if change > 0 else "↓" if change < 0 else "→"


def digest_body(digest: Digest) -> list[str]:
    """The shared part of a digest (identical for everyone who gets the same one)."""
    if digest.is_empty():
        return ["No new developments since your last digest."]
    blocks = []
    for number, story in enumerate(digest.stories, 1):
        sources = f"{story.sources} source{'s' if story.sources != 1 else ''}"
        blocks.append(
            f"{number}. <b>{link(story.link, story.headline)}</b>\n"
            f"{_day(story.day)} · {KIND_LABELS.get(story.kind, story.kind)} · {sources} · "
            f"/story_{story.id}"
        )
    if digest.actors:
        actors = " · ".join(
            f"{escape(a.name)} {a.mentions} {_trend_mark(a)}" for a in digest.actors
        )
        blocks.append(f"<b>Key actors</b>\n{actors}")
    if digest.more:
        blocks.append(f"{digest.more} more stor{'ies' if digest.more != 1 else 'y'} — /timeline")
    return blocks


def digest_header(day: date) -> str:
    """The personal first line of a digest (the subscriber's local date)."""
    return f"<b>Your briefing</b> — {_day(day)}"


def alert_text(story: StoryBrief) -> str:
    """A breaking-story alert."""
    return (
        f"⚡ <b>Breaking</b>: {link(story.link, story.headline)}\n"
        f"{story.sources} sources within two hours · /story_{story.id}"
    )


def plain_text(html_text: str) -> str:
    """A message without markup (the fallback when Telegram refuses the HTML)."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def subscription_text(sub) -> str:
    """What /settings and /subscribe show: the current digest settings."""
    days = "every day" if sub.days == "daily" else "Monday to Friday"
    return (
        f"<b>Your digest</b>: {sub.at.strftime('%H:%M')} {escape(sub.timezone)}, {days}\n"
        f"Breaking alerts: {'on' if sub.alerts else 'off'} · "
        f"Days with no news: {'skipped' if sub.skip_empty else 'a one-line note'}"
        + ("" if sub.active else "\n(unsubscribed — /subscribe to start again)")
    )
