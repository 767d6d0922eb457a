"""Request fingerprints by canonical URL: what the dupefilter, the HTTP cache and a shared crawl's
Redis dupefilter all call one request.

Scrapy's own fingerprint canonicalizes less than ``newscrawl.urls.canonical_url`` does (tracking
parameters, ``m.`` hosts, print variants), and knows nothing of the browser: a page rendered by
Chromium is another fetch than the plain one of the same URL, not its duplicate. An article page
is known by its id: the sidebar links one with a short slug, the listing with the whole title,
and the site serves the same page under both (a run's spider already visits an id once; two
workers of a shared crawl must too).
"""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.crawler import Crawler

from newscrawl.pages.site import Site, site
from newscrawl.urls import canonical_url


class CanonicalFingerprinter:
    """``REQUEST_FINGERPRINTER_CLASS``: method, canonical URL, body, and whether a browser renders it."""

    def __init__(self, site: Site) -> None:
        self.article_id_from_url = site.article_id_from_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalFingerprinter:
        return cls(site(crawler.settings))

    def fingerprint(self, request: Request) -> bytes:
        digest = hashlib.sha1(request.method.encode())
        url = canonical_url(request.url)
        article_id = self.article_id_from_url(url)
        digest.update(b"\0" + (f"article {article_id}" if article_id else url).encode())
        digest.update(b"\0" + request.body)
        digest.update(b"\0rendered" if request.meta.get("playwright") else b"\0plain")
        return digest.digest()
