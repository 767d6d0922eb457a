"""The ``vpk`` spider: listings, articles, their comment pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from newscrawl.browser import browser_available, browser_request, missing_browser_message
from newscrawl.pages.vpk import COMMENTS_RENDERED, START_URL, ArticlePage, CommentsPage, SitePage
from newscrawl.reporting import UnparsedValues
from newscrawl.urls import canonical_url

# Finish what is open before walking on: articles and their comments before the next listing page.
ARTICLE_PRIORITY = 10
COMMENTS_PRIORITY = 20


class VpkSpider(scrapy.Spider):
    """Walks the news listing newest first, each article on it, and each article's comment pages.

    Arguments (``-a name=value``):
      start_url  the listing to start from (default: the real site's news listing);
                 the crawl stays on its host.
      run_id     names the run's export folder (default: scrapyd's job id, else the UTC time).
    """

    name = "vpk"

    def __init__(self, start_url: str = START_URL, run_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.allowed_domains = [urlsplit(start_url).hostname or ""]
        self.run_id = run_id or kwargs.get("_job") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VpkSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.unparsed = UnparsedValues(crawler, spider.logger)
        spider.browser_ok = browser_available(crawler.settings)
        spider.browser_warned = False
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        page = SitePage(response)
        yield from self._follow_articles(page.article_urls() + page.discussed_urls())
        next_page = page.next_page_url()
        if next_page:
            yield scrapy.Request(canonical_url(next_page), callback=self.parse_listing)

    def parse_article(self, response: Response) -> Iterator[Any]:
        page = ArticlePage(response, self.unparsed)
        yield page.article()
        yield from self._comments(page)
        yield from self._follow_articles(page.discussed_urls())

    def parse_comments(self, response: Response) -> Iterator[Any]:
        yield from self._comments(CommentsPage(response, self.unparsed))

    def _comments(self, page: CommentsPage) -> Iterator[Any]:
        rendered = page.response.meta.get("playwright", False)
        if rendered:
            self.crawler.stats.inc_value("newscrawl/browser_pages")
        if page.needs_browser():
            if rendered:
                self._browser_miss("failed", page.response.url, "rendered, but no comments appeared")
            else:
                yield from self._browser_request(page.response.url)
            return
        yield from page.comments()
        for url in page.comment_page_urls():
            yield scrapy.Request(canonical_url(url), callback=self.parse_comments, priority=COMMENTS_PRIORITY)

    def _browser_request(self, url: str) -> Iterator[scrapy.Request]:
        if not self.browser_ok:
            if not self.browser_warned:
                self.browser_warned = True
                self.logger.error(missing_browser_message(self.settings))
            self._browser_miss("unavailable", url)
            return
        yield browser_request(url, COMMENTS_RENDERED, self.settings, callback=self.parse_comments,
                              errback=self.browser_failed, priority=COMMENTS_PRIORITY)

    def browser_failed(self, failure: Failure) -> None:
        self._browser_miss("failed", failure.request.url, failure.getErrorMessage())

    def _browser_miss(self, kind: str, url: str, why: str = "") -> None:
        """Count a page whose comments could not be read, and list it for the next run."""
        stats = self.crawler.stats
        stats.inc_value(f"newscrawl/browser_{kind}")
        stats.set_value(f"newscrawl/browser_{kind}_urls", [*stats.get_value(f"newscrawl/browser_{kind}_urls", []), url])
        if why:
            self.logger.error("Browser could not read comments on %s: %s", url, why)

    def _follow_articles(self, urls: list[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            yield scrapy.Request(canonical_url(url), callback=self.parse_article, priority=ARTICLE_PRIORITY)
