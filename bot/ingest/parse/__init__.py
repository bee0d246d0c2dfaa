"""Parse feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1/1.1) from bytes.

``parse_feed`` is the one entry point. It never fetches anything. The bytes are decoded here
(charset repair), DTD internal subsets (where entities are declared) are removed before any XML
parser sees the document, and then:

1. the fast path (``bot.ingest.parse.fast``: lxml, about 30 times faster) parses it, unless it
   declines
   a document it cannot read the way feedparser would (XML errors, undefined entities, unknown
   roots, entry tags it could not see, no entry with a title or link);
2. whatever it declines goes to feedparser (``bot.ingest.parse.reference``), the reference parser,
   unless it has more than ``LENIENT_MAX_TAGS`` tags: then it fails (feedparser's cost grows
   with every tag of a malformed document, and hostile ones are cheap to make).

``ParsedFeed.format`` tells which path produced a result: the version name alone ("rss20",
"atom10", ...) from the fast path, with "+feedparser" appended ("rss20+feedparser") from the
fallback; "json1"/"json11" for JSON Feed, which has its own path. Both paths give the same
entries (tests/test_parse_differential.py checks this on the real-feed corpus). Results are
frozen, picklable dataclasses, so a caller can run this in a worker thread or process.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.core.models import ParsedEntry, ParsedFeed
from bot.ingest.parse.common import (
    MAX_WARNINGS,
    ParseError,
    T,
    as_read,
    capped,
    collect,
    text_or_none,
)
from bot.ingest.parse.fast import Declined, read_with_lxml
from bot.ingest.parse.reference import parse_with_feedparser

__all__ = [
    "MAX_WARNINGS",
    "ParseError",
    "parse_feed",
    "prepare_xml",
    "prepared_xml",
    "read_feed",
]

FALLBACK_SUFFIX = "+feedparser"


def parse_feed(body: bytes, *, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document.

    ``url`` is the feed's address (base for relative links); ``content_type`` the HTTP header
    value, whose charset is trusted only when the bytes agree with it. A valid feed with zero
    entries returns an empty ``entries``; a document that is not a feed, or a feed none of whose
    entries is usable (no title, no link, no guid with summary), raises :class:`ParseError`.
    Skipped entries and recoverable problems are listed in ``warnings``.
    """
    feed, entries, _ = read_feed(body, as_read, url=url, content_type=content_type)
    return dataclasses.replace(feed, entries=entries)


def read_feed(
    body: bytes,
    finish: Callable[[ParsedEntry, str | None], T],
    *,
    url: str = "",
    content_type: str | None = None,
    limit: int | None = None,
) -> tuple[ParsedFeed, tuple[T, ...], int]:
    """:func:`parse_feed`, handing each of the first ``limit`` usable entries to ``finish``
    with the feed's language, in the feed's order; returns the feed without its entries, what
    ``finish`` returned for them, and how many entries were usable in all. On the fast path
    each entry is finished as soon as it is read, so a caller keeping a short form of each
    (the normalised entry) never holds all of a large feed's text at once. ``finish`` must
    have no side effects: it may run twice for an entry when the fast path declines."""
    if not body or not body.strip():
        raise ParseError("empty document", code="empty")
    text, warnings, as_is = _decode(body, content_type)
    start = text[:2048] if text is not None else _utf8_start(body, 2048)
    head = start.lstrip("\ufeff \t\r\n")
    if head.startswith("{") or (_media_type(content_type) in _JSON_TYPES and head[:1] != "<"):
        if text is None:
            text = body.decode("utf-8")
        return _finished(_parse_json_feed(text, content_type, warnings), finish, limit, None)
    text, data = prepare_xml(body if as_is else None, text, warnings)
    # The text is the bytes decoded (prepare_xml encodes it losslessly): only the fallback
    # needs it, and held through lxml's parse a large document's text (two or four bytes a
    # character outside Latin-1) was the largest thing in a worker's memory.
    del text
    try:
        parsed, entries, usable = read_with_lxml(data, url, finish, limit)
        version = parsed.format
    except Declined as declined:
        _check_lenient_limits(data, str(declined))
        feed = parse_with_feedparser(data.decode("utf-8"), url)
        parsed, entries, usable = _finished(feed, finish, limit, warnings)
        version = parsed.format + FALLBACK_SUFFIX
        return dataclasses.replace(parsed, format=version), entries, usable
    parsed = dataclasses.replace(
        parsed, warnings=capped(warnings + list(parsed.warnings)), format=version
    )
    return parsed, entries, usable


def _utf8_start(body: bytes, characters: int) -> str:
    """The first ``characters`` characters of a valid UTF-8 body (or all it has)."""
    return codecs.getincrementaldecoder("utf-8")().decode(body[: 4 * characters])[:characters]


def _finished(
    feed: ParsedFeed,
    finish: Callable[[ParsedEntry, str | None], T],
    limit: int | None,
    warnings: list[str] | None,
) -> tuple[ParsedFeed, tuple[T, ...], int]:
    """A parse that read every entry before finishing any (JSON Feed, feedparser); the
    ``warnings`` found before it go first (None: the feed has them already)."""
    kept = feed.entries if limit is None else feed.entries[:limit]
    finished = tuple(finish(entry, feed.language) for entry in kept)
    merged = feed.warnings if warnings is None else capped(warnings + list(feed.warnings))
    return dataclasses.replace(feed, entries=(), warnings=merged), finished, len(feed.entries)


# The lenient parser (feedparser, pure Python) costs about 30 µs and 0.7 KiB per tag of
# malformed XML, without end: 3.4 million unclosed tags took it 100 s and 2.5 GB. At this limit
# the worst shape (unclosed items) takes 3.3 s and 74 MiB. Real feeds it has to read are small
# (the two of the corpus's 200 have 327 and 521 tags; its largest well-formed feed, which lxml
# reads, has 87,000). lxml is linear and keeps libxml2's depth and size limits.
LENIENT_MAX_TAGS = 100_000
# Tags are not its only cost: attributes and entity references cost about as much, so the size
# is bounded too (4.9 million bare attributes in one tag took it 12.6 s and 1.8 GB; at this
# size, 1.3 s and 180 MiB). Malformed feeds it reads in the corpus are under 20 KB.
LENIENT_MAX_BYTES = 1 << 20


def _check_lenient_limits(data: bytes, declined: str) -> None:
    tags = data.count(b"<")
    if tags > LENIENT_MAX_TAGS:
        raise ParseError(
            f"malformed XML too large to read leniently ({tags:,} tags, at most "
            f"{LENIENT_MAX_TAGS:,}): {declined}"
        )
    if len(data) > LENIENT_MAX_BYTES:
        raise ParseError(
            f"malformed XML too large to read leniently ({len(data) >> 10:,} KiB, at most "
            f"{LENIENT_MAX_BYTES >> 10:,} KiB): {declined}"
        )


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


def _decode(body: bytes, content_type: str | None) -> tuple[str | None, list[str], bool]:
    """Decode the body to text, trusting a declared charset only when the bytes agree.

    The flag is true when the text is exactly the body read as UTF-8 (no BOM, no repair), so
    the bytes themselves can go to the XML parser; the text is then None, left for the caller
    to decode if it needs it (a large feed's text takes up to four bytes a character)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), [], False
    if wide := _wide_codec(body):
        return body.decode(wide, "replace"), [], False

    http_match = _CHARSET_PARAM.search(content_type or "")
    xml_match = _XML_DECL_ENCODING.match(body[:512])
    declared = [
        label
        for label in (http_match and http_match.group(1), xml_match and xml_match[1].decode())
        if label
    ]
    utf8 = _is_utf8(body)  # checked once: feeds are mostly UTF-8
    for label in declared:
        named = _codec(label)
        if named is None or named.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
            continue  # without a BOM or NUL bytes (checked above) the body is not UTF-16/32
        if named.startswith(("utf-8", "utf_8")) and utf8:
            return None, [], True
        if utf8 and not body.isascii():
            # A single-byte charset declared for bytes that are valid UTF-8: they are UTF-8.
            return None, [f"declared charset {label} is wrong; decoded as utf-8"], True
        try:
            return body.decode(named), [], False
        except UnicodeDecodeError:
            continue
        except (LookupError, TypeError):  # codecs that cannot decode bytes (e.g. rot13)
            continue
    if utf8:
        return None, [], True

    lossy = body.decode("utf-8", "replace")
    replaced = lossy.count("\ufffd")
    decoded_non_ascii = len(lossy) - len(lossy.encode("ascii", "ignore")) - replaced
    if decoded_non_ascii > replaced:
        guess, text = "utf-8", lossy  # mostly UTF-8 with a few stray bytes
    else:
        guess = _guess_single_byte(body)
        text = body.decode(guess, "replace")
    reason = f"declared charset {declared[0]} is wrong" if declared else "no charset declared"
    return text, [f"{reason}; decoded as {_CHARSET_NAMES.get(guess, guess)}"], False


_WIDE_CODECS = ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be")


def _wide_codec(body: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte order mark, told by where the NUL bytes of the first
    characters fall (XML 1.0, appendix F). Whatever the document's declaration says: read any
    other way, its DOCTYPE would hide from the DTD strip behind the NULs."""
    head = body[:64]
    if b"\x00" not in head[:4]:
        return None
    for codec in _WIDE_CODECS:  # UTF-32 first: its NULs also look like UTF-16's
        # Incremental, not final: a character cut at the end of the sample is no error.
        decoder = codecs.getincrementaldecoder(codec)("replace")
        sample = decoder.decode(head, final=False).lstrip(" \t\r\n")
        if sample.startswith("<") and "\x00" not in sample and "\ufffd" not in sample:
            return codec
    return None


_CHARSET_NAMES = {"cp1251": "windows-1251", "cp1252": "windows-1252"}


def _is_utf8(body: bytes) -> bool:
    """Whether the body is valid UTF-8, decoded a piece at a time and the pieces dropped."""
    if body.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(body)
    try:
        for start in range(0, len(body), _PIECE):
            decoder.decode(view[start : start + _PIECE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_PIECE = 1 << 16


# --- XML documents: checks and preparation shared by both parsers

_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:html|head|body)\b",
    re.I | re.S,
)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)
_XML_DECL_ENCODING_TEXT = re.compile(r"""(\s*<\?xml[^>]*?encoding\s*=\s*["'])([\w.:-]+)(["'])""")


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


def prepared_xml(body: bytes, content_type: str | None = None) -> tuple[str, bytes]:
    """The text and bytes both XML parsers get for ``body``, as ``parse_feed`` prepares them
    (for the differential test and the benchmark). Raises :class:`ParseError` for HTML pages."""
    text, warnings, as_is = _decode(body, content_type)
    text, data = prepare_xml(body if as_is else None, text, warnings)
    return (data.decode("utf-8") if text is None else text), data


def prepare_xml(
    body: bytes | None, text: str | None, warnings: list[str]
) -> tuple[str | None, bytes]:
    """Check and defuse a decoded XML document for the parsers.

    Rejects HTML pages, removes DTD internal subsets and declares the text UTF-8. Returns the
    prepared text (for feedparser) and its UTF-8 bytes (for lxml); ``body`` is reused as those
    bytes when it is ``text`` read as UTF-8 and needed no change, saving an encode. ``text``
    None means ``body`` read as UTF-8 (valid); the text returned is then None too when the
    body needed no change (seen without decoding it whole).
    """
    if text is None:
        if body is None:
            raise ValueError("prepare_xml needs the body or its text")
        if _unchanged_by_preparation(body):
            return None, body
        text = body.decode("utf-8")
    if _HTML_START.match(text):
        raise ParseError("not a feed (looks like an HTML page)", code="html_page")
    if "\x00" in text:
        # XML forbids NUL. They could only hide markup (a DOCTYPE) from the strip below.
        text = text.replace("\x00", "")
        warnings.append("NUL characters removed")
        body = None
    text, removed = _strip_dtd_subsets(text)
    if removed:
        warnings.append("DTD internal subset removed (entity declarations are not expanded)")
        body = None
    # .match, not .sub: a ^-anchored pattern would still be tried at every position.
    declaration = _XML_DECL_ENCODING_TEXT.match(text)
    if declaration and declaration[2].lower() not in ("utf-8", "utf8"):
        text = text[: declaration.start(2)] + "utf-8" + text[declaration.end(2) :]
        body = None
    return text, body if body is not None else text.encode("utf-8", "replace")


# Bodies up to this size are simply decoded; the start of a larger one that is read.
_HEAD_BYTES = 1 << 14
_XML_PREAMBLE = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?")
_DOCTYPE_BYTES = re.compile(rb"<!DOCTYPE", re.I)


def _unchanged_by_preparation(body: bytes) -> bool:
    """True when :func:`prepare_xml` would pass this valid UTF-8 body on unchanged, decided
    from a scan of its bytes and the text of its start; False when unsure (it is then decoded
    and prepared in full). Holds where it matters: a large feed, plain XML, declared UTF-8."""
    if len(body) <= _HEAD_BYTES or b"\x00" in body or _DOCTYPE_BYTES.search(body):
        return False
    # Not final: a character cut at the end of the piece is left out, not an error.
    head = codecs.getincrementaldecoder("utf-8")().decode(body[:_HEAD_BYTES])
    preamble = _XML_PREAMBLE.match(head)
    end = preamble.end() if preamble else 0
    # Past whitespace and the XML declaration an element must start (no comment, processing
    # instruction or declaration, which could carry the HTML check far into the text), well
    # inside the head, so that both checks below see all they would see in the whole text.
    rest = head[end:]
    if end > len(head) - 64 or not rest.startswith("<") or rest.startswith(("<!", "<?")):
        return False
    if _HTML_START.match(head):
        return False  # an HTML page: the full preparation says so
    declaration = _XML_DECL_ENCODING_TEXT.match(head)
    return declaration is None or declaration[2].lower() in ("utf-8", "utf8")


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
    entries = collect(items, _entry_from_json, warnings)
    return ParsedFeed(
        title=text_or_none(document.get("title")),
        link=text_or_none(document.get("home_page_url")),
        language=text_or_none(document.get("language")),
        ttl_minutes=None,
        entries=entries,
        warnings=capped(warnings),
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
        link=text_or_none(item.get("url")) or text_or_none(item.get("external_url")),
        title=text_or_none(item.get("title")),
        summary=text_or_none(summary),
        author=text_or_none(author.get("name")) if isinstance(author, dict) else None,
        published=_from_iso(item.get("date_published")),
        updated=_from_iso(item.get("date_modified")),
        language=text_or_none(item.get("language")),
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
