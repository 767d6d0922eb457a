"""``archive.sqlite``: the dataset as one SQLite file for browsing (Datasette) and SQL.

Written by ``newscrawl dataset`` into each build from its Parquet, with Python's ``sqlite3``
(DuckDB cannot write SQLite here): the archive as it stands (``articles``, ``comments`` with
``quote_comment_id`` and ``quote_of_article``), every version (``history_articles``,
``history_comments``), full-text indexes over stemmed Russian (``comments_fts``: text and
quote; ``articles_fts``: title and body; ``newscrawl.runs.search``), indexes for the filters
people click, and the summaries a GROUP BY would be too slow for at archive scale.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from newscrawl.runs.search import stem_text

BATCH = 10_000
SQL_TYPES = {"VARCHAR": "TEXT", "BIGINT": "INTEGER", "BOOLEAN": "INTEGER", "VARCHAR[]": "TEXT", "INTEGER": "INTEGER"}
# The full-text indexes: table → its FTS table's columns, each the stemmed copy of a column.
SEARCHED = {"comments": ("text", "quote_text"), "articles": ("title", "body")}
INDEXES = [
    ("comments", "article_id"), ("comments", "author"), ("comments", "posted_at"), ("comments", "quote_comment_id"),
    ("articles", "published_at"), ("articles", "section"), ("history_comments", "comment_id"),
    ("history_articles", "article_id"),
]
# Keys and links, declared so that SQL tools (Datasette among them) link a comment to its article
# and a quote to the comment it quotes.
KEYS = {"articles": "article_id", "comments": "comment_id"}
HISTORY = ("history_articles", "history_comments")
LINKS = {
    "comments": [("article_id", "articles", "article_id"), ("quote_comment_id", "comments", "comment_id")],
    "history_comments": [("comment_id", "comments", "comment_id")],
    "history_articles": [("article_id", "articles", "article_id")],
}
SUMMARIES = {
    "comments_per_day": "SELECT substr(posted_at, 1, 10) AS day, count(*) AS comments FROM comments "
                        "WHERE posted_at IS NOT NULL GROUP BY day ORDER BY day",
    "commenters": "SELECT author, count(*) AS comments, count(DISTINCT article_id) AS articles, "
                  "min(posted_at) AS first_posted, max(posted_at) AS last_posted FROM comments "
                  "WHERE author IS NOT NULL GROUP BY author ORDER BY comments DESC",
    "most_discussed": "SELECT a.article_id, a.title, a.published_at, a.section, count(c.comment_id) AS comments "
                      "FROM articles a JOIN comments c USING (article_id) GROUP BY a.article_id "
                      "ORDER BY comments DESC",
    "deleted_and_edited": "SELECT c.comment_id, c.article_id, c.author, c.posted_at, c.deleted, c.deleted_at, "
                          "v.versions, c.text AS last_text FROM comments c JOIN (SELECT comment_id, "
                          "count(*) AS versions FROM history_comments GROUP BY comment_id) v USING (comment_id) "
                          "WHERE c.deleted OR v.versions > 1 ORDER BY c.posted_at",
    "quotes": "SELECT c.author AS quoting, q.author AS quoted, count(*) AS quotes, "
              "count(DISTINCT c.article_id) AS articles, max(c.posted_at) AS last_posted FROM comments c "
              "JOIN comments q ON q.comment_id = c.quote_comment_id GROUP BY c.author, q.author ORDER BY quotes DESC",
}


# What each table beyond the dataset's own holds, for the people who browse it.
DESCRIPTIONS = {
    "quote_of_article": "1: the quote is of the article itself ('Цитата'), not of a comment",
    "comments_per_day": "Comments by the day they were posted (Moscow time); the last day may be partial.",
    "commenters": "Every author with the comments and articles they wrote under, most active first.",
    "most_discussed": "Articles by the comments archived under them.",
    "deleted_and_edited": "Comments deleted (proved by two complete walks) or edited, with their last text.",
    "quotes": "Who quotes whom: pairs of authors with the quotes between them.",
}


def write(path: Path, duck: Any, tables: dict[str, list[Path]]) -> dict[str, int]:
    """Build ``path`` from the build's Parquet files (``tables``: SQLite table → its Parquet
    files), read through the build's DuckDB connection in batches; returns each table's rows."""
    partial = path.with_suffix(".part")
    partial.unlink(missing_ok=True)
    db = _open(partial)
    for name, parquet in tables.items():
        _create(db, duck, name, _parquet(parquet))
        _insert(db, duck, name, f"SELECT * FROM {_parquet(parquet)}")
    for table, columns in SEARCHED.items():
        _index_text(db, table, columns)
    for table, column in INDEXES:
        db.execute(f"CREATE INDEX {table}_by_{column} ON {table} ({column})")
    _summarise(db)
    db.execute("ANALYZE")
    return _close(db, partial, path)


def update(path: Path, duck: Any, changes: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Bring a copy of the previous build's file up to date: for ``articles`` and ``comments``
    (``changes``: the build's ``current`` Parquet, and the history files ``added`` since), the
    added versions join the history, each item they touch gets its current row (and its
    full-text row) again, and the summaries are computed again. The same content as ``write``
    from nothing, in the time the new runs take."""
    partial = path.with_suffix(".part")
    os.replace(path, partial)
    db = _open(partial)
    for name, change in changes.items():
        if not change["added"]:
            continue
        key, added = KEYS[name], _parquet(change["added"])
        duck.execute(f"CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT {key} AS id FROM {added}")
        touched = [row[0] for row in duck.execute("SELECT id FROM touched").fetchall()]
        db.execute("CREATE TEMP TABLE touched (id TEXT PRIMARY KEY)")
        db.executemany("INSERT INTO touched VALUES (?)", ((item,) for item in touched))
        db.execute(f"DELETE FROM {name}_fts WHERE rowid IN (SELECT rowid FROM {name} WHERE {key} IN temp.touched)")
        db.execute(f"DELETE FROM {name} WHERE {key} IN temp.touched")
        _insert(db, duck, name, f"SELECT c.* FROM {_parquet([change['current']])} c SEMI JOIN touched t ON c.{key} = t.id")
        _index_text(db, name, SEARCHED[name], f"WHERE {key} IN temp.touched")
        _insert(db, duck, f"history_{name}", f"SELECT * FROM {added}")
        db.execute("DROP TABLE temp.touched")
    for name in SUMMARIES:
        db.execute(f"DROP TABLE {name}")
    _summarise(db)
    return _close(db, partial, path)


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")  # a file made whole in .part and renamed: no journal needed
    db.execute("PRAGMA synchronous=OFF")
    return db


def _close(db: sqlite3.Connection, partial: Path, path: Path) -> dict[str, int]:
    db.commit()
    rows = {name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in (*KEYS, *HISTORY)}
    db.close()
    os.replace(partial, path)
    return rows


def _summarise(db: sqlite3.Connection) -> None:
    for name, query in SUMMARIES.items():
        db.execute(f"CREATE TABLE {name} AS {query}")


def _parquet(files: list[Path]) -> str:
    return "read_parquet([" + ", ".join(f"'{str(p).replace(chr(39), chr(39) * 2)}'" for p in files) + "])"


def _picks(duck: Any, source: str, name: str) -> list[tuple[str, str, str]]:
    """Each column as (SQLite column, its SQLite type, its DuckDB expression): lists joined."""
    out = []
    for column, kind, *_ in duck.execute(f"DESCRIBE SELECT * FROM {source}").fetchall():
        pick = f"array_to_string({column}, '; ') AS {column}" if kind.endswith("[]") else column
        out.append((column, SQL_TYPES.get(kind, "TEXT"), pick))
    if name == "comments":  # a quote of the article itself ("Цитата, q"), not of a comment
        out.append(("quote_of_article", "INTEGER", "(quote_text IS NOT NULL AND quote_number IS NULL) AS quote_of_article"))
    return out


def _create(db: sqlite3.Connection, duck: Any, name: str, source: str) -> None:
    columns = [f"{column} {kind}" + (" PRIMARY KEY" if KEYS.get(name) == column else "")
               for column, kind, _ in _picks(duck, source, name)]
    columns += [f"FOREIGN KEY ({column}) REFERENCES {table} ({key})" for column, table, key in LINKS.get(name, [])]
    db.execute(f"CREATE TABLE {name} ({', '.join(columns)})")


def _insert(db: sqlite3.Connection, duck: Any, name: str, query: str) -> None:
    """The rows of a DuckDB query, streamed in Arrow batches: a DuckDB result fetched row by row
    is held whole in memory first."""
    picks = _picks(duck, f"({query})", name)
    reader = duck.sql(f"SELECT {', '.join(pick for *_, pick in picks)} FROM ({query})").to_arrow_reader(BATCH)
    insert = f"INSERT INTO {name} VALUES ({', '.join('?' * len(picks))})"
    for batch in reader:
        db.executemany(insert, zip(*(column.to_pylist() for column in batch.columns), strict=True))


def _index_text(db: sqlite3.Connection, table: str, columns: tuple[str, ...], where: str = "") -> None:
    """``<table>_fts``: the stemmed words of ``columns``, one row per row of the table (same rowid)."""
    if not where:
        db.execute(f"CREATE VIRTUAL TABLE {table}_fts USING fts5({', '.join(columns)}, tokenize='unicode61')")
    select = db.execute(f"SELECT rowid, {', '.join(columns)} FROM {table} {where}")
    insert = f"INSERT INTO {table}_fts (rowid, {', '.join(columns)}) VALUES (?, {', '.join('?' * len(columns))})"
    while batch := select.fetchmany(BATCH):
        db.executemany(insert, [(row[0], *(stem_text(value) for value in row[1:])) for row in batch])
