"""Parse feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1/1.1) from bytes.

``parse_feed`` is the one entry point. It never fetches anything: feedparser only ever sees an
in-memory stream, DTD internal subsets (where entities are declared) are removed before parsing,
and feedparser's HTML sanitiser and relative-URI rewriting are off (``bot.normalise`` turns HTML
into plain text later). It is a top-level function returning frozen, picklable dataclasses, so a
caller can run it in a worker thread or process.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.models import ParsedEntry, ParsedFeed

MAX_WARNINGS = 20


class ParseError(ValueError):
    """The document is not a usable feed; the message is a one-line reason."""


def parse_feed(body: bytes, *, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document.

    ``url`` is the feed's address (base for relative links); ``content_type`` the HTTP header
    value, whose charset is trusted only when the bytes agree with it. A valid feed with zero
    entries returns an empty ``entries``; a document that is not a feed, or a feed none of whose
    entries is usable (no title, no link, no guid with summary), raises :class:`ParseError`.
    Skipped entries and recoverable problems are listed in ``warnings``.
    """
    if not body or not body.strip():
        raise ParseError("empty document")
    text, warnings = _decode(body, content_type)
    head = text[:2048].lstrip("\ufeff \t\r\n")
    if head.startswith("{") or (_media_type(content_type) in _JSON_TYPES and head[:1] != "<"):
        return _parse_json_feed(text, content_type, warnings)
    return _parse_xml_feed(text, url, warnings)


# --- character sets

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""", re.I)
_XML_DECL_ENCODING_TEXT = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[\w.:-]+(["'])""")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # As browsers do: ISO-8859-1 and ASCII labels mean windows-1252.
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def _guess_single_byte(body: bytes) -> str:
    """windows-1251 or windows-1252: Cyrillic text puts high bytes next to each other (whole
    words), Western European text has isolated accented letters between ASCII ones."""
    high = paired = 0
    previous_high = False
    for byte in body[:65536]:
        is_high = byte >= 0xC0 or byte in (0xA8, 0xB8, 0xB2, 0xB3, 0xAA, 0xBA, 0xAF, 0xBF)
        if is_high:
            high += 1
            if previous_high:
                paired += 2
        previous_high = is_high
    return "cp1251" if high and paired >= high else "cp1252"


def _decode(body: bytes, content_type: str | None) -> tuple[str, list[str]]:
    """Decode the body to text, trusting a declared charset only when the bytes agree."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), []
    if body.startswith(b"<\x00?\x00"):
        return body.decode("utf-16-le", "replace"), []
    if body.startswith(b"\x00<\x00?"):
        return body.decode("utf-16-be", "replace"), []

    http_match = _CHARSET_PARAM.search(content_type or "")
    xml_match = _XML_DECL_ENCODING.match(body[:512])
    declared = [
        label
        for label in (http_match and http_match.group(1), xml_match and xml_match[1].decode())
        if label
    ]
    is_utf8 = _valid_utf8(body)
    for label in declared:
        codec = _codec(label)
        if codec is None or codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
            continue  # without a BOM or NUL bytes (checked above) the body is not UTF-16/32
        if is_utf8 and not body.isascii() and not codec.startswith(("utf-8", "utf_8")):
            # A single-byte charset declared for bytes that are valid UTF-8: they are UTF-8.
            return body.decode("utf-8"), [f"declared charset {label} is wrong; decoded as utf-8"]
        try:
            return body.decode(codec), []
        except UnicodeDecodeError:
            continue
        except (LookupError, TypeError):  # codecs that cannot decode bytes (e.g. rot13)
            continue
    if is_utf8:
        return body.decode("utf-8"), []

    utf8 = body.decode("utf-8", "replace")
    replaced = utf8.count("\ufffd")
    decoded_non_ascii = len(utf8) - len(utf8.encode("ascii", "ignore")) - replaced
    if decoded_non_ascii > replaced:
        guess, text = "utf-8", utf8  # mostly UTF-8 with a few stray bytes
    else:
        guess = _guess_single_byte(body)
        text = body.decode(guess, "replace")
    reason = f"declared charset {declared[0]} is wrong" if declared else "no charset declared"
    return text, [f"{reason}; decoded as {_CHARSET_NAMES.get(guess, guess)}"]


_CHARSET_NAMES = {"cp1251": "windows-1251", "cp1252": "windows-1252"}


def _valid_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- XML feeds (via feedparser)

_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:html|head|body)\b",
    re.I | re.S,
)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)


def _strip_dtd_subsets(text: str) -> tuple[str, bool]:
    """Remove every DOCTYPE's internal subset, where entities are declared, keeping the rest of the
    declaration (RSS 0.91's Netscape DOCTYPE tells its flavour). This defuses entity expansion
    bombs and external entities (file:, http:) before any parser sees the document."""
    removed = False
    position = 0
    while match := _DOCTYPE.search(text, position):
        i, n = match.end(), len(text)
        quote: str | None = None
        depth = 0
        subset_start = -1
        end = n
        while i < n:
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "<" and text.startswith("<!--", i):
                close = text.find("-->", i + 4)
                i = n if close < 0 else close + 2
            elif ch == "[":
                depth += 1
                if subset_start < 0:
                    subset_start = i
            elif ch == "]":
                depth = max(0, depth - 1)
            elif ch == ">" and depth == 0:
                end = i
                break
            i += 1
        if subset_start >= 0:
            kept = text[match.start() : subset_start].rstrip() + ">"
            text = text[: match.start()] + kept + text[end + 1 :]
            removed = True
            position = match.start() + len(kept)
        else:
            position = min(end + 1, n)
    return text, removed


def _parse_xml_feed(text: str, url: str, warnings: list[str]) -> ParsedFeed:
    if _HTML_START.match(text):
        raise ParseError("not a feed (looks like an HTML page)")
    text, removed = _strip_dtd_subsets(text)
    if removed:
        warnings.append("DTD internal subset removed (entity declarations are not expanded)")
    text = _XML_DECL_ENCODING_TEXT.sub(r"\1utf-8\2", text, count=1)
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
            raise ParseError("not a feed (looks like an HTML page)")
        raise ParseError("not a feed (no RSS, RDF or Atom root element)")

    feed = result.get("feed") or {}
    entries = _collect(raw_entries, _entry_from_feedparser, warnings)
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")),
        language=_text(feed.get("language")),
        ttl_minutes=_ttl(feed.get("ttl")),
        entries=entries,
        warnings=_capped(warnings),
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
        guid=_text(raw.get("id")),
        link=_text(raw.get("link")),
        title=_text(raw.get("title")),
        summary=_text(summary),
        author=_text(raw.get("author")),
        published=_from_struct(raw.get("published_parsed")),
        # dict.get: FeedParserDict.get("updated_parsed") falls back to published, with a warning.
        updated=_from_struct(dict.get(raw, "updated_parsed")),
        language=_text(language),
    )


def _from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed values are UTC struct_times."""
    if not value:
        return None
    try:
        return datetime(*value[:5], min(value[5], 59), tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


def _ttl(value: Any) -> int | None:
    match = re.match(r"\s*(\d{1,7})\b", str(value)) if value is not None else None
    minutes = int(match.group(1)) if match else 0
    return minutes if minutes > 0 else None


# --- JSON Feed

_JSON_TYPES = frozenset({"application/feed+json", "application/json", "text/json"})


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _parse_json_feed(text: str, content_type: str | None, warnings: list[str]) -> ParsedFeed:
    try:
        document = json.loads(text)
    except RecursionError:
        raise ParseError("not a feed (JSON nested too deep)") from None
    except ValueError as error:
        raise ParseError(f"not a feed (invalid JSON: {error})") from None
    if not isinstance(document, dict):
        raise ParseError("not a feed (JSON that is not a JSON Feed)")
    version = document.get("version")
    version = version if isinstance(version, str) else ""
    declared_feed = _media_type(content_type) == "application/feed+json"
    if "jsonfeed.org" not in version and not (declared_feed and "items" in document):
        raise ParseError("not a feed (JSON that is not a JSON Feed)")

    items = document.get("items")
    if not isinstance(items, list):
        warnings.append("JSON Feed has no items list")
        items = []
    entries = _collect(items, _entry_from_json, warnings)
    return ParsedFeed(
        title=_text(document.get("title")),
        link=_text(document.get("home_page_url")),
        language=_text(document.get("language")),
        ttl_minutes=None,
        entries=entries,
        warnings=_capped(warnings),
        format="json11" if version.rstrip("/").endswith("1.1") else "json1",
    )


def _entry_from_json(item: Any) -> ParsedEntry:
    if not isinstance(item, dict):
        raise ValueError(f"not an object ({type(item).__name__})")
    summary = item.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        summary = item.get("content_html") or item.get("content_text")
    authors = item.get("authors")
    author = authors[0] if isinstance(authors, list) and authors else item.get("author")
    guid = item.get("id")
    return ParsedEntry(
        guid=(str(guid).strip() or None) if isinstance(guid, str | int) else None,
        link=_text(item.get("url")) or _text(item.get("external_url")),
        title=_text(item.get("title")),
        summary=_text(summary),
        author=_text(author.get("name")) if isinstance(author, dict) else None,
        published=_from_iso(item.get("date_published")),
        updated=_from_iso(item.get("date_modified")),
        language=_text(item.get("language")),
    )


def _from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


# --- shared


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return None


def _usable(entry: ParsedEntry) -> bool:
    return bool(entry.title or entry.link or (entry.guid and entry.summary))


def _collect(raw_entries: list[Any], convert: Any, warnings: list[str]) -> tuple[ParsedEntry, ...]:
    """Convert entries, skipping unusable ones with a warning; fail only if none is usable."""
    entries: list[ParsedEntry] = []
    for number, raw in enumerate(raw_entries, start=1):
        try:
            entry = convert(raw)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
            warnings.append(f"entry {number} skipped: {error}")
            continue
        if _usable(entry):
            entries.append(entry)
        else:
            warnings.append(f"entry {number} skipped: no title, link or guid with summary")
    if raw_entries and not entries:
        raise ParseError(f"no usable entries ({len(raw_entries)} skipped)")
    return tuple(entries)


def _capped(warnings: list[str]) -> tuple[str, ...]:
    if len(warnings) <= MAX_WARNINGS:
        return tuple(warnings)
    extra = len(warnings) - MAX_WARNINGS + 1
    return (*warnings[: MAX_WARNINGS - 1], f"… and {extra} more warnings")
