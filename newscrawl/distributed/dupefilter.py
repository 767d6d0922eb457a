"""scrapy-redis' dupefilter with the crawl's own fingerprints.

Upstream computes a fingerprint of its own (w3lib's canonical URL), ignoring
``REQUEST_FINGERPRINTER_CLASS``: a link with a tracking parameter, or the browser's rendering of
a page, would be another request to it than to the rest of newscrawl.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter

from newscrawl.distributed.keys import CrawlKeys
from newscrawl.distributed.worker import connect


class CrawlDupeFilter(RFPDupeFilter):
    def __init__(self, server: Any, key: str, fingerprinter: Any, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_spider(cls, spider: Spider) -> CrawlDupeFilter:
        return cls(connect(spider.settings), CrawlKeys(spider.name).dupefilter,
                   spider.crawler.request_fingerprinter, spider.settings.getbool("DUPEFILTER_DEBUG"))

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()
