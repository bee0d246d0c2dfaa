"""Builds small RSS documents for tests."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape


def rss(
    items: list[dict],
    *,
    title: str = "Test feed",
    link: str = "https://news.example/",
    language: str | None = "en",
    ttl: int | None = None,
) -> str:
    """An RSS 2.0 document; each item dict may have title, link, guid, description, published."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link)}</link>",
        "<description>test</description>",
    ]
    if language:
        parts.append(f"<language>{language}</language>")
    if ttl:
        parts.append(f"<ttl>{ttl}</ttl>")
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "description"):
            if item.get(key) is not None:
                parts.append(f"<{key}>{escape(item[key])}</{key}>")
        if item.get("guid"):
            parts.append(f'<guid isPermaLink="false">{escape(item["guid"])}</guid>')
        published = item.get("published")
        if isinstance(published, datetime):
            parts.append(f"<pubDate>{format_datetime(published)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


def story_items(count: int, *, prefix: str = "Report", host: str = "https://news.example") -> list:
    """``count`` distinct items with guids and links."""
    return [
        {
            "title": f"{prefix} {n}",
            "link": f"{host}/{prefix.lower()}-{n}?utm_source=rss",
            "guid": f"{prefix}-{n}",
            "description": f"<p>Body of {prefix.lower()} {n} &amp; more</p>",
        }
        for n in range(1, count + 1)
    ]
