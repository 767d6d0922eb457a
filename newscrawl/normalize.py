"""Pure normalization of what Russian news pages say: dates, counters, whitespace.

Nothing here imports Scrapy or reads the clock: the loaders pass the fetch time in as ``now``,
so a page fetched yesterday parses today exactly as it did then.

Dates go through a fast path of regular expressions for the forms news sites use; anything it
does not recognise falls back to dateparser, guarded, because dateparser also reads "+1" or
"1465" as dates and costs about a millisecond a call.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

MOSCOW = ZoneInfo("Europe/Moscow")

# Spaces that Russian sites put inside numbers and between words.
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})


# Characters no text of ours keeps: C0 and C1 controls (BEL, ESC, ...; line breaks are split on
# before this) and the bidirectional embeddings, overrides and isolates, which reorder what a
# reader sees (U+202E shows "exe.txt" as "txt.exe"). Zero-width joiners and non-joiners stay:
# they hold emoji sequences and some words together; the marks LRM and RLM stay: they reorder
# nothing around them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def collapse_spaces(text: str) -> str:
    """Collapse runs of spaces (NBSP and thin spaces included) into one, drop control and bidi
    override characters, and strip the ends.

    >>> collapse_spaces("  Армения  уже\\u00a0заявила  , ")
    'Армения уже заявила ,'
    >>> collapse_spaces("Звонок\\x07 и \\u202eтекст\\u202c")
    'Звонок и текст'
    """
    return _SPACES.sub(" ", _CONTROLS.sub("", text)).strip()


def clean_lines(text: str) -> str:
    """Collapse spaces inside each line, drop blank lines, join with ``\\n``.

    This is how a comment's text is written: its line breaks are kept, paragraph gaps are not.

    >>> clean_lines(" a  b \\n\\n  c ")
    'a b\\nc'
    """
    lines = (collapse_spaces(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --- counters -------------------------------------------------------------------------------

_MULTIPLIERS = {"тыс": 1_000, "k": 1_000, "к": 1_000, "млн": 1_000_000, "m": 1_000_000, "м": 1_000_000}
_NUMBER = re.compile(
    r"(?P<sign>[+-])?\s?"
    r"(?P<int>\d{1,3}(?:[ .]\d{3})+(?!\d)|\d+)"
    r"(?:[.,](?P<frac>\d+))?"
    r"(?:\s?(?P<mult>тыс|млн|k|m|к|м)(?![a-zа-яё]))?",
)
_ZERO_WORDS = re.compile(r"^(?:нет|ни одного)\b")


def parse_ru_count(text: str | None) -> int | None:
    """Read a counter as an integer, or None when the text holds no single count.

    >>> [parse_ru_count(s) for s in ("1465", "+2", "−3", "1\\u2009465", "1,2 тыс.", "Комментарии (12)")]
    [1465, 2, -3, 1465, 1200, 12]
    >>> parse_ru_count("нет комментариев"), parse_ru_count("14.09.2018"), parse_ru_count("Сообщить")
    (0, None, None)
    """
    if not text:
        return None
    if text.isdigit() and text.isascii():  # most counters on a page: a bare number
        return int(text)
    cleaned = _SPACES.sub(" ", text.translate(_MINUS)).strip().lower()
    if _ZERO_WORDS.match(cleaned):
        return 0
    matches = list(_NUMBER.finditer(cleaned))
    if len(matches) != 1:
        return None
    match = matches[0]
    multiplier = _MULTIPLIERS.get(match["mult"] or "", 1)
    whole = match["int"].replace(" ", "").replace(".", "")
    frac = match["frac"]
    if frac and multiplier == 1:
        return None  # "14.09" is a date, "1,5" a fraction: neither is a count
    value = int(whole) * multiplier
    if frac:
        value += round(int(frac) * multiplier / 10 ** len(frac))
    return -value if match["sign"] == "-" else value


# --- dates ----------------------------------------------------------------------------------

_MONTHS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "мае": 5, "июн": 6,
    "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}
_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
# Between a date and its time: "14.09.2018 20:53", "5 сентября, 14:20", "… в 14:20", "… | 10:15", "… - 10:15".
_TIME = r"(?:\s*[,|–—-]?\s*(?:в\s*)?" + _CLOCK + ")?"
_LEADING_TIME = re.compile(r"(?<![\d:.])" + _CLOCK + r"(?![\d:])")  # "10:15 16.09.2018" (РИА Новости)
_NUMERIC = re.compile(
    r"(?<![\d.:/№])(?P<day>\d{1,2})(?P<sep>[./])(?P<month>\d{1,2})"
    r"(?:(?P=sep)(?P<year>\d{4}|\d{2}))?(?![\d/]|\.\d)(?:\s*г\.)?" + _TIME
)
_ISO_LIKE = re.compile(
    r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?![\d])"
    r"(?:[t\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>z|[+-]\d{2}:?\d{2})?)?"
)
_WORD_MONTH = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:\s?[-–]\s?\d{1,2})?\s+"  # "12-14 июня": a range starts on its first day
    r"(?P<month>янв|фев|мар|апр|ма[йяе]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\.?"
    r"(?:\s*(?P<year>\d{4}|\d{2}(?![\d:]))(?:\s*(?:г\.|года?|г\b))?)?" + _TIME
)
_DAY_WORD = re.compile(r"(?P<word>позавчера|вчера|сегодня)\b" + _TIME)
_TIME_ONLY = re.compile(r"^(?:в\s*)?" + _CLOCK + "$")
_AGO = re.compile(
    r"(?:(?P<count>\d+|одну|один|одна|две|два|три|пол)\s*)?"
    r"(?P<unit>сек|мин|час|ч\b|дн|день|нед|месяц|мес|год|лет)[а-я]*\.?\s+назад"
)
_JUST_NOW = re.compile(r"только что|сейчас")
_WORD_COUNTS = {"одну": 1, "один": 1, "одна": 1, "две": 2, "два": 2, "три": 3}
_AGO_UNITS = {
    "сек": timedelta(seconds=1), "мин": timedelta(minutes=1), "час": timedelta(hours=1),
    "ч": timedelta(hours=1), "дн": timedelta(days=1), "день": timedelta(days=1),
    "нед": timedelta(weeks=1), "месяц": relativedelta(months=1), "мес": relativedelta(months=1),
    "год": relativedelta(years=1), "лет": relativedelta(years=1),
}
_DAY_OFFSETS = {"сегодня": 0, "вчера": 1, "позавчера": 2}
# What dateparser may see: short, and with a letter or a separator between digits.
_WORTH_A_FALLBACK = re.compile(r"[а-яa-z]{3}|\d[.:/-]\d")
_BARE_NUMBER = re.compile(r"^[+-]?\s?\d[\d\s]*$")
_EARLIEST_YEAR = 1990


def parse_ru_datetime(text: str | None, now: datetime) -> datetime | None:
    """Read a date as an aware datetime in Moscow time, or None when the text is not a date.

    ``now`` is when the page was fetched (aware); relative forms ("вчера в 12:30",
    "2 часа назад") and year-less ones ("01.06 17:03": the latest such moment not after
    ``now``) are resolved against it. Times written on a page are Moscow wall-clock times,
    whatever offset Moscow had then.

    >>> now = datetime(2018, 9, 16, 12, 0, tzinfo=MOSCOW)
    >>> parse_ru_datetime("14.09.2018 20:53", now).isoformat()
    '2018-09-14T20:53:00+03:00'
    >>> parse_ru_datetime("вчера в 12:30", now).isoformat()
    '2018-09-15T12:30:00+03:00'
    >>> parse_ru_datetime("31.12 23:50", datetime(2019, 1, 1, tzinfo=MOSCOW)).isoformat()
    '2018-12-31T23:50:00+03:00'
    >>> parse_ru_datetime("+1", now) is None
    True
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not text:
        return None
    cleaned = _SPACES.sub(" ", text.translate(_MINUS)).strip().lower()
    if not cleaned or len(cleaned) > 80:
        return None
    local_now = now.astimezone(MOSCOW)
    try:
        result = _fast_path(cleaned, local_now)
    except ValueError:  # a day 32, an hour 25, or a shape the fast path knows is no date
        return None
    if result is None:
        result = _dateparser_fallback(cleaned, local_now)
    if result is None or result.year < _EARLIEST_YEAR:
        return None
    return result


def _fast_path(text: str, now: datetime) -> datetime | None:
    if match := _ISO_LIKE.search(text):
        return _from_iso_match(match)
    if match := _NUMERIC.search(text):
        if match["year"] is None and match["hour"] is None:
            raise ValueError("ambiguous")  # "01.06" alone is as likely a version or a score as a date
        return _from_parts(match, int(match["month"]), now, text)
    if match := _WORD_MONTH.search(text):
        return _from_parts(match, _MONTHS[match["month"]], now, text)
    if match := _DAY_WORD.search(text):
        days_back = _DAY_OFFSETS[match["word"]]
        if match["hour"] is None:  # as dateparser does: the same clock time, days back
            return (now.astimezone(UTC) - timedelta(days=days_back)).astimezone(MOSCOW)
        return _moscow(now.date() - timedelta(days=days_back), _clock(match))
    if match := _AGO.search(text):
        return _ago(match, now)
    if _JUST_NOW.search(text):
        return now
    if match := _TIME_ONLY.match(text):
        moment = _moscow(now.date(), _clock(match))
        return moment if moment <= now else _moscow(now.date() - timedelta(days=1), _clock(match))
    return None


def _from_iso_match(match: re.Match[str]) -> datetime:
    clock = _clock(match) if match["hour"] is not None else time()
    day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    tz = match["tz"]
    if not tz:
        return _moscow(day, clock)
    offset = UTC if tz == "z" else _parse_offset(tz)
    return datetime.combine(day, clock, offset).astimezone(MOSCOW)


def _parse_offset(tz: str) -> timezone:
    digits = tz[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if tz[0] == "-" else delta)


def _from_parts(match: re.Match[str], month: int, now: datetime, text: str) -> datetime:
    if match["hour"] is not None:
        clock = _clock(match)
    else:
        leading = _LEADING_TIME.search(text, 0, match.start())
        clock = _clock(leading) if leading else time()
    day = int(match["day"])
    if match["year"] is None:
        return _latest_yearless(month, day, clock, now)
    year = int(match["year"])
    if year < 100:
        year += 2000 if year <= now.year % 100 + 1 else 1900
    return _moscow(date(year, month, day), clock)


def _latest_yearless(month: int, day: int, clock: time, now: datetime) -> datetime:
    """The latest moment with this month, day and time that is not after ``now``."""
    date(2000, month, day)  # raises ValueError for 31.02 or 32.13 (2000 is a leap year)
    for year in range(now.year, now.year - 9, -1):
        try:
            moment = _moscow(date(year, month, day), clock)
        except ValueError:  # 29.02 outside a leap year
            continue
        if moment <= now:
            return moment
    raise ValueError("no such date in the last eight years")


def _ago(match: re.Match[str], now: datetime) -> datetime:
    raw = match["count"]
    if raw == "пол":
        count: float = 0.5
    elif raw is None:
        count = 1
    else:
        count = _WORD_COUNTS.get(raw) or int(raw)
    unit = _AGO_UNITS[match["unit"]]
    if isinstance(unit, relativedelta):
        return (now.replace(tzinfo=None) - unit * int(count)).replace(tzinfo=MOSCOW)
    return (now.astimezone(UTC) - unit * count).astimezone(MOSCOW)


def _clock(match: re.Match[str]) -> time:
    return time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))


def _moscow(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, MOSCOW)


def _dateparser_fallback(text: str, now: datetime) -> datetime | None:
    if _BARE_NUMBER.match(text) or not _WORTH_A_FALLBACK.search(text):
        return None
    import dateparser  # slow to import, and most pages never need it

    result = dateparser.parse(
        text,
        languages=["ru"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return result.replace(tzinfo=MOSCOW) if result else None
