"""join_url answers like urljoin, also for the links it does not parse."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.links import join_url

BASES = [
    "",
    "https://example.org/feed.xml",
    "http://example.org/a/b/",
    "HTTPS://Example.org/",
    "feed://example.org/rss",
    "  https://example.org/x",
    "http://[::1",  # unreadable: urljoin raises
    "https://exa\u2100mple.org/",  # a host NFKC changes: urljoin raises
    "/relative/only",
]

# Pieces that matter to urljoin: separators, empty parts, case, whitespace, odd characters.
PIECES = st.sampled_from(
    "http https HTTP ftp :// : / // ? # ; = & .. . a Ex example.org 8080 @ [ ] %20 é x".split()
    + [" ", "\t", "\n", "\x00"]
)
TAILS = st.lists(PIECES, max_size=10).map("".join)
# Mostly links that start like absolute ones, which join_url may answer without urljoin.
URLS = TAILS | st.builds(
    lambda scheme, host, tail: f"{scheme}://{host}{tail}",
    st.sampled_from(["http", "https", "HTTP", "Https", "ftp"]),
    st.sampled_from(["example.org", "Example.ORG", "a.b-c.d", "x:80", "x:", "[::1]", "é.org", ""]),
    TAILS,
)


def _outcome(join, base: str, url: str) -> str:
    try:
        return join(base, url)
    except ValueError as error:
        return f"ValueError: {error}"


@settings(max_examples=3000, deadline=None)
@given(base=st.sampled_from(BASES) | URLS, url=URLS)
def test_join_url_is_urljoin(base: str, url: str) -> None:
    assert _outcome(join_url, base, url) == _outcome(urljoin, base, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/news/1",
        "http://example.org",
        "http://example.org:8080/a//b?x=1&y=2#top",
        "https://example.org/a?",  # urljoin drops an empty query
        "https://example.org/a#",  # and an empty fragment
        "https://example.org/a;",  # and an empty parameter
        "https://example.org/a;p?q",
        "HTTPS://example.org/a",  # and lower-cases the scheme when it is the base's
        "https://example.org/a\tb",  # and drops tabs and newlines
        "https://user@example.org/a",
        "//example.org/a",
        "a/../b",
        "",
    ],
)
@pytest.mark.parametrize("base", BASES)
def test_join_url_matches_urljoin_on_edge_cases(base: str, url: str) -> None:
    assert _outcome(join_url, base, url) == _outcome(urljoin, base, url)


def test_an_unreadable_base_still_fails_for_an_absolute_link() -> None:
    with pytest.raises(ValueError):
        join_url("http://[::1", "https://example.org/a")
