"""The ``vpk`` spider: the crawl planner's answers as requests and items (``newscrawl.crawl.planner``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.python.failure import Failure

from newscrawl.crawl.arguments import Arguments, new_run_id
from newscrawl.crawl.planner import Fetch, Plan, Planner
from newscrawl.fetch.browser import BrowserFallback
from newscrawl.pages.vpk import COMMENTS_PER_PAGE, SPIDER, START_URL, ArticlePage, CommentsPage, SitePage, page_kind
from newscrawl.state.history import History


class VpkSpider(scrapy.Spider):
    """Walks the news listing newest first, each article on it, and each article's comment pages.

    With the state (on by default) a run fetches what can have changed since the last one: what
    earlier runs left unfinished, new articles, articles whose comment count moved on a listing
    or in the sidebar, and articles due for a revisit (REVISIT_AFTER). What to fetch is the
    planner's to decide; where the crawl starts is its start source's (``START_SOURCE``: the
    listing; a shared crawl's seed, or the archive for a re-extraction, set by their add-ons).
    Each callback receives its page object (``fetch.pageargs``).

    Arguments (``-a name=value``):
      start_url        the listing to start from (default: the real site's news listing);
                       the crawl stays on its host.
      run_id           names the run's export folder (default: scrapyd's job id, else the UTC
                       time and a random part).
      full=1           walk the whole listing (still fetching only what may have changed).
      force=1          fetch every article and comment page, whatever the state says.
      rebuild_state=1  rebuild a lost state from the exports before crawling.
    """

    name = SPIDER

    def __init__(self, **kwargs: Any) -> None:
        self.arguments = Arguments.read(kwargs)
        super().__init__()
        self.run_id = self.arguments.run_id or new_run_id()

    @classmethod
    def read_arguments(cls, raw: dict[str, Any]) -> Arguments:
        """What the crawl command checks before a run starts (a run id chosen now names its folder)."""
        args = Arguments.read(raw)
        return replace(args, run_id=args.run_id or new_run_id(), start_url=args.start_url or START_URL)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VpkSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.plan = Plan.of(crawler)  # a wrong setting stops the crawl here
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        return spider

    def spider_opened(self) -> None:
        """The start source and the planner, once the add-ons have settled the settings (Scrapy runs
        them after it creates the spider) and the crawl's stats and the state's extension exist
        (``History``; None: no state, every run a full one). Also in ``scrapy parse``, whose
        requests are its own."""
        crawler = self.crawler
        self.source = build_from_crawler(load_object(crawler.settings.get("START_SOURCE")), crawler,
                                         self.arguments.start_url)
        self.allowed_domains = self.source.hosts
        self.browser = BrowserFallback(crawler)
        self.planner = Planner(self.plan, crawler.stats, self.browser, crawler.get_extension(History),
                               per_page=COMMENTS_PER_PAGE, full=self.arguments.full, force=self.arguments.force,
                               claims=self.source.claims)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for fetch in self.source.start(self.planner):
            yield self._request(fetch)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A page reached without a callback (``scrapy parse URL``): read as what its URL says it is."""
        callbacks = {"listing": (self.parse_listing, SitePage), "article": (self.parse_article, ArticlePage),
                     "comments": (self.parse_comments, CommentsPage)}
        kind = page_kind(response.url)
        if kind is None:
            raise ValueError(f"{response.url} is no listing, article or comment page; pass -c")
        callback, page_class = callbacks[kind]
        yield from callback(response, page_class(response))

    def parse_listing(self, response: Response, page: SitePage) -> Iterator[scrapy.Request]:
        """A listing page: the articles to fetch, and the next page while the walk goes on.

        @page /news/
        @returns requests 1
        @returns items 0 0
        """
        yield from self._out(self.planner.listing_page(page))

    def parse_article(self, response: Response, page: ArticlePage) -> Iterator[Any]:
        """An article page: its comments, the article once its comment pages are walked, and the
        sidebar's articles.

        @page /news/232118_azerbajdzhan_derzhit_kurs_na_odkb.html
        @returns items 2
        @fields article article_id url title published_at section body views comments_count
        @fields comment article_id comment_id number author posted_at text page_url
        """
        yield from self._out(self.planner.article_page(page, self.planner.walk_of(response.meta)))

    def parse_comments(self, response: Response, page: CommentsPage) -> Iterator[Any]:
        """A comment page after the first (or the browser's rendering of one): its comments.

        @page /news/232149_uralvagonzavod_ispytaet_novye_istrebiteli_su/comments/2/
        @returns items 1
        @fields comment article_id comment_id number author posted_at text page_url
        """
        yield from self._out(self.planner.comments_page(page, self.planner.walk_of(response.meta)))

    def listing_failed(self, failure: Failure) -> None:
        self.planner.listing_failed(failure.request.url, failure.value, failure.getErrorMessage())

    def article_failed(self, failure: Failure) -> None:
        request = failure.request
        self.planner.article_failed(self.planner.walk_of(request.meta), request.url, failure.value,
                                    failure.getErrorMessage())

    def comment_page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        walk = self.planner.walk_of(request.meta)
        assert walk is not None, "a comment page is always asked for by its walk"
        yield from self._out(self.planner.page_failed(walk, request.url, failure.value, failure.getErrorMessage(),
                                                      rendered=bool(request.meta.get("playwright"))))

    def _out(self, answers: Iterable[Any]) -> Iterator[Any]:
        for answer in answers:
            yield self._request(answer) if isinstance(answer, Fetch) else answer

    def _request(self, fetch: Fetch) -> scrapy.Request:
        callback, errback = {"listing": (self.parse_listing, self.listing_failed),
                             "article": (self.parse_article, self.article_failed),
                             "comments": (self.parse_comments, self.comment_page_failed)}[fetch.kind]
        if fetch.kind == "article" and fetch.again:
            errback = self.comment_page_failed  # page 1 again, in a walk under way
        if fetch.render:
            return self.browser.request(fetch.url, callback=callback, errback=errback, priority=fetch.priority,
                                        meta=fetch.meta)
        # A walk's own pages pass the dupefilter (Politeness keeps them on the host).
        return scrapy.Request(fetch.url, callback=callback, errback=errback, priority=fetch.priority,
                              meta=fetch.meta, dont_filter=fetch.again)
