"""The browser path: Chromium through scrapy-playwright, for comments that only JavaScript renders.

Only pages that need it go this way (``meta["playwright"]``); every other request takes Scrapy's
plain HTTP handler inside the same download handler. Playwright and the browser start on the
first such page.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from playwright.async_api import Request as PlaywrightRequest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from newscrawl import statkeys
from newscrawl.pages.site import site

logger = logging.getLogger(__name__)

# Chromium calls home at start; on a closed network that is a storm of refused connections.
QUIET_CHROMIUM_FLAGS = [
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-sync", "--disable-gpu", "--disable-quic",
]
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})


def browser_executable(settings: BaseSettings) -> str:
    return settings.get("BROWSER_EXECUTABLE")


def browser_available(settings: BaseSettings) -> bool:
    return os.access(browser_executable(settings), os.X_OK)


def missing_browser_message(settings: BaseSettings) -> str:
    return (f"No browser at BROWSER_EXECUTABLE={browser_executable(settings)!r}: comments rendered by "
            "JavaScript cannot be read. Install Debian's 'chromium' package (apt-get install chromium) "
            "or set BROWSER_EXECUTABLE to a Chromium binary. The pages are listed in the stats "
            "(newscrawl/browser_unavailable_urls) so that a later run can fetch them.")


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, launched with newscrawl's browser settings.

    ``BROWSER_EXECUTABLE`` names the system Chromium (Playwright cannot download its own here);
    the flags keep it quiet; the rest of PLAYWRIGHT_LAUNCH_OPTIONS still applies.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        options = self.config.launch_options
        options.setdefault("executable_path", browser_executable(crawler.settings))
        options.setdefault("headless", True)
        options["args"] = [*options.get("args", []), *QUIET_CHROMIUM_FLAGS]
        for signal_name in ("handle_sigint", "handle_sigterm", "handle_sighup"):
            options.setdefault(signal_name, False)
        self.playwright_started = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """Not at the engine's start, as scrapy-playwright does: Playwright's Node.js driver costs
        half a second of CPU and of the run's start, and most runs need no page through the
        browser. It starts with the first page that does (``_download_request``)."""

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        async with self.playwright_started:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        return await super()._download_request(request, spider)


def block_heavy_resources(request: PlaywrightRequest) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: images, fonts and media say nothing about comments."""
    return request.resource_type in BLOCKED_RESOURCES


def browser_request(url: str, wait_for: str, settings: BaseSettings, meta: dict[str, Any] | None = None,
                    **kwargs: Any) -> Request:
    """A request rendered by Chromium, done once ``wait_for`` matches (or the timeout passes)."""
    timeout_ms = settings.getfloat("BROWSER_WAIT_TIMEOUT") * 1000
    return Request(
        url,
        dont_filter=True,  # the plain fetch of this URL already passed the dupefilter
        meta={
            **(meta or {}),
            "playwright": True,
            "dont_cache": True,  # the HTTP cache (DEVELOPMENT) keys by URL: it holds the plain fetch
            "playwright_context": "comments",
            "playwright_context_kwargs": {"user_agent": settings.get("USER_AGENT")},
            "playwright_page_methods": [PageMethod("wait_for_selector", wait_for, state="attached", timeout=timeout_ms)],
        },
        **kwargs,
    )


class BrowserFallback:
    """The browser path as the crawl sees it: whether there is a browser, the request that renders
    a page whose comments only JavaScript shows, and the count and list of pages it could not
    render (``newscrawl/browser_<kind>_urls``), for a later run to fetch."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.available = browser_available(crawler.settings)
        self.rendered = site(crawler.settings).COMMENTS_RENDERED
        self.warned = False

    def request(self, url: str, **kwargs: Any) -> Request:
        return browser_request(url, self.rendered, self.settings, **kwargs)

    def miss(self, kind: str, url: str, why: str = "") -> None:
        """Count a page whose comments could not be read ("failed", "unavailable"), and list it."""
        if kind == "unavailable" and not self.warned:
            self.warned = True
            logger.error(missing_browser_message(self.settings))
        self.crawler.stats.inc_value(statkeys.browser_miss(kind))
        statkeys.listed(self.crawler.stats, statkeys.browser_miss_urls(kind), url)
        if why:
            logger.error("Browser could not read comments on %s: %s", url, why)
