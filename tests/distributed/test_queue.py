"""newscrawl.distributed's queue and workers against a real redis-server: leases, putting back, progress."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from scrapy import Request, Spider

from newscrawl.distributed import wire
from newscrawl.distributed.keys import CrawlKeys
from newscrawl.distributed.queue import LEASE, LeasedQueue
from newscrawl.distributed.worker import Worker, progress, seed
from tests.conftest import RedisServer

pytestmark = pytest.mark.server


@pytest.fixture
def server() -> Iterator[redis.Redis]:
    running = RedisServer()
    yield redis.Redis.from_url(running.url)
    running.stop()


def queue_of(server: redis.Redis, worker: str) -> LeasedQueue:
    spider = Spider(name="vpk")
    spider.run_id = worker
    return LeasedQueue(server, spider, CrawlKeys("vpk").queue, wire)


def test_a_pop_leases_the_request_until_it_is_released(server: redis.Redis) -> None:
    keys, queue = CrawlKeys("vpk"), queue_of(server, "a")
    seed(server, keys, "http://127.0.0.1/news/")
    assert queue.push(Request("http://127.0.0.1/news/1_a.html", priority=10), "fp1")
    assert not queue.push(Request("http://127.0.0.1/news/1_b.html", priority=10), "fp1")  # its fingerprint was seen
    assert queue.push(Request("http://127.0.0.1/news/2_c.html", priority=30, dont_filter=True))
    first = queue.pop()
    assert first is not None and first.url.endswith("2_c.html")  # the higher priority first
    assert server.hgetall(keys.leases("a")) and len(queue) == 1
    queue.release([first.meta[LEASE]])
    assert not server.hgetall(keys.leases("a"))


def test_the_leases_of_a_worker_that_stopped_beating_go_back_at_their_priority(server: redis.Redis) -> None:
    keys = CrawlKeys("vpk")
    seed(server, keys, "http://127.0.0.1/news/")
    doomed, survivor = Worker(queue_of(server, "doomed"), ttl=0.2), Worker(queue_of(server, "survivor"), ttl=60)
    doomed.join()
    survivor.join()
    for n, priority in ((1, 10), (2, 20)):
        doomed.queue.push(Request(f"http://127.0.0.1/news/{n}_a.html", priority=priority), f"fp{n}")
    taken = [doomed.queue.pop(), doomed.queue.pop()]
    assert all(taken) and progress(server, keys).in_flight == 2 and survivor.others_busy()
    assert survivor.reap() == 0  # still alive: its leases are its own
    server.delete(keys.alive("doomed"))  # what an expired heartbeat leaves
    assert survivor.reap() == 2
    again = [survivor.queue.pop(), survivor.queue.pop()]
    assert [r.url for r in again] == [r.url for r in taken]  # the same requests, in priority order
    found = progress(server, keys)
    assert found.workers_gone == ["doomed"] and found.workers_alive == ["survivor"] and found.in_flight == 2


def test_a_new_crawl_clears_the_last_ones_queue_fingerprints_and_leases(server: redis.Redis) -> None:
    keys, queue = CrawlKeys("vpk"), queue_of(server, "a")
    seed(server, keys, "http://127.0.0.1/news/")
    queue.push(Request("http://127.0.0.1/news/1_a.html"), "fp1")
    queue.push(Request("http://127.0.0.1/news/2_a.html"), "fp2")
    queue.pop()
    Worker(queue, ttl=60).finish()
    seed(server, keys, "http://127.0.0.1/news/")
    found = progress(server, keys)
    assert (found.queued, found.in_flight, found.finished_at) == (0, 0, None)
    assert queue.push(Request("http://127.0.0.1/news/1_a.html"), "fp1")  # seen in the last crawl only


def test_a_request_in_redis_is_json_and_comes_back_with_its_walk(server: redis.Redis) -> None:
    from newscrawl.crawl.commentwalk import WALK_META, CommentWalk

    keys, queue = CrawlKeys("vpk"), queue_of(server, "a")
    walk = CommentWalk("1", "http://127.0.0.1/news/1_a.html", skip_until=40)
    assert queue.push(Request(walk.url, meta={WALK_META: walk, "page": "article"}, headers={"Referer": "x"}), "fp")
    (raw,) = server.zrange(keys.queue, 0, -1)
    assert json.loads(raw)["url"] == walk.url  # JSON: nothing in Redis runs code in a worker
    back = queue.pop()
    assert back is not None and back.meta[WALK_META] == walk and back.headers[b"Referer"] == b"x"
