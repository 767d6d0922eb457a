"""Extensions: what a run leaves beside its exports."""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newscrawl.feeds import run_dir


class RunManifest:
    """Writes ``<run dir>/manifest.json`` when the spider closes: the run's stats and outcome.

    Schedulers and people read it to tell a healthy run from one that fetched nothing; tests read
    it instead of the log. Written to a temporary name and renamed, so it is whole or absent.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        manifest = {
            "run_id": getattr(spider, "run_id", None),
            "spider": spider.name,
            "finish_reason": reason,
            "stats": {key: _jsonable(value) for key, value in sorted(stats.items())},
        }
        folder = run_dir(spider)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / "manifest.json.part"
        partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(partial, folder / "manifest.json")


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
