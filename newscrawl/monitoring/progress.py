"""Seeing a run while it runs: one progress line, live on a terminal, in the log under cron.

The line says pages, articles and comments new and changed, deletions, errors, pages a minute
and what is queued. On an interactive terminal ``rich`` redraws it in place every
``PROGRESS_INTERVAL`` seconds (Scrapy's log lines scroll above it); without one (cron, systemd,
scrapyd) the same line is logged every ``PROGRESS_LOG_INTERVAL`` seconds. It replaces Scrapy's
LogStats line, which counts pages and items only. The slowest pages are kept for the summary
at the end (``newscrawl.monitoring.manifest.summary_lines``).
"""

from __future__ import annotations

import heapq
import logging
import sys
import time
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.internet import task

from newscrawl import statkeys
from newscrawl.monitoring.manifest import errors

logger = logging.getLogger(__name__)
SLOWEST = 5


def progress_line(stats: dict[str, Any], elapsed: float) -> str:
    """
    >>> progress_line({"response_received_count": 120, "state/article/new": 3, "scheduler/enqueued": 130,
    ...                "scheduler/dequeued": 125}, 60.0)
    'pages 120 (120/min) · articles 3 new 0 changed · comments 0 new 0 changed 0 deleted · errors 0 · queued 5'
    """
    def get(key: str) -> int:
        return int(stats.get(key, 0))

    pages = get("response_received_count")
    rate = pages / elapsed * 60 if elapsed > 0 else 0
    queued = get("scheduler/enqueued") - get("scheduler/dequeued")
    return (f"pages {pages} ({rate:.0f}/min) · articles {get(statkeys.versioned('article', 'new'))} new "
            f"{get(statkeys.versioned('article', 'changed'))} changed · comments "
            f"{get(statkeys.versioned('comment', 'new'))} new {get(statkeys.versioned('comment', 'changed'))} changed "
            f"{get(statkeys.versioned('comment', 'deleted'))} deleted · errors {errors(stats)} · queued {queued}")


class Progress:
    def __init__(self, crawler: Crawler, interval: float, log_interval: float, live: bool) -> None:
        self.crawler = crawler
        self.interval, self.log_interval = interval, log_interval
        self.live_wanted = live
        self.started = time.monotonic()
        self.last_log = self.started
        self.slowest: list[tuple[float, str]] = []  # a min-heap of (seconds, URL)
        self.live: Any = None
        self.task: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        settings = crawler.settings
        interval = settings.getfloat("PROGRESS_INTERVAL")
        if not interval:
            raise NotConfigured  # turned off (the debugging commands do): nothing to warn of
        return cls(crawler, interval, settings.getfloat("PROGRESS_LOG_INTERVAL"), sys.stderr.isatty())

    def spider_opened(self) -> None:
        if self.live_wanted:
            from rich.console import Console
            from rich.live import Live

            self.live = Live("", console=Console(stderr=True), refresh_per_second=4, transient=True,
                             redirect_stderr=True, redirect_stdout=False)
            self.live.start()
        self.task = task.LoopingCall(self.tick)
        self.task.start(self.interval, now=False)

    def tick(self) -> None:
        now = time.monotonic()
        line = progress_line(self.crawler.stats.get_stats(), now - self.started)
        if self.live is not None:
            self.live.update(f"[bold]newscrawl[/bold] {line}")
        elif self.log_interval and now - self.last_log >= self.log_interval:
            self.last_log = now
            logger.info("Progress: %s", line)

    def response_received(self, response: Response, request: Request) -> None:
        latency = request.meta.get("download_latency")
        if latency is None:
            return
        entry = (float(latency), response.url)
        if len(self.slowest) < SLOWEST:
            heapq.heappush(self.slowest, entry)
        elif entry > self.slowest[0]:
            heapq.heapreplace(self.slowest, entry)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.live is not None:
            self.live.stop()
        self.crawler.stats.set_value(statkeys.SLOWEST_PAGES,
                                     [{"url": url, "seconds": round(s, 3)} for s, url in sorted(self.slowest, reverse=True)])
