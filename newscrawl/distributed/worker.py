"""Who works on a shared crawl, who stopped, and how far the crawl is: read by the workers and by
``python -m newscrawl distributed status``.

A worker beats every third of ``DISTRIBUTED_LEASE_TTL``: its ``alive`` key expires unless it does.
One whose key has expired is dead; any worker that notices puts its leases back (``reap``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.settings import BaseSettings

from newscrawl.crawl.sources import SiteListing
from newscrawl.distributed.keys import CrawlKeys
from newscrawl.distributed.queue import LeasedQueue
from newscrawl.pages.site import site


@dataclass
class Progress:
    queued: int
    in_flight: int  # leases held by live workers
    workers_alive: list[str]
    workers_gone: list[str]
    pages: int
    items: int
    start_url: str | None
    seeded_at: str | None
    finished_at: str | None

    def line(self) -> str:
        state = f"finished at {self.finished_at}" if self.finished_at else \
            "not seeded" if not self.seeded_at else "running"
        return (f"crawl of {self.start_url or '?'}: {state}; queue {self.queued}, in flight {self.in_flight}, "
                f"workers alive {len(self.workers_alive)} ({', '.join(self.workers_alive) or 'none'}), "
                f"gone {len(self.workers_gone)}; {self.pages} pages, {self.items} items")


def workers(server: Any, keys: CrawlKeys) -> tuple[list[str], list[str]]:
    """The workers that joined the crawl: those alive (beating), and those gone."""
    joined = sorted(w.decode() for w in server.smembers(keys.workers))
    alive = [w for w in joined if server.exists(keys.alive(w))]
    return alive, [w for w in joined if w not in alive]


def progress(server: Any, keys: CrawlKeys) -> Progress:
    alive, gone = workers(server, keys)
    counts = [server.hgetall(keys.counts(w)) for w in alive + gone]
    info = {k.decode(): v.decode() for k, v in server.hgetall(keys.info).items()}
    return Progress(
        queued=server.zcard(keys.queue), in_flight=sum(server.hlen(keys.leases(w)) for w in alive),
        workers_alive=alive, workers_gone=gone,
        pages=sum(int(c.get(b"pages", 0)) for c in counts), items=sum(int(c.get(b"items", 0)) for c in counts),
        start_url=info.get("start_url"), seeded_at=info.get("seeded_at"), finished_at=info.get("finished_at"))


def seed(server: Any, keys: CrawlKeys, start_url: str) -> None:
    """A new crawl: the last one's keys gone, its start URL recorded for the workers."""
    for key in server.scan_iter(keys.every_key()):
        server.delete(key)
    server.hset(keys.info, mapping={"start_url": start_url, "seeded_at": datetime.now(UTC).isoformat()})


def connect(settings: BaseSettings) -> Any:
    """The shared crawl's Redis, as scrapy-redis connects to it (``REDIS_URL``, ``REDIS_PARAMS``)."""
    from scrapy_redis.connection import get_redis_from_settings

    return get_redis_from_settings(settings)


class SeededListing(SiteListing):
    """A worker's start source: the listing the shared crawl was seeded with (``-a start_url``
    first, the site's own when none was recorded)."""

    @classmethod
    def site_url(cls, settings: BaseSettings, start_url: str | None) -> str:
        the_site = site(settings)
        return start_url or seeded_start_url(settings, the_site.SPIDER) or the_site.START_URL


def seeded_start_url(settings: BaseSettings, spider: str) -> str | None:
    found = connect(settings).hget(CrawlKeys(spider).info, "start_url")
    return found.decode() if found else None


class Worker:
    def __init__(self, queue: LeasedQueue, ttl: float) -> None:
        self.queue = queue
        self.server = queue.server
        self.keys = queue.keys
        self.id = queue.worker
        self.ttl = ttl

    def join(self) -> None:
        self.server.sadd(self.keys.workers, self.id)
        self.beat()

    def beat(self, pages: int = 0, items: int = 0) -> int:
        """Say this worker lives, record what it did, and put back the leases of the dead."""
        self.server.set(self.keys.alive(self.id), 1, px=int(self.ttl * 1000))
        self.server.hset(self.keys.counts(self.id), mapping={"pages": pages, "items": items})
        return self.reap()

    def reap(self) -> int:
        _, gone = workers(self.server, self.keys)
        return sum(self.queue.give_back(worker) for worker in gone if worker != self.id)

    def others_busy(self) -> bool:
        """Whether the queue holds requests or a live worker holds a lease (more may come of it)."""
        if self.server.zcard(self.keys.queue):
            return True
        alive, _ = workers(self.server, self.keys)
        return any(self.server.hlen(self.keys.leases(worker)) for worker in alive)

    def finish(self) -> None:
        self.server.hsetnx(self.keys.info, "finished_at", datetime.now(UTC).isoformat())

    def leave(self) -> None:
        """A worker that stops puts back what it still holds (requests it never finished)."""
        self.queue.give_back(self.id)
        self.server.delete(self.keys.alive(self.id))
