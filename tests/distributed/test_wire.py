"""newscrawl.distributed.wire: a request as JSON for the shared crawl's Redis, and back."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict

from newscrawl.crawl.commentwalk import WALK_META, CommentWalk
from newscrawl.distributed import wire
from newscrawl.pages.claims import PageEvidence


class Walker(Spider):
    name = "vpk"

    def parse_article(self, response: object) -> None: ...


def test_a_request_goes_through_json_and_comes_back_the_same() -> None:
    spider = Walker()
    walk = CommentWalk("7", "http://h/news/7_a.html", skip_until=20)
    request = Request(walk.url, callback=spider.parse_article, priority=10, body=b"\xff\x00",
                      headers={"X-Bytes": b"\xd0\xb0"}, meta={WALK_META: walk, "page": "article", "depth": 2})
    data = wire.dumps(request.to_dict(spider=spider))
    assert data.startswith(b"{") and b"\x80" not in data[:2]  # no pickle
    back = request_from_dict(wire.loads(data), spider=spider)
    assert (back.url, back.priority, back.body, back.callback) == (request.url, 10, b"\xff\x00", spider.parse_article)
    assert back.headers[b"X-Bytes"] == b"\xd0\xb0" and back.meta == request.meta


def test_a_walk_under_way_is_refused_not_flattened() -> None:
    walk = CommentWalk("7", "http://h/news/7_a.html")
    walk.read(PageEvidence("u", True, frozenset({"7"}), None, 1, (("c1", 1),), ()))
    with pytest.raises(ValueError, match="under way"):
        wire.dumps({"meta": {WALK_META: walk}})


def test_what_json_cannot_hold_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="object cannot be written"):
        wire.dumps({"meta": {"x": object()}})
