"""``archive.sqlite``: the dataset as one SQLite file for browsing (Datasette) and SQL.

One file the builds of ``newscrawl dataset`` share, made from their Parquet with Python's
``sqlite3`` (DuckDB cannot write SQLite here) and then brought up to date in place, run by run: the archive as it stands (``articles``, ``comments`` with
``quote_comment_id`` and ``quote_of_article``), every version (``history_articles``,
``history_comments``), full-text indexes over stemmed Russian (``comments_fts``: text and
quote; ``articles_fts``: title and body; ``newscrawl.archive.search``), indexes for the filters
people click, and the summaries a GROUP BY would be too slow for at archive scale.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from newscrawl.archive.search import stem_text

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
RUNS = "runs"  # which runs' versions the file holds: what an update adds, and what it can build on
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
    "deleted_and_edited": "SELECT c.comment_id, c.article_id, c.author, c.posted_at, c.deleted, c.removal, "
                          "c.removal_notice, c.deleted_at, "
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
    "deleted_and_edited": "Comments deleted (removal: 'gone', proved by two complete walks, or 'moderated', a "
                          "moderator's placeholder in their place) or edited, with their last text.",
    "quotes": "Who quotes whom: pairs of authors with the quotes between them.",
    RUNS: "The runs whose versions this file holds, each with the key of its history files (summary.json).",
}


def write(path: Path, duck: Any, tables: dict[str, str], runs: dict[str, dict[str, str]]) -> dict[str, int]:
    """Build ``path`` from the build's Parquet files (``tables``: SQLite table → the DuckDB
    source of its rows), read through the build's DuckDB connection in batches; ``runs``: each
    table's runs with the key of their history files. Made whole beside ``path`` and renamed
    over it, so a reader of the file it replaces keeps reading that one. Returns each table's rows."""
    partial = path.with_suffix(".part")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.execute("PRAGMA journal_mode=OFF")  # a new file, renamed when whole: no journal needed
    db.execute("PRAGMA synchronous=OFF")
    for name, source in tables.items():
        _create(db, duck, name, source)
        _insert(db, duck, name, f"SELECT * FROM {source}")
    for table, columns in SEARCHED.items():
        _index_text(db, table, columns)
    for table, column in INDEXES:
        db.execute(f"CREATE INDEX {table}_by_{column} ON {table} ({column})")
    db.execute(f"CREATE TABLE {RUNS} (items TEXT, run_id TEXT, history_key TEXT, PRIMARY KEY (items, run_id))")
    _hold(db, runs)
    _summarise(db)
    db.execute("ANALYZE")
    rows = _close(db)
    with partial.open("rb") as written:  # on disk before it takes the name (synchronous=OFF never syncs)
        os.fsync(written.fileno())
    os.replace(partial, path)
    return rows


def update(path: Path, duck: Any, current: dict[str, str], history: dict[str, dict[str, Path]],
           runs: dict[str, dict[str, str]]) -> dict[str, int] | None:
    """Bring ``path`` up to date in place, in one transaction: the versions of the runs it does
    not hold yet (``history``: each table's history file of each run) join the history, each
    item they touch gets its current row (``current``: the build's, as DuckDB sources) and its
    full-text row again, and the summaries are computed again. The same content as ``write`` from
    nothing, in the time and the disk the new runs take (the rollback journal holds the pages
    it changes, so a kill leaves the file as it was). Returns None, changing nothing, when a
    run it holds is no longer in ``runs`` with the same key: then it must be made anew.

    Readers (``newscrawl browse``) open it read-only and see it before or after, never between."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")  # a second build waits here, then finds these runs held
        held = {(name, run): key for name, run, key in db.execute(f"SELECT * FROM {RUNS}")}
    except sqlite3.Error:  # not a file this version wrote
        db.close()
        return None
    if any(runs.get(name, {}).get(run) != key for (name, run), key in held.items()):
        db.execute("ROLLBACK")
        db.close()
        return None
    try:
        new = {name: {run: key for run, key in keys.items() if (name, run) not in held} for name, keys in runs.items()}
        for name, added_runs in new.items():
            if added_runs:
                _bring_up_to_date(db, duck, name, current[name], [history[name][run] for run in added_runs])
        _hold(db, new)
        for name in SUMMARIES:
            db.execute(f"DROP TABLE {name}")
        _summarise(db)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        db.close()
        raise
    return _close(db)


def roll_back_killed_update(path: Path) -> None:
    """Undo an update a kill left in ``path`` (its rollback journal beside it), as SQLite does
    when a connection that may write reads it first. A read-only reader (Datasette opens the file
    with ``mode=ro``) cannot, and fails every query until someone has. A build still running
    holds its lock, so its journal is not taken for a killed one's."""
    db = sqlite3.connect(path, timeout=0)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):  # locked: a build is writing it, not killed; nothing to undo
            raise
    finally:
        db.close()


def _bring_up_to_date(db: sqlite3.Connection, duck: Any, name: str, current: str, added: list[Path]) -> None:
    key, versions = KEYS[name], _parquet(added)
    duck.execute(f"CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT {key} AS id FROM {versions}")
    db.execute("CREATE TEMP TABLE touched (id TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO touched VALUES (?)", duck.execute("SELECT id FROM touched").fetchall())
    db.execute(f"DELETE FROM {name}_fts WHERE rowid IN (SELECT rowid FROM {name} WHERE {key} IN temp.touched)")
    db.execute(f"DELETE FROM {name} WHERE {key} IN temp.touched")
    _insert(db, duck, name, f"SELECT c.* FROM {current} c SEMI JOIN touched t ON c.{key} = t.id")
    _index_text(db, name, SEARCHED[name], f"WHERE {key} IN temp.touched")
    _insert(db, duck, f"history_{name}", f"SELECT * FROM {versions}")
    db.execute("DROP TABLE temp.touched")


def _hold(db: sqlite3.Connection, runs: dict[str, dict[str, str]]) -> None:
    db.executemany(f"INSERT INTO {RUNS} VALUES (?, ?, ?)",
                   [(name, run, key) for name, keys in runs.items() for run, key in keys.items()])


def _close(db: sqlite3.Connection) -> dict[str, int]:
    db.commit()
    rows = {name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in (*KEYS, *HISTORY)}
    db.close()
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
