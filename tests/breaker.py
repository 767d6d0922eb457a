"""A test extension that breaks the article body's selector for its crawl, as a redesign would:
``-s EXTENSIONS=…`` with ``breaking_settings()``."""

from __future__ import annotations

import json

from scrapy.crawler import Crawler

from newscrawl import settings as project_settings
from newscrawl.pages import vpk as site
from newscrawl.pages.html import Query


def breaking_settings() -> list[str]:
    return ["-s", f"EXTENSIONS={json.dumps({**project_settings.EXTENSIONS, 'tests.breaker.BrokenBodySelector': 0})}"]


class BrokenBodySelector:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrokenBodySelector:
        site.BODY_PARAGRAPHS = Query(".article-text-that-is-not-there p")
        return cls()
