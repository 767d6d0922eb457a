"""The Datasette plugin behind ``python -m newscrawl browse``: what Datasette alone cannot do.

- ``_search`` (the search box of every table) stems the query as ``archive.sqlite``'s index was
  stemmed. Datasette matches ``escape_fts(:search)``; this plugin registers its own
  ``escape_fts`` on the archive's connections *after* Datasette's (``trylast``: pluggy calls the
  last-registered, non-``trylast`` implementations first), so the later registration wins.
  ``tests/browse/test_plugin.py`` fails if a Datasette upgrade stops calling it.
- ``russian_query(q)`` and ``russian_highlight(text, q)`` for the canned search query.
- An article's row page gets its thread (``templates/row-archive-articles.html``).
"""

from __future__ import annotations

import sys
from typing import Any

from datasette import hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import NotFound
from markupsafe import Markup

from newscrawl.archive.search import highlight, stem_query

DATABASE = "archive"  # Datasette names a database after its file: archive.sqlite
HIGHLIGHTED = ("matched", "quote_matched")  # columns of the canned search that hold HTML
PLACE = "place"  # the column of "Search the archive" that says where a result stands


@hookimpl(trylast=True)
def prepare_connection(conn: Any, database: str) -> None:
    if database != DATABASE:
        return
    conn.create_function("escape_fts", 1, stem_query, deterministic=True)
    conn.create_function("russian_query", 1, stem_query, deterministic=True)
    conn.create_function("russian_highlight", 2, highlight, deterministic=True)


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str) -> Markup | None:
    """The search's highlighted text is HTML built from escaped text (``search.highlight``); a
    result's place (``<article id>#c<comment id>``) links to it in its thread."""
    if database != DATABASE or table is not None or not isinstance(value, str):
        return None
    if column in HIGHLIGHTED:
        return Markup(value)
    if column == PLACE:
        return Markup('<a href="/{}/articles/{}">{}</a>').format(DATABASE, value, "in its thread" if "#" in value
                                                                  else "the article")
    return None


# On the archive's pages: the data dictionary folded away on a table page (the search box and the
# rows first), and a canned query's button saying what it does ("Run SQL" is for those who write it).
PAGE_SCRIPT = """
const dictionary = document.querySelector("dl.column-descriptions");
if (dictionary) {
  const folded = document.createElement("details");
  folded.innerHTML = "<summary>What each column means</summary>";
  dictionary.replaceWith(folded);
  folded.appendChild(dictionary);
}
const canned = [...document.body.classList].find(name => name.startsWith("query-"));
const button = document.querySelector("form.sql input[type=submit]");
if (canned && button) button.value = /search|everything/.test(canned) ? "Search" : "Show";
"""


@hookimpl
def extra_body_script(database: str) -> str | None:
    return PAGE_SCRIPT if database == DATABASE else None


@hookimpl
def handle_exception(request: Any, exception: Exception) -> None:
    """A page that is not there (a mistyped URL) is one line in the terminal, not a traceback."""
    if isinstance(exception, NotFound):
        print(f"newscrawl browse: 404 {request.path}", file=sys.stderr, flush=True)


@hookimpl
def extra_template_vars(view_name: str, database: str, table: str, request: Any, datasette: Any) -> Any:
    if view_name != "row" or database != DATABASE or table != "articles":
        return None

    async def thread() -> dict[str, Any]:
        (article_id,) = urlsafe_components(request.url_vars["pks"])
        db = datasette.get_database(DATABASE)
        article = (await db.execute("SELECT * FROM articles WHERE article_id = ?", [article_id])).first()
        comments = await db.execute(
            "SELECT comment_id, number, author, posted_at, text, rating, deleted, removal, quote_number, quote_author, "
            "quote_text, quote_comment_id, quote_of_article FROM comments WHERE article_id = ? "
            "ORDER BY number IS NULL, number, posted_at", [article_id])
        paragraphs = [p.strip() for p in (article["body"] or "").split("\n\n") if p.strip()] if article else []
        return {"article": article, "paragraphs": paragraphs, "thread": comments.rows}

    return thread
