"""The browse plugin through Datasette's own request path (``datasette.client``): the search box
stems, the canned search marks the words it found, an article's page carries its thread.

Every test here goes through Datasette's hooks, so a Datasette upgrade that stops calling the
plugin (or calls its ``escape_fts`` before ours) fails them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from newscrawl.browse.metadata import QUERIES
from newscrawl.browse.server import archive


def get(dataset: Path, path: str, **params: str) -> Any:
    async def fetch() -> Any:
        return await archive(dataset).client.get(path, params=params or None)
    return asyncio.run(fetch())


def comment_ids(dataset: Path, search: str) -> set[str]:
    response = get(dataset, "/archive/comments.json", _search=search, _shape="array")
    assert response.status_code == 200, response.text
    return {row["comment_id"] for row in response.json()}


@pytest.mark.parametrize(("search", "expected"), [
    ("россия", {"9001", "9002", "9003", "9005"}),  # Россия, Россией, России, Россию (9002 also in its quote)
    ("России", {"9001", "9002", "9003", "9005"}),
    ("танком", {"9001", "9002"}),  # танки; not танкистам: another stem
    ("танк*", {"9001", "9002", "9003"}),  # a prefix reaches танкистам and the quoted Танкисты
    ("елки", {"9004"}),  # ё read as е
    ('"России" (', {"9001", "9002", "9003", "9005"}),  # quotes and brackets are not FTS syntax here
    ("россия OR танк", set()),  # nor are operators: "or" is one more word to find
    ("подводная лодка", set()),
])
def test_the_search_box_finds_every_form_of_a_word(dataset: Path, search: str, expected: set[str]) -> None:
    assert comment_ids(dataset, search) == expected


def test_the_article_search_box_stems_too(dataset: Path) -> None:
    response = get(dataset, "/archive/articles.json", _search="танков", _shape="array")
    assert [row["article_id"] for row in response.json()] == ["44001"]


def test_the_canned_search_marks_the_forms_it_found_and_filters_by_author_and_date(dataset: Path) -> None:
    everyone = get(dataset, "/archive/search.json", q="россия", author="", since="", until="", _shape="array").json()
    assert {row["comment_id"] for row in everyone} == {"9001", "9002", "9003", "9005"}
    marked = {row["comment_id"]: row["matched"] for row in everyone}
    assert marked["9002"] == "Нет, это не <mark>Россией</mark> сделано."
    one = get(dataset, "/archive/search.json", q="россия", author="Ратник", since="2018-09-15", until="",
              _shape="array").json()
    assert [row["comment_id"] for row in one] == ["9003"]
    page = get(dataset, "/archive/search", q="России", author="", since="", until="")
    assert "<mark>Россию</mark>" in page.text  # HTML, not escaped, in the page


def test_an_article_page_reads_as_the_article_with_its_thread_and_quote_links(dataset: Path) -> None:
    page = get(dataset, "/archive/articles/44001")
    assert page.status_code == 200
    assert "<p>Поставка завершится в 2019 году.</p>" in page.text
    assert page.text.count('<li id="c') == 4
    assert '<a class="quote-link" href="#c9001">№1 Ратник</a>' in page.text
    assert "Quoting the article: Танкисты уже учатся." in page.text


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_answers_with_its_filters_empty_and_set(dataset: Path, name: str) -> None:
    for params in ({"q": "", "author": "", "since": "", "until": "", "article_id": ""},
                   {"q": "танк", "author": "Ратник", "since": "2018-09-14", "until": "2018-09-16", "article_id": "44001"}):
        response = get(dataset, f"/archive/{name}.json", **params)
        assert response.status_code == 200 and response.json()["ok"], response.text


def test_quote_links_and_per_day_counts_reach_the_canned_queries(dataset: Path) -> None:
    thread = get(dataset, "/archive/thread.json", article_id="44001", _shape="array").json()
    assert [(r["number"], r["quoted_author"]) for r in thread] == [(1, None), (2, "Ратник"), (3, None), (4, None)]
    pairs = get(dataset, "/archive/who_quotes_whom.json", author="", _shape="array").json()
    assert [(r["quoting"], r["quoted"], r["quotes"]) for r in pairs] == [("Скептик", "Ратник", 1)]
    days = get(dataset, "/archive/comments_per_day", since="", until="")
    assert 'aria-label="comments per day, 2018-09-14 to 2018-09-15"' in days.text


def test_column_descriptions_come_from_the_data_package(dataset: Path) -> None:
    described = get(dataset, "/-/metadata.json").json()["databases"]["archive"]["tables"]["comments"]
    assert described["columns"]["quote_comment_id"].startswith("the comment")
    assert described["fts_table"] == "comments_fts"
