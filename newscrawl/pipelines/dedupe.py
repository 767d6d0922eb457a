"""Item pipelines: what is kept."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from newscrawl import statkeys
from newscrawl.extract.items import Article, Comment

# Articles whose comment ids are remembered: far more than a crawl walks at once.
RECENT_ARTICLES = 1024


class DedupePipeline:
    """Drops a second copy of an article or comment within a run, and counts what it dropped.

    A copy comes from reading a page twice: an article reached again through another URL (a
    sidebar link with its own slug), a comment shown on two pages of a thread that shifted
    while it was walked. Article ids are kept for the whole run; comment ids only for the
    articles met last, since an article's comments are walked in one pass and a run over
    50,000 articles carries more than a million comments.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.articles: set[str] = set()
        self.comments: OrderedDict[str, set[str]] = OrderedDict()  # by article, least recent first

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Article | Comment) -> Any:
        if isinstance(item, Article):
            seen, key = self.articles, item.article_id
        else:
            seen, key = self._comments_of(item.article_id), item.comment_id
        if key in seen:
            kind = type(item).__name__
            self.stats.inc_value(statkeys.deduped(kind.lower()))
            raise DropItem(f"Duplicate {kind} {key}", log_level="DEBUG")  # expected: counted, not warned
        seen.add(key)
        return item

    def _comments_of(self, article_id: str) -> set[str]:
        if article_id in self.comments:
            self.comments.move_to_end(article_id)
            return self.comments[article_id]
        if len(self.comments) >= RECENT_ARTICLES:
            self.comments.popitem(last=False)
        return self.comments.setdefault(article_id, set())
