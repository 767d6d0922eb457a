"""newscrawl.extract.loaders through newscrawl.extract.itemloading: what itemloaders' own path gives, field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

import pytest
from itemloaders import ItemLoader

from newscrawl.extract.itemloading import ITEMLOADERS_VERSION
from newscrawl.extract.items import field_names
from newscrawl.extract.loaders import ArticleLoader, CommentLoader

NOW = datetime(2018, 9, 15, 9, 0, tzinfo=UTC)
RAW_VALUES: list[Any] = [
    " 14.09.2018\u00a0 20:53 ", "01.06 17:03", "вчера в 12:30", "2 часа назад", "Опубликовано: 14.09.2018",
    "1465", "+2", "1,2 тыс.", "−3", "нет", "", "   ", None, ["Первый абзац ", "", " второй\u2009абзац"],
    ("кортеж", " из двух "), "Строка\n\n  с  переносами\n", "Цитата, Иван сообщ. № 3",
]


@pytest.mark.parametrize("loader_class", [ArticleLoader, CommentLoader])
def test_compiled_input_steps_equal_itemloaders(loader_class: type[ItemLoader]) -> None:
    fields = field_names(loader_class.default_item_class)
    for raw in RAW_VALUES:
        reported: dict[str, list[tuple[str, ...]]] = {"fast": [], "general": []}
        fast, general = (loader_class(now=NOW, report=lambda *a, seen=seen: seen.append(a), url="u")
                         for seen in reported.values())
        for field in fields:
            fast.add_value(field, raw)
            ItemLoader.add_value(general, field, raw)  # itemloaders' own path, MapCompose and all
            assert fast.get_collected_values(field) == general.get_collected_values(field), (field, raw)
        assert reported["fast"] == reported["general"]
        for field in fields:
            assert fast.get_output_value(field) == ItemLoader.get_output_value(general, field), (field, raw)
        assert fast.load_item() == ItemLoader.load_item(general)


def test_other_calls_take_itemloaders_path() -> None:
    loader = CommentLoader(now=NOW, url="u")
    loader.add_value("author", "Иван Петров", re=r"(\w+) ")
    loader.add_value(None, {"rating": "+2"})
    loader.add_value("text", "  a  ", str.upper)
    assert (loader.get_output_value("author"), loader.get_output_value("rating"), loader.get_output_value("text")) \
        == ("Иван", 2, "A")


def test_an_unknown_field_is_an_error_as_in_itemloaders() -> None:
    for load in (CommentLoader.load_item, ItemLoader.load_item):
        loader = CommentLoader(now=NOW, url="u")
        loader.add_value("no_such_field", "x")
        with pytest.raises(KeyError, match="no_such_field"):
            load(loader)


@pytest.mark.parametrize("loader_class", [ArticleLoader, CommentLoader])
def test_load_values_gives_the_item_itemloaders_gives(loader_class: type[ItemLoader]) -> None:
    fields = field_names(loader_class.default_item_class)
    for raw in RAW_VALUES:
        reported: dict[str, list[tuple[str, ...]]] = {"fast": [], "general": []}
        general = loader_class(now=NOW, report=lambda *a, seen=reported["general"]: seen.append(a), url="u")
        for field in fields:
            ItemLoader.add_value(general, field, raw)
        fast = loader_class.load_values(dict.fromkeys(fields, raw), now=NOW, url="u",
                                        report=lambda *a, seen=reported["fast"]: seen.append(a))
        assert fast == ItemLoader.load_item(general), raw
        assert reported["fast"] == reported["general"]


def test_the_compiled_path_mirrors_the_installed_itemloaders() -> None:
    assert version("itemloaders") == ITEMLOADERS_VERSION, (
        "itemloaders was upgraded: compare newscrawl/extract/itemloading.py with its ItemLoader and MapCompose")
