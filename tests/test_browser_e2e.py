"""Comments that only JavaScript renders: Chromium for those pages, and only those."""

from __future__ import annotations

import sys

import pytest

from newscrawl import statkeys
from newscrawl.layout import RunLayout
from tests.conftest import run_crawl
from tests.test_crawl_e2e import by_key
from tests.test_replica import html

pytestmark = pytest.mark.e2e


def js_pages(replica) -> tuple[set[str], set[str]]:
    """Pages whose comments only a browser sees, and their articles' ids."""
    truth = replica.truth()
    ids = {a["article_id"] for a in truth
           if a["_type"] == "article" and a["comments_count"] and html(a["url"]).css("#comments[data-render=client]")}
    return {c["page_url"] for c in truth if c["_type"] == "comment" and c["article_id"] in ids}, ids


def test_browser_renders_those_pages_only(day0_crawl) -> None:
    replica, result = day0_crawl
    pages, ids = js_pages(replica)
    assert len(ids) >= 5
    assert result.stats[statkeys.BROWSER_PAGES] == len(pages)
    assert result.stats["playwright/page_count"] == len(pages)
    assert result.stats["playwright/browser_count"] == 1
    assert statkeys.browser_miss("failed") not in result.stats
    from_browser = [c for c in result.records("comments") if c["article_id"] in ids]
    expected = [c for c in replica.truth() if c["_type"] == "comment" and c["article_id"] in ids]
    assert set(by_key(from_browser, "comment_id")) == {c["comment_id"] for c in expected}
    # field for field, they are checked with every other comment in test_crawl_emits_the_ground_truth


def test_without_a_browser_the_crawl_goes_on_and_lists_what_it_missed(replica, tmp_path) -> None:
    result = run_crawl(replica.url + "news/", tmp_path, "-s", "BROWSER_EXECUTABLE=/nonexistent/chromium")
    assert result.returncode == 1  # the comments it could not read make the run unhealthy, and say so
    assert "only a browser shows could not be read" in result.log.strip().splitlines()[-1]
    assert result.log.count("BROWSER_EXECUTABLE='/nonexistent/chromium'") == 1
    assert "apt-get install chromium" in result.log
    pages, ids = js_pages(replica)
    article_pages = {p for p in pages if p.endswith(".html")}
    assert result.stats[statkeys.browser_miss("unavailable")] == len(article_pages)
    assert set(result.stats[statkeys.browser_miss_urls("unavailable")]) == article_pages
    assert "playwright/page_count" not in result.stats
    assert "Starting download handler" not in result.log, "no page went to the browser: Playwright never started"
    truth = replica.truth()
    assert {a["article_id"] for a in result.records("articles")} == {a["article_id"] for a in truth if a["_type"] == "article"}
    assert {c["comment_id"] for c in result.records("comments")} == {
        c["comment_id"] for c in truth if c["_type"] == "comment" and c["article_id"] not in ids}


def test_ctrl_c_on_a_terminal_stops_the_crawl_cleanly_without_blaming_the_browser(replica_factory, tmp_path) -> None:
    """Ctrl-C on a terminal signals the whole foreground process group; Chromium must not die
    under the pages it is rendering (it is started apart from it, and Playwright does not close
    it on SIGINT): the crawl stops in seconds, its only problem the shutdown."""
    import json
    import os
    import pty
    import select
    import time

    from tests.conftest import ROOT

    replica = replica_factory("--articles", "80", "--js-share", "1")
    pid, terminal = pty.fork()
    if pid == 0:  # the crawl, with the pty as its controlling terminal, as a user's shell runs it
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a",
                                  f"start_url={replica.url}news/", "-a", "run_id=ctrlc", "-s",
                                  f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                                  "-s", "LOG_LEVEL=INFO", "-s", "CONCURRENT_REQUESTS=4"])
    log, launched, pressed, status = b"", None, None, None
    deadline = time.monotonic() + 120
    while status is None and time.monotonic() < deadline:
        if select.select([terminal], [], [], 0.1)[0]:
            try:
                log += os.read(terminal, 65536)
            except OSError:
                pass
        launched = launched or (time.monotonic() if b"Browser chromium launched" in log else None)
        if pressed is None and launched and time.monotonic() - launched > 2:  # pages in the browser by now
            os.write(terminal, b"\x03")  # Ctrl-C, as the terminal sends it: to the whole foreground group
            pressed = time.monotonic()
        done, code = os.waitpid(pid, os.WNOHANG)
        status = code if done else None
    assert pressed is not None and status is not None, log[-2000:]
    assert time.monotonic() - pressed < 20
    manifest = json.loads(RunLayout(tmp_path / "exports" / "vpk" / "ctrlc").manifest.read_text())
    assert manifest["finish_reason"] == "shutdown" and manifest["stats"].get(statkeys.BROWSER_PAGES, 0) > 0
    assert manifest["problems"] == ["interrupted (Ctrl-C or a stop signal): what it wrote is kept, and the next run does the rest"], manifest["problems"]
    assert b"Browser could not read" not in log and b"Future exception was never retrieved" not in log
