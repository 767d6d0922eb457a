"""Downloader middlewares: what reaches the spider is a whole page of the site, fetched politely.

``WholePages`` decodes text by what its bytes really are, and holds back a page that lies (a
200 cut short, empty, a login page, a comments page missing comments): it is retried with a
growing pause, then failed (``BrokenPage``), so that it is never read, never used to declare
deletions, never written over a good version; the spider's errback counts it and the article
stays in the frontier.

``Politeness`` keeps every request on the start URL's host (redirects and ``dont_filter``
requests included), honours ``Retry-After`` on 429 and 503, and retries a timed-out page only
once: a page that dribbles fails in two ``DOWNLOAD_TIMEOUT``s, not five.

Both sit closer to the downloader than Scrapy's RetryMiddleware (550), so a response reaches
them first and a retry they ask for goes through Scrapy's own accounting.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response, TextResponse

from newscrawl import statkeys
from newscrawl.crawl.commentwalk import WALK_META
from newscrawl.pages.html import CHECKED_PAGE, misdeclared_encoding
from newscrawl.pages.site import ThreadPage, site
from newscrawl.pages.versions import UNREADABLE

logger = logging.getLogger(__name__)


class BrokenPage(IgnoreRequest):
    """A page that stayed broken through its retries; ``kind``: why, when a walk refused it."""

    cause = "broken_page"  # what the crawl counts it as (``crawl.planner.Planner.failed``)

    def __init__(self, message: str, kind: str = "broken") -> None:
        super().__init__(message)
        self.kind = kind


class Offsite(IgnoreRequest):
    """A request (or a redirect) to another host."""

    cause = "offsite"


class WholePages:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.retries = settings.getint("BROKEN_PAGE_RETRY_TIMES")
        self.backoff = settings.getfloat("BROKEN_PAGE_BACKOFF")
        self.page_problem = site(settings).page_problem

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WholePages:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if isinstance(response, TextResponse):
            encoding = misdeclared_encoding(response)
            if encoding:
                self.crawler.stats.inc_value(statkeys.CHARSET_CORRECTED)
                logger.info("%s is %s, not %s as declared: read as %s", response.url, encoding, response.encoding,
                            encoding)
                response = response.replace(encoding=encoding)
        kind = request.meta.get("page")
        if kind is None or response.status != 200 or not isinstance(response, TextResponse):
            return response
        page, problem = self.page_problem(kind, response)
        stats = self.crawler.stats
        walk = request.meta.get(WALK_META)
        planner = getattr(self.crawler.spider, "planner", None)  # the one place that says which page a walk asked for
        why = "broken"
        # A page that needs the browser is checked once rendered: until then it shows no comments.
        if problem is None and walk is not None and planner is not None and isinstance(page, ThreadPage) \
                and not page.needs_browser():
            refusal = planner.refusal(walk, page)
            if refusal is not None:
                stats.inc_value(statkeys.refused_page(refusal.kind))
                problem, why = f"{refusal.kind}: {refusal.detail}", refusal.kind
        elif problem is not None:
            stats.inc_value(statkeys.broken_page(kind))
            if problem.startswith(UNREADABLE) and request.meta.get("retry_times", 0) >= self.retries:
                statkeys.listed(stats, statkeys.UNREADABLE_PAGES, f"{response.url} ({problem})")
        if problem is None:
            request.meta[CHECKED_PAGE] = page
            return response
        attempt = request.meta.get("retry_times", 0)
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"broken {kind} page: {problem}",
                                  max_retry_times=self.retries)
        if retry is None:
            raise BrokenPage(f"broken {kind} page ({problem}) after {attempt} retries", why)
        await asyncio.sleep(self.backoff * 2**attempt)
        return retry


class Politeness:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.retry_after_max = crawler.settings.getfloat("RETRY_AFTER_MAX")
        self.stay_on_host = crawler.settings.getbool("STAY_ON_HOST")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Politeness:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        allowed = getattr(self.crawler.spider, "allowed_domains", None) if self.stay_on_host else None
        host = urlsplit(request.url).hostname or ""
        if allowed and not any(host == domain or host.endswith("." + domain) for domain in allowed):
            self.crawler.stats.inc_value(statkeys.OFFSITE_BLOCKED)
            raise Offsite(f"{request.url} is not on {', '.join(allowed)}")

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status in (429, 503) and b"Retry-After" in response.headers:
            wait = retry_after(response.headers[b"Retry-After"].decode("latin-1"), response)
            if wait:
                wait = min(wait, self.retry_after_max)
                self.crawler.stats.inc_value(statkeys.RETRY_AFTER_WAITS)
                self.crawler.stats.inc_value(statkeys.RETRY_AFTER_SECONDS, wait)
                logger.info("%s answered %s: waiting %.1f s (Retry-After) before its retry", request.url,
                            response.status, wait)
                await asyncio.sleep(wait)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, DownloadTimeoutError | TimeoutError):
            request.meta["max_retry_times"] = min(request.meta.get("max_retry_times", 1), 1)


def retry_after(value: str, response: Response) -> float:
    """Seconds to wait: ``Retry-After`` is seconds or an HTTP date (read on the server's clock).

    >>> retry_after("3", None)
    3.0
    """
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    date = response.headers.get(b"Date") if response is not None else None
    now = parsedate_to_datetime(date.decode("latin-1")) if date else datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
