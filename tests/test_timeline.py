"""Timeline: one line per development, near-duplicates on adjacent days collapsed, in date order."""

from datetime import date

from bot.stories import fingerprint
from bot.timeline import StorySummary, build_timeline

SUMMIT_TEXT = (
    "Coalition of the Willing leaders in Paris signed a declaration on multinational "
    "reassurance force deployment and ceasefire monitoring led by the United States"
)


def story(
    id_: int,
    headline: str,
    day: date,
    sources: int,
    text: str,
    actors: tuple[str, ...] = ("Emmanuel Macron", "Keir Starmer"),
    kind: str = "agreement",
) -> StorySummary:
    return StorySummary(
        id=id_,
        headline=headline,
        day=day,
        kind=kind,
        sources=sources,
        items=tuple(range(id_ * 100, id_ * 100 + sources)),
        actors=actors,
        fingerprint=fingerprint(headline, text),
    )


PARIS = story(1, "Paris declaration signed by coalition", date(2026, 1, 6), 5, SUMMIT_TEXT)
PARIS_ECHO = story(
    2,
    "Coalition declaration in Paris: reassurance force and monitoring",
    date(2026, 1, 7),
    2,
    SUMMIT_TEXT + " according to the text published a day later",
)
GENEVA = story(
    3,
    "Geneva talks produce updated peace framework",
    date(2026, 1, 7),
    3,
    "Delegations in Geneva finalised an updated framework of nineteen points on Sunday",
    actors=("Marco Rubio", "Andriy Yermak"),
    kind="meeting",
)
PARIS_LATER = story(
    4,
    "Coalition meets again on Paris declaration",
    date(2026, 1, 12),
    1,
    SUMMIT_TEXT,
    kind="meeting",
)


def test_near_duplicate_on_the_next_day_collapses_into_the_bigger_story():
    timeline = build_timeline([PARIS_ECHO, GENEVA, PARIS])
    paris = [entry for entry in timeline if entry.story == 1]
    assert len(timeline) == 2
    assert len(paris) == 1
    assert paris[0].headline == PARIS.headline
    assert paris[0].day == date(2026, 1, 6)
    assert paris[0].sources == 7
    assert set(PARIS_ECHO.items) <= set(paris[0].items)


def test_similar_stories_further_apart_stay_separate():
    timeline = build_timeline([PARIS, PARIS_LATER])
    assert [entry.story for entry in timeline] == [4, 1]
    # a wider window joins them
    assert [entry.story for entry in build_timeline([PARIS, PARIS_LATER], day_window=7)] == [1]


def test_newest_first_and_oldest_first_ordering():
    stories = [PARIS, GENEVA, PARIS_LATER]
    newest = build_timeline(stories)
    assert [entry.day for entry in newest] == sorted((e.day for e in newest), reverse=True)
    oldest = build_timeline(stories, newest_first=False)
    assert [entry.story for entry in oldest] == [1, 3, 4]


def test_same_day_entries_put_more_sources_first():
    sibling = story(
        5,
        "Geneva delegations trade drafts",
        date(2026, 1, 6),
        9,
        "Nineteen point framework negotiated by Rubio and Yermak in Geneva",
        actors=("Marco Rubio",),
    )
    assert [entry.story for entry in build_timeline([PARIS, sibling])] == [5, 1]


def test_min_sources_and_limit():
    stories = [PARIS, GENEVA, PARIS_LATER]
    assert [entry.story for entry in build_timeline(stories, min_sources=3)] == [3, 1]
    assert [entry.story for entry in build_timeline(stories, limit=2)] == [4, 3]
    assert build_timeline([]) == []


def test_entry_carries_what_the_reader_sees():
    (entry,) = build_timeline([GENEVA])
    assert (entry.day, entry.headline, entry.kind, entry.sources) == (
        date(2026, 1, 7),
        GENEVA.headline,
        "meeting",
        3,
    )
    assert entry.actors == GENEVA.actors
    assert entry.items == GENEVA.items
