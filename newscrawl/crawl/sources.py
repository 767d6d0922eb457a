"""Where a crawl starts (``START_SOURCE``): the site's listing here; a shared crawl's seed
(``distributed.worker.SeededListing``) and the archive a re-extraction reads
(``exports.warc.ArchivedArticles``) are the other two, chosen by their add-ons.

A source gives the planner its first fetches, the hosts the crawl stays on, and whether its walks
may claim anything of the site (``claims``: a walk of the archive proves no deletion). Before the
crawl, it says which site the crawl will fetch (``site_url``), for the checks that depend on it
(a trial on this machine, a missing ``CONTACT``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newscrawl.pages.site import site

if TYPE_CHECKING:
    from newscrawl.crawl.planner import Fetch, Planner


class StartSource(Protocol):
    hosts: list[str]
    claims: bool

    def start(self, planner: Planner) -> list[Fetch]: ...

    @classmethod
    def site_url(cls, settings: BaseSettings, start_url: str | None) -> str | None:
        """The URL the crawl will start from, given ``-a start_url`` (or None); None: no site's."""


class SiteListing:
    """The site's news listing: ``-a start_url``, else the site's own."""

    claims = True

    def __init__(self, start_url: str) -> None:
        self.start_url = start_url
        self.hosts = [urlsplit(start_url).hostname or ""]

    @classmethod
    def from_crawler(cls, crawler: Crawler, start_url: str | None = None) -> SiteListing:
        return cls(cls.site_url(crawler.settings, start_url))

    @classmethod
    def site_url(cls, settings: BaseSettings, start_url: str | None) -> str:
        return start_url or site(settings).START_URL

    def start(self, planner: Planner) -> list[Fetch]:
        return [planner.listing(self.start_url)]
