"""spiders/vpk.py, the planner's adapter: a start source's fetches become requests, each kind of
page goes to its callback and errback, a page to render goes through the browser."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request

from newscrawl import statkeys
from newscrawl.crawl.planner import Fetch
from newscrawl.fetch.middlewares import BrokenPage
from spiders.vpk import VpkSpider
from tests.crawlers import project_crawler

BASE = "http://127.0.0.1:8000"


def spider(**arguments: str) -> VpkSpider:
    crawler = project_crawler(VpkSpider, {"BROWSER_EXECUTABLE": "/bin/true"})
    crawler.stats.open_spider()
    made = VpkSpider.from_crawler(crawler, **arguments)
    crawler.spider = made
    made.spider_opened()  # as the spider_opened signal does once the crawl starts
    return made


async def first_requests(made: VpkSpider) -> list[Request]:
    return [request async for request in made.start()]


def test_a_crawl_of_the_site_starts_from_its_listing_and_stays_on_its_host() -> None:
    made = spider(start_url=f"{BASE}/news/")
    (request,) = asyncio.run(first_requests(made))
    assert (request.url, request.callback, request.errback) == (f"{BASE}/news/", made.parse_listing, made.listing_failed)
    assert made.allowed_domains == ["127.0.0.1"] and made.planner.claims


@pytest.mark.parametrize(("fetch", "callback", "errback", "dont_filter"), [
    (Fetch(f"{BASE}/news/?page=2", "listing"), "parse_listing", "listing_failed", False),
    (Fetch(f"{BASE}/news/1_a.html", "article", 10), "parse_article", "article_failed", False),
    (Fetch(f"{BASE}/news/1_a.html", "article", 20, again=True), "parse_article", "comment_page_failed", True),
    (Fetch(f"{BASE}/news/1_a/comments/2/", "comments", 20, again=True), "parse_comments", "comment_page_failed", True),
])
def test_each_fetch_becomes_the_request_of_its_kind(fetch: Fetch, callback: str, errback: str, dont_filter: bool) -> None:
    made = spider()
    request = made._request(fetch)
    assert (request.callback, request.errback) == (getattr(made, callback), getattr(made, errback))
    assert (request.priority, request.dont_filter, request.meta["page"]) == (fetch.priority, dont_filter, fetch.kind)


def test_a_page_to_render_goes_through_the_browser() -> None:
    made = spider()
    walk = made.planner.article(f"{BASE}/news/1_a.html", "1").walk
    request = made._request(Fetch(f"{BASE}/news/1_a.html", "comments", 20, walk, render=True))
    assert request.meta["playwright"] and request.callback == made.parse_comments and request.dont_filter


def test_a_typo_in_an_argument_is_an_error_naming_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="unknown spider argument.*accepted: start_url"):
        spider(fulll="1")


def test_an_article_that_failed_for_good_is_counted_by_its_cause() -> None:
    made = spider()
    fetch = made.planner.article(f"{BASE}/news/1_a.html", "1")
    request = made._request(fetch)

    class Failed:  # what Scrapy hands an errback
        value = BrokenPage("cut short")

        def __init__(self) -> None:
            self.request = request

        def getErrorMessage(self) -> str:
            return "cut short"

    made.article_failed(Failed())  # type: ignore[arg-type]
    assert made.crawler.stats.get_value(statkeys.failed("broken_page")) == 1
