"""newscrawl.crawl.sources and the other start sources: where a crawl starts, on which hosts it
stays, and whether its walks may claim anything of the site."""

from __future__ import annotations

from pathlib import Path

from newscrawl.crawl.planner import Plan, Planner
from newscrawl.crawl.sources import SiteListing
from newscrawl.exports.warc import ArchivedArticles, index
from newscrawl.layout import RunLayout
from tests.crawl.test_planner import Browser, stats
from tests.crawlers import project_crawler
from tests.exports.test_warc import warc_of


def planner(claims: bool = True) -> Planner:
    return Planner(Plan.from_settings(project_crawler().settings), stats(), Browser(), per_page=20, claims=claims)


def test_the_site_listing_starts_from_the_given_url_or_the_site_s_own() -> None:
    given = SiteListing.from_crawler(project_crawler(), "http://127.0.0.1:8000/news/?utm_source=x")
    assert given.hosts == ["127.0.0.1"] and given.claims
    assert [(f.url, f.kind) for f in given.start(planner())] == [("http://127.0.0.1:8000/news/", "listing")]
    assert SiteListing.from_crawler(project_crawler()).start_url == "https://vpk.name/news/"


def test_the_archive_starts_from_each_archived_article_page_once_and_claims_nothing(tmp_path: Path) -> None:
    """A re-extraction walks every article page the chosen runs archived, on the host it was
    fetched from; comment pages and browser renderings are reached through their walk."""
    base = "http://127.0.0.1:8000"
    urls = [f"{base}/news/1_a.html", f"{base}/news/1_a/comments/2/", f"{base}/news/", f"{base}/news/2_b.html"]
    warc_of(RunLayout.of({"EXPORTS_DIR": str(tmp_path)}, "vpk", "r1").archive, dict.fromkeys(urls, b"<html></html>"))
    index.cache_clear()
    source = ArchivedArticles(project_crawler(overrides={"EXPORTS_DIR": str(tmp_path), "REEXTRACT_RUNS": "all"}).settings)
    plan = planner(claims=source.claims)
    fetches = source.start(plan)
    assert source.hosts == ["127.0.0.1"] and not source.claims
    assert [(f.url, f.walk.article_id) for f in fetches] == [
        (f"{base}/news/1_a.html", "1"), (f"{base}/news/2_b.html", "2")]
    index.cache_clear()


def test_each_source_says_before_the_crawl_which_site_it_will_fetch() -> None:
    """What the crawl command checks CONTACT against: the given URL, the site's own, or no site
    for the archive (a shared crawl's seed: ``test_distributed_e2e.py``, on a real Redis)."""
    settings = project_crawler().settings
    assert SiteListing.site_url(settings, "http://127.0.0.1:8000/news/") == "http://127.0.0.1:8000/news/"
    assert SiteListing.site_url(settings, None) == "https://vpk.name/news/"
    assert ArchivedArticles.site_url(settings, "http://127.0.0.1:8000/news/") is None
