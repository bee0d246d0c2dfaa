"""The reference XML feed parser: feedparser, run on an in-memory stream.

Slow (about 30 times the lxml path) but the most forgiving with broken documents;
``bot.ingest.parse``
uses it for whatever the fast path declines. Sanitising and relative-URI rewriting are off:
``bot.ingest.normalise`` turns HTML into plain text later.
"""

from __future__ import annotations

import io
import re
from typing import Any

import feedparser

from bot.core.models import ParsedEntry, ParsedFeed
from bot.ingest.parse.common import ParseError, collect, from_struct, text_or_none, ttl_minutes


def parse_with_feedparser(text: str, url: str) -> ParsedFeed:
    """Parse a prepared XML document (decoded, DTD internal subsets removed, declared UTF-8).

    ``format`` is feedparser's version name ("rss20", "atom10", ...); ``warnings`` holds only
    what this parse found. Raises :class:`ParseError` for a document that is not a feed or
    whose entries are all unusable.
    """
    warnings: list[str] = []
    result = _run_feedparser(text, url)
    if not result.get("entries") and (unprefixed := _drop_undeclared_prefix(text)):
        # Some generators prefix every element ("<rss:item>") without declaring the prefix.
        retry = _run_feedparser(unprefixed, url)
        if retry.get("entries"):
            warnings.append("undeclared namespace prefix ignored")
            result = retry

    version = result.get("version") or ""
    if result.get("bozo"):
        warnings.append(_bozo_warning(result.get("bozo_exception")))
    raw_entries = result.get("entries") or []
    if not version and not raw_entries:
        if re.search(r"<(?:html|body|div|p|a)\b", text[:20_000], re.I):
            raise ParseError("not a feed (looks like an HTML page)", code="html_page")
        raise ParseError("not a feed (no RSS, RDF or Atom root element)")

    feed = result.get("feed") or {}
    entries = collect(raw_entries, _entry_from_feedparser, warnings)
    return ParsedFeed(
        title=text_or_none(feed.get("title")),
        link=text_or_none(feed.get("link")),
        language=text_or_none(feed.get("language")),
        ttl_minutes=ttl_minutes(feed.get("ttl")),
        entries=entries,
        warnings=tuple(warnings),
        format=version or "unknown",
    )


def _run_feedparser(text: str, url: str) -> Any:
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    try:
        # A stream, never bytes or str: feedparser would treat a string as a path or URL to open.
        return feedparser.parse(
            io.BytesIO(text.encode("utf-8", "replace")),
            response_headers=headers,
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except RecursionError:
        raise ParseError("not a feed (nesting too deep)") from None
    except MemoryError:
        raise ParseError("malformed XML that needs too much memory to read") from None
    except Exception as error:  # feedparser on hostile input: report, don't crash the poller
        raise ParseError(f"parser failed ({type(error).__name__})") from None


_PREFIXED_ITEM = re.compile(r"<([A-Za-z][\w.-]*):(?:item|entry)\b")


def _drop_undeclared_prefix(text: str) -> str | None:
    match = _PREFIXED_ITEM.search(text)
    if not match or re.search(rf"xmlns:{re.escape(match[1])}\s*=", text):
        return None
    prefix = re.escape(match[1])
    return re.sub(rf"(</?|\s){prefix}:", r"\1", text)


def _bozo_warning(error: object) -> str:
    message = " ".join(str(error).split())[:200]
    if type(error).__name__ == "SAXParseException":
        return f"malformed XML, parsed leniently: {message}"
    return f"{type(error).__name__}: {message}"


def _entry_from_feedparser(raw: Any) -> ParsedEntry:
    summary = raw.get("summary")
    if not summary and raw.get("content"):
        summary = raw["content"][0].get("value")
    language = raw.get("language")
    if not language:
        for detail in ("title_detail", "summary_detail"):
            if raw.get(detail) and raw[detail].get("language"):
                language = raw[detail]["language"]
                break
    return ParsedEntry(
        guid=text_or_none(raw.get("id")),
        link=text_or_none(raw.get("link")),
        title=text_or_none(raw.get("title")),
        summary=text_or_none(summary),
        author=text_or_none(raw.get("author")),
        published=from_struct(raw.get("published_parsed")),
        # dict.get: FeedParserDict.get("updated_parsed") falls back to published, with a warning.
        updated=from_struct(dict.get(raw, "updated_parsed")),
        language=text_or_none(language),
    )
