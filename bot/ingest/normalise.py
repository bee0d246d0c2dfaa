"""Turn parsed entries into stored entries: plain text, canonical links, UTC times, identity keys.

Pure: no I/O and no clock; the caller passes ``first_seen``.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from itertools import repeat
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from bot.core.models import Entry, ParsedEntry
from bot.ingest.links import join_url

# --- HTML → plain text

# Elements whose content HTML parsers read as raw text: left to libxml2 by the fast path.
_RAW_TEXT = frozenset({"title", "textarea", "xmp", "plaintext"})
# Elements whose content is never readable text.
_SKIP_CONTENT = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg"})
# Elements that separate words when rendered; a space is inserted at their boundaries.
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "img",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
# Control characters other than whitespace, lone surrogates (unstorable as UTF-8), bidi
# embeddings/overrides/isolates, zero-width space, word joiner, BOM and soft hyphen.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff"
    "\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff\u00ad]"
)
_TAG = re.compile(r"<[A-Za-z/!?]")
# Characters libxml2 refuses in a str (they are dropped from the text anyway).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The "<" that starts a block element's tag, the rest looked ahead at: the space goes in with
# the plain replacement " <" (a template such as r" \g<0>" is expanded in Python per match).
_BLOCK_TAG_START = re.compile(rf"<(?=/?(?:{'|'.join(sorted(_BLOCKS))})[\s/>])", re.I)
# Bytes in, encoding stated: a summary that starts with its own "<?xml … encoding=…?>" is read
# all the same. huge_tree lifts libxml2's depth limit of 256, which would drop all the text of a
# deeply nested summary (the walk below is iterative, and bodies are capped at 10 MiB).
_HTML = etree.HTMLParser(
    encoding="utf-8",
    recover=True,
    no_network=True,
    remove_comments=True,
    remove_pis=True,
    default_doctype=False,
    huge_tree=True,
)


def _strip_tags_lxml(value: str) -> str:
    """Any markup, however broken, read by libxml2's HTML parser (linear time; html.parser is
    quadratic on unclosed tags and quotes: 16 KB of ``<a "`` took it 1.4 s)."""
    # libxml2 drops block tags it cannot place (a stray </p>): keep the word break they make.
    value = _BLOCK_TAG_START.sub(" <", _XML_UNSAFE.sub("", value))
    try:
        root = etree.fromstring(value.encode("utf-8"), _HTML) if value.strip() else None
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return ""
    if root is None:
        return ""
    parts: list[str] = []
    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _SKIP_CONTENT:
            skipping += 1 if event == "start" else -1
        # A block's own start and end tags already left a space in the text (above); one
        # libxml2 only implies (a <p> it closes at the </a> around it) separates nothing.
        if tag in _SKIP_CONTENT or (tag in _BLOCKS and event == "start"):
            parts.append(" ")
        text = element.text if event == "start" else element.tail
        if text and not skipping:
            parts.append(text)
    return "".join(parts)


# The common case, well-formed tags with quoted or bare attribute values and closed comments,
# is read by one regular expression (possessive, so it never backtracks), ~2x faster than
# libxml2 on feed summaries and with the same text. At the first thing it cannot read
# (declarations, stray quotes, a tag left open) it stops and hands the whole value to libxml2;
# elements it leaves to libxml2 (scripts, titles) are found after the scan, which reads the rest
# of such a value in vain (linear; libxml2 reads under 2% of the corpus's values).
_FAST_TOKEN = re.compile(
    # "<" first and outside the groups: re then skips from one "<" to the next in C instead of
    # trying the pattern at every character (2.7x faster on the corpus's summaries).
    r"<(?:"
    # a comment with no "--" inside (HTML parsers disagree on the odd ones: "<!-->", "-- >")
    r"!--(?!-?>)(?:[^-]++|-(?!-))*+-->"
    # a tag; its name never holds \x00, which _strip_tags_fast joins the names with
    r"|/?([A-Za-z][^\t\n\f\r />\x00]*+)"
    r"(?:[^>\"'=]++|=\s*+(?:\"[^\"]*+\"|'[^']*+'|[^\s>\"'][^\s>]*+)?)*+>"
    # anything else that starts a tag is unreadable: the match takes the rest of the value, so
    # split stops there instead of scanning on (from every "<" of "<a <a <a…" to the end)
    r"|([A-Za-z/!?]).*+)",
    re.S,
)


# What the fast path puts in place of a tag's name: \x00 ends a run of text (entities are
# decoded run by run, as an HTML parser does); block elements also separate words.
_SEPARATOR = dict.fromkeys(_BLOCKS, "\x00 ")
_UNUSUAL = _SKIP_CONTENT | _RAW_TEXT  # elements whose content the fast path leaves to libxml2


def _strip_tags_fast(value: str) -> str | None:
    # split, not sub with a callback: the tags' names are mapped in bulk (~20% less time).
    parts = _FAST_TOKEN.split(value)
    if len(parts) == 1:
        runs = value
    else:
        if any(parts[2::3]):  # something the expression cannot read
            return None
        # a comment has no name: "None" maps to a plain separator like any inline element
        # (as does a tag named "none")
        names = "\x00".join(map(str, parts[1::3])).lower().split("\x00")
        if not _UNUSUAL.isdisjoint(names):
            return None
        parts[1::3] = map(_SEPARATOR.get, names, repeat("\x00"))
        del parts[2::3]
        runs = "".join(parts)
    if "&" not in runs:
        return runs.replace("\x00", "")
    return "".join(map(html.unescape, runs.split("\x00")))


def _strip_tags(value: str, budget: int) -> tuple[str, bool]:
    """The text of ``value``'s markup, and whether only a start of it was read."""
    # Summaries can be whole articles: read a start (cut after a tag) that should fill the
    # budget (feed markup is seldom more than half tags), and a longer one only when it does not.
    limit = budget * 2
    strip = _strip_tags_fast
    while True:
        piece = value if len(value) <= limit else value[: value.rfind(">", 0, limit) + 1]
        text = strip(piece)
        if text is None:  # markup the fast path cannot read: libxml2 reads the same start
            strip = _strip_tags_lxml
            text = strip(piece)
        if piece is value:
            return text, False
        got = len(" ".join(text.split()))
        if got > budget:
            return text, True
        # A longer start, in proportion to the text this one gave (markup-heavy summaries):
        # reading four times as much every time read twice what they needed.
        limit = int(limit * min(8.0, max(2.0, 1.5 * budget / max(got, 1))))


def _cap(text: str, max_length: int) -> str:
    if len(text) <= max_length:
        return text
    cut = text[: max_length - 1]
    space = cut.rfind(" ")
    # Cut at a word boundary unless that loses more than half (e.g. scripts without spaces).
    if space > max_length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _peel(value: str, budget: int | None) -> tuple[str, bool]:
    """Tags stripped and entities decoded, reading a start that fills ``budget`` (or all of it
    with None); also whether markup turned up in text read from a start only, where the cut
    may have fallen inside it."""
    text, nested, cut = value, False, False
    # Each round peels one level of escaping: "&amp;lt;p&amp;gt;" → "&lt;p&gt;" → "<p>" → "".
    for _ in range(3):
        if _TAG.search(text):
            nested = nested or cut
            text, cut_now = _strip_tags(text, len(text) if budget is None else budget)
            cut = cut or cut_now
        else:
            text = html.unescape(text)
        if not (_ENTITY.search(text) or _TAG.search(text)):
            break
    return text, nested


def html_to_text(value: str | None, max_length: int) -> str:
    """Plain text from an HTML fragment: tags and script/style content dropped, entities decoded
    (also double-encoded ones like ``&amp;amp;``), whitespace folded, control and bidi-override
    characters removed, capped at ``max_length`` characters at a word boundary with "…"."""
    if not value or max_length <= 0:
        return ""
    text, nested = _peel(value, max_length + 200)  # text enough to cap after folding
    if nested:
        # Markup written as text ("&lt;style&gt;…&lt;/style&gt;" in a code sample) is read
        # again; a start cut short may have cut it, so read it whole.
        text, _ = _peel(value, None)
    # Fold, cut to a safe margin, then drop invisible characters and fold again: cheap on
    # whole articles, exact on what is kept. Most texts have no invisible character, and
    # folding twice was a tenth of the cost of this function.
    text = " ".join(text.split())[: max_length * 2 + 16]
    if _INVISIBLE.search(text):
        text = " ".join(_INVISIBLE.sub("", text).split())
    return _cap(text, max_length)


def feed_title(value: str | None, max_length: int = 300) -> str | None:
    """A feed's own title as text: entities decoded, also double-encoded ones ("Science
    &amp;amp; technology" → "Science & technology"), whitespace folded, invisible characters
    dropped, capped; None if empty. Angle brackets are the title's own text (rendering escapes
    them)."""
    if not value:
        return None
    text = value
    for _ in range(3):  # each round peels one level of escaping
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    text = " ".join(_INVISIBLE.sub("", " ".join(text.split())[: max_length * 2 + 16]).split())
    return _cap(text, max_length) or None


# --- URLs

_TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_")
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "igshid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "cmp",
        "xtor",
        "ocid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "twclid",
        "ttclid",
        "li_fat_id",
        "s_cid",
        "smid",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_URL_NOISE = re.compile(r"[\t\r\n]")


def _is_tracking(param: str) -> bool:
    key = param.split("=", 1)[0].strip().lower()
    return key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """Canonical absolute http(s) URL, or None when there is none.

    Resolves ``url`` against ``base``, lower-cases scheme and host, drops user info, the default
    port, the fragment and tracking parameters (``utm_*``, ``fbclid`` …), keeps other parameters
    in their order and spelling."""
    if not url or not url.strip():
        return None
    url = _URL_NOISE.sub("", url.strip()).replace(" ", "%20")
    if base:
        url = join_url(_URL_NOISE.sub("", base.strip()), url)
    elif url.startswith("//"):
        url = "https:" + url
    tidy = _tidy_parts(url)
    if tidy is None:
        return None
    scheme, netloc, path, query = tidy
    query = "&".join(p for p in query.split("&") if p and not _is_tracking(p))
    return urlunsplit((scheme, netloc, path, query, ""))


def _tidy_parts(url: str) -> tuple[str, str, str, str] | None:
    """Scheme, network location, path and query of an http(s) URL: scheme and host in lower
    case, no user info, no default port, "/" for an empty path (None if not http(s))."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return scheme, netloc, parts.path or "/", parts.query


def tidy_url(url: str) -> str | None:
    """An http(s) URL spelled one way: scheme and host in lower case, no user info, default
    port or fragment; its parameters kept as they are (None if it is not http(s))."""
    tidy = _tidy_parts(url)
    return None if tidy is None else urlunsplit((*tidy, ""))


def without_click_tracking(query: str) -> str:
    """A query string without the parameters that only say where a link was clicked."""
    return "&".join(p for p in query.split("&") if p and not _is_click_tracking(p))


# Parameters that only say where a link was clicked: dropped from the link readers are shown.
# Fewer than for the canonical link (at_*, pk_*, cmp … can be a site's own parameters).
_CLICK_TRACKING_PREFIXES = ("utm_",)
_CLICK_TRACKING = frozenset(
    {"fbclid", "gclid", "yclid", "msclkid", "mc_cid", "mc_eid", "_ga", "igshid"}
)


def _is_click_tracking(param: str) -> bool:
    key = param.split("=", 1)[0].strip().lower()
    return key in _CLICK_TRACKING or key.startswith(_CLICK_TRACKING_PREFIXES)


def _absolute_link(url: str | None, base: str | None) -> str | None:
    """The entry's own link made absolute and without click-tracking parameters (``utm_*``,
    ``fbclid`` …; its other parameters and fragment kept as they are), if it is http(s)."""
    if not url or not url.strip():
        return None
    url = _URL_NOISE.sub("", url.strip())
    if base:
        url = join_url(base, url)
    elif url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return None
    params = parts.query.split("&") if parts.query else []
    kept = [param for param in params if not _is_click_tracking(param)]
    if len(kept) == len(params):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


# --- languages

_LANGUAGE_ALIASES = {
    "ua": "uk",  # a country code often used for Ukrainian
    "iw": "he",
    "in": "id",
    "ji": "yi",
    "eng": "en",
    "ukr": "uk",
    "rus": "ru",
    "deu": "de",
    "ger": "de",
    "fra": "fr",
    "fre": "fr",
    "pol": "pl",
    "spa": "es",
    "ita": "it",
    "por": "pt",
}


def normalise_language(value: str | None) -> str | None:
    """Primary language subtag, lower case: "en-US" → "en", "pt_BR" → "pt"; None if unusable."""
    if not value:
        return None
    primary = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    primary = _LANGUAGE_ALIASES.get(primary, primary)
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


# --- entries

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(minutes=10)
_TITLE_FROM_SUMMARY = 100


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# Links and guids are stored up to this many characters (a longer link is dropped).
MAX_LINK = 2048


def _capped_link(link: str | None) -> str | None:
    return link if link and len(link) <= MAX_LINK else None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_entry(
    entry: ParsedEntry,
    *,
    feed_url: str,
    feed_language: str | None,
    first_seen: datetime,
    title_max: int = 300,
    summary_max: int = 1000,
) -> Entry:
    """Build the stored form of a parsed entry.

    published_at is the entry's published, else updated, else ``first_seen`` time; a time more
    than 10 minutes after ``first_seen`` or before 1990 is replaced by ``first_seen``. The entry key
    is the sha256 of its guid, else of its canonical link, else of its title and date. A link
    longer than ``MAX_LINK`` characters is dropped and a guid cut to that length (its key is
    made from all of it)."""
    first_seen = _utc(first_seen) or first_seen
    summary = html_to_text(entry.summary, summary_max)
    # No article has a 2,048-character address; a feed that sends one is padding the database.
    raw_link = entry.link if entry.link and len(entry.link) <= MAX_LINK else None
    canonical = canonical_url(raw_link, feed_url or None)
    canonical = canonical if canonical and len(canonical) <= MAX_LINK else None
    title = (
        html_to_text(entry.title, title_max)
        or html_to_text(entry.summary, min(title_max, _TITLE_FROM_SUMMARY))
        or (canonical or "")[:title_max]
    )

    own_time = _utc(entry.published) or _utc(entry.updated)
    published_at = own_time or first_seen
    if published_at > first_seen + _FUTURE_SLACK or published_at < _EARLIEST:
        published_at = first_seen
    dated = own_time is not None and published_at == own_time

    guid = entry.guid.strip() if entry.guid and entry.guid.strip() else None
    if guid:
        key_source = "guid:" + guid
    elif canonical:
        key_source = "link:" + canonical
    else:
        # The entry's own date (not first_seen) keeps the key stable across polls.
        day = own_time.strftime("%Y-%m-%d") if own_time else ""
        key_source = "title:" + title + "|" + day

    return Entry(
        entry_key=_sha256(key_source),
        title=title,
        summary=summary,
        published_at=published_at,
        content_hash=_sha256(title + "\n" + summary + "\n" + (canonical or "")),
        guid=guid[:MAX_LINK] if guid else None,  # the key is made from all of it
        link=_capped_link(_absolute_link(raw_link, feed_url or None)),
        canonical_link=canonical,
        author=html_to_text(entry.author, 200) or None,
        language=normalise_language(entry.language) or normalise_language(feed_language),
        dated=dated,
    )
