"""Where a run's files go, and how they are kept whole. FEEDS (settings) and the manifest share the layout."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FileFeedStorage


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
