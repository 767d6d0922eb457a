"""The state store: what earlier runs saw, so that each run emits only what is new or changed.

Per article (keyed by the site's id, which canonical URLs carry): first and last fetch, content
hash, version, counters, the highest comment number seen, and when its comment pages were last
walked completely. Per comment: hash, version, first and last seen, deleted. Beside them the
durable frontier (articles a run set out to fetch and has not finished), the run checkpoints
(export sizes that go with the saved state) and a few facts about the listing walk (``meta``).

SQLite in a file by default; ``STATE_URI=redis://…`` keeps the same records in Redis so that
several crawlers can share them. Every write of a batch is one transaction: the store never
holds half a batch, nor a batch without its checkpoint.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Protocol

from newscrawl.credentials import mask_credentials


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
    walked_at: str | None = None  # site time of the last walk over every comment page
    live_comments: int | None = None  # comments the last walk counted: what a listed count is compared with
    absent_since: str | None = None  # site time a complete walk first found most of its comments gone


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
    posted_at: str | None = None  # as first read: a later page never moves it
    past_hashes: str = ""  # of earlier versions, space-separated: a page showing one of them is older...
    returned: str = ""  # ...or the site went back: "<hash> <run id>" of the first such sighting
    removal: str = ""  # a deleted comment: how it was removed ("gone", "moderated")


Checkpoint = tuple[str, dict[str, int]]  # a run's folder, and each export file's size in bytes


@dataclass
class Batch:
    """What one commit writes, all or nothing."""

    articles: list[ArticleState]
    comments: list[CommentState]
    checkpoint: Checkpoint | None = None
    done: list[str] | None = None  # article ids leaving the frontier
    rechecks: dict[str, tuple[str, str]] | None = None  # id → (URL, due): back in the frontier from then
    meta: dict[str, str | None] | None = None  # None values are deleted


class StateUnreadable(Exception):
    """The state exists but cannot be read (not a database, a newer schema, a dead server)."""


class StateStore(Protocol):
    def article(self, article_id: str) -> ArticleState | None: ...

    def comments(self, article_id: str) -> dict[str, CommentState]: ...

    def owners(self, comment_ids: list[str]) -> dict[str, str]:
        """The article each of these comments is recorded under (those recorded at all)."""

    def save(self, batch: Batch) -> None: ...

    def least_recently_walked(self, before: str, limit: int) -> list[ArticleState]:
        """Up to ``limit`` articles whose last complete comment walk (site time, UTC) is older than
        ``before`` or never was, least recently walked first."""

    def is_empty(self) -> bool:
        """No article recorded: a new state, or one that was lost."""

    def checkpoints(self) -> dict[str, dict[str, int]]:
        """Per run folder, the export file sizes that go with the saved state."""

    def forget(self, run: str) -> None: ...

    def add_to_frontier(self, articles: dict[str, str], meta: dict[str, str | None] | None = None) -> None:
        """Record articles (id → URL) a run set out to fetch, before any of them is fetched."""

    def frontier(self) -> dict[str, tuple[str, str]]:
        """Unfinished articles: id → (URL, when due; empty for at once)."""

    def count_attempts(self, article_ids: list[str]) -> dict[str, int]:
        """One more run sets out to finish these: how many runs have, this one included."""

    def meta(self) -> dict[str, str]: ...

    def close(self) -> None: ...


def open_store(uri: str) -> StateStore:
    """``redis://host:port/db`` for Redis; anything else is a SQLite file path (or ``sqlite:///path``)."""
    if is_remote(uri):
        return RedisStateStore(uri)
    return SQLiteStateStore(sqlite_path(uri))


def is_remote(uri: str) -> bool:
    return uri.startswith(("redis://", "rediss://", "unix://"))


def sqlite_path(uri: str) -> str:
    return uri.removeprefix("sqlite://")


def _comment(row: tuple[object, ...]) -> CommentState:
    state = CommentState(*row)  # type: ignore[arg-type]
    state.deleted = bool(state.deleted)
    state.past_hashes = state.past_hashes or ""
    state.returned = state.returned or ""
    state.removal = state.removal or ""
    return state


def _columns(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def _row(record: ArticleState | CommentState, columns: list[str]) -> tuple[object, ...]:
    return tuple(getattr(record, column) for column in columns)  # asdict() deep-copies: 10x slower


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, url TEXT, published_at TEXT, first_fetch TEXT,
    last_fetch TEXT, hash TEXT, version INTEGER, views INTEGER, comments_count INTEGER,
    max_comment_number INTEGER, walked_at TEXT, live_comments INTEGER, absent_since TEXT);
CREATE TABLE IF NOT EXISTS comments (
    comment_id TEXT PRIMARY KEY, article_id TEXT, number INTEGER, hash TEXT,
    version INTEGER, first_seen TEXT, last_seen TEXT, deleted INTEGER, posted_at TEXT,
    past_hashes TEXT DEFAULT '', returned TEXT DEFAULT '', removal TEXT DEFAULT '');
CREATE INDEX IF NOT EXISTS comments_by_article ON comments (article_id);
CREATE TABLE IF NOT EXISTS checkpoints (run TEXT PRIMARY KEY, offsets TEXT);
CREATE TABLE IF NOT EXISTS frontier (article_id TEXT PRIMARY KEY, url TEXT, due TEXT);
CREATE TABLE IF NOT EXISTS attempts (article_id TEXT PRIMARY KEY, runs INTEGER);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""
# Columns added after the first release, for state files written before them.
_ADDED_COLUMNS = {"articles": {"walked_at": "TEXT", "live_comments": "INTEGER", "absent_since": "TEXT"},
                  "comments": {"posted_at": "TEXT", "past_hashes": "TEXT DEFAULT ''", "returned": "TEXT DEFAULT ''",
                               "removal": "TEXT DEFAULT ''"}}


class SQLiteStateStore:
    """One file, WAL mode; batches are single transactions."""

    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            for table, added in _ADDED_COLUMNS.items():
                present = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
                for column, kind in added.items():
                    if column not in present:
                        self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                        if column == "walked_at":  # runs before it walked every page of what they fetched, but partly
                            self.db.execute("UPDATE articles SET walked_at = last_fetch WHERE walked_at IS NULL")
            self.db.execute("CREATE INDEX IF NOT EXISTS articles_by_walk ON articles (walked_at)")  # threads due
        except sqlite3.DatabaseError as error:
            raise StateUnreadable(f"{path}: {error}") from None

    def article(self, article_id: str) -> ArticleState | None:
        row = self.db.execute(f"SELECT {', '.join(_columns(ArticleState))} FROM articles WHERE article_id = ?",
                              (article_id,)).fetchone()
        return ArticleState(*row) if row else None

    def least_recently_walked(self, before: str, limit: int) -> list[ArticleState]:
        rows = self.db.execute(f"SELECT {', '.join(_columns(ArticleState))} FROM articles WHERE walked_at IS NULL "
                               "OR walked_at < ? ORDER BY walked_at LIMIT ?", (before, limit))
        return [ArticleState(*row) for row in rows]

    def comments(self, article_id: str) -> dict[str, CommentState]:
        rows = self.db.execute(f"SELECT {', '.join(_columns(CommentState))} FROM comments WHERE article_id = ?",
                               (article_id,))
        return {row[0]: _comment(row) for row in rows}

    def owners(self, comment_ids: list[str]) -> dict[str, str]:
        if not comment_ids:
            return {}
        rows = self.db.execute(f"SELECT comment_id, article_id FROM comments WHERE comment_id IN "
                               f"({', '.join('?' * len(comment_ids))})", comment_ids)
        return dict(rows)

    def save(self, batch: Batch) -> None:
        article_cols, comment_cols = _columns(ArticleState), _columns(CommentState)
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                f"INSERT OR REPLACE INTO articles ({', '.join(article_cols)}) VALUES ({', '.join('?' * len(article_cols))})",
                (_row(a, article_cols) for a in batch.articles))
            self.db.executemany(
                f"INSERT OR REPLACE INTO comments ({', '.join(comment_cols)}) VALUES ({', '.join('?' * len(comment_cols))})",
                (_row(c, comment_cols) for c in batch.comments))
            self.db.executemany("DELETE FROM frontier WHERE article_id = ?", ((a,) for a in batch.done or ()))
            self.db.executemany("DELETE FROM attempts WHERE article_id = ?", ((a,) for a in batch.done or ()))
            self.db.executemany("INSERT OR REPLACE INTO frontier VALUES (?, ?, ?)",
                                ((a, url, due) for a, (url, due) in (batch.rechecks or {}).items()))
            self._set_meta(batch.meta)
            if batch.checkpoint:
                self.db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?)",
                                (batch.checkpoint[0], json.dumps(batch.checkpoint[1])))

    def _set_meta(self, meta: dict[str, str | None] | None) -> None:
        for key, value in (meta or {}).items():
            if value is None:
                self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None

    def checkpoints(self) -> dict[str, dict[str, int]]:
        return {run: json.loads(offsets) for run, offsets in self.db.execute("SELECT run, offsets FROM checkpoints")}

    def forget(self, run: str) -> None:
        self.db.execute("DELETE FROM checkpoints WHERE run = ?", (run,))

    def add_to_frontier(self, articles: dict[str, str], meta: dict[str, str | None] | None = None) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO frontier VALUES (?, ?, '')", articles.items())
            self._set_meta(meta)

    def frontier(self) -> dict[str, tuple[str, str]]:
        rows = self.db.execute("SELECT article_id, url, due FROM frontier ORDER BY article_id")
        return {article_id: (url, due) for article_id, url, due in rows}

    def count_attempts(self, article_ids: list[str]) -> dict[str, int]:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO attempts VALUES (?, 1) ON CONFLICT(article_id) DO UPDATE SET runs = runs + 1",
                                ((a,) for a in article_ids))
        return {a: self.db.execute("SELECT runs FROM attempts WHERE article_id = ?", (a,)).fetchone()[0]
                for a in article_ids}

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def close(self) -> None:
        self.db.close()


class RedisStateStore:
    """The same records in Redis: a hash per article (``newscrawl:article:<id>``) and, per
    article, a hash of its comments (``newscrawl:comments:<article id>``, field = comment id);
    a hash of each comment's article (``newscrawl:owners``); hashes for the frontier, the
    checkpoints and the meta facts."""

    def __init__(self, uri: str, prefix: str = "newscrawl") -> None:
        import redis  # only a Redis deployment needs the client

        self.redis = redis.Redis.from_url(uri)
        try:
            self.redis.ping()  # fail at start, not halfway through a crawl
        except redis.RedisError as error:
            raise StateUnreadable(f"{mask_credentials(uri)}: {error}") from None
        self.prefix = prefix

    def article(self, article_id: str) -> ArticleState | None:
        raw = self.redis.get(f"{self.prefix}:article:{article_id}")
        return ArticleState(**json.loads(raw)) if raw else None

    def least_recently_walked(self, before: str, limit: int) -> list[ArticleState]:
        """A scan of every article: Redis keeps no order by walk (fine at the replica's size; at the
        real archive's, the SQLite state is the one to use)."""
        found = [ArticleState(**json.loads(raw)) for key in self.redis.scan_iter(f"{self.prefix}:article:*", count=1000)
                 if (raw := self.redis.get(key))]
        due = [a for a in found if a.walked_at is None or a.walked_at < before]
        return sorted(due, key=lambda a: a.walked_at or "")[:limit]

    def comments(self, article_id: str) -> dict[str, CommentState]:
        raw = self.redis.hgetall(f"{self.prefix}:comments:{article_id}")
        return {key.decode(): CommentState(**json.loads(value)) for key, value in raw.items()}

    def owners(self, comment_ids: list[str]) -> dict[str, str]:
        if not comment_ids:
            return {}
        found = self.redis.hmget(f"{self.prefix}:owners", comment_ids)
        return {i: owner.decode() for i, owner in zip(comment_ids, found, strict=True) if owner}

    def save(self, batch: Batch) -> None:
        pipe = self.redis.pipeline(transaction=True)
        for article in batch.articles:
            pipe.set(f"{self.prefix}:article:{article.article_id}", json.dumps(asdict(article)))
        for comment in batch.comments:
            pipe.hset(f"{self.prefix}:comments:{comment.article_id}", comment.comment_id, json.dumps(asdict(comment)))
            pipe.hset(f"{self.prefix}:owners", comment.comment_id, comment.article_id)
        if batch.done:
            pipe.hdel(f"{self.prefix}:frontier", *batch.done)
            pipe.hdel(f"{self.prefix}:attempts", *batch.done)
        for article_id, entry in (batch.rechecks or {}).items():
            pipe.hset(f"{self.prefix}:frontier", article_id, json.dumps(entry))
        self._set_meta(pipe, batch.meta)
        if batch.checkpoint:
            pipe.hset(f"{self.prefix}:checkpoints", batch.checkpoint[0], json.dumps(batch.checkpoint[1]))
        pipe.execute()

    def _set_meta(self, pipe: object, meta: dict[str, str | None] | None) -> None:
        for key, value in (meta or {}).items():
            if value is None:
                pipe.hdel(f"{self.prefix}:meta", key)  # type: ignore[attr-defined]
            else:
                pipe.hset(f"{self.prefix}:meta", key, value)  # type: ignore[attr-defined]

    def is_empty(self) -> bool:
        return next(iter(self.redis.scan_iter(f"{self.prefix}:article:*", count=100)), None) is None

    def checkpoints(self) -> dict[str, dict[str, int]]:
        raw = self.redis.hgetall(f"{self.prefix}:checkpoints")
        return {run.decode(): json.loads(offsets) for run, offsets in raw.items()}

    def forget(self, run: str) -> None:
        self.redis.hdel(f"{self.prefix}:checkpoints", run)

    def add_to_frontier(self, articles: dict[str, str], meta: dict[str, str | None] | None = None) -> None:
        pipe = self.redis.pipeline(transaction=True)
        if articles:
            pipe.hset(f"{self.prefix}:frontier", mapping={k: json.dumps([url, ""]) for k, url in articles.items()})
        self._set_meta(pipe, meta)
        pipe.execute()

    def frontier(self) -> dict[str, tuple[str, str]]:
        raw = self.redis.hgetall(f"{self.prefix}:frontier")
        return {k.decode(): tuple(json.loads(v)) for k, v in sorted(raw.items())}  # type: ignore[misc]

    def count_attempts(self, article_ids: list[str]) -> dict[str, int]:
        pipe = self.redis.pipeline(transaction=True)
        for article_id in article_ids:
            pipe.hincrby(f"{self.prefix}:attempts", article_id, 1)
        return dict(zip(article_ids, pipe.execute(), strict=True))

    def meta(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.redis.hgetall(f"{self.prefix}:meta").items()}

    def close(self) -> None:
        self.redis.close()
