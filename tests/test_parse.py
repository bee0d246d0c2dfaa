"""parse_feed: formats, broken documents, charsets, hostile XML, and the real-feed corpus."""

from __future__ import annotations

import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.core.models import ParsedFeed
from bot.ingest.parse import MAX_WARNINGS, ParseError, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
CORPUS = Path("/work/shared/corpus/feeds")


def load(name: str, **kwargs: str) -> ParsedFeed:
    return parse_feed((FIXTURES / name).read_bytes(), **kwargs)


def rss(*titles: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://e.example/{n}</link></item>"
        for n, title in enumerate(titles)
    )
    return f'{declaration}<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'


# --- formats


def test_rss091_netscape() -> None:
    feed = load("rss091.xml")
    assert feed.format == "rss091n"
    assert feed.title == "Old Wire"
    assert feed.language == "en-gb"
    assert [e.link for e in feed.entries] == [
        "http://oldwire.example/stories/101.html",
        "http://oldwire.example/stories/102.html",
    ]
    assert feed.entries[0].summary == "Negotiators return to the table this week."


def test_rss10_rdf_with_dublin_core_dates_and_languages() -> None:
    feed = load("rss10.rdf")
    assert feed.format == "rss10"
    assert feed.language == "de"
    first, second = feed.entries
    assert first.title == "Sicherheitsgarantien: Gespräche gehen weiter"
    assert first.updated == datetime(2026, 2, 17, 8, 30, tzinfo=UTC)
    assert second.language == "en"


def test_rss20_fields_ttl_and_relative_links() -> None:
    feed = load("rss20.xml", url="https://kyivdesk.example/rss")
    assert (feed.format, feed.title, feed.language, feed.ttl_minutes) == (
        "rss20",
        "Kyiv Desk",
        "uk",
        45,
    )
    first = feed.entries[0]
    assert first.guid == "kd-7"
    assert first.author == "Olena P."
    assert first.published == datetime(2026, 2, 17, 8, 0, tzinfo=UTC)
    assert first.published.tzinfo is UTC
    assert "<b>three</b>" in (first.summary or "")  # HTML stays for normalise to handle
    assert feed.entries[1].link == "https://kyivdesk.example/news/relative"


def test_atom10_languages_base_and_dates() -> None:
    feed = load("atom10.xml")
    assert feed.format == "atom10"
    assert feed.language == "fr"
    assert feed.link == "https://atomwire.example/"
    first, second = feed.entries
    assert first.link == "https://atomwire.example/blog/garanties.html"  # xml:base applied
    assert first.published == datetime(2026, 2, 17, 7, 15, tzinfo=UTC)
    assert first.updated == datetime(2026, 2, 17, 10, 0, tzinfo=UTC)
    assert first.author == "Claire D."
    assert "engagements" in (first.summary or "")  # content used when there is no summary
    assert second.language == "en"


def test_atom03() -> None:
    feed = load("atom03.xml")
    assert feed.format == "atom03"
    (entry,) = feed.entries
    assert entry.guid == "tag:legacy.example,2026:1"
    assert entry.published == datetime(2026, 2, 15, 9, 0, tzinfo=UTC)


def test_json_feed_v11() -> None:
    feed = load("jsonfeed11.json", content_type="application/feed+json")
    assert feed.format == "json11"
    assert (feed.title, feed.link, feed.language) == (
        "JSON Dispatch",
        "https://jsondispatch.example/",
        "en-US",
    )
    first, second = feed.entries
    assert first.author == "M. Ivanenko"
    assert first.language == "uk"
    assert first.published == datetime(2026, 2, 17, 5, 45, tzinfo=UTC)
    assert first.updated == datetime(2026, 2, 17, 9, 0, tzinfo=UTC)
    assert second.guid == "2"
    assert second.link == "https://elsewhere.example/story"
    assert second.title is None and second.summary
    # a string item and an item with only a date are skipped, each with a warning
    assert len(feed.warnings) == 2
    assert all("skipped" in w for w in feed.warnings)


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_json_feed_v1_detected_without_its_content_type(content_type: str | None) -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1", "title": "J", "items": '
        b'[{"id": "1", "title": "Hello", "author": {"name": "A"}, '
        b'"date_published": "2026-02-17T10:00:00Z"}]}'
    )
    feed = parse_feed(body, content_type=content_type)
    assert feed.format == "json1"
    assert feed.entries[0].author == "A"
    assert feed.entries[0].published == datetime(2026, 2, 17, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"name": "an API response"}', "not a JSON Feed"),
        (b"{not json", "invalid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not a feed"),
    ],
)
def test_json_that_is_not_a_feed(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_feed(body, content_type="application/json")


# --- empty, broken and non-feed documents


def test_valid_feed_with_zero_entries_is_not_an_error() -> None:
    feed = load("empty_channel.xml")
    assert feed.title == "Quiet Feed"
    assert feed.entries == ()


def test_malformed_xml_keeps_usable_entries() -> None:
    feed = load("malformed.xml")
    assert [e.title for e in feed.entries] == [
        "Talks resume & delegations arrive",
        "Second item after the damage",
    ]
    assert any("malformed XML" in w for w in feed.warnings)


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="HTML page"):
        load("page.html", content_type="text/html; charset=utf-8")


def test_html_fragment_without_doctype_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b"<div><p>Maintenance in progress</p><a href='/'>home</a></div>")


@pytest.mark.parametrize("body", [b"", b"   \n", b"plain words, not markup"])
def test_empty_or_plain_text_is_an_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(body)


def test_entry_without_guid_or_link_is_kept_when_it_has_a_title() -> None:
    feed = load("rss20.xml")
    entry = feed.entries[2]
    assert (entry.guid, entry.link, entry.title) == (
        None,
        None,
        "A story with neither guid nor link",
    )


def test_one_bad_entry_is_skipped_with_a_warning() -> None:
    feed = load("rss20.xml")
    assert len(feed.entries) == 3
    assert feed.warnings == ("entry 4 skipped: no title, link or guid with summary",)


def test_guid_with_summary_is_usable() -> None:
    body = (
        '<rss version="2.0"><channel><title>T</title><item><guid isPermaLink="false">g-1</guid>'
        "<description>Only a guid and words.</description></item></channel></rss>"
    )
    (entry,) = parse_feed(body.encode()).entries
    assert (entry.guid, entry.summary) == ("g-1", "Only a guid and words.")


def test_feed_whose_entries_are_all_unusable_fails() -> None:
    body = (
        '<rss version="2.0"><channel><title>T</title>'
        "<item><pubDate>Mon, 16 Feb 2026 07:00:00 GMT</pubDate></item>"
        "<item><author>nobody</author></item></channel></rss>"
    )
    with pytest.raises(ParseError, match="no usable entries"):
        parse_feed(body.encode())


def test_warnings_are_capped() -> None:
    items = "<item><author>x</author></item>" * 50 + "<item><title>ok</title></item>"
    body = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body)
    assert len(feed.entries) == 1
    assert len(feed.warnings) == MAX_WARNINGS
    assert "more warnings" in feed.warnings[-1]


def test_undeclared_namespace_prefix_is_tolerated() -> None:
    body = (
        "<rss rss:version=2.0><rss:channel><rss:title>P</rss:title>"
        "<rss:item><rss:title>Prefixed item</rss:title>"
        "<rss:link>https://p.example/1</rss:link></rss:item></rss:channel></rss>"
    )
    feed = parse_feed(body.encode())
    assert [e.title for e in feed.entries] == ["Prefixed item"]


# --- character sets


def test_latin1_body_declared_as_utf8() -> None:
    body = rss("Café in Zürich: naïve façade").encode("latin-1")
    feed = parse_feed(body, content_type="application/rss+xml; charset=utf-8")
    assert feed.entries[0].title == "Café in Zürich: naïve façade"
    assert any("charset" in w for w in feed.warnings)


def test_windows1251_body_without_any_declaration() -> None:
    title = "Гарантії безпеки для України обговорили в Женеві"
    body = rss(title, declaration="").encode("cp1251")
    feed = parse_feed(body, content_type="text/xml")
    assert feed.entries[0].title == title
    assert any("windows-1251" in w for w in feed.warnings)


def test_windows1251_declared_in_xml_is_honoured() -> None:
    title = "Переговори тривають"
    body = rss(title, declaration='<?xml version="1.0" encoding="windows-1251"?>')
    feed = parse_feed(body.encode("cp1251"))
    assert feed.entries[0].title == title
    assert feed.warnings == ()


def test_utf8_body_declared_as_latin1_is_read_as_utf8() -> None:
    title = "Größe — “quoted” заголовок"
    feed = parse_feed(rss(title).encode(), content_type="text/xml; charset=ISO-8859-1")
    assert feed.entries[0].title == title


def test_utf8_body_wrongly_declaring_utf16() -> None:
    body = rss("Мир", declaration='<?xml version="1.0" encoding="UTF-16"?>').encode()
    assert parse_feed(body).entries[0].title == "Мир"


def test_utf16_with_bom() -> None:
    title = "Безпека"
    body = rss(title, declaration='<?xml version="1.0" encoding="utf-16"?>').encode("utf-16")
    assert parse_feed(body).entries[0].title == title


# --- hostile XML: nothing expands, nothing is fetched or read

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<rss version="2.0"><channel><title>Bomb &lol9;</title>'
    "<item><title>Item &lol9;</title><link>https://e.example/1</link>"
    "<description>&lol9;&lol9;</description></item></channel></rss>"
)


def test_billion_laughs_is_not_expanded() -> None:
    started = time.monotonic()
    feed = parse_feed(BILLION_LAUGHS.encode())
    assert time.monotonic() - started < 5
    (entry,) = feed.entries
    assert "lollol" not in (entry.title or "") + (entry.summary or "") + (feed.title or "")
    assert any("DTD" in w for w in feed.warnings)


def test_local_file_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [ <!ENTITY a SYSTEM "file://{secret}">'
        ' <!ENTITY b SYSTEM "file:///etc/passwd"> ]>'
        '<rss version="2.0"><channel><title>x</title><item><title>Leak &a; &b;</title>'
        "<link>https://e.example/1</link><description>&a;&b;</description></item>"
        "</channel></rss>"
    )
    feed = parse_feed(body.encode())
    text = repr(feed)
    assert "TOP-SECRET-MARKER" not in text
    assert "root:" not in text
    assert feed.entries[0].link == "https://e.example/1"


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self.hits.append(self.path)
        payload = b'<!ENTITY leak "FETCHED-MARKER">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server():
    _CountingHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    finally:
        server.shutdown()
        server.server_close()


def test_http_entities_and_dtds_are_never_fetched(loopback_server) -> None:
    base, hits = loopback_server
    documents = [
        f'<!DOCTYPE rss [ <!ENTITY ext SYSTEM "{base}/entity"> ]>'
        '<rss version="2.0"><channel><title>&ext;</title>'
        "<item><title>Item &ext;</title><link>https://e.example/1</link></item></channel></rss>",
        f'<!DOCTYPE rss [ <!ENTITY % p SYSTEM "{base}/param"> %p; ]>'
        '<rss version="2.0"><channel><title>&leak;</title>'
        "<item><title>Item &leak;</title><link>https://e.example/1</link></item></channel></rss>",
        f'<!DOCTYPE rss SYSTEM "{base}/external.dtd">'
        '<rss version="2.0"><channel><title>x</title>'
        "<item><title>Item &leak;</title><link>https://e.example/1</link></item></channel></rss>",
    ]
    for document in documents:
        feed = parse_feed(('<?xml version="1.0"?>' + document).encode())
        assert "FETCHED-MARKER" not in repr(feed)
        assert feed.entries[0].link == "https://e.example/1"
    # a body that is itself a URL or a path is data, not something to open
    for body in (f"{base}/feed".encode(), b"/etc/passwd"):
        with pytest.raises(ParseError):
            parse_feed(body)
    assert hits == []


# --- usable from workers


def test_result_is_picklable_and_parse_runs_in_a_worker_process() -> None:
    body = (FIXTURES / "atom10.xml").read_bytes()
    local = parse_feed(body)
    assert pickle.loads(pickle.dumps(local)) == local
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(parse_feed, body, url="").result(timeout=60)
    assert remote == local


# --- the real-feed corpus


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_parses_without_crashing() -> None:
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    failures: list[str] = []
    entries = 0
    started = time.monotonic()
    for path in files:
        content_type = "application/feed+json" if path.suffix == ".json" else None
        try:
            feed = parse_feed(
                path.read_bytes(), url="https://corpus.example/feed", content_type=content_type
            )
        except ParseError as error:
            failures.append(f"{path.name}: {error}")
            continue
        entries += len(feed.entries)
        if not feed.entries:
            failures.append(f"{path.name}: zero entries")
    seconds = time.monotonic() - started
    print(
        f"\ncorpus: {len(files)} files, {len(failures)} without entries, "
        f"{entries} entries, {seconds:.1f} s"
    )
    for failure in failures:
        print("  " + failure)
    assert len(files) - len(failures) >= 0.95 * len(files)


# --- large documents: read without decoding them whole, with the same results

_LONG_TITLES = [f"Гарантії безпеки 🇺🇦 — report {n} " + "слово " * 80 for n in range(60)]


def _large(declaration: str, before_root: str = "", after_items: str = "") -> bytes:
    document = rss(*_LONG_TITLES, declaration=declaration)
    head, rest = document.split("<rss", 1)
    document = head + before_root + "<rss" + rest.replace("</channel>", after_items + "</channel>")
    body = document.encode()
    assert len(body) > 32 * 1024  # well past the start the shortcut reads (16 KiB)
    return body


LARGE_DOCUMENTS = {
    "plain UTF-8": _large('<?xml version="1.0" encoding="utf-8"?>'),
    "no declaration": _large(""),
    "declares ISO-8859-1": _large('<?xml version="1.0" encoding="ISO-8859-1"?>'),
    "upper-case declaration": _large('<?XML version="1.0" encoding="utf-8"?>'),
    "comment before the root": _large("<?xml version='1.0'?>", "<!-- generator -->\n"),
    "HTML page, behind comments": _large("", "<!-- a -->", "<!-- b --> <html><body>x</body>"),
    "internal DTD subset": _large('<?xml version="1.0"?>', '<!DOCTYPE rss [<!ENTITY e "x">]>'),
    "NUL inside": _large('<?xml version="1.0"?>', "", "<!-- \x00 -->"),
    "HTML page": ("<!doctype html><html><body>" + "<p>слово</p>" * 20000).encode(),
    "HTML page, no doctype": ("\n  <html><body>" + "<p>слово</p>" * 20000).encode(),
}


def _outcome(body: bytes) -> object:
    try:
        return parse_feed(body, url="https://e.example/feed")
    except ParseError as error:
        return ("ParseError", str(error), error.code)


@pytest.mark.parametrize("name", sorted(LARGE_DOCUMENTS))
def test_large_documents_read_from_their_start_parse_as_when_decoded_whole(name, monkeypatch):
    """Whether a large UTF-8 body needs preparing is told from its start and a byte scan;
    whatever that says, the feed (or the error) is the one full decoding gives."""
    import bot.ingest.parse as parsing

    body = LARGE_DOCUMENTS[name]
    shortcut = _outcome(body)
    monkeypatch.setattr(parsing, "_unchanged_by_preparation", lambda body: False)
    assert shortcut == _outcome(body)
    if name.startswith("HTML page"):
        assert shortcut[0] == "ParseError" and shortcut[2] == "html_page"  # type: ignore[index]
    else:
        assert isinstance(shortcut, ParsedFeed) and len(shortcut.entries) == 60
        assert shortcut.entries[0].title.startswith("Гарантії безпеки 🇺🇦")  # type: ignore[union-attr]


def test_the_start_of_a_plain_large_feed_is_enough():
    """The shortcut is taken where it matters: a large plain feed, declared UTF-8."""
    from bot.ingest.parse import _unchanged_by_preparation

    assert _unchanged_by_preparation(LARGE_DOCUMENTS["plain UTF-8"])
    assert not _unchanged_by_preparation(LARGE_DOCUMENTS["declares ISO-8859-1"])
    assert not _unchanged_by_preparation(LARGE_DOCUMENTS["comment before the root"])
