"""Scrapy add-ons: profiles that change several settings with one (``ADDONS``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newscrawl.monitoring.reporting import mask_credentials_in_logs
from newscrawl.state.store import is_remote

OVER_COMMAND_LINE = SETTINGS_PRIORITIES["cmdline"] + 1  # what a profile must impose over -s

# -s DEVELOPMENT=1: a loop of seconds while fixing a selector. Pages come from the HTTP cache after
# their first fetch, two at a time, and the log says which source gave each article field. Its
# runs write under DEVELOPMENT_DIR and keep no state, whatever EXPORTS_DIR and STATE_URI say: a
# second run reads every page again (from the cache), and no development run reaches the archive.
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
            set_unless_given(settings, name, value)
        # Never the production exports or state, even when they are given on the command line.
        settings.set("EXPORTS_DIR", str(Path(settings.get("DEVELOPMENT_DIR")) / "exports"), priority=OVER_COMMAND_LINE)
        settings.set("STATE_URI", "", priority=OVER_COMMAND_LINE)


def set_unless_given(settings: BaseSettings, name: str, value: Any) -> None:
    """A profile's value, over the project's defaults but not over the command line's."""
    if (settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
        settings.set(name, value, priority="cmdline")


class Secrets:
    """No credential of a URL setting (``STATE_URI``, ``REDIS_URL``) reaches a log line. An add-on,
    because add-ons run before Scrapy logs the overridden settings."""

    def update_settings(self, settings: BaseSettings) -> None:
        mask_credentials_in_logs()


# -s REDIS_URL=redis://…: the crawl is a worker of a shared crawl (newscrawl.distributed).
DISTRIBUTED_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "newscrawl.distributed.scheduler.Scheduler",
    "DUPEFILTER_CLASS": "newscrawl.distributed.dupefilter.CrawlDupeFilter",
    "SCHEDULER_PERSIST": True,  # the crawl outlives each worker; `distributed seed` starts a new one
    "SCHEDULER_SERIALIZER": "newscrawl.distributed.wire",  # JSON, not pickles: Redis is no door into the workers
}


class Distributed:
    """With ``REDIS_URL``: the scheduler and dupefilter in Redis, and the state store in the same
    Redis unless ``STATE_URI`` names another one."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in DISTRIBUTED_SETTINGS.items():
            set_unless_given(settings, name, value)
        settings.set("STATE_URI", state_uri(settings), priority="cmdline")


def state_uri(settings: BaseSettings) -> str:
    """The state a run uses: a shared crawl's workers share theirs, in the crawl's Redis unless
    ``STATE_URI`` names another Redis. The crawl command's checks read it before add-ons run."""
    uri = settings.get("STATE_URI") or ""
    if settings.get("REDIS_URL") and not is_remote(uri):
        return settings.get("REDIS_URL")
    return uri
