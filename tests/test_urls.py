"""newscrawl.urls: one page, one URL, whatever link led to it."""

from __future__ import annotations

import pytest

from newscrawl.urls import canonical_url


@pytest.mark.parametrize(("link", "url"), [
    ("https://vpk.name/news/1_a.html", "https://vpk.name/news/1_a.html"),
    ("https://vpk.name/news/1_a.html?utm_source=discussed&utm_medium=sidebar", "https://vpk.name/news/1_a.html"),
    ("https://m.vpk.name/news/1_a.html#comments", "https://vpk.name/news/1_a.html"),
    ("https://www.vpk.name/news/1_a.html/", "https://vpk.name/news/1_a.html"),
    ("https://vpk.name/news/1_a.html?print=1&fbclid=x", "https://vpk.name/news/1_a.html"),
    ("https://vpk.name/news/?page=2&ref=rss", "https://vpk.name/news/?page=2"),
    ("https://vpk.name/news/1_a/comments/2/", "https://vpk.name/news/1_a/comments/2/"),
    ("https://vpk.name/search/?q=%D0%9E%D0%94%D0%9A%D0%91&page=2", "https://vpk.name/search/?page=2&q=%D0%9E%D0%94%D0%9A%D0%91"),
])
def test_each_link_to_a_page_gives_its_one_url(link: str, url: str) -> None:
    assert canonical_url(link) == url
