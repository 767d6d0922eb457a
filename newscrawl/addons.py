"""Scrapy add-ons: profiles that change several settings with one (``ADDONS``)."""

from __future__ import annotations

from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

# -s DEVELOPMENT=1: a loop of seconds while fixing a selector. Pages come from the HTTP cache after
# their first fetch, two at a time, and the log says which source gave each article field.
DEVELOPMENT_SETTINGS: dict[str, Any] = {
    "HTTPCACHE_ENABLED": True,
    "HTTPCACHE_DIR": "httpcache",  # under .scrapy/
    "HTTPCACHE_IGNORE_HTTP_CODES": [429, 500, 502, 503, 504],
    "CONCURRENT_REQUESTS": 2,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "LOG_FIELD_SOURCES": True,
}


class Development:
    """Applies DEVELOPMENT_SETTINGS when ``DEVELOPMENT`` is on, leaving alone any of them set on
    the command line."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.getbool("DEVELOPMENT"):
            return
        for name, value in DEVELOPMENT_SETTINGS.items():
            if (settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                settings.set(name, value, priority="cmdline")
