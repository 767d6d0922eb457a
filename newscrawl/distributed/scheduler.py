"""scrapy-redis' scheduler for a worker of a shared crawl: leases, walks kept local, an end.

Contract with ``History`` (relied on for "nothing lost, nothing twice"): a lease is released
only by the state commit that follows the end of its request's processing, and of every walk
request it led to. ``History.commit`` sends ``state_committing`` before it flushes the exports
and ``state_committed`` once the state is saved: the requests finished at the first signal
(their items are exported by then, their states staged, the requests they yielded queued) are
released at the second. A worker killed at any point has its exports cut back to its last
commit by the next run on its machine, and its unreleased requests are done again by others.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from typing import TypeVar

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet import task

from newscrawl import statkeys
from newscrawl.credentials import mask_credentials
from newscrawl.distributed.keys import CrawlKeys
from newscrawl.distributed.queue import LEASE, WALK_ROOT, LeasedQueue
from newscrawl.distributed.worker import Worker
from newscrawl.state import signals as newscrawl_signals
from newscrawl.state.history import History

logger = logging.getLogger(__name__)
T = TypeVar("T")
REDIS_UNAVAILABLE = "redis_unavailable"  # the finish reason of a worker that lost the crawl's Redis


class Scheduler(RedisScheduler):
    """Requests with a walk root (``walks.LocalWalks``) stay in this worker's memory, the rest go
    to Redis. Upstream's ``open``, ``enqueue_request`` and ``next_request`` are replaced: they
    log through the deprecated ``Spider.log`` and pass ``spider`` to the stats."""

    crawler: Crawler
    queue: LeasedQueue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Scheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.ttl = crawler.settings.getfloat("DISTRIBUTED_LEASE_TTL")
        scheduler.local: list[tuple[int, int, Request]] = []  # a heap: (-priority, order, request)
        scheduler.order = itertools.count()
        scheduler.leased: dict[str, Request] = {}  # token -> the request taken from Redis
        scheduler.walks: dict[str, set[Request]] = {}  # token -> its walk's requests not yet finished
        scheduler.releasing: list[str] = []  # finished at state_committing, released at state_committed
        scheduler.lost: Exception | None = None  # Redis went away
        crawler.signals.connect(scheduler.committing, signal=newscrawl_signals.state_committing)
        crawler.signals.connect(scheduler.committed, signal=newscrawl_signals.state_committed)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler.spider_closed, signal=signals.spider_closed)
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = LeasedQueue(self.server, spider, CrawlKeys(spider.name).queue, self.serializer)
        self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self.worker = Worker(self.queue, self.ttl)
        self.worker.join()
        self.crawler.stats.set_value(statkeys.DISTRIBUTED_WORKER, self.worker.id)
        self.heart = task.LoopingCall(self._beat)
        self.heart.start(self.ttl / 3, now=False)
        logger.info("Worker %s joined the crawl: %d requests queued", self.worker.id, len(self.queue))

    def close(self, reason: str) -> None:
        if self.heart.running:
            self.heart.stop()

    # --- what to fetch ---------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        root = request.meta.get(WALK_ROOT)
        if root in self.leased:
            heapq.heappush(self.local, (-request.priority, next(self.order), request))
            self.walks[root].add(request)
            self.crawler.stats.inc_value("scheduler/enqueued/memory")
            return True
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        if not self._redis(lambda: self.queue.push(request, fingerprint), False):
            self.df.log(request, self.spider)
            self.crawler.stats.inc_value("dupefilter/filtered")
            return False
        self.crawler.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.local:  # open walks first, as the spider's priorities say
            return heapq.heappop(self.local)[2]
        request = self._redis(self.queue.pop, None)
        if request is not None:
            token = request.meta[LEASE]
            self.leased[token] = request
            self.walks[token] = set()
            self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.local) or self._redis(lambda: len(self.queue) > 0, False)

    def _redis(self, call: Callable[[], T], otherwise: T) -> T:
        """A call to the shared crawl's Redis. If Redis is gone, the worker says so once and closes
        (``redis_unavailable``, exit status 1); what it held waits in Redis for the crawl to go on."""
        if self.lost is None:
            try:
                return call()
            except redis.RedisError as error:
                self.lost = error
                logger.error("Lost the shared crawl's Redis (%s): closing this worker; its requests stay leased "
                             "in Redis and go back to the queue when it is up again", mask_credentials(str(error)))
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=REDIS_UNAVAILABLE))
        return otherwise

    # --- leases ----------------------------------------------------------------------------------

    def _finished(self) -> list[str]:
        """Leased requests whose processing ended, and that of every request of their walk.

        A request is in the engine's slot from its download until the output of its callback
        (or errback) is processed: items exported, requests scheduled (Scrapy 2.19,
        ``ExecutionEngine._slot.inprogress``)."""
        engine = self.crawler.engine
        busy = engine._slot.inprogress if engine is not None and engine._slot is not None else set()
        waiting = {entry[2] for entry in self.local}
        done = []
        for token, request in self.leased.items():
            walk = self.walks[token]
            walk.difference_update({r for r in walk if r not in busy and r not in waiting})
            if not walk and request not in busy:
                done.append(token)
        return done

    def committing(self) -> None:
        self.releasing = self._finished()

    def committed(self) -> None:
        self._redis(lambda: self.queue.release(self.releasing), None)
        for token in self.releasing:
            del self.leased[token], self.walks[token]
        self.releasing = []

    # --- the end ---------------------------------------------------------------------------------

    def _beat(self) -> None:
        stats = self.crawler.stats
        put_back = self._redis(lambda: self.worker.beat(pages=stats.get_value("response_received_count", 0),
                                                        items=stats.get_value("item_scraped_count", 0)), 0)
        if put_back:
            stats.inc_value(statkeys.DISTRIBUTED_PUT_BACK, put_back)
            logger.warning("Put back %d requests of a worker that stopped beating", put_back)

    def spider_idle(self) -> None:
        """Nothing to do here: commit (which releases what is finished), then close only when the
        whole crawl has nothing left, waiting while another live worker may yield more."""
        self._beat()
        if self.lost is not None:
            return
        self._commit()
        if self.has_pending_requests() or self._redis(self.worker.others_busy, False):
            raise DontCloseSpider
        self._redis(self.worker.finish, None)

    def _commit(self) -> None:
        history = self.crawler.get_extension(History)
        if history is None:
            raise NotConfigured("a shared crawl needs the state (STATE_URI)")
        history.commit(force=True)

    def spider_closed(self, reason: str) -> None:
        """After History's last commit (extensions connect first, so their handlers run first):
        what is still leased was not finished, or not committed. It goes back for the others."""
        self._redis(self.worker.leave, None)
