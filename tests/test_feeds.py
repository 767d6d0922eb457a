"""newscrawl's exporters write what Scrapy's own write, byte for byte, for the items of the stored pages."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.exporters import CsvItemExporter, JsonLinesItemExporter

from newscrawl.feeds import CsvExporter, JsonLinesExporter
from newscrawl.items import Article, Comment
from newscrawl.settings import FEEDS

PAGES = Path(__file__).parent / "pages" / "vpk"


def stored_items() -> list[Article | Comment]:
    items: list[Article | Comment] = []
    for expected in sorted(PAGES.glob("*.json")):
        page = json.loads(expected.read_text())
        if page.get("article"):
            items.append(Article(**page["article"]))
        items += [Comment(**comment) for comment in page.get("comments") or []]
    return items


def export(exporter_class: type, items: list[Any], **options: Any) -> bytes:
    file = io.BytesIO()
    exporter = exporter_class(file, **options)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return file.getvalue()


@pytest.mark.parametrize(("ours", "scrapys", "fmt"), [(JsonLinesExporter, JsonLinesItemExporter, "jsonl"),
                                                      (CsvExporter, CsvItemExporter, "csv")])
@pytest.mark.parametrize("item_class", [Article, Comment])
def test_same_bytes_as_scrapys_exporter(ours: type, scrapys: type, fmt: str, item_class: type) -> None:
    items = [item for item in stored_items() if type(item) is item_class]
    assert len(items) >= 5
    (options,) = (o for uri, o in FEEDS.items() if uri.endswith(fmt) and o["item_classes"] == [item_class])
    kwargs = {"encoding": options["encoding"], "fields_to_export": options["fields"], **options["item_export_kwargs"]}
    assert export(ours, items, **kwargs) == export(scrapys, items, **kwargs)


@dataclasses.dataclass
class Priced:
    name: str = ""
    price: float = dataclasses.field(default=0.0, metadata={"serializer": lambda p: f"{p:.2f}"})


@pytest.mark.parametrize("options", [
    {"fields_to_export": ["name", "price"]},  # a field serializer: Scrapy's path
    {"fields_to_export": {"name": "Name"}},  # renamed columns: Scrapy's path
    {},  # no field list: Scrapy's path
    {"fields_to_export": ["name", "missing"], "export_empty_fields": True},  # an unknown field: the default
])
def test_what_the_fast_path_leaves_to_scrapy(options: dict[str, Any]) -> None:
    items = [Priced("a", 1.5), {"name": "a dict"}, Comment(comment_id="1", text="x")]
    for ours, scrapys in ((JsonLinesExporter, JsonLinesItemExporter), (CsvExporter, CsvItemExporter)):
        assert export(ours, items[:1], **options) == export(scrapys, items[:1], **options)
        assert export(ours, items[1:], **options) == export(scrapys, items[1:], **options)
    assert json.loads(export(JsonLinesExporter, items[:1], fields_to_export=["name", "price"]))["price"] == "1.50"
