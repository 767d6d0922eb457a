"""scrapy-redis' priority queue, with a lease on every request taken from it.

Upstream, a pop removes the request from Redis and nothing acknowledges it: a worker killed with
requests in flight loses them for good. Here a pop moves the request, in one Lua script, into
its worker's lease hash (``CrawlKeys.leases``), under a token that carries its priority; the
worker releases the token once what the request produced is committed, and the leases of a
worker that died are put back into the queue (``give_back``). A push records the fingerprint
and queues the request in one script too, so that no death between the two loses a request the
dupefilter already counts as seen.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from scrapy import Request, Spider
from scrapy_redis.queue import PriorityQueue

from newscrawl.distributed.keys import CrawlKeys

LEASE = "newscrawl_lease"  # request.meta: the token of a request taken from Redis
WALK_ROOT = "newscrawl_walk_root"  # request.meta: the lease of the request that began its walk (walks.py)

# KEYS: queue, leases; ARGV: a token suffix unique to the worker. The token is "<score>:<suffix>".
_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
local token = found[2] .. ':' .. ARGV[1]
redis.call('HSET', KEYS[2], token, found[1])
return {token, found[1]}
"""
# KEYS: queue, dupefilter; ARGV: score, encoded request, fingerprint ('' for dont_filter).
_PUSH = """
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
"""
# KEYS: leases, queue. Every lease back into the queue at its priority.
_GIVE_BACK = """
local leases = redis.call('HGETALL', KEYS[1])
for i = 1, #leases, 2 do
  redis.call('ZADD', KEYS[2], string.match(leases[i], '^([^:]+):'), leases[i + 1])
end
redis.call('DEL', KEYS[1])
return #leases / 2
"""


class LeasedQueue(PriorityQueue):
    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys = CrawlKeys(spider.name)
        self.worker: str = spider.run_id
        self.tokens = itertools.count()
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self._give_back = server.register_script(_GIVE_BACK)

    def push(self, request: Request, fingerprint: str = "") -> bool:
        """Queue the request unless its fingerprint was seen; False when it was."""
        for key in (LEASE, WALK_ROOT):  # a retry or redirect of a leased request: a request of its own
            request.meta.pop(key, None)
        data = self._encode_request(request)
        return bool(self._push(keys=[self.key, self.keys.dupefilter], args=[-request.priority, data, fingerprint]))

    def pop(self, timeout: int = 0) -> Request | None:
        found = self._pop(keys=[self.key, self.keys.leases(self.worker)], args=[f"{self.worker}:{next(self.tokens)}"])
        if not found:
            return None
        token, data = found
        request = self._decode_request(data)
        request.meta[LEASE] = token.decode()
        return request

    def release(self, tokens: Iterable[str]) -> None:
        tokens = list(tokens)
        if tokens:
            self.server.hdel(self.keys.leases(self.worker), *tokens)

    def give_back(self, worker: str) -> int:
        """Put a worker's leases back into the queue; the number put back."""
        return int(self._give_back(keys=[self.keys.leases(worker), self.key]))
