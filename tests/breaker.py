"""A test extension that breaks the selector of the article's rights holder for its crawl, as a
bug or a small redesign would: ``-s EXTENSIONS=…`` with ``breaking_settings()``, which also makes
the field one every article must have (``HEALTH_REQUIRED``), so that the run says so. (A field no
record goes without, such as the body, makes the page unreadable instead: nothing is stored.)"""

from __future__ import annotations

import json

from scrapy.crawler import Crawler

from newscrawl import settings as project_settings
from newscrawl.pages import vpk as site
from newscrawl.pages.html import Query


def breaking_settings() -> list[str]:
    required = {**project_settings.HEALTH_REQUIRED,
                "article": {**project_settings.HEALTH_REQUIRED["article"], "rights_holder": 1.0}}
    return ["-s", f"EXTENSIONS={json.dumps({**project_settings.EXTENSIONS, 'tests.breaker.BrokenSelector': 0})}",
            "-s", f"HEALTH_REQUIRED={json.dumps(required)}"]


class BrokenSelector:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrokenSelector:
        site.RIGHTS_HOLDER = Query(".rights-holder-that-is-not-there::text")
        return cls()
