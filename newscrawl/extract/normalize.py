"""Pure normalization of what Russian news pages say: dates, counters, whitespace.

Nothing here imports Scrapy or reads the clock: the loaders pass the fetch time in as ``now``,
so a page fetched yesterday parses today exactly as it did then.

Dates go through regular expressions for the forms Russian sites use, and a text that holds
more date than its form placed is refused. Only a text naming a month and a day in an order none
of them knows reaches dateparser, whose answer is kept where the text vouches for each of its
parts: dateparser also reads "+1" or "1465" as dates, fills a missing day from today, and costs
about a millisecond a call.
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


def _minus(text: str) -> str:
    """Minus signs and dashes as "-" (looked for first: ``translate`` costs more than the look)."""
    return text.translate(_MINUS) if "\u2212" in text or "\u2013" in text or "\u2014" in text else text


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
    cleaned = _SPACES.sub(" ", _minus(text)).strip().lower()
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
#
# A date is read by the first of the forms below that matches. Then what that form did not
# consume must hold nothing that looks like a date or time element (a clock, a day and month, a
# year, a month name, a day word, a unit of time, a number word): if it does, the text says more
# than the form placed ("14.09.2018 (20:53)" read as midnight, "2 часа 15 минут назад" as two
# hours ago), and the answer is None. A wrong date in a cited dataset is worse than a null one,
# which the loaders count and log.

_MONTHS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "мае": 5, "июн": 6,
    "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
# Every written form of a month, Russian (all cases, the usual abbreviations) and English, as a
# whole word: "5 сенаторов" holds no September.
_MONTH_WORDS = (
    r"январ[ьяе]|феврал[ьяе]|март[ае]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[ае]?|сентябр[ьяе]"
    r"|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]|янв|фев|мар|апр|июн|июл|авг|сент?|окт|нояб?|дек"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_MONTH = rf"(?P<month>{_MONTH_WORDS})\.?(?![а-яa-z])"
_YEAR_WORD = r"(?:\s*(?:г\.|года?|г(?![а-я])))?"
_CLOCK = (r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?!\d)"
          r"(?:\s?(?P<ampm>[ap]\.?\s?m\.?|[дп]\.?\s?п\.?|утра|дня|вечера|ночи)(?![a-zа-я]))?"
          r"(?:\s?\(?(?P<offset>(?:utc|gmt)\s?[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|utc|gmt)\)?(?![a-z\d]))?")
# Between a date and its time: "14.09.2018 20:53", "5 сентября, 14:20", "… в 14:20", "… | 10:15",
# "… - 10:15", "… (20:53)", "… [в 20:53]", "… at 10:15".
_TIME = r"(?:\s*[,|–—-]?\s*[(\[]?\s*(?:в|at)?\s*" + _CLOCK + r"\s*[)\]]?)?"
_LEADING_TIME = re.compile(r"(?<![\d:.])" + _CLOCK + r"(?![\d:])")  # "10:15 16.09.2018" (РИА Новости)
_NUMERIC = re.compile(
    r"(?<![\d.:/№])(?P<day>\d{1,2})(?P<sep>[./])(?P<month>\d{1,2})"
    r"(?:(?P=sep)(?P<year>\d{4}|\d{2}))?(?![\d/]|\.\d)" + _YEAR_WORD + _TIME
)
_ISO_LIKE = re.compile(
    r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?![\d])"
    r"(?:[t\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>z|[+-]\d{2}:?\d{2})?)?"
)
_WORD_MONTH = re.compile(  # "5 сентября 2018 г. в 14:20", "16 September 2018"
    r"(?<!\d)(?P<day>\d{1,2})(?:-?го|st|nd|rd|th)?(?:\s?[-–]\s?\d{1,2})?\s*"  # "12-14 июня": a range starts on its first day
    + _MONTH + r"(?:\s*(?P<year>\d{4}|\d{2}(?![\d:]))" + _YEAR_WORD + ")?" + _TIME
)
_MONTH_FIRST = re.compile(  # "Вс сен 16, 2018 10:15" (phpBB), "Sep 16, 2018 at 10:15"
    r"(?<![а-яa-z])" + _MONTH + r",?\s*(?P<day>\d{1,2})(?:st|nd|rd|th)?(?!\d)"
    r"(?:(?:\s*,\s*|\s+)(?P<year>\d{4})(?!\d))?" + _TIME
)
_DAY_OFFSETS = {"сегодня": 0, "today": 0, "вчера": 1, "yesterday": 1, "позавчера": 2}
_DAY_WORD = re.compile(r"(?<![а-яa-z])(?P<word>позавчера|вчера|сегодня|yesterday|today)(?![а-яa-z])" + _TIME)
_TIME_ONLY = re.compile(r"^(?:в\s*)?" + _CLOCK + "$")
_JUST_NOW = re.compile(r"только что|сейчас|just now")

# "2 часа 15 минут назад", "1 ч. 20 мин. назад", "сорок минут назад", "полтора года назад".
_NUMBER_WORDS = {
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "пару": 2, "пара": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11,
    "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16,
    "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20, "тридцать": 30,
    "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "девяносто": 90, "сто": 100, "полтора": 1.5, "полторы": 1.5,
    # collective numerals, as in "двое суток назад" (two days, not one)
    "двое": 2, "трое": 3, "четверо": 4, "пятеро": 5, "шестеро": 6, "семеро": 7, "восьмеро": 8, "девятеро": 9,
    "десятеро": 10,
}
_NUMBER_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r"(?![а-я])"
_UNITS: dict[str, tuple[str, float]] = {  # the first letters of a unit's every form: (kind, size)
    "сек": ("seconds", 1), "мин": ("seconds", 60), "ч": ("seconds", 3600), "час": ("seconds", 3600),
    "д": ("seconds", 86400), "дн": ("seconds", 86400), "ден": ("seconds", 86400), "сут": ("seconds", 86400),
    "нед": ("seconds", 604800), "мес": ("months", 1), "год": ("months", 12), "лет": ("months", 12),
}
_UNIT_WORDS = (r"секунд[а-я]*|сек|минут[а-я]*|мин|час(?:а|ов)?|ч|дн(?:я|ей)|день|д|сутки|суток"
               r"|недел[ьиюяе]|нед|месяц(?:а|ев)?|мес|год(?:а)?|лет")
_AGO_PART = (rf"(?<![а-я])(?:(?P<count>\d+(?:[.,]\d)?|(?:{_NUMBER_WORD})(?:\s+(?:{_NUMBER_WORD}))?|пол-?\s?)\s*)?"
             rf"(?P<unit>{_UNIT_WORDS})\.?(?![а-я])")
_AGO_PARTS = re.compile(_AGO_PART)
_UNNAMED_PART = _AGO_PART.replace("(?P<count>", "(?:").replace("(?P<unit>", "(?:")
_AGO = re.compile(rf"(?<![а-я\d])(?:{_UNNAMED_PART})(?:\s*(?:,|и)?\s*(?:{_UNNAMED_PART}))*\s*назад(?![а-я])")

# What makes the rest of a text unplaced: a date or time element the form did not consume. Words
# are looked up one by one (a regex of alternatives tried at every position costs 8 µs a call).
_MOSCOW_LABEL = re.compile(r"(?:по\s+)?москов[а-я]*\s+времен[а-я]*|по\s+москве")
_STRAY_DIGITS = re.compile(
    r"\d{1,2}:\d{2}|\d{1,2}[./]\d{1,2}|(?<!\d)(?:1[89]|20)\d{2}(?!\d)|\d\s*(?:ч|д|мин|сек|мес)\.?(?![а-я])"
    r"|(?<![\d.])[+-]\d{2}:?\d{2}(?!\d)"
)
_STRAY_WORD = re.compile(
    rf"{_MONTH_WORDS}|{_UNIT_WORDS.replace('|сек|', '|').replace('|мин|', '|').replace('|д|', '|')}|{_NUMBER_WORD}"
    r"|позавчера|вчера|сегодня|завтра|послезавтра|yesterday|today|tomorrow|назад|через|тому|ago"
    r"|нескольк[а-я]*|много|немного|десятк[а-я]*|сотн[а-я]*|тысяч[а-я]*|пол-?(?:час|год|мин|сек|дн|недел|месяц)[а-я]*"
    r"|utc|gmt|времени|утра|дня|вечера|ночи|дп|пп"
)
_WORDS = re.compile(r"[а-яa-z]+")


def _has_stray(rest: str) -> bool:
    if not rest.strip(" ,.:;|()[]–—-"):  # most dates: nothing left but their punctuation
        return False
    if "моск" in rest:
        rest = _MOSCOW_LABEL.sub(" ", rest)
    return bool(_STRAY_DIGITS.search(rest)) or any(map(_STRAY_WORD.fullmatch, _WORDS.findall(rest)))


_EARLIEST_YEAR = 1990

Span = tuple[int, int]


def parse_ru_datetime(text: str | None, now: datetime) -> datetime | None:
    """Read a date as an aware datetime in Moscow time, or None when the text is not one date.

    ``now`` is when the page was fetched (aware); relative forms ("вчера в 12:30",
    "2 часа назад") and year-less ones ("01.06 17:03": the latest such moment not after
    ``now``) are resolved against it. Times written on a page are Moscow wall-clock times,
    whatever offset Moscow had then. A text with a date or time element left over that no
    form placed is refused rather than read in part.

    >>> now = datetime(2018, 9, 16, 12, 0, tzinfo=MOSCOW)
    >>> parse_ru_datetime("14.09.2018 20:53", now).isoformat()
    '2018-09-14T20:53:00+03:00'
    >>> parse_ru_datetime("вчера в 12:30", now).isoformat()
    '2018-09-15T12:30:00+03:00'
    >>> parse_ru_datetime("2 ч. 15 мин. назад", now).isoformat()
    '2018-09-16T09:45:00+03:00'
    >>> parse_ru_datetime("31.12 23:50", datetime(2019, 1, 1, tzinfo=MOSCOW)).isoformat()
    '2018-12-31T23:50:00+03:00'
    >>> parse_ru_datetime("+1", now), parse_ru_datetime("14.09.2018 [по Киеву 20:53]", now)
    (None, None)
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not text:
        return None
    cleaned = _SPACES.sub(" ", _minus(text)).strip().lower()
    if not cleaned or len(cleaned) > 80:
        return None
    local_now = now.astimezone(MOSCOW)
    try:
        found = _fast_path(cleaned, local_now)
        if found is None:
            result = _dateparser_fallback(cleaned, local_now)
        else:
            result, spans = found
            if _has_stray(_rest(cleaned, spans)):
                return None  # more date than the form placed
    except ValueError:  # a day 32, an hour 25, or a shape known to be no date
        return None
    if result is None or result.year < _EARLIEST_YEAR:
        return None
    return result


def _rest(text: str, spans: list[Span]) -> str:
    """The text outside the spans a form consumed, each span a space."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def _fast_path(text: str, now: datetime) -> tuple[datetime, list[Span]] | None:
    # Each form is tried only where a character it needs is in the text. The order matters
    # little: a text that two forms could read is refused by whichever reads it first.
    if "назад" in text and (match := _AGO.search(text)):
        return _ago(match[0], now), [match.span()]
    if "-" in text and (match := _ISO_LIKE.search(text)):
        return _from_iso_match(match), [match.span()]
    # "01.06" alone is as likely a version or a score as a date; "1.5 часа назад" is no date at all
    if ("." in text or "/" in text) and (match := _NUMERIC.search(text)) and (match["year"] or match["hour"]):
        return _from_parts(match, int(match["month"]), now, text)
    if ("вчера" in text or "сегодня" in text or "day" in text) and (match := _DAY_WORD.search(text)):
        days_back = _DAY_OFFSETS[match["word"]]
        if match["hour"] is None:  # as dateparser does: the same clock time, days back
            return (now.astimezone(UTC) - timedelta(days=days_back)).astimezone(MOSCOW), [match.span()]
        return _moscow(now.date() - timedelta(days=days_back), _clock(match)), [match.span()]
    if not text.isdigit():
        for form in (_WORD_MONTH, _MONTH_FIRST):
            if match := form.search(text):
                return _from_parts(match, _MONTHS[match["month"][:3]], now, text)
    if match := _JUST_NOW.search(text):
        return now, [match.span()]
    if ":" in text and (match := _TIME_ONLY.match(text)):
        moment = _moscow(now.date(), _clock(match))
        if moment > now:
            moment = _moscow(now.date() - timedelta(days=1), _clock(match))
        return moment, [match.span()]
    return None


def _from_iso_match(match: re.Match[str]) -> datetime:
    clock = _clock(match) if match["hour"] is not None else _MIDNIGHT
    day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    if tz := match["tz"]:
        clock = clock.replace(tzinfo=_parse_offset(tz))
    return _moscow(day, clock)


def _parse_offset(tz: str) -> timezone:
    """ "z", "utc", "gmt+3", "+0300", "-08:00" as a fixed offset."""
    tz = tz.removeprefix("utc").removeprefix("gmt").replace(" ", "").replace(":", "")
    if tz in ("", "z"):
        return UTC
    hours, minutes = (tz[1:-2], tz[-2:]) if len(tz) > 3 else (tz[1:], "0")
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if tz[0] == "-" else delta)


def _from_parts(match: re.Match[str], month: int, now: datetime, text: str) -> tuple[datetime, list[Span]]:
    spans = [match.span()]
    if match["hour"] is not None:
        clock = _clock(match)
    elif leading := _LEADING_TIME.search(text, 0, match.start()):
        clock = _clock(leading)
        spans.append(leading.span())
    else:
        clock = _MIDNIGHT
    day = int(match["day"])
    if match["year"] is None:
        return _latest_yearless(month, day, clock, now), spans
    year = int(match["year"])
    if year < 100:
        year += 2000 if year <= now.year % 100 + 1 else 1900
    return _moscow(date(year, month, day), clock), spans


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


def _ago(phrase: str, now: datetime) -> datetime:
    """``now`` less every part of "1 год 2 месяца назад"; a part without a count is one unit."""
    seconds = months = 0.0
    for part in _AGO_PARTS.finditer(phrase):
        kind, size = _unit(part["unit"])
        amount = _count(part["count"]) * size
        if kind == "months":
            months += amount
        else:
            seconds += amount
    whole_months = int(months)
    seconds += (months - whole_months) * 30 * 86400  # "полмесяца", "полтора месяца": 30-day months
    if whole_months:  # calendar months back on the wall clock
        now = (now.replace(tzinfo=None) - relativedelta(months=whole_months)).replace(tzinfo=MOSCOW)
    return (now.astimezone(UTC) - timedelta(seconds=seconds)).astimezone(MOSCOW)


def _unit(word: str) -> tuple[str, float]:
    for length in (3, 2, 1):
        if found := _UNITS.get(word[:length]):
            return found
    raise ValueError(word)


def _count(raw: str | None) -> float:
    if raw is None:
        return 1
    raw = raw.strip(" -")
    if raw == "пол":
        return 0.5
    if raw[0].isdigit():
        return float(raw.replace(",", "."))
    return sum(_NUMBER_WORDS[word] for word in raw.split())  # "двадцать пять"


def _clock(match: re.Match[str]) -> time:
    hour = int(match["hour"])
    if match.re is _ISO_LIKE:  # its offset is read apart; it has no a.m.
        return time(hour, int(match["minute"]), int(match["second"] or 0), tzinfo=MOSCOW)
    if ampm := match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError("a 12-hour clock past 12")
        hour = hour % 12 + (12 if _AFTERNOON.match(ampm) else 0)
    offset = match["offset"]  # "Mon, 16 Sep 2018 10:15:00 +0300", "10:15 UTC": not Moscow's clock
    return time(hour, int(match["minute"]), int(match["second"] or 0),
                tzinfo=_parse_offset(offset) if offset else MOSCOW)


# After noon: "p.m.", "пп" (после полудня), "дня" (1:05 дня is 13:05), "вечера"; before it: "a.m.",
# "дп" (до полудня), "утра", "ночи" (12:30 ночи is 00:30).
_AFTERNOON = re.compile(r"p|п\.?\s?п|дня|вечера")
_MIDNIGHT = time(tzinfo=MOSCOW)


def _moscow(day: date, clock: time) -> datetime:
    """The moment of a day at a clock time (Moscow's unless the clock carries an offset)."""
    return datetime.combine(day, clock).astimezone(MOSCOW)


# The fallback sees only texts that name a month in a form none of the above knows, and its
# answer is kept only where the text itself vouches for each part of it: dateparser fills what a
# text lacks from ``now`` ("в мае 2018" becomes a day in May) and drops what it cannot read.
_VOUCH_MONTH = re.compile(rf"(?<![а-яa-z])(?:{_MONTH_WORDS})\.?(?![а-яa-z])")
_VOUCH_CLOCK = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")
_VOUCH_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_VOUCH_DAY = re.compile(r"(?<![\d:])(\d{1,2})(?![\d:])")


def _dateparser_fallback(text: str, now: datetime) -> datetime | None:
    months = {_MONTHS[m[:3]] for m in _VOUCH_MONTH.findall(text)}
    days = {int(d) for d in _VOUCH_DAY.findall(text)}
    if len(months) != 1 or len(days) != 1 or _AGO.search(text):  # "в мае 2018" names no day
        return None
    import dateparser  # slow to import, and most pages never need it

    result = dateparser.parse(
        text,
        languages=["ru", "en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if result is None or result.month not in months:
        return None
    clocks = {(int(h), int(m)) for h, m in _VOUCH_CLOCK.findall(text)}
    written_clock = clocks or {(0, 0)}  # no time written: midnight, as the fast path reads it
    years = {int(y) for y in _VOUCH_YEAR.findall(text)}
    if written_clock != {(result.hour, result.minute)} or {result.day} != days:
        return None
    if len(years) > 1 or (years and result.year not in years):
        return None
    return result.replace(tzinfo=MOSCOW)
