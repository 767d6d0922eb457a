"""The one path an item takes to the export files: a second copy dropped, its fields counted, its
version numbered against the state.

One pipeline, not three, so that the order the guarantees rest on is written once, here: a copy
is dropped before its fields are counted (a field's coverage counts each item once) and before it
is versioned (the state records it once); a comment's fields are counted before an unchanged one
is dropped by versioning (coverage is of what the pages gave, not of what changed). It also
spares each item two passes through Scrapy's pipeline chain.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.pipelines.coverage import FieldCoverage
from newscrawl.pipelines.dedupe import DedupePipeline
from newscrawl.pipelines.versioning import VersioningPipeline


class ItemPath:
    def __init__(self, dedupe: DedupePipeline, coverage: FieldCoverage, versioning: VersioningPipeline | None) -> None:
        self.dedupe, self.coverage, self.versioning = dedupe, coverage, versioning

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemPath:
        try:
            versioning: VersioningPipeline | None = VersioningPipeline.from_crawler(crawler)
        except NotConfigured:  # no state: every item goes on unversioned (the reason is logged)
            versioning = None
        return cls(DedupePipeline.from_crawler(crawler), FieldCoverage.from_crawler(crawler), versioning)

    def process_item(self, item: Any) -> Any:
        item = self.coverage.process_item(self.dedupe.process_item(item))
        return self.versioning.process_item(item) if self.versioning is not None else item

    def close_spider(self) -> None:
        self.coverage.close_spider()
