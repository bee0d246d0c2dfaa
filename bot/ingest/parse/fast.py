"""The fast XML feed parser: one lxml tree walk, with feedparser's choices of fields.

About 30 times faster than feedparser on real feeds. It only takes documents it can read the way
feedparser would: well-formed RSS 0.9x/2.0, RSS 0.90/1.0 (RDF) and Atom 0.3/1.0. Anything else
(XML errors, undefined entities, unknown roots, items it cannot see, entries with neither title
nor link) raises :class:`Declined`, and ``bot.ingest.parse`` hands the document to feedparser
instead.

Which element fills which field follows feedparser 6: the last date element of a kind wins,
dc:date is an update time, the summary follows feedparser's description/content rules (except
that a media:description, often an image caption, is the summary only when there is no other),
a permalink guid (or Atom id) stands in for a missing link, links and permalink guids are
resolved against xml:base and the feed URL, and an entry's language is its own <language>, else
the xml:lang in force on its title. Dates are read with feedparser's own date parser.

The lxml parser never resolves entities, never touches the network, never loads a DTD and keeps
libxml2's size and depth limits (huge_tree=False). ``bot.ingest.parse`` also removes DTD internal
subsets before any parser sees a document.
"""

from __future__ import annotations

import dataclasses
import html.entities
import re
import threading
from collections.abc import Callable
from functools import lru_cache

from feedparser.datetimes import _parse_date  # the reference parser's own date reader
from lxml import etree

from bot.core.models import ParsedEntry, ParsedFeed
from bot.ingest.links import join_url
from bot.ingest.parse.common import (
    ParseError,
    T,
    as_read,
    from_struct,
    gather,
    text_or_none,
    ttl_minutes,
)

ATOM10 = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
MEDIA = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RDF_ABOUT = f"{{{RDF}}}about"

# Namespaces whose elements feedparser reads as the core vocabulary (title, link, item, ...).
_CORE = frozenset(
    {
        "",
        ATOM10,
        ATOM03,
        RSS10,
        RSS090,
        "http://backend.userland.com/rss",
        "http://backend.userland.com/rss2",
        "http://blogs.law.harvard.edu/tech/rss",
    }
)
# feedparser names elements by a standard prefix for the namespaces it knows ("" for the core
# ones) and by the document's own prefix for any other, with the local name lowercased.
_STANDARD_PREFIXES = {
    **dict.fromkeys(_CORE, ""),
    DC: "dc",
    DCTERMS: "dcterms",
    CONTENT: "content",
    MEDIA: "media",
}
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
_ATOM_VERSIONS = {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_TEXT_TYPES = _HTML_TYPES | {"text", "text/plain"}
# Start tags of entries as they appear in the bytes, prefixed or not. Possessive: a prefix
# ends at its ":", so no other split of a tag name can match, and re gives up on each of a
# document's tags at once instead of trying them all (a fifth less time over the corpus).
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*+:)?+(?:item|entry)[\s/>]")
_URI_FIXER = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")


class Declined(Exception):
    """The fast path will not stand in for feedparser on this document; the message says why."""


class _Parsers(threading.local):
    """One lxml parser per thread: a parser serialises its parses and keeps one error log."""

    def __init__(self) -> None:
        self.xml = etree.XMLParser(
            recover=True,  # errors are read from the log below, and any of them declines
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            # collect_ids stays on: turning it off makes libxml2 try to load external DTDs.
            remove_comments=True,
            remove_pis=True,
        )


_PARSERS = _Parsers()


def parse_with_lxml(data: bytes, url: str) -> ParsedFeed:
    """Parse a prepared XML document (UTF-8 bytes, DTD internal subsets removed).

    ``format`` is the version name feedparser would give ("rss20", "atom10", ...) and
    ``warnings`` lists skipped entries. Raises :class:`Declined` when feedparser should parse
    the document instead; never raises ``ParseError``.
    """
    feed, entries, _ = read_with_lxml(data, url, as_read)
    return dataclasses.replace(feed, entries=entries)


def read_with_lxml(
    data: bytes,
    url: str,
    finish: Callable[[ParsedEntry, str | None], T],
    limit: int | None = None,
) -> tuple[ParsedFeed, tuple[T, ...], int]:
    """:func:`parse_with_lxml`, handing each of the first ``limit`` usable entries to
    ``finish`` (with the feed's language) as it is read: a caller that keeps only a short
    form of each never holds every entry's whole text at once. Returns the feed without
    entries, what ``finish`` returned, and how many entries were usable. Should it decline,
    what ``finish`` returned so far is dropped (``finish`` must have no side effects)."""
    root = _parse_tree(data, url)
    version, channel, entry_elements = _structure(root)
    found = len(entry_elements)
    in_bytes = len(_ENTRY_TAG.findall(data))
    if in_bytes > found:
        raise Declined(f"{in_bytes} entry tags in the document, {found} entries in the tree")

    language = text_or_none(_feed_language(root, channel))
    warnings: list[str] = []
    convert = _entry_converter(root.get(XML_LANG) or channel.get(XML_LANG))
    titled = False

    def read(item: etree._Element) -> ParsedEntry:
        nonlocal titled
        entry = convert(item)
        titled = titled or bool(entry.title or entry.link)
        return entry

    try:
        finished, usable = gather(
            entry_elements, read, warnings, lambda entry: finish(entry, language), limit
        )
    except ParseError as error:  # feedparser decides what is wrong with the document
        raise Declined(str(error)) from None
    if found and not titled:
        raise Declined("no entry has a title or a link")
    feed = ParsedFeed(
        title=text_or_none(_inner(_first(channel, "title", "dc:title"))),
        link=_feed_link(channel),
        language=language,
        ttl_minutes=ttl_minutes(_first_text(channel, "ttl")),
        warnings=tuple(warnings),
        format=version,
    )
    return feed, finished, usable


# --- the tree

# Errors the fast path repairs and parses again: HTML entities that XML does not define, and
# control characters XML forbids (feedparser's loose parser accepts both).
_UNDEFINED_ENTITY = "ERR_UNDECLARED_ENTITY"
_INVALID_CHAR = "ERR_INVALID_CHAR"
# Junk after the root element (a script tag a CDN appends): the tree is complete without it.
_IGNORED_ERRORS = frozenset({"ERR_DOCUMENT_END"})
_ENTITY_REFERENCE = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_CONTROL_CHARACTERS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _parse_tree(data: bytes, url: str) -> etree._Element:
    """The document's tree, after at most two repairs; declines on any other XML error."""
    parser = _PARSERS.xml
    for _ in range(3):
        try:
            root = etree.fromstring(data, parser, base_url=url or None)
        except (etree.XMLSyntaxError, ValueError) as error:
            raise Declined(f"lxml: {error}") from None
        errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
        kinds = {e.type_name for e in errors}
        if _UNDEFINED_ENTITY in kinds:
            repaired = _ENTITY_REFERENCE.sub(_numeric_entity, data)
        elif _INVALID_CHAR in kinds:
            repaired = _CONTROL_CHARACTERS.sub(b"", data)
        else:
            break
        if repaired == data:
            break
        data = repaired
    unrepaired = [e for e in errors if e.type_name not in _IGNORED_ERRORS]
    if unrepaired:
        raise Declined(f"XML error: {unrepaired[0].message}")
    if root is None or not isinstance(root.tag, str):
        raise Declined("no root element")
    return root


def _numeric_entity(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    character = html.entities.html5.get(name.decode("ascii") + ";")
    if character is None:
        return match.group(0)
    return "".join(f"&#{ord(c)};" for c in character).encode("ascii")


# --- document structure


def _split(tag: str) -> tuple[str, str]:
    if tag[:1] == "{":
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _structure(root: etree._Element) -> tuple[str, etree._Element, list[etree._Element]]:
    """Version name, the element holding the feed's own fields, and the entry elements."""
    namespace, local = _split(root.tag)
    if local == "rss" and namespace in _CORE:
        doctype = (root.getroottree().docinfo.doctype or "").lower()
        if "netscape" in doctype:
            version = "rss091n"
        else:
            declared = root.get("version", "")
            version = _RSS_VERSIONS.get(declared) or ("rss20" if declared[:2] == "2." else "rss")
        channel = root.find(f"{{{namespace}}}channel" if namespace else "channel")
        if channel is None:
            raise Declined("rss without a channel")
        return version, channel, _iter_local(root, "item")
    if local == "RDF" and namespace == RDF:
        declared = set(root.nsmap.values())
        if RSS10 in declared:
            version, core = "rss10", RSS10
        elif root.nsmap.get(None) == RSS090:
            version, core = "rss090", RSS090
        else:
            raise Declined("RDF document without an RSS namespace")
        channel = root.find(f"{{{core}}}channel")
        if channel is None:
            raise Declined("RDF without a channel")
        return version, channel, _iter_local(root, "item")
    if local == "feed" and namespace == ATOM10:
        return "atom10", root, _iter_local(root, "entry")
    if local == "feed" and namespace == ATOM03:
        version = _ATOM_VERSIONS.get(root.get("version", ""), "atom")
        return version, root, _iter_local(root, "entry")
    raise Declined(f"root element {local!r} is not one the fast path reads")


def _iter_local(root: etree._Element, local: str) -> list[etree._Element]:
    tags = [local] + [f"{{{namespace}}}{local}" for namespace in _CORE if namespace]
    return list(root.iter(*tags))


@lru_cache(maxsize=1024)
def _standard_name(tag: str, prefix: str | None) -> str:
    namespace, local = _split(tag)
    lowered = namespace.lower()
    if "backend.userland.com/rss" in lowered:
        lowered = "http://backend.userland.com/rss"
    standard = _STANDARD_PREFIXES.get(lowered)
    if standard is None:
        standard = prefix or ""
    return f"{standard}:{local.lower()}" if standard else local.lower()


def _name(element: etree._Element) -> str | None:
    """The element's name as feedparser sees it ("title", "dc:creator", ...); None for
    comments, processing instructions and entity references."""
    tag = element.tag
    return _standard_name(tag, element.prefix) if isinstance(tag, str) else None


def _first(parent: etree._Element, *names: str) -> etree._Element | None:
    """The first child with one of ``names`` (as :func:`_name` gives them)."""
    for child in parent:
        if _name(child) in names:
            return child
    return None


def _first_text(parent: etree._Element, *names: str) -> str | None:
    element = _first(parent, *names)
    return element.text if element is not None else None


def _feed_language(root: etree._Element, channel: etree._Element) -> str | None:
    language = _first_text(channel, "language", "dc:language")
    if language and language.strip():
        return language
    declared = root.get(XML_LANG) or channel.get(XML_LANG)
    return declared.replace("_", "-") if declared else None


def _link_of(element: etree._Element) -> str | None:
    """A link element's target: an Atom alternate href, or RSS text made absolute; None when
    it names neither (an Atom link of another kind, or an empty element)."""
    if element.get("href") is not None:
        return _alternate_href(element)
    if element.text and element.text.strip():
        return _resolve(element, element.text.strip())
    return None


def _feed_link(channel: etree._Element) -> str | None:
    link: str | None = None
    for child in channel:
        found = _link_of(child) if _name(child) == "link" else None
        link = link if found is None else found
    return text_or_none(link)


# --- entries


def _inner(element: etree._Element | None) -> str | None:
    """An element's content as feedparser reports it: its text, or its markup when it has
    child elements (inline XHTML, or HTML a publisher forgot to escape)."""
    if element is None:
        return None
    if len(element) == 0:
        return _text(element)
    parts = [element.text or ""]
    for child in element:
        parts.append(_markup(child))
    markup = "".join(parts)
    if element.get("type") in ("xhtml", "application/xhtml+xml"):
        markup = _unwrap_div(markup)
    return markup


def _markup(child: etree._Element) -> str:
    serialised = etree.tostring(child, encoding="unicode", with_tail=True)
    return _NAMESPACE_DECLARATION.sub("", serialised)


_NAMESPACE_DECLARATION = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _unwrap_div(markup: str) -> str:
    stripped = markup.strip()
    if stripped.startswith("<div") and stripped.endswith("</div>"):
        start = stripped.find(">") + 1
        inner = stripped[start : -len("</div>")]
        if "<div" not in inner:
            return inner
    return markup


def _resolve(element: etree._Element, uri: str) -> str:
    base = element.base or ""
    # feedparser's fix of "http:///x": the slashes after "scheme://" go. Most addresses have
    # none, and sub's template would be expanded in Python for every one of them.
    fixed = _URI_FIXER.match(uri)
    if fixed is not None and fixed.group(2):
        uri = fixed.group(1) + uri[fixed.end(2) :]
    try:
        return join_url(base, uri)
    except ValueError:
        return ""


def _alternate_href(element: etree._Element) -> str | None:
    """The href of an Atom-style link when it is an alternate HTML link, else None."""
    rel = element.get("rel", "alternate")
    default_type = "application/atom+xml" if rel == "self" else "text/html"
    kind = element.get("type", default_type)
    if rel != "alternate" or kind.strip().lower() not in _HTML_TYPES:
        return None
    return _resolve(element, (element.get("href") or "").strip())


@lru_cache(maxsize=4096)
def _date(value: str) -> object:
    return _parse_date(value)


_FIELDS = {
    "title": "title",
    "dc:title": "title",
    "link": "link",
    "guid": "guid",
    "id": "guid",
    "description": "summary",
    "summary": "summary",
    "dc:description": "summary",
    "media:description": "caption",
    "content": "content",
    "content:encoded": "content",
    "author": "author",
    "dc:creator": "author",
    "dc:author": "author",
    "pubdate": "published",
    "published": "published",
    "issued": "published",
    "dcterms:issued": "published",
    "updated": "updated",
    "modified": "updated",
    "dc:date": "updated",
    "dcterms:modified": "updated",
    "language": "language",
    "dc:language": "language",
}


def _entry_converter(inherited_language: str | None) -> Callable[[etree._Element], ParsedEntry]:
    def convert(item: etree._Element) -> ParsedEntry:
        return _entry(item, inherited_language)

    return convert


def _entry(item: etree._Element, inherited_language: str | None) -> ParsedEntry:
    item_language = item.get(XML_LANG) or inherited_language
    title = title_element = summary = summary_element = content = author = None
    has_content = False
    caption = None  # media:description: the summary only when there is nothing else
    guid = link = guid_link = language = None
    published = updated = None
    about = item.get(RDF_ABOUT)
    for child in _children(item):
        field = _FIELDS.get(_name(child))  # type: ignore[arg-type]
        if field is None:
            continue
        if field == "title":
            title, title_element = _inner(child), child
        elif field == "link":
            found = _link_of(child)
            link = link if found is None else found
        elif field == "guid":
            value = (child.text or "").strip()
            permalink = _attribute(child, "ispermalink", "true") == "true"
            guid = _resolve(child, value) if permalink and value else value
            guid_link = guid if permalink and link is None else guid_link
        elif field == "summary":
            # feedparser: a second description before any content is content; after content
            # it replaces the summary.
            if summary_element is not None and not has_content:
                has_content = True
                content = _inner(child) if content is None else content
            else:
                summary, summary_element = _inner(child), child
        elif field == "content":
            has_content = True
            value = _inner(child)
            content = value if content is None else content
            if summary_element is None and child.get("type", "text") in _TEXT_TYPES:
                summary, summary_element = value, child
        elif field == "caption":
            caption = _inner(child) if caption is None else caption
        elif field == "author":
            author = _author(child)
        elif field == "published":
            published = _date((child.text or "").strip())
        elif field == "updated":
            updated = _date((child.text or "").strip())
        elif field == "language":
            language = child.text
    if link is None:
        link = guid_link
    if guid is None and about:
        guid = about
    if not language:
        for element in (title_element, summary_element):
            if element is not None:
                language = element.get(XML_LANG) or item_language
                break
    summary_text = text_or_none(summary if summary else content) or text_or_none(caption)
    return ParsedEntry(
        guid=text_or_none(guid),
        link=text_or_none(link),
        title=text_or_none(title),
        summary=summary_text,
        author=text_or_none(author),
        published=from_struct(published),  # type: ignore[arg-type]
        updated=from_struct(updated),  # type: ignore[arg-type]
        language=text_or_none(language),
    )


def _children(item: etree._Element) -> list[etree._Element]:
    """The entry's children, each media:* element followed by its own descendants: feedparser
    reads a media:description at any depth (media:group, media:content) as a description."""
    children: list[etree._Element] = []
    for child in item:
        children.append(child)
        if len(child) and (_name(child) or "").startswith("media:"):
            children.extend(child.iterdescendants())
    return children


def _attribute(element: etree._Element, lowercase_name: str, default: str) -> str:
    """An attribute by case-insensitive name (feedparser lowercases attribute names)."""
    for name, value in element.attrib.items():
        if isinstance(name, str) and name.lower() == lowercase_name:
            return str(value).strip().lower()
    return default


def _author(element: etree._Element) -> str | None:
    """As feedparser reports it: Atom's "name (email)", RSS text as it is."""
    if len(element):
        name = (_first_text(element, "name") or "").strip()
        email = (_first_text(element, "email") or "").strip()
        if name and email:
            return f"{name} ({email})"
        return name or email or None
    return _text(element)


def _text(element: etree._Element) -> str | None:
    text = element.text
    return None if text is None else str(text)
