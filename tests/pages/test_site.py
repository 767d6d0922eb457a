"""newscrawl.pages.site: what the parts of newscrawl that are not the site's own may know of it."""

from __future__ import annotations

from newscrawl.pages.site import Site, site
from tests.crawlers import project_crawler


def test_the_site_in_settings_gives_everything_the_protocol_names() -> None:
    the_site = site(project_crawler().settings)
    missing = [name for name in Site.__annotations__ if not hasattr(the_site, name)]
    assert missing == [] and the_site.SPIDER == "vpk"
    assert the_site.page_kind("https://vpk.name/news/1_a/comments/2/") == "comments"
    assert the_site.thread_id_from_url("https://vpk.name/news/1_a/comments/2/") == "1"
