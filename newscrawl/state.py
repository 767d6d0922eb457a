"""The state store: what earlier runs saw, so that each run emits only what is new or changed.

Per article (keyed by the site's id, which canonical URLs carry): first and last fetch, content
hash, version, counters, and the highest comment number seen. Per comment: hash, version, first
and last seen, deleted. SQLite in a file by default; ``STATE_URI=redis://…`` keeps the same
records in Redis so that several crawlers can share them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Protocol


@dataclass
class ArticleState:
    article_id: str
    url: str
    published_at: str | None
    first_fetch: str
    last_fetch: str
    hash: str
    version: int
    views: int | None
    comments_count: int | None
    max_comment_number: int


@dataclass
class CommentState:
    comment_id: str
    article_id: str
    number: int | None
    hash: str
    version: int
    first_seen: str
    last_seen: str
    deleted: bool = False


Checkpoint = tuple[str, dict[str, int]]  # a run's folder, and each export file's size in bytes


class StateStore(Protocol):
    def article(self, article_id: str) -> ArticleState | None: ...

    def comments(self, article_id: str) -> dict[str, CommentState]: ...

    def save(self, articles: Iterable[ArticleState], comments: Iterable[CommentState],
             checkpoint: Checkpoint | None = None) -> None:
        """Write all at once: the store never holds half a batch, nor a batch without its checkpoint."""

    def checkpoints(self) -> dict[str, dict[str, int]]:
        """Per run folder, the export file sizes that go with the saved state."""

    def forget(self, run: str) -> None: ...

    def close(self) -> None: ...



def open_store(uri: str) -> StateStore:
    """``redis://host:port/db`` for Redis; anything else is a SQLite file path (or ``sqlite:///path``)."""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisStateStore(uri)
    return SQLiteStateStore(uri.removeprefix("sqlite://"))


def _columns(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def _row(record: ArticleState | CommentState, columns: list[str]) -> tuple[object, ...]:
    return tuple(getattr(record, column) for column in columns)  # asdict() deep-copies: 10x slower


class SQLiteStateStore:
    """One file, WAL mode; batches are single transactions."""

    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS articles (
                article_id TEXT PRIMARY KEY, url TEXT, published_at TEXT, first_fetch TEXT,
                last_fetch TEXT, hash TEXT, version INTEGER, views INTEGER, comments_count INTEGER,
                max_comment_number INTEGER);
            CREATE TABLE IF NOT EXISTS comments (
                comment_id TEXT PRIMARY KEY, article_id TEXT, number INTEGER, hash TEXT,
                version INTEGER, first_seen TEXT, last_seen TEXT, deleted INTEGER);
            CREATE INDEX IF NOT EXISTS comments_by_article ON comments (article_id);
            CREATE TABLE IF NOT EXISTS checkpoints (run TEXT PRIMARY KEY, offsets TEXT);
            """
        )

    def article(self, article_id: str) -> ArticleState | None:
        row = self.db.execute(f"SELECT {', '.join(_columns(ArticleState))} FROM articles WHERE article_id = ?",
                              (article_id,)).fetchone()
        return ArticleState(*row) if row else None

    def comments(self, article_id: str) -> dict[str, CommentState]:
        rows = self.db.execute(f"SELECT {', '.join(_columns(CommentState))} FROM comments WHERE article_id = ?",
                               (article_id,))
        return {row[0]: CommentState(*row[:-1], deleted=bool(row[-1])) for row in rows}

    def save(self, articles: Iterable[ArticleState], comments: Iterable[CommentState],
             checkpoint: Checkpoint | None = None) -> None:
        article_cols, comment_cols = _columns(ArticleState), _columns(CommentState)
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                f"INSERT OR REPLACE INTO articles ({', '.join(article_cols)}) VALUES ({', '.join('?' * len(article_cols))})",
                (_row(a, article_cols) for a in articles))
            self.db.executemany(
                f"INSERT OR REPLACE INTO comments ({', '.join(comment_cols)}) VALUES ({', '.join('?' * len(comment_cols))})",
                (_row(c, comment_cols) for c in comments))
            if checkpoint:
                self.db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?)",
                                (checkpoint[0], json.dumps(checkpoint[1])))

    def checkpoints(self) -> dict[str, dict[str, int]]:
        return {run: json.loads(offsets) for run, offsets in self.db.execute("SELECT run, offsets FROM checkpoints")}

    def forget(self, run: str) -> None:
        self.db.execute("DELETE FROM checkpoints WHERE run = ?", (run,))

    def close(self) -> None:
        self.db.close()


class RedisStateStore:
    """The same records in Redis: a hash per article (``newscrawl:article:<id>``) and, per
    article, a hash of its comments (``newscrawl:comments:<article id>``, field = comment id)."""

    def __init__(self, uri: str, prefix: str = "newscrawl") -> None:
        import redis  # only a Redis deployment needs the client

        self.redis = redis.Redis.from_url(uri)
        self.redis.ping()  # fail at start, not halfway through a crawl
        self.prefix = prefix

    def article(self, article_id: str) -> ArticleState | None:
        raw = self.redis.get(f"{self.prefix}:article:{article_id}")
        return ArticleState(**json.loads(raw)) if raw else None

    def comments(self, article_id: str) -> dict[str, CommentState]:
        raw = self.redis.hgetall(f"{self.prefix}:comments:{article_id}")
        return {key.decode(): CommentState(**json.loads(value)) for key, value in raw.items()}

    def save(self, articles: Iterable[ArticleState], comments: Iterable[CommentState],
             checkpoint: Checkpoint | None = None) -> None:
        pipe = self.redis.pipeline(transaction=True)
        for article in articles:
            pipe.set(f"{self.prefix}:article:{article.article_id}", json.dumps(asdict(article)))
        for comment in comments:
            pipe.hset(f"{self.prefix}:comments:{comment.article_id}", comment.comment_id, json.dumps(asdict(comment)))
        if checkpoint:
            pipe.hset(f"{self.prefix}:checkpoints", checkpoint[0], json.dumps(checkpoint[1]))
        pipe.execute()

    def checkpoints(self) -> dict[str, dict[str, int]]:
        raw = self.redis.hgetall(f"{self.prefix}:checkpoints")
        return {run.decode(): json.loads(offsets) for run, offsets in raw.items()}

    def forget(self, run: str) -> None:
        self.redis.hdel(f"{self.prefix}:checkpoints", run)

    def close(self) -> None:
        self.redis.close()
