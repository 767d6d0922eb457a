"""Item pipelines: what is kept."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from newscrawl.items import Article, Comment

ITEM_KEYS = {Article: "article_id", Comment: "comment_id"}


class DedupePipeline:
    """Drops a second copy of an article or comment within a run, and counts what it dropped.

    A comment is seen twice when its page is fetched again (a sidebar link to an article
    already crawled through another URL); the site's ids make the copies equal.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen: dict[type, set[str]] = {cls: set() for cls in ITEM_KEYS}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        kind = type(item)
        key = getattr(item, ITEM_KEYS[kind])
        if key in self.seen[kind]:
            self.stats.inc_value(f"dedupe/{kind.__name__.lower()}/dropped")
            raise DropItem(f"Duplicate {kind.__name__} {key}", log_level="DEBUG")  # expected: counted, not warned
        self.seen[kind].add(key)
        return item
