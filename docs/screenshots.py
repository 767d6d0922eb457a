"""The README's screenshots of ``python -m newscrawl browse``, taken in Chromium.

    PYTHONPATH=. .venv/bin/python docs/screenshots.py DATASET_DIR   (after `make demo`: demo/dataset)

Writes ``docs/browse-search.png`` (the front page's search: a word searched in one form, found in
others, in comments and articles) and
``docs/browse-thread.png`` (an article's thread, a quote followed to the comment it quotes).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from newscrawl.settings import BROWSER_EXECUTABLE
from tests.conftest import browse_server

HERE = Path(__file__).resolve().parent
PORT = 8765


def main(dataset: Path) -> None:
    db = sqlite3.connect(dataset / "archive.sqlite")
    article_id, quote_id = db.execute(
        "SELECT c.article_id, c.quote_comment_id FROM comments c WHERE c.quote_comment_id IS NOT NULL "
        "GROUP BY c.article_id ORDER BY count(*) DESC LIMIT 1").fetchone()
    with browse_server(dataset, PORT) as url:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=BROWSER_EXECUTABLE)
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            page.goto(f"{url}/archive")
            page.fill("form.archive-search input[name=q]", "россия")
            page.press("form.archive-search input[name=q]", "Enter")
            page.wait_for_url("**/archive/everything?q=*")
            page.screenshot(path=HERE / "browse-search.png")
            page.goto(f"{url}/archive/articles/{article_id}")
            page.click(f'a.quote-link[href="#c{quote_id}"] >> nth=0')
            page.evaluate("window.scrollBy(0, -300)")
            page.screenshot(path=HERE / "browse-thread.png")
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]).absolute())  # not resolve(): the dataset link names the build the server follows
