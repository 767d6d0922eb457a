"""newscrawl.distributed.walks: a walk's requests stay in the worker that holds the walk."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from newscrawl.crawl.commentwalk import WALK_META, CommentWalk
from newscrawl.distributed.queue import LEASE, WALK_ROOT
from newscrawl.distributed.walks import LocalWalks

URL = "http://127.0.0.1:8000/news/1_a.html"


def output(*requests: Request, meta: dict | None = None) -> list[Request]:
    response = HtmlResponse(URL, body=b"<html></html>", request=Request(URL, meta=meta or {}))
    return list(LocalWalks({"listing"}).process_spider_output(response, iter(requests)))


def test_the_listing_s_next_page_and_a_walk_under_way_carry_the_root_of_their_walk() -> None:
    started = CommentWalk("1", URL)
    started.passes.append(started.passes[0])  # a second pass: the walk is under way
    listing = Request("http://127.0.0.1:8000/news/?page=2", meta={"page": "listing"})
    next_page = Request(URL + "/comments/2/", meta={WALK_META: started})
    new_article = Request("http://127.0.0.1:8000/news/2_b.html", meta={WALK_META: CommentWalk("2", URL)})
    out = output(listing, next_page, new_article, meta={LEASE: "lease-1"})
    assert [r.meta.get(WALK_ROOT) for r in out] == ["lease-1", "lease-1", None]  # a new article goes to any worker


def test_a_request_of_a_walk_keeps_the_root_it_came_with() -> None:
    listing = Request("http://127.0.0.1:8000/news/?page=3", meta={"page": "listing"})
    assert output(listing, meta={WALK_ROOT: "lease-0", LEASE: "lease-9"})[0].meta[WALK_ROOT] == "lease-0"
