"""newscrawl's exporters write what Scrapy's own write, byte for byte, for the items of the stored pages."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.exporters import CsvItemExporter, JsonLinesItemExporter
from scrapy.utils.project import get_project_settings as project_settings

from newscrawl.exports import feeds
from newscrawl.exports.feeds import JsonLinesExporter, jsonl_records, write_csvs
from newscrawl.extract.items import Article, Comment
from newscrawl.layout import RunLayout
from newscrawl.settings import CSV_EXPORT, FEEDS
from tests.conftest import ROOT

PAGES = ROOT / "tests" / "pages" / "vpk"


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


@pytest.mark.parametrize("item_class", [Article, Comment])
def test_same_bytes_as_scrapys_exporter(item_class: type) -> None:
    items = [item for item in stored_items() if type(item) is item_class]
    assert len(items) >= 5
    (options,) = (o for o in FEEDS.values() if o["item_classes"] == [item_class])
    kwargs = {"encoding": options["encoding"], "fields_to_export": options["fields"], **options["item_export_kwargs"]}
    assert export(JsonLinesExporter, items, **kwargs) == export(JsonLinesItemExporter, items, **kwargs)


def test_csv_written_from_the_jsonl_is_what_scrapys_exporter_writes_from_the_items(tmp_path: Path) -> None:
    settings = project_settings()
    for name, item_class in (("articles", Article), ("comments", Comment)):
        items = [item for item in stored_items() if type(item) is item_class]
        (options,) = (o for o in FEEDS.values() if o["item_classes"] == [item_class])
        (tmp_path / f"{name}.jsonl").write_bytes(export(JsonLinesExporter, items, fields_to_export=options["fields"],
                                                        **options["item_export_kwargs"]))
    rows = write_csvs(tmp_path, settings)
    assert set(rows) == {"articles", "comments"} and not list(tmp_path.glob("*.part"))
    for name, item_class in (("articles", Article), ("comments", Comment)):
        items = [item for item in stored_items() if type(item) is item_class]
        (options,) = (o for o in FEEDS.values() if o["item_classes"] == [item_class])
        expected = export(CsvItemExporter, items, fields_to_export=options["fields"], encoding=CSV_EXPORT["encoding"],
                          **CSV_EXPORT["item_export_kwargs"])
        assert rows[name] == len(items) and (tmp_path / f"{name}.csv").read_bytes() == expected
    RunLayout(tmp_path).jsonl("article").write_bytes(b"")
    assert write_csvs(tmp_path, settings)["articles"] == 0
    assert RunLayout(tmp_path).csv("article").read_bytes() == export(CsvItemExporter, [], fields_to_export=["title"]) == b""


def test_a_csv_that_cannot_be_written_leaves_no_part_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    RunLayout(tmp_path).jsonl("article").write_text("".join(json.dumps({"article_id": str(n), "title": "=1+2"}) + "\n"
                                                     for n in range(3)))
    written = []

    def full_disk(value: Any) -> Any:
        written.append(value)
        if len(written) > 20:
            raise OSError(28, "No space left on device")
        return value

    monkeypatch.setattr(feeds, "spreadsheet_safe", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_csvs(tmp_path, project_settings())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles.jsonl"]


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
    assert export(JsonLinesExporter, items[:1], **options) == export(JsonLinesItemExporter, items[:1], **options)
    assert export(JsonLinesExporter, items[1:], **options) == export(JsonLinesItemExporter, items[1:], **options)
    assert json.loads(export(JsonLinesExporter, items[:1], fields_to_export=["name", "price"]))["price"] == "1.50"


def test_records_are_read_to_the_last_whole_line_and_searched_before_they_are_parsed(tmp_path: Path) -> None:
    path = RunLayout(tmp_path).jsonl("comment")
    path.write_text('{"comment_id": "12"}\n{"comment_id": "123", "text": "Цитата «12»"}\n{"comment_id": "12"', encoding="utf-8")
    assert [r["comment_id"] for r in jsonl_records(path)] == ["12", "123"]
    assert [r["comment_id"] for r in jsonl_records(path, containing=b'"12"')] == ["12"]


def test_what_waits_for_an_item_is_called_once_every_feed_holds_it(tmp_path: Path) -> None:
    """The state's staging waits for the export files (``pipelines.versioning``): one receiver
    writes the item to every feed, then calls it."""
    from scrapy import Spider

    from newscrawl.exports.feeds import Exports
    from newscrawl.extract.items import Article
    from tests.crawlers import project_crawler

    crawler = project_crawler(Spider, {"FEEDS": {str(tmp_path / "articles.jsonl"): {
        "format": "jsonlines", "item_classes": ["newscrawl.extract.items.Article"], "fields": ["article_id", "title"]}}})
    crawler.stats.open_spider()
    exports = Exports(crawler)
    spider = Spider.from_crawler(crawler, name="vpk")
    spider.run_id = "r1"  # type: ignore[attr-defined]
    exports.open_spider(spider)
    seen: list[int] = []
    exports.after_export.append(lambda item: seen.append(sum(slot.itemcount for slot in exports.slots)))
    exports.item_scraped(Article(article_id="1", title="Заголовок"), spider)
    exports.item_scraped(Article(article_id="2", title="Другой"), spider)
    assert seen == [1, 2]
