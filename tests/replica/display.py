"""How the site writes dates and counters, in all the forms the real site and its peers use.

Each form is chosen so that it loses nothing the ground truth holds: "2 часа назад" is shown
only for a moment exactly two hours before ``now``, "1,2 тыс." is truth 1200. The replica's
truth is the value a reader (or a correct crawler) can read off the page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MONTHS_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря"]
MONTHS_SHORT = ["янв.", "фев.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."]
WEEKDAYS = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
THIN_SPACE, NBSP = "\u2009", "\u00a0"


def plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _absolute(moment: datetime, style: int) -> str:
    hm = moment.strftime("%H:%M")
    d, m, y = moment.day, moment.month, moment.year
    return [
        f"{d:02}.{m:02}.{y} {hm}",
        f"{d:02}.{m:02}.{y} в {hm}",
        f"{d} {MONTHS_GENITIVE[m - 1]} {y}, {hm}",
        f"{WEEKDAYS[moment.weekday()]}, {d} {MONTHS_GENITIVE[m - 1]} {y} {hm}",
        f"{y}-{m:02}-{d:02} {hm}",
        f"{d:02}/{m:02}/{y} {hm}",
        f"{d:02}.{m:02}.{y % 100:02} {hm}",
        f"{d} {MONTHS_SHORT[m - 1]} {y} г. в {hm}",
    ][style % 8]


def _relative(moment: datetime, now: datetime, style: int) -> str | None:
    minutes = int((now - moment).total_seconds() // 60)
    hm = moment.strftime("%H:%M")
    if minutes < 0:
        return None
    if minutes == 0:
        return "только что"
    if minutes < 60:
        return "минуту назад" if minutes == 1 else f"{minutes} {plural(minutes, 'минуту', 'минуты', 'минут')} назад"
    if minutes % 60 == 0 and minutes < 24 * 60 and style % 2:
        hours = minutes // 60
        return "час назад" if hours == 1 else f"{hours} {plural(hours, 'час', 'часа', 'часов')} назад"
    days = (now.date() - moment.date()).days
    if days == 0:
        return f"Сегодня, {hm}" if style % 3 else f"сегодня в {moment.hour}:{moment.minute:02}"
    if days == 1:
        return f"вчера в {hm}"
    if days == 2:
        return f"позавчера в {hm}"
    return None


def date_text(moment: datetime, now: datetime, choice: float) -> str:
    """One of the site's forms for ``moment`` seen at ``now``; ``choice`` in [0, 1) picks it."""
    style = int(choice * 1000)
    if choice < 0.45 and (relative := _relative(moment, now, style)):
        return relative
    if choice < 0.6 and now - moment < timedelta(days=300):
        hm = moment.strftime("%H:%M")
        return f"{moment.day:02}.{moment.month:02} {hm}" if style % 2 else (
            f"{moment.day:02} {MONTHS_GENITIVE[moment.month - 1]}, {hm}")
    return _absolute(moment, style)


def sidebar_date(moment: datetime) -> str:
    return moment.strftime("%d.%m %H:%M")


def count_text(value: int, choice: float, allow_rounding: bool = True) -> tuple[str, int]:
    """The page's text for a counter and the value a reader gets from it."""
    if allow_rounding and value >= 10_000 and choice < 0.7:
        tenths = round(value / 100)
        whole, frac = divmod(tenths, 10)
        return (f"{whole},{frac} тыс." if frac else f"{whole} тыс."), tenths * 100
    if value >= 1000 and choice < 0.85:
        sep = THIN_SPACE if choice < 0.8 else NBSP
        return f"{value:,}".replace(",", sep), value
    return str(value), value


def rating_text(value: int, choice: float) -> str:
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"\u2212{-value}" if choice < 0.5 else str(value)
    return "0"


def comments_title(count: int) -> str:
    if count == 0:
        return "Нет комментариев"
    return f"{count} {plural(count, 'комментарий', 'комментария', 'комментариев')}"
