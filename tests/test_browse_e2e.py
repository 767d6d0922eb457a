"""Browsing a crawled archive in a real Chromium: ``python -m newscrawl dataset`` over a crawl of
the replica, ``python -m newscrawl browse`` serving it, and a person's clicks.

What each test looks for is read from ``archive.sqlite`` itself (a word found in two forms, an
article whose thread holds a quote of a comment), so the tests follow the replica's text."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newscrawl.archive.search import stem_text
from newscrawl.settings import BROWSER_EXECUTABLE
from tests.conftest import ROOT, browse_server, free_port, word_in_most_forms
from tests.test_dataset_e2e import build

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")  # once a worker, though other modules' tests run between its own
def served(day0_crawl: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sqlite3.Connection, Path]]:
    """The browse server's URL, the archive it serves, and its dataset's folder."""
    _, result = day0_crawl
    dataset = tmp_path_factory.mktemp("browse") / "dataset"
    build(result.run_dir.parent.parent, dataset)
    with browse_server(dataset) as url:
        yield url, sqlite3.connect(dataset / "archive.sqlite"), dataset


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=BROWSER_EXECUTABLE)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


def word_in_forms(db: sqlite3.Connection) -> tuple[str, set[str], dict[int, str]]:
    """The stem the comments write in most forms: (one form, the other forms, the comments whose
    text or quote holds the stem, by rowid)."""
    texts = dict(db.execute("SELECT rowid, text FROM comments WHERE text IS NOT NULL"))
    quotes = dict(db.execute("SELECT rowid, quote_text FROM comments WHERE quote_text IS NOT NULL"))
    stem, (one, *others) = word_in_most_forms(texts.values())
    holding = {rowid: text for rowid, text in (texts | quotes).items()
               if stem in stem_text(texts.get(rowid)).split() + stem_text(quotes.get(rowid)).split()}
    return one, set(others), holding


def search(page: Any, url: str, box: str, word: str, then: str) -> None:
    """Type ``word`` into the search box ``box`` of the page at ``url``, press Enter, wait for ``then``."""
    page.goto(url)
    page.fill(box, word)
    page.press(box, "Enter")
    page.wait_for_url(re.compile(then))


def test_a_word_typed_in_the_search_box_finds_its_other_forms(served: Any, page: Any) -> None:
    url, db, _ = served
    one, others, holding = word_in_forms(db)
    search(page, f"{url}/archive/comments", "input[name=_search]", one, r"_search=")
    assert f"{len(holding):,} row" in page.inner_text("h3")
    shown = " ".join(page.locator("td.col-text").all_inner_texts()).lower()
    assert any(other in shown for other in others), (one, others)


def test_an_article_shows_its_thread_and_a_quote_leads_to_the_comment_it_quotes(served: Any, page: Any) -> None:
    url, db, _ = served
    article_id, quote_id, quoted_text = db.execute(
        "SELECT c.article_id, c.quote_comment_id, q.text FROM comments c JOIN comments q ON q.comment_id = "
        "c.quote_comment_id ORDER BY c.article_id LIMIT 1").fetchone()
    (comments,) = db.execute("SELECT count(*) FROM comments WHERE article_id = ?", (article_id,)).fetchone()
    (title,) = db.execute("SELECT title FROM articles WHERE article_id = ?", (article_id,)).fetchone()
    page.goto(f"{url}/archive/articles/{article_id}")
    assert page.inner_text("article.archived h1") == title
    assert page.locator("ol.thread > li").count() == comments
    page.click(f'a.quote-link[href="#c{quote_id}"] >> nth=0')
    assert page.url.endswith(f"#c{quote_id}")
    target = page.locator("ol.thread > li:target")
    assert target.get_attribute("id") == f"c{quote_id}"
    assert target.locator(".text").inner_text().strip() == quoted_text.strip()


def test_the_canned_search_with_an_author_filter_marks_what_it_found(served: Any, page: Any) -> None:
    url, db, _ = served
    one, _, holding = word_in_forms(db)
    author, found = db.execute(
        f"SELECT author, count(*) FROM comments WHERE rowid IN ({','.join(map(str, holding))}) "
        "GROUP BY author ORDER BY count(*) DESC, author LIMIT 1").fetchone()
    page.goto(f"{url}/archive/search")
    page.fill("input[name=q]", one)
    page.fill("input[name=author]", author)
    page.click("form.sql input[type=submit]")
    page.wait_for_url(re.compile(r"author="))
    authors = page.locator("td.col-author").all_inner_texts()
    assert authors and set(authors) == {author} and len(authors) == found
    rows = page.locator("table.rows-and-columns tbody tr")
    assert all(rows.nth(i).locator("mark").count() for i in range(found))  # in the text or in its quote


def test_the_front_page_is_a_search_that_leads_to_each_result_s_place(served: Any, page: Any) -> None:
    """A journalist's first minute: one box, ranked results with the words marked, each a link to
    where it stands in its thread; a canned query named by its title, its SQL folded away."""
    url, db, _ = served
    one, _, holding = word_in_forms(db)
    search(page, f"{url}/archive", "form.archive-search input[name=q]", one, r"/archive/everything\?q=")
    assert page.title() == "Search the archive"
    assert page.locator("textarea#sql-editor").count() == 0 and page.locator("form.sql input[type=submit]").get_attribute(
        "value") == "Search"
    assert page.locator("td.col-matched mark").count() > 0  # the words found, marked
    first = page.locator("td.col-place a").first
    href = first.get_attribute("href")
    assert re.fullmatch(r"/archive/articles/\d+#c[\w-]+", href or ""), href
    first.click()
    page.wait_for_url(re.compile(r"/archive/articles/\d+#c"))
    assert page.locator(f"li#c{href.split('#c')[1]}").is_visible()
    assert len(holding) > 0


def test_a_table_shows_its_rows_first_and_its_dictionary_folded(served: Any, page: Any) -> None:
    url, _, _ = served
    page.goto(f"{url}/archive/comments")
    folded = page.locator("details:has(dl.column-descriptions)")
    assert folded.count() == 1 and folded.get_attribute("open") is None
    assert page.locator("input[name=_search]").bounding_box()["y"] < 600  # above the fold


def test_a_mistyped_url_is_one_line_and_a_port_in_use_is_one_line_before_anything(served: Any) -> None:
    _, _, dataset = served
    port, said = free_port(), []
    with browse_server(dataset, port, said) as url:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{url}/archive/no-such-table", timeout=5)
        assert missing.value.code == 404
        taken = subprocess.run([sys.executable, "-m", "newscrawl", "browse", "--port", str(port), "-s",
                                f"DATASET_DIR={dataset}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert taken.returncode == 2 and taken.stdout == ""
        assert taken.stderr.strip().splitlines() == [
            f"newscrawl: port {port} on 127.0.0.1 is in use (Address already in use): choose another with --port"]
    assert said == ["newscrawl browse: 404 /archive/no-such-table"]
