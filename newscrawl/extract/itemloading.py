"""itemloaders' declarations run faster: the same values, fewer calls. Mirrors itemloaders 1.5.0.

newscrawl declares how each field is written the itemloaders way (``<field>_in`` and ``<field>_out``
processors on the loaders in ``newscrawl.extract.loaders``). Run as itemloaders runs them, a comment's
fields cost more than their normalization: a processor lookup per value, MapCompose asking each
function for its arguments per value, an ItemAdapter per item and per field's metadata. This
module runs the same declarations compiled once per loader class and field, and
``tests/extract/test_loaders.py`` proves the values equal to itemloaders' own path.

It mirrors ``ItemLoader.add_value``, ``get_output_value`` and ``load_item`` and ``MapCompose``
of itemloaders ``ITEMLOADERS_VERSION``: on an upgrade, compare them with that version's, and
the test of the version below fails until someone has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from itemloaders.common import wrap_loader_context
from itemloaders.processors import MapCompose, TakeFirst
from itemloaders.utils import arg_to_iter, get_func_args
from scrapy.loader import ItemLoader

from newscrawl.extract.items import dataclass_fields

ITEMLOADERS_VERSION = "1.5.0"


class CompiledItemLoader(ItemLoader):
    """An ItemLoader whose common calls take the compiled path; the others are itemloaders' own."""

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
            _fill(self.item, fields, field_name, self.get_output_value(field_name))
        return self.item

    def get_output_value(self, field_name: str) -> Any:
        # TakeFirst, most fields' output processor, read in place (no wrapping per call).
        return _output(type(self), field_name, self._values.get(field_name, []), self.context)

    def _get_item_field_attr(self, field_name: str, key: Any, default: Any = None) -> Any:
        # Processors are declared here, never in item field metadata; itemloaders' lookup of that
        # metadata builds an ItemAdapter per field and value, a third of the cost of a comment.
        return default

    # itemloaders looks a field's processors up again for every value; they never change.
    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        return _declared(type(self), field_name, "in")

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        return _declared(type(self), field_name, "out")

    @classmethod
    def load_values(cls, values: Mapping[str, Any], **context: Any) -> Any:
        """The item of a loader given each field's raw value once: the same item as ``add_value``
        for each field in turn and then ``load_item``, without a loader object per item (one per
        comment, twenty a page)."""
        item = cls.default_item_class()
        context["item"] = item
        fields = dataclass_fields(cls.default_item_class)
        for field_name, raw in values.items():
            if raw is None:
                continue
            collected = _input_steps(cls, field_name)(raw, context)
            if not collected:
                continue
            _fill(item, fields, field_name, _output(cls, field_name, collected, context))
        return item


def _fill(item: Any, fields: frozenset[str] | None, field_name: str, value: Any) -> None:
    """A field's output value on the item, as itemloaders sets it: None leaves the field alone,
    a field the item lacks is a KeyError."""
    if value is None:
        return
    if fields is not None and field_name not in fields:
        raise KeyError(f"{type(item).__name__} does not support field: {field_name}")
    setattr(item, field_name, value)


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


def _output(loader_class: type[ItemLoader], field_name: str, collected: list[Any], context: Mapping[str, Any]) -> Any:
    """``ItemLoader.get_output_value`` on collected values, TakeFirst read in place."""
    processor = _declared(loader_class, field_name, "out")
    if type(processor) is TakeFirst:
        return next((v for v in collected if v is not None and v != ""), None)
    try:
        return wrap_loader_context(processor, context)(collected)
    except Exception as e:
        raise ValueError(f"Error with output processor: field={field_name!r} value={collected!r} "
                         f"error='{type(e).__name__}: {e}'") from e
