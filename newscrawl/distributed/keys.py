"""The Redis keys of a shared crawl, named once: the scheduler, the workers and the command line use them."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "newscrawl:crawl"


@dataclass(frozen=True)
class CrawlKeys:
    spider: str

    @property
    def base(self) -> str:
        return f"{PREFIX}:{self.spider}"

    @property
    def queue(self) -> str:  # scrapy-redis' priority queue: a sorted set of encoded requests
        return f"{self.base}:requests"

    @property
    def dupefilter(self) -> str:  # scrapy-redis' set of fingerprints
        return f"{self.base}:dupefilter"

    @property
    def info(self) -> str:  # hash: start_url, seeded_at, finished_at
        return f"{self.base}:info"

    @property
    def workers(self) -> str:  # set of the worker ids that joined
        return f"{self.base}:workers"

    def alive(self, worker: str) -> str:  # expires unless the worker beats
        return f"{self.base}:alive:{worker}"

    def leases(self, worker: str) -> str:  # hash: lease token -> encoded request
        return f"{self.base}:leases:{worker}"

    def counts(self, worker: str) -> str:  # hash: what the worker did (pages, items)
        return f"{self.base}:counts:{worker}"

    def every_key(self) -> str:
        """A pattern for all of a crawl's keys (a new crawl clears them)."""
        return f"{self.base}:*"
