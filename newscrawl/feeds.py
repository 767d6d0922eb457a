"""Where a run's files go, and how they are kept whole. FEEDS (settings) and the manifest share the layout."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter, CsvItemExporter, JsonLinesItemExporter
from scrapy.extensions.feedexport import FileFeedStorage

from newscrawl.items import dataclass_fields


def run_dir(spider: Spider) -> Path:
    """``<EXPORTS_DIR>/<spider>/<run_id>``: one folder per run, so no run appends to another."""
    return Path(spider.settings.get("EXPORTS_DIR")) / spider.name / spider.run_id


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """Feed URI parameters: ``%(run_dir)s`` in a FEEDS key is this run's folder."""
    return {**params, "run_dir": run_dir(spider).as_posix()}


class ExportFiles:
    """This run's open export files, so that what they hold can be made durable on demand.

    The state store moves on only after the items it records are on disk (see StatePipeline);
    ``flush`` returns each file's size then, the offsets a killed run is cut back to.
    """

    def __init__(self) -> None:
        self.files: dict[str, IO[bytes]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExportFiles:
        return cls()

    def add(self, path: str, file: IO[bytes]) -> None:
        self.files[path] = file

    def flush(self) -> dict[str, int]:
        offsets = {}
        for path, file in self.files.items():
            if not file.closed:
                file.flush()
                os.fsync(file.fileno())
                offsets[path] = file.tell()
            else:
                offsets[path] = Path(path).stat().st_size
        return offsets


class DurableFileFeedStorage(FileFeedStorage):
    """Scrapy's local file storage, with each file it opens registered in ExportFiles."""

    def open(self, spider: Spider) -> IO[bytes]:
        file = super().open(spider)
        files = spider.crawler.get_extension(ExportFiles)
        if files is not None:
            files.add(str(Path(self.path).resolve()), file)
        return file


def cut_back(run_folder: Path, offsets: dict[str, int]) -> None:
    """Truncate a killed run's exports to what the state recorded: the next run redoes the rest."""
    for path in run_folder.iterdir():
        if path.suffix in (".jsonl", ".csv"):
            keep = offsets.get(str(path.resolve()), 0)
            if path.stat().st_size > keep:
                with path.open("r+b") as file:
                    file.truncate(keep)


@cache
def _plain_fields(item_class: type) -> frozenset[str] | None:
    """A dataclass's field names when no field has a serializer of its own, else None."""
    names = dataclass_fields(item_class)
    if names is None or any("serializer" in f.metadata for f in dataclasses.fields(item_class)):
        return None
    return names


class PlainFieldsExporter(BaseItemExporter):
    """Reads the fields a feed lists straight off a dataclass item.

    Scrapy's exporters wrap every item in an ItemAdapter and look each field's metadata up for
    every value; with two files per item and ~14 items a page, that was 4% of the crawl. Items
    with field serializers, and feeds without a ``fields`` list, take Scrapy's own path.
    """

    def get_serialized_fields(self, item: Any, default_value: Any = None,
                              include_empty: bool | None = None) -> Iterable[tuple[str, Any]]:
        names, plain = self.fields_to_export, _plain_fields(type(item))
        empty = self.export_empty_fields if include_empty is None else include_empty
        if plain is None or not isinstance(names, list) or not empty:
            return super().get_serialized_fields(item, default_value, include_empty)
        return [(name, self.serialize_field({}, name, getattr(item, name)) if name in plain else default_value)
                for name in names]


class JsonLinesExporter(PlainFieldsExporter, JsonLinesItemExporter):
    pass


class CsvExporter(PlainFieldsExporter, CsvItemExporter):
    pass
