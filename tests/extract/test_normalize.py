"""Dates and counters as Russian pages write them: tables of real strings, and properties."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import dateparser
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler

from newscrawl import statkeys
from newscrawl.extract.normalize import MOSCOW, clean_lines, collapse_spaces, parse_ru_count, parse_ru_datetime
from newscrawl.monitoring.reporting import UnparsedValues
from tests.extract.cases_ru_dates import EDGES, GROUPS

DATE_ROWS = [(now, text, expected) for _, now, rows in GROUPS for text, expected in rows] + EDGES


@pytest.mark.parametrize(("now", "text", "expected"), DATE_ROWS, ids=[repr(r[1]) for r in DATE_ROWS])
def test_dates(now: datetime, text: str, expected: str | None) -> None:
    parsed = parse_ru_datetime(text, now)
    assert (parsed.isoformat() if parsed else None) == expected
    if parsed:
        assert parsed.tzinfo is MOSCOW


def test_the_table_is_big_enough() -> None:
    assert len(DATE_ROWS) >= 200 and len(COUNT_ROWS) >= 60


def _dateparser(text: str, now: datetime) -> str | None:
    """Plain dateparser, configured as well as it can be for these pages."""
    result = dateparser.parse(text, languages=["ru"], settings={
        "DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past", "RELATIVE_BASE": now.replace(tzinfo=None)})
    return result.replace(tzinfo=MOSCOW).isoformat() if result else None


def test_right_wherever_dateparser_is_right_and_more_often() -> None:
    dateparser_right = ours_right = 0
    for now, text, expected in DATE_ROWS:
        ours = parse_ru_datetime(text, now)
        ours_ok = (ours.isoformat() if ours else None) == expected
        if _dateparser(text, now) == expected:
            dateparser_right += 1
            assert ours_ok, text
        ours_right += ours_ok
    assert ours_right == len(DATE_ROWS) > dateparser_right


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_ru_datetime("14.09.2018", datetime(2018, 9, 16))


@given(st.text(max_size=60), st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2035, 1, 1)))
def test_no_input_raises(text: str, naive_now: datetime) -> None:
    result = parse_ru_datetime(text, naive_now.replace(tzinfo=MOSCOW))
    assert result is None or result.tzinfo is MOSCOW


MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря"]
FORMATS = [
    lambda m: m.strftime("%d.%m.%Y %H:%M"),
    lambda m: f"{m.day} {MONTHS[m.month - 1]} {m.year}, {m:%H:%M}",
    lambda m: f"{m.day} {MONTHS[m.month - 1]} {m.year} г. в {m:%H:%M}",
    lambda m: m.strftime("%Y-%m-%d %H:%M"),
    lambda m: m.strftime("%d/%m/%Y %H:%M"),
    lambda m: m.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda m: m.isoformat(),
]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)), st.sampled_from(FORMATS))
def test_format_then_parse_round_trips(naive: datetime, fmt) -> None:
    moment = naive.replace(second=0, microsecond=0, tzinfo=MOSCOW)
    if moment.astimezone(UTC).astimezone(MOSCOW).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return  # a wall time that does not exist (the spring-forward hour)
    now = moment + timedelta(days=400)
    assert parse_ru_datetime(fmt(moment), now) == moment


@given(st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31)),
       st.integers(min_value=0, max_value=60 * 24 * 300))
def test_year_less_dates_are_the_latest_such_moment_not_after_now(naive_now: datetime, minutes_ago: int) -> None:
    now = naive_now.replace(second=0, microsecond=0, tzinfo=MOSCOW)
    moment = (now - timedelta(minutes=minutes_ago)).replace(second=0)
    parsed = parse_ru_datetime(moment.strftime("%d.%m %H:%M"), now)
    assert parsed is not None and parsed <= now and parsed.replace(tzinfo=None) == moment.replace(tzinfo=None)



# Date and time elements as pages write them; added to a date that already has its day and time,
# each is one the parser cannot place.
STRAY_ELEMENTS = st.one_of(
    st.times().map(lambda t: f"{t:%H:%M}"),
    st.times().map(lambda t: f"({t:%H:%M})"),
    st.integers(min_value=1990, max_value=2035).map(str),
    st.sampled_from(MONTHS + ["сен", "дек.", "September", "Aug"]),
    st.sampled_from(["вчера", "сегодня", "позавчера", "завтра", "через час"]),
    st.tuples(st.integers(min_value=1, max_value=59), st.sampled_from(["минут", "ч.", "дня", "недели", "лет"]))
    .map(lambda p: f"{p[0]} {p[1]} назад"),
    st.sampled_from(["сорок минут назад", "полчаса назад", "несколько дней назад", "15.09", "3/4"]),
)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)), st.sampled_from(FORMATS),
       STRAY_ELEMENTS, st.sampled_from([" ", ", ", " | ", " и "]), st.booleans())
def test_a_date_or_time_element_left_unplaced_makes_the_date_null(naive: datetime, fmt, element: str, sep: str,
                                                                  before: bool) -> None:
    moment = naive.replace(second=0, microsecond=0, tzinfo=MOSCOW)
    written = fmt(moment)
    text = f"{element}{sep}{written}" if before else f"{written}{sep}{element}"
    assert parse_ru_datetime(text, moment + timedelta(days=400)) is None, text


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=1, max_value=59),
       st.sampled_from(["{h} ч. {m} мин. назад", "{h} часа {m} минут назад", "{h} ч {m} мин назад",
                        "{h} час и {m} минут назад", "{h} ч., {m} мин. назад"]))
def test_every_part_of_a_compound_relative_time_counts(hours: int, minutes: int, form: str) -> None:
    now = datetime(2018, 9, 16, 12, 0, tzinfo=MOSCOW)
    parsed = parse_ru_datetime(form.format(h=hours, m=minutes), now)
    assert parsed == now - timedelta(hours=hours, minutes=minutes)

COUNT_ROWS: list[tuple[str, int | None]] = [
    # vpk.name seed page: counters, comment ratings, sidebar comment counts
    ("1465", 1465), ("4", 4), ("0", 0), ("+1", 1), ("+2", 2), ("9110", 9110), ("13", 13), ("104", 104),
    ("312", 312), ("1486", 1486), ("315", 315), ("4 комментария", 4), ("№4", 4),
    # Russian typography: signs, dashes, thin and non-breaking spaces
    ("-3", -3), ("\u22123", -3), ("\u20133", -3), ("+0", 0), ("1 465", 1465), ("1\u00a0465", 1465),
    ("1\u2009465", 1465), ("1\u202f465", 1465), ("12 345 678", 12345678), ("2 000 000", 2000000), ("1.465", 1465),
    # YouTube, VK, Habr, Pikabu, Дзен: abbreviated thousands and millions
    ("1,2 тыс.", 1200), ("12 тыс", 12000), ("12 тыс.", 12000), ("12,3 тыс.", 12300), ("1,2 тыс. просмотров", 1200),
    ("12 тыс. просмотров", 12000), ("1,5 млн", 1500000), ("1,5 млн просмотров", 1500000), ("3,4 млн", 3400000),
    ("2 млн", 2000000), ("1.2K", 1200), ("12K", 12000), ("1.2k", 1200), ("12к", 12000), ("1,2к", 1200),
    ("10 тыс", 10000), ("1.5M", 1500000),
    # labels around counts (ТАСС, РБК, forums)
    ("Комментарии (12)", 12), ("просмотров: 1465", 1465), ("Просмотров: 12,3 тыс.", 12300),
    ("Сообщений: 1 234", 1234), ("1 комментарий", 1), ("22 комментария", 22), ("135 комментариев", 135),
    ("0 комментариев", 0), ("нет комментариев", 0), ("Нет комментариев", 0), ("ни одного комментария", 0),
    ("Рейтинг: +15", 15), ("Рейтинг: -2", -2), ("999", 999), ("1 000", 1000),
    # not counts
    ("", None), ("abc", None), ("Сообщить", None), ("14.09.2018", None), ("1,5", None), ("1 2 3", None),
    ("14.09.2018 20:53", None), ("Обновить", None), ("—", None),
]


@pytest.mark.parametrize(("text", "expected"), COUNT_ROWS, ids=[repr(r[0]) for r in COUNT_ROWS])
def test_counts(text: str, expected: int | None) -> None:
    assert parse_ru_count(text) == expected


@given(st.integers(min_value=-10**9, max_value=10**9), st.sampled_from(["", " ", "\u00a0", "\u2009"]))
def test_counts_round_trip_with_any_thousands_space(value: int, space: str) -> None:
    text = f"{value:,}".replace(",", space) if space else str(value)
    assert parse_ru_count(("+" if value > 0 else "") + text) == value


@given(st.text(max_size=40))
def test_counts_never_raise(text: str) -> None:
    assert parse_ru_count(text) is None or isinstance(parse_ru_count(text), int)


def test_whitespace() -> None:
    assert collapse_spaces("  Армения  уже\u00a0заявила\u2009 , ") == "Армения уже заявила ,"
    assert clean_lines("a  b\n\n \u00a0\nc\r\nd ") == "a b\nc\nd"


def test_unparsed_values_are_counted_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    crawler = get_crawler()
    report = UnparsedValues(crawler, logging.getLogger("test"))
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            report("date", "давным-давно", "http://x/1")
        report("count", "много", "http://x/2")
    assert crawler.stats.get_value(statkeys.UNPARSED_PREFIX + "date") == 3
    assert crawler.stats.get_value(statkeys.UNPARSED_PREFIX + "count") == 1
    assert [r.getMessage() for r in caplog.records] == [
        "Could not read date 'давным-давно' on http://x/1 (left null)",
        "Could not read count 'много' on http://x/2 (left null)"]


CONTROL_OR_OVERRIDE = set(map(chr, [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0),
                                    *range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


@given(st.text())
def test_no_text_keeps_a_control_or_bidi_override_character(text: str) -> None:
    assert not CONTROL_OR_OVERRIDE & set(clean_lines(text)) and not CONTROL_OR_OVERRIDE & set(collapse_spaces(text))


@given(st.text(alphabet=st.characters(categories=["L", "Zs"])))
def test_zero_width_joiners_inside_words_stay(text: str) -> None:
    word = f"а{text.strip()}\u200dб"
    assert "\u200d" in collapse_spaces(word)
