"""Story grouping: reports of one development join, different developments stay apart."""

import json
from datetime import UTC, date, datetime, timedelta

from bot.analysis.stories import (
    StoryCandidate,
    StoryItem,
    choose_story,
    classify_kind,
    fingerprint,
    group_items,
    headline,
    merge_fingerprint,
    story_date,
)

AUG = datetime(2025, 8, 15, 18, tzinfo=UTC)
LEADERS = frozenset({"Donald Trump", "Vladimir Putin", "United States", "Russia"})


def item(
    id_: int,
    title: str,
    text: str,
    published: datetime = AUG,
    event_date: date | None = None,
    actors: frozenset[str] = LEADERS,
    language: str | None = "en",
    source: str | None = None,
) -> StoryItem:
    return StoryItem(id_, title, text, published, event_date, actors, language, source)


ANCHORAGE_EN = item(
    1,
    "Trump and Putin meet at Anchorage air base for three-hour summit",
    "Donald Trump hosted Vladimir Putin at Joint Base Elmendorf-Richardson in Anchorage, "
    "Alaska, on Friday. The summit lasted three hours and ended without a ceasefire "
    "agreement; Putin invited Trump to Moscow for a next round.",
    event_date=date(2025, 8, 15),
)
ANCHORAGE_RO = item(
    2,
    "Summitul Trump-Putin de la Anchorage s-a încheiat fără acord",
    "Donald Trump și Vladimir Putin s-au întâlnit vineri la baza Elmendorf-Richardson din "
    "Anchorage, Alaska. Discuțiile au durat trei ore și nu s-au încheiat cu un armistițiu.",
    published=AUG + timedelta(hours=5),
    event_date=date(2025, 8, 15),
    language="ro",
)
ANCHORAGE_RU = item(
    3,
    "Встреча Путина и Трампа в Анкоридже завершилась без соглашения",
    "Владимир Путин и Дональд Трамп провели трёхчасовые переговоры на базе "
    "Элмендорф-Ричардсон в Анкоридже (Аляска) 15 августа.",
    published=AUG + timedelta(hours=9),
    event_date=date(2025, 8, 15),
    language="ru",
)
SANCTIONS = item(
    4,
    "Trump announces tariffs on buyers of Russian oil after phone call with Putin",
    "The White House imposed secondary tariffs of 25 percent on refiners purchasing Russian "
    "crude, Donald Trump said on Tuesday, hours after a tense phone call with Vladimir Putin.",
    published=AUG + timedelta(days=3),
    event_date=date(2025, 8, 19),
)
PRISONERS = item(
    5,
    "Russia and United States swap prisoners in Abu Dhabi",
    "Moscow and Washington exchanged eight detainees at Abu Dhabi airport, the Kremlin said, "
    "crediting Putin and Trump for the humanitarian deal brokered by the Emirates.",
    published=AUG + timedelta(hours=2),
    event_date=date(2025, 8, 15),
)


def test_fingerprint_is_language_light_and_storable():
    fp = fingerprint("Zelensky meets Trump in Washington", "The 28-point plan was discussed.")
    assert "#28" in fp
    assert "washi" in fp
    assert not {"the", "was", "in"} & fp
    assert json.loads(json.dumps(sorted(fp))) == sorted(fp)


def test_fingerprint_matches_names_across_scripts():
    latin = fingerprint("Zelensky and Witkoff in Berlin", "")
    cyrillic = fingerprint("Зеленский и Віткофф в Берлине", "")
    assert {"zelen", "berli"} <= latin & cyrillic
    assert any(token.startswith("~") for token in latin & cyrillic)


def test_same_summit_in_three_languages_is_one_story():
    groups = group_items([ANCHORAGE_RU, ANCHORAGE_EN, ANCHORAGE_RO])
    assert groups == [[1, 2, 3]]


def test_different_developments_with_the_same_actors_stay_apart():
    groups = group_items([ANCHORAGE_EN, ANCHORAGE_RO, PRISONERS, SANCTIONS])
    assert sorted(map(sorted, groups)) == [[1, 2], [4], [5]]


def test_story_outside_the_window_is_not_joined():
    later = item(
        9,
        ANCHORAGE_EN.title,
        ANCHORAGE_EN.text,
        published=AUG + timedelta(days=20),
        event_date=None,
    )
    candidate = StoryCandidate(
        id=7,
        fingerprint=fingerprint(ANCHORAGE_EN.title, ANCHORAGE_EN.text),
        actors=LEADERS,
        first_published=AUG,
        last_published=AUG,
        event_date=date(2025, 8, 15),
        size=1,
    )
    assert choose_story(later, fingerprint(later.title, later.text), [candidate]) is None
    same_day = item(10, ANCHORAGE_RO.title, ANCHORAGE_RO.text, event_date=date(2025, 8, 15))
    assert choose_story(same_day, fingerprint(same_day.title, same_day.text), [candidate]) == 7


def test_event_dates_far_apart_block_a_merge():
    # a later summit whose reports recap the Anchorage one shares names, not the day
    washington = item(
        11,
        "Trump receives Zelensky at the White House three days after Anchorage summit",
        "Donald Trump hosted Volodymyr Zelensky in Washington on Monday, three days after his "
        "Anchorage summit with Vladimir Putin at Elmendorf-Richardson ended without a ceasefire.",
        published=AUG + timedelta(days=3),
        event_date=date(2025, 8, 18),
        actors=LEADERS | {"Volodymyr Zelensky"},
    )
    assert group_items([ANCHORAGE_EN, washington]) == [[1], [11]]


def test_merged_fingerprint_is_bounded_and_keeps_shared_tokens():
    story = frozenset(f"s{i:03d}" for i in range(300)) | {"shared"}
    new = frozenset(f"n{i:03d}" for i in range(300)) | {"shared", "#28"}
    merged = merge_fingerprint(story, new, size=3, limit=100)
    assert len(merged) == 100
    assert {"shared", "#28"} <= merged
    assert merge_fingerprint(frozenset({"a"}), frozenset({"b"}), size=1) == {"a", "b"}


def test_headline_prefers_a_central_english_title():
    off_centre = item(20, "Anchorage: what the pictures show", "A gallery of photographs.")
    titles = headline([ANCHORAGE_RO, off_centre, ANCHORAGE_RU, ANCHORAGE_EN])
    assert titles == ANCHORAGE_EN.title
    assert headline([ANCHORAGE_RO, ANCHORAGE_RU]) in {ANCHORAGE_RO.title, ANCHORAGE_RU.title}


def test_story_date_is_the_best_supported_event_date():
    late = item(21, "Follow-up", "", AUG + timedelta(days=2), event_date=date(2025, 8, 17))
    assert story_date([ANCHORAGE_EN, ANCHORAGE_RO, late]) == date(2025, 8, 15)
    undated = [item(22, "a", "", published=AUG + timedelta(days=1)), item(23, "b", "")]
    assert story_date(undated) == AUG.date()


def test_classify_kind():
    assert classify_kind("Leaders meet in Paris for summit on Ukraine", "") == "meeting"
    assert classify_kind("US drafts 28-point peace plan", "The proposal would...") == "proposal"
    assert classify_kind("Coalition signs declaration on guarantees", "") == "agreement"
    assert classify_kind("Kremlin rejects European peacekeepers plan", "") == "statement"
    assert classify_kind("Germany sends Patriot air defence systems", "") == "military_aid"
    assert classify_kind("Weather in Kyiv", "Snow fell overnight.") == "other"
    assert classify_kind("Саммит в Анкоридже", "") == "meeting"


def test_the_bot_and_the_batch_grouping_grow_stories_by_the_same_rule(tmp_path):
    """The bot's analysis (report by report, stories grown in the store) and group_items (a
    batch in memory) share grow_story: on the same reports they make the same stories."""
    from bot.analysis.analyser import ItemText
    from bot.app.service import Service
    from bot.core.config import Settings, replace_section
    from bot.core.models import IngestPlan, ParsedEntry
    from bot.ingest.normalise import normalise_entry
    from bot.storage.store import Store
    from tests.newsdata import EURO_DESK, KYIV_WIRE, at

    london = {
        "title": "Coalition of the Willing signs declaration on a force for Ukraine in London",
        "guid": "london",
        "description": "Leaders of the Coalition of the Willing signed a declaration in London "
        "on Thursday on a multinational force to secure a ceasefire in Ukraine, Keir Starmer said.",
        "published": at(19, 15),
    }
    worlds = [*KYIV_WIRE[:2], *EURO_DESK, london]
    reports = [
        item(n, w["title"], w["description"], w["published"], language="en")
        for n, w in enumerate(worlds, 1)
    ]
    later = at(20)
    settings = replace_section(Settings(), "storage", path=tmp_path / "b.db")
    store = Store.open(":memory:")
    service = Service(settings, store, clock=lambda: later)
    feed = store.add_feed("https://example.org/feed", later).id
    for report in reports:
        parsed = ParsedEntry(
            guid=str(report.id),
            link=f"https://example.org/{report.id}",
            title=report.title,
            summary=report.text,
            published=report.published,
            language=report.language,
        )
        entry = normalise_entry(
            parsed, feed_url="https://example.org/feed", feed_language=None, first_seen=later
        )
        store.apply_ingest(
            feed, IngestPlan(new=(entry,)), later, next_check_at=later, status=200, feed_meta={}
        )
    stored = sorted(store.list_items(), key=lambda i: (i.published_at, i.id))
    service.pipeline().analyse_ids_sync([i.id for i in stored])
    analysed = {i.id: i for i in store.list_items()}
    assert all(i.relevant for i in analysed.values())
    by_story: dict[int, list[int]] = {}
    for i in sorted(analysed.values(), key=lambda i: (i.published_at, i.id)):
        assert i.story_id is not None
        by_story.setdefault(i.story_id, []).append(i.id)
    # The same reports, with what the bot's analysis found in them, grouped as a batch.
    analyser = service.analyser
    batch = []
    for i in analysed.values():
        result = analyser.analyse(ItemText(i.id, i.title, i.summary, i.language, i.published_at))
        batch.append(
            StoryItem(
                i.id,
                i.title,
                i.summary,
                i.published_at,
                result.event_date,
                frozenset(result.actors),
                i.language,
            )
        )
    assert sorted(group_items(batch)) == sorted(by_story.values())
    assert len(by_story) == 3, "Paris, Geneva and London are three developments"
    assert max(len(ids) for ids in by_story.values()) >= 2, "nothing was grouped"
