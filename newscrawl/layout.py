"""Where a run's files are: ``<EXPORTS_DIR>/<spider>/<run_id>/`` and the names inside it, owned
here and asked of here by every module that reads or writes a run folder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The export files' stems by item kind ("article" → articles.jsonl, articles.csv).
ITEM_FILES = {"article": "articles", "comment": "comments"}
ARCHIVE = "pages.warc.gz"
MANIFEST = "manifest.json"
LOCK = ".lock"  # held while the run lives
# A re-extraction over N workers (newscrawl.archive.reextract) writes parts <run>.part<k>, then
# merges them into <run>.merging and renames that to <run>.
PART = re.compile(r"(?P<run>.+)\.part\d+")
MERGING = ".merging"


def runs_dir(settings: Any, spider: str) -> Path:
    """Every run folder of a spider: ``<EXPORTS_DIR>/<spider>``."""
    return Path(settings.get("EXPORTS_DIR")) / spider


def run_folders(runs: Path) -> list[Path]:
    """The run folders in ``runs`` (closed, running or dead), in name order: every folder but a
    merge of parts still being written, and the parts of a merged run. A kill between the merged
    run's rename and the parts' removal leaves both, and the parts' records are the merged run's:
    read twice, they would be two sightings of each item. The next re-extraction removes them."""
    if not runs.is_dir():
        return []
    folders = sorted(path for path in runs.iterdir() if path.is_dir() and not path.name.endswith(MERGING))
    merged = {folder.name for folder in folders if (folder / MANIFEST).exists()}
    return [folder for folder in folders if not ((part := PART.fullmatch(folder.name)) and part["run"] in merged)]


@dataclass(frozen=True)
class RunLayout:
    """One run folder and its files."""

    folder: Path

    @classmethod
    def of(cls, settings: Any, spider: str, run_id: str) -> RunLayout:
        return cls(runs_dir(settings, spider) / run_id)

    @classmethod
    def of_spider(cls, spider: Any) -> RunLayout:
        """The running spider's folder (its ``run_id`` names it)."""
        return cls.of(spider.settings, spider.name, spider.run_id)

    def jsonl(self, kind: str) -> Path:
        """``kind``: article or comment."""
        return self.folder / f"{ITEM_FILES[kind]}.jsonl"

    def csv(self, kind: str) -> Path:
        return self.folder / f"{ITEM_FILES[kind]}.csv"

    def exports(self) -> list[tuple[str, Path]]:
        """Each item kind and its JSONL file."""
        return [(kind, self.jsonl(kind)) for kind in ITEM_FILES]

    @property
    def archive(self) -> Path:
        return self.folder / ARCHIVE

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    @property
    def lock(self) -> Path:
        return self.folder / LOCK


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A run folder's ``manifest.json``, or None while it has none (the run is going, or died)."""
    path = RunLayout(folder).manifest
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
