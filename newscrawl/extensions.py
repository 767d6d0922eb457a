"""Extensions: what a run leaves beside its exports."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newscrawl.feeds import run_dir

# The settings that decide what a run fetches and keeps, recorded with its outcome.
RECORDED_SETTINGS = ("STATE_URI", "EXPORTS_DIR", "REVISIT_AFTER", "LISTING_STOP_AFTER_KNOWN",
                     "CONCURRENT_REQUESTS", "BROWSER_EXECUTABLE", "HEALTH_MAX_ERROR_RATE")


class RunManifest:
    """Writes ``<run dir>/manifest.json`` when the spider closes: what the run did, and whether
    it was healthy.

    Schedulers read ``healthy`` (``python -m newscrawl run`` turns it into the exit code); people
    read the counts. Written to a temporary name and renamed, so it is whole or absent: a run
    folder without one is a run that died (see ``newscrawl.incremental``).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started_at = datetime.now(UTC)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        problems = health_problems(stats, reason, self.crawler.settings.getfloat("HEALTH_MAX_ERROR_RATE"))
        manifest = {
            "run_id": getattr(spider, "run_id", None),
            "spider": spider.name,
            "arguments": {k: getattr(spider, k) for k in ("start_url", "full", "force") if hasattr(spider, k)},
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "finish_reason": reason,
            "healthy": not problems,
            "problems": problems,
            "counts": counts(stats),
            "settings": {name: self.crawler.settings.get(name) for name in RECORDED_SETTINGS},
            "stats": {key: _jsonable(value) for key, value in sorted(stats.items())},
        }
        folder = run_dir(spider)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / "manifest.json.part"
        partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(partial, folder / "manifest.json")


def counts(stats: dict[str, Any]) -> dict[str, Any]:
    def get(key: str) -> int:
        return int(stats.get(key, 0))

    return {
        "articles": {k: get(f"state/article/{k}") for k in ("new", "changed", "unchanged")},
        "comments": {k: get(f"state/comment/{k}") for k in ("new", "changed", "unchanged", "deleted")},
        "duplicates_dropped": get("dedupe/article/dropped") + get("dedupe/comment/dropped"),
        "pages": get("response_received_count"),
        "browser_pages": get("newscrawl/browser_pages"),
        "listed_articles": get("newscrawl/listed_articles"),
        "errors": errors(stats),
        "unparsed_values": sum(v for k, v in stats.items() if k.startswith("newscrawl/unparsed/")),
    }


def errors(stats: dict[str, Any]) -> int:
    """Requests that failed for good, and callbacks that raised."""
    return int(stats.get("retry/max_reached", 0) + stats.get("httperror/response_ignored_count", 0)
               + sum(v for k, v in stats.items() if k.startswith("spider_exceptions/") and k.count("/") == 1)
               + stats.get("newscrawl/comment_pages_failed", 0))


def health_problems(stats: dict[str, Any], reason: str, max_error_rate: float) -> list[str]:
    problems = []
    if reason != "finished":
        problems.append(f"the crawl ended with {reason!r}")
    if not stats.get("newscrawl/listed_articles"):
        problems.append("no articles on the listing: the site is down, blocks us, or changed its layout")
    requests = stats.get("downloader/request_count", 0)
    if requests and errors(stats) / requests > max_error_rate:
        problems.append(f"{errors(stats)} of {requests} requests failed (over {max_error_rate:.0%})")
    return problems


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
