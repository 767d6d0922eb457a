"""The debugging commands answer in seconds, show what the spider would do, and write nothing:
no run folder, no exports, no state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newscrawl.layout import RunLayout
from tests.conftest import ROOT, Replica

pytestmark = pytest.mark.e2e
SEED = "news/232118_azerbajdzhan_derzhit_kurs_na_odkb.html"


def scrapy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args, "-s", f"EXPORTS_DIR={tmp_path / 'exports'}",
                           "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def assert_wrote_nothing(tmp_path: Path) -> None:
    assert not (tmp_path / "exports").exists() and not (tmp_path / "state.sqlite").exists()


@pytest.mark.parametrize("spider", [[], ["--spider", "vpk"]], ids=["guessed", "vpk"])
def test_shell_answers_and_writes_nothing(replica: Replica, tmp_path: Path, spider: list[str]) -> None:
    result = scrapy(tmp_path, "shell", *spider, replica.url + SEED, "-c", "response.status")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "200"
    assert_wrote_nothing(tmp_path)


def test_shell_gives_what_the_spider_would_emit(replica: Replica, tmp_path: Path) -> None:
    code = ("__import__('newscrawl.pages.vpk', fromlist=['ArticlePage']).ArticlePage(response).article().title")
    result = scrapy(tmp_path, "shell", replica.url + SEED, "-c", code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Азербайджан" in result.stdout


def comment_page(replica: Replica) -> str:
    return next(r["page_url"] for r in replica.truth() if "/comments/2/" in (r.get("page_url") or ""))


@pytest.mark.parametrize("callback", ["parse_listing", "parse_article", "parse_comments"])
def test_parse_runs_each_callback_and_writes_nothing(replica: Replica, tmp_path: Path, callback: str) -> None:
    url = {"parse_listing": replica.url + "news/", "parse_article": replica.url + SEED,
           "parse_comments": comment_page(replica)}[callback]
    result = scrapy(tmp_path, "parse", "--spider", "vpk", "-c", callback, url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No response downloaded" not in result.stderr
    scraped = result.stdout.split("# Scraped Items")[1].split("# Requests")[0]
    requests = result.stdout.split("# Requests")[1]
    if callback == "parse_listing":
        assert "<GET " in requests
    else:
        assert "'comment_id'" in scraped or "'article_id'" in scraped
    assert "[scrapy.middleware] WARNING: Disabled" not in result.stderr  # off by design: said at INFO
    assert_wrote_nothing(tmp_path)


def test_scrapy_check_runs_a_contract_per_callback_on_the_replica(replica: Replica, tmp_path: Path,
                                                                 replica_factory: Any) -> None:
    result = scrapy(tmp_path, "check", "vpk", "-s", f"CHECK_SITE={replica.url}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Ran 7 contracts" in result.stderr and "OK" in result.stderr
    for callback in ("parse_listing", "parse_article", "parse_comments"):
        assert callback in scrapy(tmp_path, "check", "vpk", "-l").stdout
    assert_wrote_nothing(tmp_path)
    redesigned = replica_factory("--redesign")
    failed = scrapy(tmp_path, "check", "vpk", "-s", f"CHECK_SITE={redesigned.url}")
    assert failed.returncode == 1 and "lacks ['body']" in failed.stderr


def test_the_development_profile_loops_on_cached_pages_and_never_touches_the_archive(forty_replica: Replica,
                                                                                     tmp_path: Path) -> None:
    """Each run reads every page again (from the HTTP cache after the first) and names each field's
    source; its runs go under DEVELOPMENT_DIR with no state, never into the exports or state given."""
    replica = forty_replica
    articles = sum(r["_type"] == "article" for r in replica.truth())
    def run(run_id: str) -> subprocess.CompletedProcess[str]:
        return scrapy(tmp_path, "crawl", "vpk", "-a", f"start_url={replica.url}news/", "-a", f"run_id={run_id}",
                      "-s", "DEVELOPMENT=1", "-s", f"HTTPCACHE_DIR={tmp_path / 'cache'}",
                      "-s", f"DEVELOPMENT_DIR={tmp_path / 'dev'}")
    first = run("first")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Article 232118: article_id <- data-id; url <- canonical; title <- json-ld;" in first.stderr
    second = run("second")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Article 232118: article_id <- data-id; url <- canonical; title <- json-ld;" in second.stderr  # read again
    run_dir = tmp_path / "dev" / "exports" / "vpk" / "second"
    manifest = json.loads(RunLayout(run_dir).manifest.read_text())
    assert manifest["stats"]["httpcache/hit"] >= manifest["counts"]["pages"] - manifest["counts"]["browser_pages"]
    assert sum(1 for _ in RunLayout(run_dir).jsonl("article").open()) == articles  # no state: every article again
    assert manifest["counts"]["written"]["articles"] == articles  # and the summary counts what it wrote
    assert f"{articles} articles and " in second.stderr.splitlines()[-1]  # the verdict line
    assert manifest["settings"]["CONCURRENT_REQUESTS"] == 2
    assert_wrote_nothing(tmp_path)  # the exports and state named on the command line: untouched


def test_a_page_that_needs_the_browser_is_fetched_through_it_from_the_shell(replica: Replica, tmp_path: Path) -> None:
    from tests.replica.world import build_world

    world = build_world(200)
    view = world.view(world.now(0))
    article = next(a for a in view.articles if a.js_comments and view.comments(a))
    session = ("from newscrawl.fetch.browser import browser_request\n"
               "from newscrawl.pages.vpk import COMMENTS_RENDERED, CommentsPage\n"
               "print('plain', CommentsPage(response).needs_browser())\n"
               "fetch(browser_request(response.url, COMMENTS_RENDERED, settings))\n"
               "print('rendered', len(list(CommentsPage(response).comments())))\n")
    result = subprocess.run([sys.executable, "-m", "scrapy", "shell", replica.url + article.path.lstrip("/"), "--nolog"],
                            input=session, cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "SCRAPY_PYTHON_SHELL": "python"})
    assert "plain True" in result.stdout + result.stderr
    assert f"rendered {len(view.comment_pages(article)[0])}" in result.stdout + result.stderr


def test_parse_article_prints_the_article_of_any_article_with_its_next_pages_as_requests(replica: Replica,
                                                                                          tmp_path: Path) -> None:
    from tests.replica.world import build_world

    view = build_world(200).view(build_world(200).now(0))
    paged = next(a for a in view.articles if len(view.comment_pages(a)) > 1 and not a.js_comments)
    scripted = next(a for a in view.articles if a.js_comments and view.comments(a))
    for article in (paged, scripted):
        result = scrapy(tmp_path, "parse", "--spider", "vpk", "-c", "parse_article", replica.url + article.path.lstrip("/"))
        assert result.returncode == 0, result.stderr[-2000:]
        scraped = result.stdout.split("# Scraped Items")[1].split("# Requests")[0]
        assert f"'article_id': '{article.id}'" in scraped and "'title'" in scraped
        assert "<GET " in result.stdout.split("# Requests")[1]  # page 2, or the browser's rendering


def test_parse_without_a_callback_reads_the_page_as_its_url_says_or_says_to_pass_c(replica: Replica,
                                                                                    tmp_path: Path) -> None:
    result = scrapy(tmp_path, "parse", "--spider", "vpk", replica.url + SEED)
    assert result.returncode == 0 and "'article_id': '232118'" in result.stdout, result.stderr[-2000:]
    listing = scrapy(tmp_path, "parse", "--spider", "vpk", replica.url + "news/")
    assert listing.returncode == 0 and "<GET " in listing.stdout
    unknown = scrapy(tmp_path, "parse", "--spider", "vpk", replica.url + "about/")
    assert unknown.returncode == 2 and "pass -c parse_listing" in unknown.stderr and "Traceback" not in unknown.stderr


def test_the_shell_on_a_terminal_draws_no_progress_line_over_its_prompt(replica: Replica, tmp_path: Path) -> None:
    import pty
    import select
    import time

    pid, terminal = pty.fork()
    if pid == 0:  # scrapy shell on a terminal, as a user runs it
        os.chdir(ROOT)
        os.environ["SCRAPY_PYTHON_SHELL"] = "python"
        os.execv(sys.executable, [sys.executable, "-m", "scrapy", "shell", replica.url + SEED, "-s",
                                  f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"])
    shown, started, sent = b"", time.monotonic(), False
    while time.monotonic() - started < 60:
        if select.select([terminal], [], [], 0.1)[0]:
            try:
                shown += os.read(terminal, 65536)
            except OSError:
                break
        if not sent and b">>>" in shown:
            time.sleep(5)  # more than two PROGRESS_INTERVALs at the prompt
            os.write(terminal, b"print('status', response.status)\nexit()\n")
            sent = True
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
    assert b"status 200" in shown, shown[-2000:]
    assert b"\xc2\xb7 articles" not in shown and b"Progress:" not in shown  # the line's "pages … · articles …"
