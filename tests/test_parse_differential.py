"""The fast lxml path and feedparser read the real-feed corpus the same way.

For every corpus feed both XML parsers are called directly on the bytes ``parse_feed`` would give
them. Where the fast path accepts a feed, both must yield the same number of entries, and the
same guid, link, title (as plain text), published and updated time for >= 99 % of entries
overall. Every remaining difference is listed in ``EXPLAINED`` with its reason; a difference not
listed there fails the test, and so does an explanation that no longer applies. Summaries are
compared as plain text too, with their own explanations.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from bot.core.models import ParsedEntry, ParsedFeed
from bot.ingest.normalise import html_to_text
from bot.ingest.parse import ParseError, prepared_xml
from bot.ingest.parse.fast import Declined, parse_with_lxml
from bot.ingest.parse.reference import parse_with_feedparser
from tests.test_parse import loopback_server  # noqa: F401  (a fixture)

CORPUS = Path(__file__).parents[1].parent / "shared/corpus/feeds"
URL = "https://corpus.example/feed"

# feed file → {field: reason}. Fields: count, guid, link, title, published, updated, summary.
_CAPTION = (
    "feedparser takes an image caption (media:description inside media:content, after the "
    "description or content:encoded) as the summary; the fast path keeps the item's own "
    "description and uses a caption only when there is nothing else"
)
EXPLAINED: dict[str, dict[str, str]] = {
    "0346e81559b251eb.xml": {
        "title": "the title is published as doubly encoded UTF-8 ('Ã©', in a post about "
        "mojibake); feedparser re-decodes it, the fast path keeps the text as published",
    },
    "08f1ee71883dbcde.xml": {"summary": _CAPTION},
    "14333881097406c7.xml": {"summary": _CAPTION},
}
IDENTITY_FIELDS = ("guid", "link", "title", "published", "updated")


def _field(entry: ParsedEntry, name: str) -> object:
    if name == "title":
        return html_to_text(entry.title, 300)
    if name == "summary":
        return html_to_text(entry.summary, 1000)
    return getattr(entry, name)


def _differences(fast: ParsedFeed, reference: ParsedFeed) -> tuple[Counter[str], int]:
    """Per field, how many entries differ; and how many entries differ in any identity field."""
    if len(fast.entries) != len(reference.entries):
        return Counter({"count": 1}), max(len(fast.entries), len(reference.entries))
    fields: Counter[str] = Counter()
    differing = 0
    for mine, theirs in zip(fast.entries, reference.entries, strict=True):
        changed = [n for n in (*IDENTITY_FIELDS, "summary") if _field(mine, n) != _field(theirs, n)]
        fields.update(changed)
        differing += any(name in IDENTITY_FIELDS for name in changed)
    return fields, differing


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_fast_path_and_feedparser_agree_on_the_corpus() -> None:
    paths: Counter[str] = Counter()
    declined: list[str] = []
    unexplained: list[str] = []
    explained_seen: set[tuple[str, str]] = set()
    total = differing_entries = 0
    for path in sorted(p for p in CORPUS.iterdir() if p.is_file()):
        if path.suffix == ".json":
            paths["json"] += 1
            continue
        try:
            text, data = prepared_xml(path.read_bytes())
        except ParseError:
            paths["not a feed"] += 1
            continue
        try:
            fast = parse_with_lxml(data, URL)
        except Declined as reason:
            paths["feedparser fallback"] += 1
            declined.append(f"{path.name}: {reason}")
            continue
        paths["fast"] += 1
        try:
            reference = parse_with_feedparser(text, URL)
        except ParseError as error:
            unexplained.append(f"{path.name}: fast path parsed it, feedparser failed: {error}")
            continue
        fields, differing = _differences(fast, reference)
        total += max(len(fast.entries), len(reference.entries))
        differing_entries += differing
        for name, count in fields.items():
            if name in EXPLAINED.get(path.name, {}):
                explained_seen.add((path.name, name))
            else:
                unexplained.append(f"{path.name}: {name} differs in {count} entries")

    print(f"\nparse paths: {dict(paths)}")
    for line in declined:
        print(f"  declined {line}")
    agreement = 1 - differing_entries / total if total else 1.0
    print(f"fast path entries compared: {total}, identical: {agreement:.2%}")
    stale = [f"{n}: {f}" for n, fs in EXPLAINED.items() for f in fs if (n, f) not in explained_seen]
    assert not unexplained, "unexplained differences:\n" + "\n".join(unexplained)
    assert not stale, "explanations that no longer apply:\n" + "\n".join(stale)
    assert agreement >= 0.99
    assert paths["fast"] >= 0.95 * (paths["fast"] + paths["feedparser fallback"])


# --- the fast path is safe on its own, even on documents bot.ingest.parse has not defused


def _fast_or_declined(document: str) -> str:
    """What the fast path makes of a raw document (DTD subset left in): its repr, or why not."""
    try:
        return repr(parse_with_lxml(document.encode(), "https://e.example/feed"))
    except Declined as reason:
        return f"declined: {reason}"


def test_fast_path_never_expands_entity_bombs() -> None:
    laughs = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    document = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>'
        '<rss version="2.0"><channel><title>&l9;</title><item><title>&l9;</title>'
        "<link>https://e.example/1</link></item></channel></rss>"
    )
    started = time.monotonic()
    result = _fast_or_declined(document)
    assert time.monotonic() - started < 2
    assert "lollol" not in result


def test_fast_path_never_reads_files_or_the_network(tmp_path: Path, loopback_hits) -> None:
    base, hits = loopback_hits
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    (tmp_path / "leak.dtd").write_text('<!ENTITY leak "DTD-MARKER">')
    for declaration in (
        f'<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>',
        f'<!DOCTYPE rss [<!ENTITY leak SYSTEM "{base}/entity">]>',
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{base}/param"> %p;]>',
        f'<!DOCTYPE rss SYSTEM "{base}/external.dtd">',
        f'<!DOCTYPE rss SYSTEM "file://{tmp_path}/leak.dtd">',
    ):
        result = _fast_or_declined(
            f'<?xml version="1.0"?>{declaration}<rss version="2.0"><channel><title>x</title>'
            "<item><title>Item &leak;</title><link>https://e.example/1</link></item>"
            "</channel></rss>"
        )
        assert "MARKER" not in result
    assert hits == []


# The counting loopback server of the parser tests, under the name these tests use.
loopback_hits = loopback_server
