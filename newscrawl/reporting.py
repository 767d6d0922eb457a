"""Counting and logging values a page holds but newscrawl could not read."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler


class UnparsedValues:
    """Called by the loaders for a date or counter they cannot read: the field stays null.

    Each value is counted in the stats (``newscrawl/unparsed/<kind>``) and logged once with
    its raw text and the page's URL, so a site change shows without flooding the log.
    """

    def __init__(self, crawler: Crawler, logger: logging.Logger | logging.LoggerAdapter) -> None:
        self.crawler = crawler  # its stats exist only once the crawl starts
        self.logger = logger
        self.logged: set[tuple[str, str]] = set()

    def __call__(self, kind: str, raw: str, url: str) -> None:
        self.crawler.stats.inc_value(f"newscrawl/unparsed/{kind}")
        if (kind, raw) not in self.logged:
            self.logged.add((kind, raw))
            self.logger.warning("Could not read %s %r on %s (left null)", kind, raw, url)
