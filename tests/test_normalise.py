"""normalise: HTML to text, canonical URLs, languages, dates and entry identity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import ParsedEntry
from bot.ingest.normalise import canonical_url, html_to_text, normalise_entry, normalise_language
from bot.ingest.parse import parse_feed

FIRST_SEEN = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
FEED_URL = "https://news.example/feed.xml"
FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def norm(entry: ParsedEntry, **kwargs):
    kwargs.setdefault("feed_url", FEED_URL)
    kwargs.setdefault("feed_language", None)
    kwargs.setdefault("first_seen", FIRST_SEEN)
    return normalise_entry(entry, **kwargs)


# --- html_to_text


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("<p>Allies <b>agree</b> on a plan.</p>", "Allies agree on a plan."),
        ("<p>one</p><p>two</p><br/>three<li>four</li>", "one two three four"),
        ("before<script>alert('x')</script><style>p{color:red}</style>after", "before after"),
        ("Rock &amp; roll &mdash; &#8220;quoted&#8221; &#x41;", "Rock & roll — “quoted” A"),
        ("Guarantees &amp;amp; timelines", "Guarantees & timelines"),
        ("&lt;p&gt;escaped markup&lt;/p&gt;", "escaped markup"),
        ("&amp;lt;em&amp;gt;twice escaped&amp;lt;/em&amp;gt;", "twice escaped"),
        ("  lots \n\n of\t\twhite\u00a0space  ", "lots of white space"),
        ("ctrl\x00\x07chars\x1b here", "ctrlchars here"),
        ("abc\u202edcba\u202c and \u2066iso\u2069", "abcdcba and iso"),
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("x < y and a > b", "x < y and a > b"),
        ("AT&T and R&D", "AT&T and R&D"),
        ("<img src='data:image/png;base64,AAAA'>Caption", "Caption"),
        (None, ""),
        ("", ""),
    ],
)
def test_html_to_text(raw: str | None, text: str) -> None:
    assert html_to_text(raw, 500) == text


def test_unclosed_script_drops_the_rest_not_the_start() -> None:
    assert html_to_text("Visible text <script>var x = 1;", 100) == "Visible text"


def test_cap_cuts_at_a_word_boundary_with_ellipsis() -> None:
    text = html_to_text("Security guarantees for Ukraine were discussed in Geneva", 30)
    assert text == "Security guarantees for…"
    assert len(text) <= 30


def test_cap_without_spaces_cuts_inside_the_word() -> None:
    text = html_to_text("安全保障" * 20, 10)
    assert len(text) == 10 and text.endswith("…")


def test_long_html_is_cheap_and_still_capped() -> None:
    raw = "<p>" + "word " * 200_000 + "</p>"
    text = html_to_text(raw, 1000)
    assert len(text) <= 1000 and text.endswith("…")


@given(st.text(max_size=300), st.integers(min_value=1, max_value=120))
def test_html_to_text_never_exceeds_the_cap_and_leaves_no_controls(raw: str, cap: int) -> None:
    text = html_to_text(raw, cap)
    assert len(text) <= cap
    assert text == text.strip()
    assert "  " not in text
    assert not any(
        ord(ch) < 32 or 0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in text
    )
    text.encode("utf-8")  # no lone surrogates: storable


# --- canonical_url


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("HTTPS://News.Example.COM:443/a/b?x=1#frag", None, "https://news.example.com/a/b?x=1"),
        ("http://news.example:80/", None, "http://news.example/"),
        ("http://news.example:8080/p", None, "http://news.example:8080/p"),
        ("https://news.example", None, "https://news.example/"),
        ("/story/1", "https://news.example/feed.xml", "https://news.example/story/1"),
        ("story/2", "https://news.example/section/feed", "https://news.example/section/story/2"),
        ("//cdn.example/x", None, "https://cdn.example/x"),
        (
            "https://n.example/a?utm_source=rss&id=7&UTM_Medium=x&fbclid=abc&page=2",
            None,
            "https://n.example/a?id=7&page=2",
        ),
        (
            "https://n.example/a?gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&yclid=6&igshid=7"
            "&_ga=8&ref_src=9&cmpid=10&at_medium=11&at_campaign=12&b=2&a=1",
            None,
            "https://n.example/a?b=2&a=1",
        ),
        ("https://n.example/a?utm_campaign=x", None, "https://n.example/a"),
        ("https://n.example/search?q=a%20b&x=", None, "https://n.example/search?q=a%20b&x="),
        ("https://user:pw@n.example/p", None, "https://n.example/p"),
        ("  https://n.example/spaced\n  ", None, "https://n.example/spaced"),
        ("mailto:desk@news.example", None, None),
        ("javascript:alert(1)", "https://news.example/", None),
        ("ftp://files.example/x", None, None),
        ("relative/only", None, None),
        ("https://n.example:notaport/", None, None),
        ("", "https://news.example/", None),
        (None, None, None),
    ],
)
def test_canonical_url(url: str | None, base: str | None, expected: str | None) -> None:
    assert canonical_url(url, base) == expected


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTP://A.example:80/x?utm_source=1&k=v#f")
    assert once == "http://a.example/x?k=v"
    assert canonical_url(once) == once


# --- languages


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("en", "en"),
        ("en-US", "en"),
        ("pt-BR", "pt"),
        ("pt_br", "pt"),
        ("UK", "uk"),
        ("ua", "uk"),
        ("ukr", "uk"),
        ("ru-RU", "ru"),
        ("", None),
        ("English language", None),
        ("x1", None),
    ],
)
def test_normalise_language(raw: str, code: str | None) -> None:
    assert normalise_language(raw) == code


def test_entry_language_wins_over_feed_language() -> None:
    entry = ParsedEntry(title="t", link="https://n.example/1", language="pt-BR")
    assert norm(entry, feed_language="en-US").language == "pt"
    assert norm(replace(entry, language=None), feed_language="en-US").language == "en"
    assert norm(replace(entry, language=None)).language is None


# --- dates


def test_published_then_updated_then_first_seen() -> None:
    published = datetime(2026, 2, 17, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    updated = datetime(2026, 2, 17, 11, 0, tzinfo=UTC)
    entry = ParsedEntry(title="t", published=published, updated=updated)
    result = norm(entry)
    assert result.published_at == datetime(2026, 2, 17, 8, 0, tzinfo=UTC)
    assert result.published_at.utcoffset() == timedelta(0)
    assert norm(replace(entry, published=None)).published_at == updated
    assert norm(replace(entry, published=None, updated=None)).published_at == FIRST_SEEN


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (FIRST_SEEN + timedelta(minutes=9), FIRST_SEEN + timedelta(minutes=9)),  # clock skew ok
        (FIRST_SEEN + timedelta(minutes=11), FIRST_SEEN),  # future → first seen
        (datetime(2099, 1, 1, tzinfo=UTC), FIRST_SEEN),
        (datetime(1989, 12, 31, 23, 59, tzinfo=UTC), FIRST_SEEN),  # before 1990 → first seen
        (datetime(1990, 1, 1, tzinfo=UTC), datetime(1990, 1, 1, tzinfo=UTC)),
    ],
)
def test_implausible_dates_are_clamped_to_first_seen(
    published: datetime, expected: datetime
) -> None:
    assert norm(ParsedEntry(title="t", published=published)).published_at == expected


def test_naive_dates_are_taken_as_utc() -> None:
    entry = ParsedEntry(title="t", published=datetime(2026, 2, 17, 9, 0))
    assert norm(entry).published_at == datetime(2026, 2, 17, 9, 0, tzinfo=UTC)


# --- identity and content


def test_entry_key_prefers_guid_then_link_then_title_and_date() -> None:
    day = datetime(2026, 2, 16, 8, 0, tzinfo=UTC)
    by_guid = ParsedEntry(guid="g-1", link="https://n.example/1", title="A", published=day)
    by_link = replace(by_guid, guid=None)
    by_title = replace(by_link, link=None)
    keys = {norm(e).entry_key for e in (by_guid, by_link, by_title)}
    assert len(keys) == 3
    assert all(len(k) == 64 and int(k, 16) >= 0 for k in keys)
    # the guid decides, whatever else changes
    assert norm(replace(by_guid, title="Edited", link="https://n.example/moved")).entry_key == (
        norm(by_guid).entry_key
    )
    # the same link with tracking noise is the same entry
    tracked = replace(by_link, link="https://N.example/1?utm_source=rss#top")
    assert norm(tracked).entry_key == norm(by_link).entry_key
    # no guid, no link: the same title on another day is another entry
    other_day = replace(by_title, published=day + timedelta(days=1))
    assert norm(other_day).entry_key != norm(by_title).entry_key


def test_entry_key_is_stable_across_polls_without_dates() -> None:
    entry = ParsedEntry(title="Undated headline")
    first = norm(entry, first_seen=FIRST_SEEN)
    later = norm(entry, first_seen=FIRST_SEEN + timedelta(days=3))
    assert first.entry_key == later.entry_key
    assert first.published_at != later.published_at


def test_keys_from_a_real_fixture_are_distinct_and_repeatable() -> None:
    feed = parse_feed((FIXTURES / "rss20.xml").read_bytes(), url="https://kyivdesk.example/rss")
    once = [norm(e, feed_url="https://kyivdesk.example/rss") for e in feed.entries]
    again = [norm(e, feed_url="https://kyivdesk.example/rss") for e in feed.entries]
    assert [e.entry_key for e in once] == [e.entry_key for e in again]
    assert len({e.entry_key for e in once}) == len(once)
    first = once[0]
    assert first.title == "Guarantees & timelines: what the draft says"
    assert first.summary == "The draft names three layers of support."
    assert first.canonical_link == "https://kyivdesk.example/news/draft?id=7"
    # What readers are shown: the fragment kept, the click tracking dropped.
    assert first.link == "https://kyivdesk.example/news/draft?id=7#comments"
    assert first.language == "uk" or first.language is None


def test_content_hash_changes_with_content_only() -> None:
    entry = ParsedEntry(guid="g", title="Title", summary="<p>Body</p>", link="https://n.example/a")
    base = norm(entry)
    assert norm(replace(entry, summary="Body")).content_hash == base.content_hash
    assert norm(replace(entry, summary="Body, corrected")).content_hash != base.content_hash
    assert norm(replace(entry, title="New title")).content_hash != base.content_hash
    assert norm(entry, first_seen=FIRST_SEEN + timedelta(hours=1)).content_hash == (
        base.content_hash
    )


def test_title_falls_back_to_summary_words() -> None:
    summary = (
        "<p>Leaders met in Paris to sign a declaration on support for Kyiv " + "and more " * 30
    )
    result = norm(ParsedEntry(guid="g", summary=summary))
    assert result.title.startswith("Leaders met in Paris to sign a declaration")
    assert result.title.endswith("…") and len(result.title) <= 100


def test_title_falls_back_to_link_when_there_is_nothing_else() -> None:
    result = norm(ParsedEntry(link="/story/9"))
    assert result.title == "https://news.example/story/9"


def test_titles_and_summaries_are_capped() -> None:
    entry = ParsedEntry(title="word " * 200, summary="text " * 1000)
    result = norm(entry, title_max=50, summary_max=120)
    assert len(result.title) <= 50 and len(result.summary) <= 120


def test_non_http_links_are_dropped() -> None:
    result = norm(ParsedEntry(title="t", link="javascript:alert(1)"))
    assert result.link is None and result.canonical_link is None


def test_author_is_plain_text() -> None:
    result = norm(ParsedEntry(title="t", author="<a href='x'>Olena</a> &amp; Petro"))
    assert result.author == "Olena & Petro"
