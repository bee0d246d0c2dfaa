"""Timeline: one line per development, near-duplicates on adjacent days collapsed, in date order."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import bot.analysis.timeline_grouping as timeline_module
from bot.analysis.stories import fingerprint
from bot.analysis.timeline_grouping import StorySummary, build_timeline, regroup

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
        size=sources,
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
    assert paris[0].stories == (1, 2)
    assert paris[0].reports == 7


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
    assert (entry.reports, entry.stories) == (3, (3,))


def test_a_bigger_report_the_next_day_leads_the_entry():
    early = story(7, "Early word of a Paris declaration", date(2026, 1, 5), 1, SUMMIT_TEXT)
    (entry,) = build_timeline([early, PARIS])
    assert (entry.story, entry.day, entry.headline) == (1, PARIS.day, PARIS.headline)
    assert entry.sources == 6
    assert entry.stories == (1, 7)


# --- keeping a stored grouping up to date ---------------------------------------------------

VOCABULARY = ["geneva", "paris", "~witkoff", "~umerov", "#28", "ceasefire", "monitor", "troops"]


@st.composite
def worlds(draw):
    """Stories over ten days with fingerprints from a small vocabulary, so many look alike."""
    count = draw(st.integers(min_value=0, max_value=25))
    return [
        StorySummary(
            id=number,
            headline=f"story {number}",
            day=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 9))),
            kind="other",
            sources=draw(st.integers(1, 4)),
            size=draw(st.integers(1, 4)),
            actors=tuple(draw(st.lists(st.sampled_from(["A", "B", "C"]), max_size=2, unique=True))),
            fingerprint=frozenset(draw(st.lists(st.sampled_from(VOCABULARY), max_size=4))),
        )
        for number in range(1, count + 1)
    ]


@st.composite
def edits(draw, before):
    """The world after some stories are moved, reworded, removed or added; and the days
    touched (a moved story marks its old and its new day, as the database triggers do)."""
    after = {story.id: story for story in before}
    touched = set()
    for story in before:
        action = draw(st.sampled_from(["keep", "keep", "keep", "move", "reword", "drop"]))
        if action == "move":
            after[story.id] = replace(
                story, day=story.day + timedelta(days=draw(st.integers(-3, 3)))
            )
        elif action == "reword":
            words = frozenset(draw(st.lists(st.sampled_from(VOCABULARY), max_size=4)))
            after[story.id] = replace(story, fingerprint=words, sources=draw(st.integers(1, 4)))
        elif action == "drop":
            del after[story.id]
        if action != "keep":
            touched |= {story.day, after[story.id].day if story.id in after else story.day}
    for number in range(100, 100 + draw(st.integers(0, 3))):
        new = StorySummary(
            number,
            "new",
            date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 9))),
            "other",
            1,
            1,
            (),
            frozenset(draw(st.lists(st.sampled_from(VOCABULARY), max_size=4))),
        )
        after[number] = new
        touched.add(new.day)
    return list(after.values()), touched


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_updating_a_stored_grouping_gives_the_same_timeline_as_grouping_afresh(data):
    before = data.draw(worlds())
    after, touched = data.draw(edits(before))
    stored = regroup(before)
    fresh = regroup(after)
    # the caller passes only the stories from a window before the first changed day on
    start = min(touched, default=date.max) - timedelta(days=1)
    tail = [story for story in after if story.day >= start]
    updated = regroup(tail, stored=stored, changed=touched)
    assert updated == {story.id: fresh[story.id] for story in tail}
    assert build_timeline(after) == build_timeline(after)  # deterministic


def test_a_change_on_the_newest_day_regroups_only_that_day(monkeypatch):
    days = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(30)]
    world = [
        StorySummary(
            id=day.toordinal() * 10 + n,
            headline="x",
            day=day,
            kind="other",
            sources=1 + n,
            size=1,
            actors=(),
            fingerprint=frozenset({VOCABULARY[n], VOCABULARY[(n + day.day) % 8]}),
        )
        for day in days
        for n in range(5)
    ]
    stored = regroup(world)
    late = replace(world[-1], fingerprint=frozenset({"paris", "troops"}))
    fresh = regroup([*world[:-1], late])
    compared = []
    real = timeline_module._alike
    monkeypatch.setattr(timeline_module, "_alike", lambda a, b: compared.append(1) or real(a, b))
    latest = [story for story in world[:-1] if story.day >= days[-2]] + [late]
    updated = regroup(latest, stored=stored, changed={days[-1]})
    assert updated == {story.id: fresh[story.id] for story in latest}
    assert len(compared) <= 5 * 10  # one day's stories against two days' groups at most


def test_rewording_a_group_s_first_story_regroups_the_next_day():
    stored = regroup([PARIS, PARIS_ECHO])
    assert stored == {1: 1, 2: 1}
    reworded = replace(PARIS, fingerprint=GENEVA.fingerprint, actors=GENEVA.actors)
    updated = regroup([reworded, PARIS_ECHO], stored=stored, changed={PARIS.day})
    assert updated == {1: 1, 2: 2} == regroup([reworded, PARIS_ECHO])
