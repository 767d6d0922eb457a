"""Item loaders: how each field is written. They compose the pure functions of ``normalize``.

Outside values reach the processors through the loader context: ``now`` (the page's fetch
time, for relative and year-less dates) and ``report`` (called with the kind of value, the raw
text and the page URL when a date or counter cannot be read, so the crawl can count and log it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from itemloaders.processors import Identity, Join, MapCompose, TakeFirst

from newscrawl.extract.itemloading import CompiledItemLoader
from newscrawl.extract.items import Article, Comment
from newscrawl.extract.normalize import clean_lines, collapse_spaces, parse_ru_count, parse_ru_datetime

logger = logging.getLogger(__name__)

Report = Callable[[str, str, str], None]


def log_unparsed(kind: str, raw: str, url: str) -> None:
    """The report used outside a crawl (``scrapy shell``, tests): just a log line."""
    logger.warning("Unparsed %s %r on %s", kind, raw, url)


def _report(loader_context: dict[str, Any], kind: str, raw: str) -> None:
    report: Report = loader_context.get("report", log_unparsed)
    report(kind, raw, loader_context.get("url", ""))


def iso_datetime(value: str, loader_context: dict[str, Any]) -> str | None:
    """A page date as ISO 8601 in Moscow time, resolved against the fetch time."""
    parsed = parse_ru_datetime(value, loader_context["now"])
    if parsed is None:
        _report(loader_context, "date", value)
        return None
    return parsed.isoformat()


def count(value: str, loader_context: dict[str, Any]) -> int | None:
    parsed = parse_ru_count(value)
    if parsed is None:
        _report(loader_context, "count", value)
    return parsed


def drop_empty(value: str) -> str | None:
    return value or None


class _Loader(CompiledItemLoader):
    default_input_processor = MapCompose(collapse_spaces, drop_empty)
    default_output_processor = TakeFirst()


class ArticleLoader(_Loader):
    default_item_class = Article

    published_at_in = MapCompose(collapse_spaces, drop_empty, iso_datetime)
    body_out = Join("\n\n")
    mentions_out = Identity()
    views_in = comments_count_in = rating_in = MapCompose(collapse_spaces, drop_empty, count)


class CommentLoader(_Loader):
    default_item_class = Comment

    posted_at_in = MapCompose(collapse_spaces, drop_empty, iso_datetime)
    number_in = rating_in = quote_number_in = MapCompose(collapse_spaces, drop_empty, count)
    text_in = quote_text_in = MapCompose(clean_lines, drop_empty)
