"""A run's folder from birth to manifest: its lock, the recovery of runs that died, its manifest.

``<EXPORTS_DIR>/<spider>/<run_id>/`` holds the run's exports, a ``.lock`` held while the run
lives, and ``manifest.json`` once it closed. A folder without a manifest whose lock is free
is a run that died: the next run cuts its exports back to the sizes the state recorded with its
last commit (``History``'s contract) and writes its manifest (``finish_reason: killed``).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newscrawl import statkeys
from newscrawl.components import off_by_design
from newscrawl.exports.feeds import ExportFiles, ExportsUnwritable, cut_back, write_csvs
from newscrawl.layout import RunLayout, run_folders
from newscrawl.monitoring import manifest
from newscrawl.state.history import History
from newscrawl.state.store import StateStore

logger = logging.getLogger(__name__)
# Room kept on the disk for the manifest from the run's start: a run that filled the disk must
# still be able to say so. Given back just before the manifest is written.
ROOM_NAME = ".manifest-room"
ROOM_BYTES = 64 * 1024


def hold(path: Path) -> IO[str] | None:
    """An exclusive lock on ``path``, held until the returned file is closed or the process ends;
    None when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    file = path.open("a")
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        return None
    return file


def is_alive(folder: Path) -> bool:
    lock = RunLayout(folder).lock
    if not lock.exists():
        return False
    held = hold(lock)
    if held is None:
        return True
    held.close()
    return False


def dead_runs(runs: Path, *, besides: Path | None = None) -> list[Path]:
    """Run folders without a manifest whose process is gone."""
    return [folder for folder in run_folders(runs)
            if folder != besides and not RunLayout(folder).manifest.exists() and not is_alive(folder)]


def recover_killed_runs(runs: Path, store: StateStore, settings: BaseSettings, besides: Path | None = None) -> int:
    """Cut runs that died back to what the state recorded of them, write their CSV files from
    what is left, and give each its manifest."""
    checkpoints = store.checkpoints()
    for folder in run_folders(runs):
        found = checkpoint_of(checkpoints, folder)
        if found and RunLayout(folder).manifest.exists():
            store.forget(found[0])  # closed normally: its checkpoint is of no more use
    for folder in run_folders(runs):
        if folder != besides and RunLayout(folder).manifest.exists() and _lacks_csv(folder):
            write_csvs(folder, settings)  # its disk was full when it closed
    dead = dead_runs(runs, besides=besides)
    for folder in dead:
        key, kept = checkpoint_of(checkpoints, folder) or (folder.name, {})
        cut_back(folder, kept)
        write_csvs(folder, settings)
        write_killed_manifest(folder, kept)
        store.forget(key)
        logger.warning("Run %s had died; its exports were cut back to what the state recorded", folder.name)
    return len(dead)


def checkpoint_of(checkpoints: dict[str, dict[str, int]], folder: Path) -> tuple[str, dict[str, int]] | None:
    """A run's checkpoint (its key, and each export file's committed size), found by its run id,
    the folder's name, wherever the folder now is; states written before December 2026 keyed it
    by the folder's absolute path on the machine that ran it."""
    for key in (folder.name, str(folder.resolve())):
        if key in checkpoints:
            return key, checkpoints[key]
    return None


def _lacks_csv(folder: Path) -> bool:
    return any(not jsonl.with_suffix(".csv").exists() for jsonl in folder.glob("*.jsonl"))


def write_killed_manifest(folder: Path, kept: dict[str, int]) -> None:
    """The manifest of a run that died, with the counts of what its exports kept."""
    stats: dict[str, Any] = {}
    for kind, path in RunLayout(folder).exports():
        for line in path.open(encoding="utf-8") if path.exists() else ():
            record = json.loads(line)
            outcome = "deleted" if record.get("deleted") else "new" if record.get("version") == 1 else "changed"
            key = statkeys.versioned(kind, outcome)
            stats[key] = stats.get(key, 0) + 1
    started = datetime.fromtimestamp(folder.stat().st_ctime, UTC)
    (folder / ROOM_NAME).unlink(missing_ok=True)
    manifest.write(folder, manifest.build(
        run_id=folder.name, spider=folder.parent.name, arguments={}, started_at=started, reason="killed",
        stats=stats, settings={}, max_error_rate=1.0, recovered_at=datetime.now(UTC).isoformat(),
        kept_bytes={Path(p).name: size for p, size in kept.items()},
        extra_problems=["the run died before it closed; the next run redid what its exports lost"]))


class RunFolder:
    """Creates the run's folder and holds its lock, recovers runs that died, writes the manifest."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started_at = datetime.now(UTC)
        self.lock: IO[str] | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        # Connected after History's (EXTENSIONS order): the manifest follows the last commit.
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunFolder:
        if not crawler.settings.getbool("RUN_FOLDER_ENABLED"):
            raise off_by_design(__name__, "no run folder (a debugging command)")
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        folder = RunLayout.of_spider(spider).folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        self.lock = hold(RunLayout(folder).lock)
        (folder / ROOM_NAME).write_bytes(os.urandom(ROOM_BYTES))  # not zeros, which a filesystem may not store
        history = self.crawler.get_extension(History)
        if history is not None:
            recovered = recover_killed_runs(folder.parent, history.store, self.crawler.settings, besides=folder)
            if recovered:
                self.crawler.stats.set_value(statkeys.RECOVERED_RUNS, recovered)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        folder = RunLayout.of_spider(spider).folder.resolve()
        files = self.crawler.get_extension(ExportFiles)
        history = self.crawler.get_extension(History)
        if files is not None and files.error is None and history is None:
            with suppress(ExportsUnwritable):  # History's last commit flushed them where there is a state
                files.flush()
        if files is not None and files.error is not None:
            # The disk is full: the manifest needs the room more. The next run writes the CSV files.
            cut_back(folder, history.last_offsets if history else {})
            self.crawler.stats.set_value(statkeys.EXPORT_ERROR, files.error.strerror or str(files.error))
        else:
            self._write_csvs(folder)
        settings = self.crawler.settings
        (folder / ROOM_NAME).unlink(missing_ok=True)
        path = manifest.write(folder, manifest.build(
            run_id=spider.run_id, spider=spider.name,
            arguments={k: getattr(spider, k) for k in ("start_url", "full", "force") if hasattr(spider, k)},
            started_at=self.started_at, reason=reason, stats=self.crawler.stats.get_stats(),
            settings={name: settings.get(name) for name in manifest.RECORDED_SETTINGS},
            max_error_rate=settings.getfloat("HEALTH_MAX_ERROR_RATE")))
        logger.info("Manifest written to %s", path)

    def _write_csvs(self, folder: Path) -> None:
        """The CSV files from the JSONL, which are flushed by now (History's last commit, or the
        flush above) and whole; the FeedExporter closes them meanwhile, adding nothing."""
        started = time.monotonic()
        try:
            rows = write_csvs(folder, self.crawler.settings)
            self.crawler.stats.set_value(statkeys.CSV_SECONDS, round(time.monotonic() - started, 3))
            self.crawler.stats.set_value(statkeys.WRITTEN, rows)
        except OSError as error:
            logger.error("Cannot write the CSV files (%s); the next run writes them from the JSONL",
                         error.strerror or error)
            self.crawler.stats.set_value(statkeys.EXPORT_ERROR, error.strerror or str(error))
