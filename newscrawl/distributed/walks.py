"""Walks kept in one worker: a request of a walk carries the lease of the walk's first request.

The listing's next page and an article's comment pages (``meta["page"]``) carry state that
belongs to the walk (how deep the listing walk got, the comments a walk has seen) and must be
read in order by the worker that holds the walk. This spider middleware marks them with the
walk's root, the lease of the request taken from Redis that started the walk; the scheduler
keeps marked requests in memory, and releases the root only when its whole walk is finished.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newscrawl.crawl.commentwalk import WALK_META, CommentWalk
from newscrawl.distributed.queue import LEASE, WALK_ROOT


class LocalWalks:
    def __init__(self, pages: set[str]) -> None:
        self.pages = pages

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LocalWalks:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured  # not a shared crawl: no reason given, so Scrapy warns of nothing
        return cls(set(crawler.settings.getlist("DISTRIBUTED_WALK_PAGES")))

    # Both forms, so that the middleware stays universal (sync callbacks, async ones).
    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        root = self._root(response)
        async for output in result:
            yield self._mark(output, root)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        root = self._root(response)
        for output in result:
            yield self._mark(output, root)

    @staticmethod
    def _root(response: Response) -> str | None:
        return response.meta.get(WALK_ROOT) or response.meta.get(LEASE)

    def _mark(self, output: Any, root: str | None) -> Any:
        if root and isinstance(output, Request) and (output.meta.get("page") in self.pages or _walking(output)):
            output.meta[WALK_ROOT] = root
        return output


def _walking(request: Request) -> bool:
    """A request of a comment walk under way: its next page, or page 1 again for another pass."""
    walk = request.meta.get(WALK_META)
    return isinstance(walk, CommentWalk) and walk.started
