"""Item loaders: how each field is written. They compose the pure functions of ``normalize``.

Outside values reach the processors through the loader context: ``now`` (the page's fetch
time, for relative and year-less dates) and ``report`` (called with the kind of value, the raw
text and the page URL when a date or counter cannot be read, so the crawl can count and log it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from itemloaders.common import wrap_loader_context
from itemloaders.processors import Identity, Join, MapCompose, TakeFirst
from itemloaders.utils import arg_to_iter, get_func_args
from scrapy.loader import ItemLoader

from newscrawl.items import Article, Comment, dataclass_fields
from newscrawl.normalize import clean_lines, collapse_spaces, parse_ru_count, parse_ru_datetime

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


class _Loader(ItemLoader):
    default_input_processor = MapCompose(collapse_spaces, drop_empty)
    default_output_processor = TakeFirst()

    def add_value(self, field_name: str | None, value: Any, *processors: Any, re: Any = None, **kw: Any) -> None:
        # The common call, a field and its raw value, runs the field's compiled input steps;
        # itemloaders' general path costs more than the normalization itself. Same result.
        if field_name is None or processors or re is not None or kw:
            super().add_value(field_name, value, *processors, re=re, **kw)
        elif value is not None:
            processed = _input_steps(type(self), field_name)(value, self.context)
            if processed:
                self._values.setdefault(field_name, []).extend(processed)

    def load_item(self) -> Any:
        # itemloaders wraps the item in an ItemAdapter, which lists a dataclass's fields anew for
        # every item; the fields of our item classes are listed once.
        fields = dataclass_fields(type(self.item))
        if fields is None:
            return super().load_item()
        for field_name in tuple(self._values):
            value = self.get_output_value(field_name)
            if value is not None:
                if field_name not in fields:
                    raise KeyError(f"{type(self.item).__name__} does not support field: {field_name}")
                setattr(self.item, field_name, value)
        return self.item

    def get_output_value(self, field_name: str) -> Any:
        # TakeFirst, most fields' output processor, read in place (no wrapping per call).
        if type(_declared(type(self), field_name, "out")) is TakeFirst:
            return next((v for v in self._values.get(field_name, ()) if v is not None and v != ""), None)
        return super().get_output_value(field_name)

    def _get_item_field_attr(self, field_name: str, key: Any, default: Any = None) -> Any:
        # Processors are declared here, never in item field metadata; itemloaders' lookup of that
        # metadata builds an ItemAdapter per field and value, a third of the cost of a comment.
        return default

    # itemloaders looks a field's processors up again for every value; they never change.
    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        return _declared(type(self), field_name, "in")

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        return _declared(type(self), field_name, "out")


@cache
def _declared(loader_class: type[ItemLoader], field_name: str, kind: str) -> Callable[..., Any]:
    lookup = ItemLoader.get_input_processor if kind == "in" else ItemLoader.get_output_processor
    return lookup(loader_class(), field_name)


def _as_list(value: Any) -> Any:
    """``arg_to_iter`` with its common cases first: a page value is mostly one string or None."""
    if value is None:
        return []
    return [value] if type(value) is str else arg_to_iter(value)


InputSteps = Callable[[Any, Mapping[str, Any]], list[Any]]


@cache
def _input_steps(loader_class: type[ItemLoader], field_name: str) -> InputSteps:
    """A field's input processor as one function of (value, loader context) -> values.

    A MapCompose becomes its functions in a row, each told once whether it takes the loader
    context (MapCompose asks for every value); any other processor runs as itemloaders runs it.
    """
    processor = _declared(loader_class, field_name, "in")
    if not isinstance(processor, MapCompose) or processor.default_loader_context:
        return lambda value, context: arg_to_iter(wrap_loader_context(processor, context)(arg_to_iter(value)))
    steps = [(function, "loader_context" in get_func_args(function)) for function in processor.functions]

    def run(value: Any, context: Mapping[str, Any]) -> list[Any]:
        values = _as_list(value)
        for function, takes_context in steps:
            results: list[Any] = []
            for each in values:
                try:
                    results += _as_list(function(each, loader_context=context) if takes_context else function(each))
                except Exception as e:
                    raise ValueError(f"Error in MapCompose with {function!s} value={value!r} "
                                     f"error='{type(e).__name__}: {e!s}'") from e
            values = results
        return list(values)

    return run


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
