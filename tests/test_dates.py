"""Event dates: which day a report's development happened, and what it announces for later."""

from datetime import UTC, date, datetime

import pytest

from bot.analysis.dates import resolve_dates

# Wednesday 20 August 2025, mid-morning UTC
WEDNESDAY = datetime(2025, 8, 20, 9, 30, tzinfo=UTC)


def event(text: str, published: datetime = WEDNESDAY, title: str = "", language=None):
    return resolve_dates(title, text, published, language).event_date


def test_on_monday_is_the_latest_monday_before_publication():
    assert event("The two presidents met on Monday at the White House.") == date(2025, 8, 18)


def test_weekday_on_the_publication_day_means_that_day():
    assert event("Ministers met on Wednesday in Brussels.") == date(2025, 8, 20)


def test_yesterday_and_today_are_relative_to_publication():
    assert event("Negotiators held a long session yesterday in Riyadh.") == date(2025, 8, 19)
    assert event("The envoy arrives in Moscow today for talks.") == date(2025, 8, 20)


def test_last_week_points_into_the_previous_week():
    day = event("Foreign ministers agreed last week on a new sanctions package.")
    assert day is not None and date(2025, 8, 11) <= day <= date(2025, 8, 17)


def test_reporting_verb_before_weekday_is_past_even_with_future_later():
    text = "The chancellor said on Monday that the coalition will send more air defence."
    assert event(text) == date(2025, 8, 18)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The summit took place on 18 August in Washington.", "en"),
        ("The summit took place on August 18 in Washington.", "en"),
        ("Meeting minutes dated 18.08.2025 were released.", "de"),
        ("The communiqué is dated 2025-08-18.", "en"),
        ("Der Gipfel fand am 18. August in Washington statt.", "de"),
        ("Le sommet s'est tenu le 18 août à Washington.", "fr"),
        ("La cumbre se celebró el 18 de agosto en Washington.", "es"),
        ("Il vertice si è svolto il 18 agosto a Washington.", "it"),
        ("Summitul a avut loc pe 18 august la Washington.", "ro"),
        ("A csúcstalálkozót augusztus 18-án tartották Washingtonban.", "hu"),
        ("Саміт відбувся 18 серпня у Вашингтоні.", "uk"),
        ("Саммит прошёл 18 августа в Вашингтоне.", "ru"),
        ("Szczyt odbył się 18 sierpnia w Waszyngtonie.", "pl"),
    ],
)
def test_explicit_dates_in_many_languages(text, language):
    assert event(text, language=language) == date(2025, 8, 18)


def test_abbreviated_month_with_dot():
    published = datetime(2025, 12, 16, 8, tzinfo=UTC)
    assert event("Envoys met in Berlin on Dec. 14 for two days of talks.", published) == date(
        2025, 12, 14
    )


def test_slavic_genitive_months_resolve_to_the_nearest_year():
    published = datetime(2026, 1, 8, tzinfo=UTC)
    assert event("Лидеры встретились 6 января в Париже.", published) == date(2026, 1, 6)
    assert event("Przywódcy spotkali się 6 stycznia w Paryżu.", published) == date(2026, 1, 6)
    # early January looking back to December lands in the previous year
    assert event("Переговори відбулися 28 грудня.", published) == date(2025, 12, 28)


def test_historical_dates_do_not_win():
    text = (
        "Since the annexation of Crimea in 2014 and the full-scale invasion on 24 February "
        "2022, guarantees have been debated. On Tuesday the coalition approved a new plan."
    )
    assert event(text) == date(2025, 8, 19)


def test_only_historical_dates_give_no_event_date():
    text = "The memorandum signed on 5 December 1994 promised security assurances."
    assert event(text) is None


def test_title_date_beats_a_date_deep_in_the_text():
    title = "Leaders sign declaration in Paris on 6 January"
    text = "Filler paragraph. " * 80 + "Earlier talks had been held on 3 January in Kyiv."
    assert event(text, datetime(2026, 1, 7, tzinfo=UTC), title=title) == date(2026, 1, 6)


def test_no_date_at_all_gives_none():
    assert event("Analysts debate what security guarantees could mean.") is None
    assert resolve_dates("", "", WEDNESDAY).upcoming == ()


def test_future_weekday_becomes_upcoming_not_the_event():
    result = resolve_dates("", "European leaders will meet on Thursday in Paris.", WEDNESDAY)
    assert result.event_date is None
    assert [u.day for u in result.upcoming] == [date(2025, 8, 21)]
    assert "Thursday" in result.upcoming[0].text


def test_within_days_becomes_upcoming_deadline():
    result = resolve_dates("", "The group must answer within 7 to 10 days.", WEDNESDAY)
    assert result.event_date is None
    expected = [(date(2025, 8, 30), "within 7 to 10 days")]
    assert [(u.day, u.text) for u in result.upcoming] == expected


def test_next_week_and_planned_dates_become_upcoming():
    published = datetime(2025, 12, 10, tzinfo=UTC)
    text = "Allies will gather next week in Paris. A signing is planned for 20 January."
    result = resolve_dates("", text, published)
    days = {u.day for u in result.upcoming}
    assert date(2025, 12, 15) in days  # Monday of next week
    assert date(2026, 1, 20) in days
    assert result.event_date is None


def test_past_event_and_announced_event_are_told_apart():
    text = (
        "Trump and Putin met on Friday in Anchorage. Zelensky will travel to Washington on "
        "Monday, officials said."
    )
    result = resolve_dates("", text, datetime(2025, 8, 16, 12, tzinfo=UTC))
    assert result.event_date == date(2025, 8, 15)
    assert [u.day for u in result.upcoming] == [date(2025, 8, 18)]


def test_language_specific_words():
    assert event("hier, le président a reçu les dirigeants.", language="fr") == date(2025, 8, 19)
    assert event("Am Montag trafen sich die Außenminister.", language="de") == date(2025, 8, 18)
    assert event("Вчора відбулася зустріч радників.", language="uk") == date(2025, 8, 19)
