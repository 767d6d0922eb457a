"""newscrawl.addons: the profiles that settle several settings at once, and the trial folders."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from newscrawl.addons import TRIAL_EXPORTS_DIR, TRIAL_STATE_URI, Identity, missing_contact, settle, trial_folders
from tests.crawlers import PROJECT_SETTINGS


def project() -> Settings:
    return Settings(PROJECT_SETTINGS, priority="project")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/news/", "http://localhost:8000/news/", "http://[::1]:8000/news/"])
def test_a_crawl_of_a_site_on_this_machine_goes_to_the_trial_folders(url: str) -> None:
    settings = project()
    said = trial_folders(settings, url)
    assert said and "trial" in said and "not the archive in exports" in said
    assert (settings.get("EXPORTS_DIR"), settings.get("STATE_URI")) == (TRIAL_EXPORTS_DIR, TRIAL_STATE_URI)


def test_the_real_site_and_folders_given_stay_where_they_are() -> None:
    settings = project()
    assert trial_folders(settings, "https://vpk.name/news/") is None and settings.get("EXPORTS_DIR") == "exports"
    settings.set("EXPORTS_DIR", "mine", priority="cmdline")
    assert trial_folders(settings, "http://127.0.0.1:8000/news/") is None and settings.get("STATE_URI") != TRIAL_STATE_URI


def test_polite_by_default() -> None:
    settings = project()
    assert settings.getbool("AUTOTHROTTLE_ENABLED") and settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 4
    assert settings.getbool("ROBOTSTXT_OBEY")


def test_the_contact_goes_into_the_user_agent_and_its_absence_warns_for_a_real_site() -> None:
    settings = project()
    assert missing_contact(settings, "https://vpk.name/news/") is not None
    assert missing_contact(settings, "http://127.0.0.1:8000/news/") is None
    settings.set("CONTACT", "research@example.org", priority="cmdline")
    Identity().update_settings(settings)
    assert settings.get("USER_AGENT").endswith("; contact: research@example.org)")
    assert missing_contact(settings, "https://vpk.name/news/") is None


@pytest.mark.parametrize(("given", "settled"), [
    ({}, {"START_SOURCE": "newscrawl.crawl.sources.SiteListing", "STATE_URI": ".state/newscrawl.sqlite"}),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0"},
     {"START_SOURCE": "newscrawl.distributed.worker.SeededListing", "STATE_URI": "redis://127.0.0.1:6379/0",
      "SCHEDULER": "newscrawl.distributed.scheduler.Scheduler"}),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0", "STATE_URI": "redis://10.0.0.2:6379/1"},
     {"STATE_URI": "redis://10.0.0.2:6379/1"}),  # another Redis named for the state: kept
    ({"REEXTRACT_RUNS": "all", "ROBOTSTXT_OBEY": "True"},
     {"START_SOURCE": "newscrawl.exports.warc.ArchivedArticles", "ROBOTSTXT_OBEY": False, "ARCHIVE_ENABLED": False}),
    ({"DEVELOPMENT": "1", "STATE_URI": "mine.sqlite"}, {"STATE_URI": "", "CONCURRENT_REQUESTS": 2}),
])
def test_the_add_ons_settle_the_settings_once_and_again_the_same(given: dict[str, str], settled: dict[str, object]) -> None:
    """The crawl command settles the settings before its checks; Scrapy runs the add-ons again on
    the crawler's copy, which must then be the same."""
    settings = project()
    settings.setdict(given, priority="cmdline")
    settle(settings)
    once = {name: settings[name] for name in settings}
    assert {name: settings[name] for name in settled} == settled
    settle(settings)
    assert {name: settings[name] for name in settings} == once
    assert settings.getwithbase("DOWNLOAD_HANDLERS")["http"].endswith(
        "ArchiveDownloadHandler" if "REEXTRACT_RUNS" in given else "BrowserDownloadHandler")
    # a shared crawl's spider middleware only in a shared crawl (its module imports redis)
    walks = [m for m in settings.getdict("SPIDER_MIDDLEWARES") if getattr(m, "__name__", m) == "LocalWalks"]
    assert len(walks) == ("REDIS_URL" in given)


def test_an_add_on_turned_off_is_not_run_by_settle() -> None:
    settings = project()
    settings.set("ADDONS", {**settings.getdict("ADDONS"), "newscrawl.addons.Reextraction": None}, priority="cmdline")
    settings.set("REEXTRACT_RUNS", "all", priority="cmdline")
    settle(settings)
    assert settings.get("START_SOURCE") == "newscrawl.crawl.sources.SiteListing"
