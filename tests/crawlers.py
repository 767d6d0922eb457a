"""Crawlers for tests that build components by hand: newscrawl's settings, with a test's own."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newscrawl import settings as project_settings

PROJECT_SETTINGS = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}


def project_crawler(spidercls: type[Spider] = Spider, overrides: dict[str, Any] | None = None) -> Crawler:
    """A crawler with the project's settings (``scrapy.utils.test.get_crawler`` has Scrapy's only)."""
    return get_crawler(spidercls, {**PROJECT_SETTINGS, **(overrides or {})})
