"""newscrawl.fetch.fingerprints: one request, one fingerprint, whatever URL led to it."""

from __future__ import annotations

from scrapy import Request

from newscrawl.fetch.fingerprints import CanonicalFingerprinter
from newscrawl.pages import vpk

FINGERPRINT = CanonicalFingerprinter(vpk).fingerprint


def test_an_article_is_one_request_under_any_slug_host_or_tracking_parameter() -> None:
    long = FINGERPRINT(Request("https://vpk.name/news/232114_kitaj_usilivaet_flot.html"))
    assert FINGERPRINT(Request("https://m.vpk.name/news/232114_kitaj.html?utm_source=discussed#c1")) == long


def test_a_browser_rendering_is_another_fetch_than_the_plain_page() -> None:
    url = "https://vpk.name/news/232114_kitaj/comments/2/"
    assert FINGERPRINT(Request(url)) != FINGERPRINT(Request(url, meta={"playwright": True}))
    assert FINGERPRINT(Request(url)) != FINGERPRINT(Request(url.replace("/2/", "/3/")))
