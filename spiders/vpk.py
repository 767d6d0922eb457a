"""The ``vpk`` spider: listings, articles, their comment pages; what is new since the last run."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from newscrawl.browser import browser_available, browser_request, missing_browser_message
from newscrawl.incremental import StatePipeline
from newscrawl.items import Article
from newscrawl.pages import fetched_at
from newscrawl.pages.vpk import COMMENTS_RENDERED, START_URL, ArticleLink, ArticlePage, CommentsPage, SitePage
from newscrawl.policy import Visit, is_settled, parse_schedule, visit
from newscrawl.reporting import UnparsedValues
from newscrawl.state import ArticleState
from newscrawl.urls import canonical_url

# Finish what is open before walking on: articles and their comments before the next listing page.
ARTICLE_PRIORITY = 10
COMMENTS_PRIORITY = 20


@dataclass
class CommentPass:
    """One walk through an article's comment pages, page after page.

    Only a complete walk can tell that a comment is gone; a walk that skipped or lost a page
    reports new and changed comments but no deletions.
    """

    article_id: str
    visit: Visit
    known_comments: int | None = None
    article: Article | None = None  # emitted when the walk ends, after its comments (see StatePipeline)
    remaining: list[str] | None = None  # planned on the first page that shows the page links
    seen: set[str] = field(default_factory=set)
    complete: bool = True


class VpkSpider(scrapy.Spider):
    """Walks the news listing newest first, each article on it, and each article's comment pages.

    With the state store (on by default) a run fetches what can have changed since the last one:
    new articles, articles whose comment count moved on a listing or in the sidebar, and
    articles due for a revisit (REVISIT_AFTER); the listing walk stops after
    LISTING_STOP_AFTER_KNOWN known articles older than the revisit window.

    Arguments (``-a name=value``):
      start_url  the listing to start from (default: the real site's news listing);
                 the crawl stays on its host.
      run_id     names the run's export folder (default: scrapyd's job id, else the UTC time).
      full=1     walk the whole listing (still fetching only what may have changed).
      force=1    fetch every article and comment page, whatever the state says.
    """

    name = "vpk"

    def __init__(self, start_url: str = START_URL, run_id: str | None = None, full: str = "0",
                 force: str = "0", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.allowed_domains = [urlsplit(start_url).hostname or ""]
        self.run_id = run_id or kwargs.get("_job") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.full = full == "1"
        self.force = force == "1"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VpkSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.unparsed = UnparsedValues(crawler, spider.logger)
        spider.browser_ok = browser_available(settings)
        spider.browser_warned = False
        spider.schedule = parse_schedule(settings.get("REVISIT_AFTER"))
        spider.window = max(spider.schedule, default=timedelta(0))
        spider.stop_after = settings.getint("LISTING_STOP_AFTER_KNOWN")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.state = self.crawler.get_item_pipeline(StatePipeline)  # None: no state, every run is a full one
        self.requested: set[str] = set()  # article ids: one visit per run, whatever URL led to it
        yield scrapy.Request(canonical_url(self.start_url), callback=self.parse_listing)

    # --- listings and the sidebar ----------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        page = SitePage(response)
        now = fetched_at(response)
        settled_run = response.meta.get("settled_run", 0)
        listed = page.listed_articles()
        self.crawler.stats.inc_value("newscrawl/listed_articles", len(listed))
        for link in listed:
            state = self._state(link)
            request = self._visit(link, now, state)
            if request:
                yield request
            settled_run = settled_run + 1 if request is None and is_settled(state, now, self.window) else 0
        yield from self._visit_all(page.discussed_articles(), now)
        next_page = page.next_page_url()
        if next_page and (self.full or settled_run < self.stop_after):
            yield scrapy.Request(canonical_url(next_page), callback=self.parse_listing,
                                 meta={"settled_run": settled_run})
        elif next_page:
            self.crawler.stats.set_value("state/listing_stopped_at", response.url)

    def _visit_all(self, links: list[ArticleLink], now: datetime) -> Iterator[scrapy.Request]:
        for link in links:
            if link.article_id not in self.requested:  # the sidebar repeats itself on every page
                request = self._visit(link, now, self._state(link))
                if request:
                    yield request

    def _state(self, link: ArticleLink) -> ArticleState | None:
        return self.state.article_state(link.article_id) if self.state and link.article_id else None

    def _visit(self, link: ArticleLink, now: datetime, state: ArticleState | None) -> scrapy.Request | None:
        decision = visit(state, link.comments, now, self.schedule, self.force) if self.state else Visit.NEW
        self.crawler.stats.inc_value(f"state/visit/{decision.value}")
        if decision is Visit.SKIP or link.article_id in self.requested:
            return None
        if link.article_id:
            self.requested.add(link.article_id)
        known = state.comments_count if state and is_settled(state, now, self.window) else None
        return scrapy.Request(canonical_url(link.url), callback=self.parse_article, priority=ARTICLE_PRIORITY,
                              meta={"comment_pass": CommentPass(link.article_id or "", decision, known)})

    # --- articles and their comment pages ---------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        page = ArticlePage(response, self.unparsed)
        article = page.article()
        comment_pass = response.meta.get("comment_pass") or CommentPass(article.article_id or "", Visit.NEW)
        comment_pass.article_id = article.article_id or comment_pass.article_id
        comment_pass.article = article
        yield from self._comment_page(page, comment_pass)
        yield from self._visit_all(page.discussed_articles(), fetched_at(response))

    def parse_comments(self, response: Response) -> Iterator[Any]:
        yield from self._comment_page(CommentsPage(response, self.unparsed), response.meta["comment_pass"])

    def _comment_page(self, page: CommentsPage, comment_pass: CommentPass) -> Iterator[Any]:
        rendered = page.response.meta.get("playwright", False)
        if rendered:
            self.crawler.stats.inc_value("newscrawl/browser_pages")
        if page.needs_browser():
            if rendered:
                self._browser_miss("failed", page.response.url, "rendered, but no comments appeared")
            elif self.browser_ok:
                yield browser_request(page.response.url, COMMENTS_RENDERED, self.settings,
                                      callback=self.parse_comments, errback=self.comment_page_failed,
                                      priority=COMMENTS_PRIORITY, meta={"comment_pass": comment_pass})
                return
            else:
                self._browser_unavailable(page.response.url)
            comment_pass.complete = False
        else:
            for comment in page.comments():
                comment_pass.seen.add(comment.comment_id or "")
                yield comment
            if comment_pass.remaining is None:
                comment_pass.remaining = self._plan(page, comment_pass)
        yield from self._next_comment_page(comment_pass)

    def _plan(self, page: CommentsPage, comment_pass: CommentPass) -> list[str]:
        """The comment pages to walk after the first. A settled article that a listing showed with
        more comments is walked from the page where its known comments end: new ones come last."""
        urls = [canonical_url(url) for url in page.comment_page_urls()]
        per_page = len(comment_pass.seen)
        if comment_pass.visit is Visit.MOVED and comment_pass.known_comments and per_page and urls:
            first = max(2, math.ceil(comment_pass.known_comments / per_page))
            if first > 2:
                comment_pass.complete = False
                self.crawler.stats.inc_value("state/comment_pages_skipped", first - 2)
            return urls[first - 2 :]
        return urls

    def _next_comment_page(self, comment_pass: CommentPass) -> Iterator[Any]:
        if comment_pass.remaining:
            yield scrapy.Request(comment_pass.remaining.pop(0), callback=self.parse_comments,
                                 errback=self.comment_page_failed, priority=COMMENTS_PRIORITY,
                                 meta={"comment_pass": comment_pass}, dont_filter=True)  # the walk is this article's own
            return
        if comment_pass.complete and self.state:
            yield from self.state.vanished_comments(comment_pass.article_id, comment_pass.seen)
        if comment_pass.article:
            yield comment_pass.article

    def comment_page_failed(self, failure: Failure) -> Iterator[Any]:
        """A comment page that could not be read: note it, and walk on without deletion checks."""
        request = failure.request
        if request.meta.get("playwright"):
            self._browser_miss("failed", request.url, failure.getErrorMessage())
        self.crawler.stats.inc_value("newscrawl/comment_pages_failed")
        comment_pass: CommentPass = request.meta["comment_pass"]
        comment_pass.complete = False
        yield from self._next_comment_page(comment_pass)

    # --- the browser, when there is none -----------------------------------------------------------

    def _browser_unavailable(self, url: str) -> None:
        if not self.browser_warned:
            self.browser_warned = True
            self.logger.error(missing_browser_message(self.settings))
        self._browser_miss("unavailable", url)

    def _browser_miss(self, kind: str, url: str, why: str = "") -> None:
        """Count a page whose comments could not be read, and list it for the next run."""
        stats = self.crawler.stats
        stats.inc_value(f"newscrawl/browser_{kind}")
        stats.set_value(f"newscrawl/browser_{kind}_urls", [*stats.get_value(f"newscrawl/browser_{kind}_urls", []), url])
        if why:
            self.logger.error("Browser could not read comments on %s: %s", url, why)
