"""HTML → text: the fast path and libxml2 give the text a standard HTML parser gives, and no
markup, however broken, takes more than linear time.

The reference is the standard library's ``html.parser`` (what ``html_to_text`` used before),
fed whole, with the same rules: script-like content dropped, block elements separate words.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest import normalise
from bot.ingest.normalise import html_to_text
from bot.ingest.parse import ParseError, parse_feed

CORPUS = Path(os.environ.get("BRIEFBOT_CORPUS", Path(__file__).parents[2] / "shared/corpus/feeds"))


class _Reference(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in normalise._SKIP_CONTENT:
            self.skip += 1
        if tag in normalise._SKIP_CONTENT or tag in normalise._BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in normalise._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in normalise._SKIP_CONTENT and self.skip:
            self.skip -= 1
        if tag in normalise._SKIP_CONTENT or tag in normalise._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def reference_strip(value: str, budget: int) -> tuple[str, bool]:
    parser = _Reference()
    parser.feed(value)
    parser.close()
    return "".join(parser.parts), False  # read whole


def reference_text(value: str, cap: int) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(normalise, "_strip_tags", reference_strip)
        return html_to_text(value, cap)


def corpus_values() -> list[tuple[str, int]]:
    values = []
    for path in sorted(CORPUS.iterdir()):
        try:
            feed = parse_feed(path.read_bytes(), url="http://127.0.0.1/feed", content_type=None)
        except ParseError:
            continue
        for entry in feed.entries:
            for value, cap in ((entry.title, 300), (entry.summary, 1000), (entry.author, 200)):
                if value:
                    values.append((value, cap))
    return values


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared feed corpus is not here")
def test_every_title_summary_and_author_of_the_corpus_reads_as_the_stdlib_parser_reads_it():
    values = corpus_values()
    assert len(values) > 10_000
    with_markup = [(value, cap) for value, cap in values if normalise._TAG.search(value)]
    assert len(with_markup) > 2_000
    differ = [
        value for value, cap in values if html_to_text(value, cap) != reference_text(value, cap)
    ]
    assert differ == []
    # both paths were exercised: some values need libxml2 (scripts, iframes, conditional comments)
    assert 100 < sum(normalise._strip_tags_fast(v) is None for v, _ in with_markup) < 1_000


PIECES = [
    "Peace talks",
    " in Geneva ",
    "&amp; ceasefire",
    "&lt;b&gt;escaped&lt;/b&gt;",
    "a < b",
    "5 > 3",
    "<p>",
    "</p>",
    "<br/>",
    "<br>",
    "<b>",
    "</b>",
    '<a href="https://example.org/?a=1&amp;b=2" title="x > y">',
    "</a>",
    "<img src='pic.jpg' alt=bare>",
    "<div class=lead>",
    "</div>",
    "<!-- a comment with <p> inside -->",
    '<script>var s = "<p>not text</p>";</script>',
    "<style>p { color: red }</style>",
    "<iframe src=x>fallback</iframe>",
    "\u00a0",
    "&#x41;&#66;",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.sampled_from([40, 300, 1000]))
def test_well_formed_fragments_read_as_the_stdlib_parser_reads_them(pieces, cap):
    value = "".join(pieces)
    assert html_to_text(value, cap) == reference_text(value, cap)


@pytest.mark.parametrize(
    "hostile, expected",
    [
        ('<a "' * 250_000, ""),  # 1 MB: the stdlib parser needs about an hour for this
        ("<a " * 300_000, ""),
        ("<a " * 100_000 + 'x="' + "y" * 1_000_000 + ">", ""),
        ("<!--" + "x" * 1_000_000, ""),
        ("<a b='" * 100_000 + ">", ""),
        ("<b>" * 200_000 + "deep", ""),
        ("Talks <b>resume</b> " + "<i>" * 100_000, "Talks resume"),
        ("a < b " * 200_000, "a < b a < b"),
        ("Talks <b>resume</b> " + "<a " * 300_000, "Talks resume"),
    ],
    ids=[
        "open quotes",
        "tags never closed",
        "quote to the end",
        "open comment",
        "nested quotes",
        "deep nesting",
        "text then open tags",
        "angle brackets in text",
        "readable tags then tags never closed",
    ],
)
def test_broken_markup_of_a_megabyte_reads_in_linear_time(hostile, expected):
    text = html_to_text(hostile, 1000)
    assert text.startswith(expected)
    assert len(text) <= 1000


@pytest.mark.parametrize(
    "markup, text",
    [
        ('<?xml version="1.0" encoding="utf-8"?><p>Hello world</p>', "Hello world"),
        ("<div>" * 300 + "deeply nested" + "</div>" * 300, "deeply nested"),
        ("<p>Kyiv</p><script>x()</script><p>talks</p>", "Kyiv talks"),
    ],
    ids=["xml declaration", "300 levels deep", "script"],
)
def test_markup_the_fast_path_hands_over_keeps_its_text(markup, text):
    assert html_to_text(markup, 100) == text


@pytest.mark.parametrize(
    "markup",
    ["<p>a<!-- c -- >b</p>", "a<!--->b-->c", "<!-->-->", "x <title>T <b>y</b></title> z"],
)
def test_odd_markup_reads_the_same_whether_or_not_something_else_forces_the_fallback(markup):
    alone = html_to_text(markup, 200)
    beside_a_script = html_to_text(markup + "<script>x()</script>", 200)
    assert alone == beside_a_script


def test_markup_written_as_text_in_a_long_summary_is_read_whole():
    # A code sample shows a stylesheet as text; reading only the summary's start cut it open,
    # and the second round then dropped everything after it as the style's content.
    value = "<p>intro</p><pre>&lt;style&gt;" + "a{b:c}<br>" * 400 + "&lt;/style&gt;tail</pre>"
    assert html_to_text(value, 1000) == reference_text(value, 1000) == "intro tail"


def test_a_long_summary_libxml2_reads_is_read_from_a_start_with_the_same_text(monkeypatch):
    # A script near the top hands the summary to libxml2: it reads a start long enough for
    # the text, as the fast path does, not the whole megabyte.
    value = "<p>Kyiv talks</p><script>x()</script>" + "<p>more news today</p>" * 50_000
    read: list[int] = []
    lxml_strip = normalise._strip_tags_lxml
    monkeypatch.setattr(
        normalise, "_strip_tags_lxml", lambda v: read.append(len(v)) or lxml_strip(v)
    )
    text = html_to_text(value, 300)
    monkeypatch.undo()
    assert text == reference_text(value, 300)
    assert text.startswith("Kyiv talks more news today")
    assert read and max(read) < len(value) // 100


@pytest.mark.parametrize("cap", [100, 1000, 2000])
def test_markup_heavy_summaries_read_as_far_as_their_text_needs(cap):
    # Long link addresses, little text: the first start read gives too little of it.
    links = ('<a href="https://example.com/' + "x" * 400 + '">link</a> ') * 300
    value = links + "<p>" + "the end of the article " * 200 + "</p>" + links
    assert html_to_text(value, cap) == reference_text(value, cap)
