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


def write(path: Path, duck: Any, tables: dict[str, Path]) -> dict[str, int]:
    """Build ``path`` from the build's Parquet files (``tables``: SQLite table → Parquet), read
    through the build's DuckDB connection in batches; returns the rows of each table."""
    partial = path.with_suffix(".part")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    rows = {name: _copy(db, duck, name, parquet) for name, parquet in tables.items()}
    for table, columns in SEARCHED.items():
        _index_text(db, table, columns)
    for table, column in INDEXES:
        db.execute(f"CREATE INDEX {table}_by_{column} ON {table} ({column})")
    for name, query in SUMMARIES.items():
        db.execute(f"CREATE TABLE {name} AS {query}")
    db.commit()
    db.execute("ANALYZE")
    db.close()
    os.replace(partial, path)
    return rows


def _copy(db: sqlite3.Connection, duck: Any, name: str, parquet: Path) -> int:
    source = f"read_parquet('{str(parquet).replace(chr(39), chr(39) * 2)}')"
    described = duck.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    picks = [f"array_to_string({column}, '; ') AS {column}" if kind.endswith("[]") else column
             for column, kind, *_ in described]
    columns = [f"{column} {SQL_TYPES.get(kind, 'TEXT')}" for column, kind, *_ in described]
    if name == "comments":  # a quote of the article itself ("Цитата, q"), not of a comment
        picks.append("(quote_text IS NOT NULL AND quote_number IS NULL) AS quote_of_article")
        columns.append("quote_of_article INTEGER")
    if name in KEYS:
        columns = [f"{c} PRIMARY KEY" if c.split()[0] == KEYS[name] else c for c in columns]
    columns += [f"FOREIGN KEY ({column}) REFERENCES {table} ({key})" for column, table, key in LINKS.get(name, [])]
    db.execute(f"CREATE TABLE {name} ({', '.join(columns)})")
    # Streamed in Arrow batches: a DuckDB result fetched row by row is held whole in memory first.
    reader = duck.sql(f"SELECT {', '.join(picks)} FROM {source}").to_arrow_reader(BATCH)
    insert = f"INSERT INTO {name} VALUES ({', '.join('?' * len(picks))})"
    count = 0
    for batch in reader:
        db.executemany(insert, zip(*(column.to_pylist() for column in batch.columns), strict=True))
        count += batch.num_rows
    return count


def _index_text(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    """``<table>_fts``: the stemmed words of ``columns``, one row per row of the table (same rowid)."""
    db.execute(f"CREATE VIRTUAL TABLE {table}_fts USING fts5({', '.join(columns)}, tokenize='unicode61')")
    select = db.execute(f"SELECT rowid, {', '.join(columns)} FROM {table}")
    insert = f"INSERT INTO {table}_fts (rowid, {', '.join(columns)}) VALUES (?, {', '.join('?' * len(columns))})"
    while batch := select.fetchmany(BATCH):
        db.executemany(insert, [(row[0], *(stem_text(value) for value in row[1:])) for row in batch])
