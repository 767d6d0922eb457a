"""Scrapy add-ons: profiles that change several settings with one (``ADDONS``)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from newscrawl.monitoring.reporting import mask_credentials_in_logs
from newscrawl.state.store import is_remote

OVER_COMMAND_LINE = SETTINGS_PRIORITIES["cmdline"] + 1  # what a profile must impose over -s


def settle(settings: BaseSettings) -> None:
    """Every add-on of ``ADDONS``, in order, on the settings a command reads before its crawl starts:
    its checks (the state, the run lock, the site) then read the settings the crawl will, each
    parsed where it is used and nowhere recomputed. Scrapy runs them again on the crawler's copy,
    so each add-on must give the same settings when run twice (``tests/test_addons.py``)."""
    for path in build_component_list(settings["ADDONS"]):  # as Scrapy's AddonManager: None turns one off
        load_object(path)().update_settings(settings)

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


# A crawl of a site on this machine (the replica) without EXPORTS_DIR and STATE_URI given goes to
# these, never to the archive that scheduled runs of the real site write.
TRIAL_EXPORTS_DIR = "trial/exports"
TRIAL_STATE_URI = "trial/state.sqlite"


def trial_folders(settings: BaseSettings, start_url: str) -> str | None:
    """Point a trial crawl at the trial folders; the line that says so, or None for any other crawl."""
    host = urlsplit(start_url).hostname or ""
    if not is_loopback(host) or settings.get("REDIS_URL") or settings.get("REEXTRACT_RUNS"):
        return None
    if any((settings.getpriority(name) or 0) >= SETTINGS_PRIORITIES["cmdline"] for name in ("EXPORTS_DIR", "STATE_URI")):
        return None
    archive = settings.get("EXPORTS_DIR")
    settings.set("EXPORTS_DIR", TRIAL_EXPORTS_DIR, priority="cmdline")
    settings.set("STATE_URI", TRIAL_STATE_URI, priority="cmdline")
    return (f"{host} is a site on this machine, a trial: its runs go to {TRIAL_EXPORTS_DIR} and {TRIAL_STATE_URI}, "
            f"not the archive in {archive} (give -s EXPORTS_DIR and -s STATE_URI to choose)")


def is_loopback(host: str) -> bool:
    """
    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "vpk.name", "10.0.0.1")]
    [True, True, True, False, False]
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def set_unless_given(settings: BaseSettings, name: str, value: Any) -> None:
    """A profile's value, over the project's defaults but not over the command line's."""
    if (settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
        settings.set(name, value, priority="cmdline")


class Identity:
    """``CONTACT`` into the User-Agent, where a site's administrators look for who crawls them."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("CONTACT")
        if contact and "contact:" not in settings.get("USER_AGENT"):
            settings.set("USER_AGENT", f"{settings.get('USER_AGENT').rstrip(')')}; contact: {contact})",
                         priority=settings.getpriority("USER_AGENT") or "project")


def missing_contact(settings: BaseSettings, start_url: str) -> str | None:
    """The warning a crawl of a site not on this machine gives without ``CONTACT``, or None."""
    host = urlsplit(start_url).hostname or ""
    if settings.get("CONTACT") or is_loopback(host):
        return None
    return (f"no CONTACT is set: {host}'s administrators cannot tell who crawls them; "
            "set one (an e-mail address or a URL) with -s CONTACT=… or in newscrawl/settings.py")


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
    """With ``REDIS_URL``: the scheduler and dupefilter in Redis, the state store in the same
    Redis unless ``STATE_URI`` names another one, and the spider middleware that keeps a walk's
    pages in its worker (``distributed.walks``)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in DISTRIBUTED_SETTINGS.items():
            set_unless_given(settings, name, value)
        # A shared crawl's workers share their state: in the crawl's Redis unless STATE_URI names another.
        if not is_remote(settings.get("STATE_URI") or ""):
            settings.set("STATE_URI", settings.get("REDIS_URL"), priority="cmdline")
        set_unless_given(settings, "START_SOURCE", "newscrawl.distributed.worker.SeededListing")
        # A shared crawl's spider middleware, added here rather than listed for every crawl: its
        # module imports scrapy-redis and redis, 0.1 s of each crawl's start.
        from newscrawl.distributed.walks import LocalWalks

        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", LocalWalks, 950)


# -s REEXTRACT_RUNS=…: the crawl reads the archives only. Every request is answered by them,
# robots.txt is not asked for, no new archive is written of what is already archived, and the
# crawl starts from the archived article pages.
REEXTRACT_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_HANDLERS": {"http": "newscrawl.exports.warc.ArchiveDownloadHandler",
                          "https": "newscrawl.exports.warc.ArchiveDownloadHandler"},
    "ROBOTSTXT_OBEY": False,
    "ARCHIVE_ENABLED": False,
    "START_SOURCE": "newscrawl.exports.warc.ArchivedArticles",
}


class Reextraction:
    """With ``REEXTRACT_RUNS`` (``python -m newscrawl reextract``): the items made again from the
    archives of runs, without the site."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REEXTRACT_RUNS"):
            return
        for name, value in REEXTRACT_SETTINGS.items():
            settings.set(name, value, priority=OVER_COMMAND_LINE)
