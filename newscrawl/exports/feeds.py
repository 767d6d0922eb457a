"""Where a run's files go, and how they are kept whole. FEEDS (settings) and the manifest share the layout."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from functools import cache
from pathlib import Path, PurePosixPath
from typing import IO, Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter, JsonLinesItemExporter
from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

from newscrawl.extract.items import dataclass_fields, field_names
from newscrawl.layout import RunLayout

logger = logging.getLogger(__name__)


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """Feed URI parameters: ``%(run_dir)s`` in a FEEDS key is this run's folder (one folder per
    run, so no run appends to another)."""
    return {**params, "run_dir": RunLayout.of_spider(spider).folder.as_posix()}


class ExportFiles:
    """This run's open export files, so that what they hold can be made durable on demand.

    The state store moves on only after the items it records are on disk (see
    ``History.commit``); ``flush`` returns each file's size then, the offsets a killed run is
    cut back to. A write that fails (a full disk, a lost mount) is reported once: the crawl is
    closed with ``export_failed``, later writes are dropped rather than raising per item, and
    ``flush`` raises from then on, so the state never records what the files lost.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.files: dict[str, IO[bytes]] = {}
        self.error: OSError | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExportFiles:
        return cls(crawler)

    def add(self, path: str, file: IO[bytes]) -> None:
        self.files[path] = file

    def failed(self, error: OSError) -> None:
        if self.error is not None:
            return
        self.error = error
        logger.error("Cannot write the exports (%s): closing the crawl; the next run redoes what was not saved",
                     error.strerror or error)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=EXPORT_FAILED))

    def flush(self) -> dict[str, int]:
        """Each file's size, by its name in the run folder: what a killed run is cut back to,
        wherever its folder is by then (``runfolder.checkpoint_of``)."""
        offsets = {}
        for path, file in self.files.items():
            if not file.closed:
                file.flush()
                os.fsync(file.fileno())
                offsets[Path(path).name] = file.tell()
            else:
                offsets[Path(path).name] = Path(path).stat().st_size
        if self.error is not None:
            raise ExportsUnwritable(self.error)
        return offsets


class ExportsUnwritable(Exception):
    """The export files lost data: nothing may be recorded against them."""


EXPORT_FAILED = "export_failed"  # the crawl's finish reason when the exports cannot be written


class GuardedWriter(io.BufferedWriter):
    """A buffered export file that reports a failed write to ExportFiles instead of raising.

    Scrapy's feed exporter writes from an ``item_scraped`` handler: an exception there is logged
    with its traceback for every item that follows (thousands on a full disk).
    """

    def __init__(self, raw: io.FileIO, files: ExportFiles) -> None:
        super().__init__(raw)
        self.export_files = files

    def write(self, data: Any) -> int:
        if self.export_files.error is None:
            try:
                return super().write(data)
            except OSError as error:
                self.export_files.failed(error)
        return len(data)

    def flush(self) -> None:
        if self.export_files.error is None:
            try:
                super().flush()
            except OSError as error:
                self.export_files.failed(error)

    def close(self) -> None:
        if self.export_files.error is not None:
            self.raw.close()  # the buffer's rest is lost with the failed write; the run is cut back
        super().close()


class Exports(FeedExporter):
    """Scrapy's feed exporter, which also calls what waits for an item to be in every export file
    (``after_export``: the state's staging, ``pipelines.versioning``), right after writing it.

    Contract relied upon by the state: an item is staged only once the files hold it. One
    receiver of ``item_scraped`` writes, then stages, so the order is this method's and not that
    of two receivers of one signal, each of which Scrapy runs as a task of its own (~17 µs an
    item each: docs/performance.md)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.after_export: list[Callable[[Any], None]] = []

    def item_scraped(self, item: Any, spider: Spider) -> None:
        super().item_scraped(item, spider)
        for exported in self.after_export:
            exported(item)


class DurableFileFeedStorage(FileFeedStorage):
    """Scrapy's local file storage, with each file it opens guarded and registered in ExportFiles."""

    def open(self, spider: Spider) -> IO[bytes]:
        files = spider.crawler.get_extension(ExportFiles)
        if files is None:
            return super().open(spider)
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        file = GuardedWriter(io.FileIO(path, self.write_mode), files)
        files.add(str(path.resolve()), file)
        return file


def cut_back(run_folder: Path, offsets: dict[str, int]) -> None:
    """Truncate a killed run's exports to what the state recorded: the next run redoes the rest.
    Its CSV files are then written again from them (``write_csvs``)."""
    for path in run_folder.iterdir():
        if path.suffix == ".jsonl" or path.name.endswith(".warc.gz"):
            keep = offsets.get(path.name, offsets.get(str(path.resolve()), 0))  # by name; by path before Dec 2026
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


# OWASP's rule for CSV injection: a cell that starts with one of these is a formula to a
# spreadsheet; a leading apostrophe makes it text (Excel and LibreOffice hide the apostrophe).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that no spreadsheet runs; numbers stay numbers.

    >>> print(spreadsheet_safe("=1+2"), spreadsheet_safe(-3), spreadsheet_safe("Текст"))
    '=1+2 -3 Текст
    """
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_csv(records: Iterable[dict[str, Any]], path: Path, fields: list[str], options: dict[str, Any]) -> int:
    """A CSV file of records (JSONL lines), whole or not at all: written to a temporary name,
    then renamed. Returns the number of rows.

    The bytes Scrapy's ``CsvItemExporter`` writes for the same items with the same options
    (``tests/exports/test_feeds.py``), every text cell made spreadsheet-safe: a header on the first
    row, lists joined, empty cells for missing values, nothing at all for no records. Written
    row by row from the records, without an item and an exporter's per-field calls for each.
    """
    kwargs = dict(options.get("item_export_kwargs", {}))
    joiner = kwargs.pop("join_multivalued", ",")
    kwargs.pop("export_empty_fields", None)  # every listed field is a column, empty or not
    partial = path.with_name(path.name + ".part")
    rows = 0
    try:
        with partial.open("wb") as file:
            text = io.TextIOWrapper(file, encoding=options.get("encoding") or "utf-8", newline="",
                                    line_buffering=False, write_through=True)
            writer = csv.writer(text, **kwargs)
            for record in records:
                if not rows:
                    writer.writerow(fields)
                writer.writerow([_cell(record.get(name), joiner) for name in fields])
                rows += 1
            text.detach()
            file.flush()
            os.fsync(file.fileno())  # whole on disk before it takes the name, power cut or not
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    return rows


def _cell(value: Any, joiner: str) -> Any:
    if isinstance(value, list):
        with suppress(TypeError):  # as Scrapy's exporter: a list of other than text stays a list
            value = joiner.join(value)
    return spreadsheet_safe(value)


def jsonl_records(path: Path, containing: bytes = b"") -> Iterator[dict[str, Any]]:
    """A JSONL file's records, up to its last whole line (a dead run's last may be cut); with
    ``containing``, only those whose line holds these bytes (a search: parsing is most of what
    reading a run costs, ten times a bytes search)."""
    if not path.exists():
        return
    with path.open("rb") as file:
        for line in file:
            if line.endswith(b"\n") and containing in line:
                yield json.loads(line)


def write_csvs(folder: Path, settings: BaseSettings) -> dict[str, int]:
    """The run's CSV files, written from its JSONL files: one per jsonlines feed, with its fields
    and ``CSV_EXPORT``'s options. Returns the rows of each."""
    rows = {}
    for uri, options in settings.getdict("FEEDS").items():
        if options.get("format") == "jsonlines" and len(options.get("item_classes") or ()) == 1:
            jsonl = folder / PurePosixPath(uri).name
            fields = options.get("fields") or field_names(load_object(options["item_classes"][0]))
            rows[jsonl.stem] = write_csv(jsonl_records(jsonl), jsonl.with_suffix(".csv"), list(fields),
                                         settings.getdict("CSV_EXPORT"))
    return rows
