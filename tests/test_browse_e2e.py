"""Browsing a crawled archive in a real Chromium: ``python -m newscrawl dataset`` over a crawl of
the replica, ``python -m newscrawl browse`` serving it, and a person's clicks.

What each test looks for is read from ``archive.sqlite`` itself (a word found in two forms, an
article whose thread holds a quote of a comment), so the tests follow the replica's text."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from newscrawl.runs.search import stem_text
from newscrawl.settings import BROWSER_EXECUTABLE
from tests.conftest import browse_server, word_in_most_forms
from tests.test_dataset_e2e import build

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")  # once a worker, though other modules' tests run between its own
def served(day0_crawl: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sqlite3.Connection]]:
    """The browse server's URL and the archive it serves."""
    _, result = day0_crawl
    dataset = tmp_path_factory.mktemp("browse") / "dataset"
    build(result.run_dir.parent.parent, dataset)
    with browse_server(dataset) as url:
        yield url, sqlite3.connect(dataset / "archive.sqlite")


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


def test_a_word_typed_in_the_search_box_finds_its_other_forms(served: Any, page: Any) -> None:
    url, db = served
    one, others, holding = word_in_forms(db)
    page.goto(f"{url}/archive/comments")
    page.fill("input[name=_search]", one)
    page.press("input[name=_search]", "Enter")
    page.wait_for_url(re.compile(r"_search="))
    assert f"{len(holding):,} row" in page.inner_text("h3")
    shown = " ".join(page.locator("td.col-text").all_inner_texts()).lower()
    assert any(other in shown for other in others), (one, others)


def test_an_article_shows_its_thread_and_a_quote_leads_to_the_comment_it_quotes(served: Any, page: Any) -> None:
    url, db = served
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
    url, db = served
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
