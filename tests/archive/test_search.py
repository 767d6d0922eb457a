"""newscrawl.archive.search: the index and the query stemmed alike, through SQLite's own FTS5."""

from __future__ import annotations

import sqlite3

import pytest

from newscrawl.archive.search import stem_query, stem_text

TEXTS = ["Россия поставит танки", "В России много танков", "С Россией не поспоришь", "Ёлки и танкисты",
         "Елка в Москве", "Про ракеты"]


@pytest.fixture
def index() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
    db.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)", [(i, stem_text(t)) for i, t in enumerate(TEXTS)])
    return db


@pytest.mark.parametrize(("query", "found"), [
    ("россия", {0, 1, 2}), ("России", {0, 1, 2}), ("танками", {0, 1}), ("танк*", {0, 1, 3}),
    ("ёлка", {3, 4}), ("елки", {3, 4}), ("россия танки", {0, 1}),
    ("танки\" OR \"ракеты", set()), ("NOT", set()),  # FTS syntax typed by a user is words: all of them required
    ("не россия", {0, 1, 2}), ("в", set()), ("на и не", set()),  # stop words are left out, alone they find nothing
])
def test_a_word_in_one_form_finds_its_other_forms(index: sqlite3.Connection, query: str, found: set[int]) -> None:
    rows = {row[0] for row in index.execute("SELECT rowid FROM t WHERE t MATCH ?", (stem_query(query),))}
    assert rows == found
