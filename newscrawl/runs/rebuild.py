"""Rebuild a lost state from the exports, so that the next run emits nothing twice.

The exports are the archive; the state is an index of them. Every run folder's JSONL files are
read in run order and the latest version of each article and comment becomes its state. A run
that died with its checkpoints (lost with the state) is first cut back to its last whole line,
and its CSV files are written again from its JSONL, so that both say the same.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from newscrawl.exports.feeds import jsonl_records, write_csvs
from newscrawl.extract.items import Article, Comment
from newscrawl.layout import RunLayout, read_manifest, run_folders
from newscrawl.pipelines.versioning import article_state, comment_state, content_hash
from newscrawl.runs.runfolder import dead_runs, write_killed_manifest
from newscrawl.state.store import ArticleState, Batch, CommentState, StateStore

logger = logging.getLogger(__name__)
BATCH = 5000
# The state's meta key a rebuild holds while it writes the state, batch by batch: a state that has
# it holds part of the exports only, and no run may start on it (newscrawl.runs.preflight).
REBUILDING = "rebuilding_since"


@dataclass
class Rebuilt:
    runs: int
    articles: int
    comments: int
    dead_runs_cut: int


def rebuild(store: StateStore, runs: Path, settings: BaseSettings) -> Rebuilt:
    dead = dead_runs(runs)
    for folder in dead:
        _cut_to_whole_lines(folder, settings)
        write_killed_manifest(folder, {})
    folders = sorted(run_folders(runs), key=_run_order)
    with tempfile.TemporaryDirectory(prefix=".rebuild-", dir=runs.parent if runs.is_dir() else None) as scratch:
        latest = Latest(Path(scratch) / "latest.sqlite")
        for folder in folders:
            layout = RunLayout(folder)
            for kind in ("article", "comment"):
                for records in batched(jsonl_records(layout.jsonl(kind)), BATCH):
                    latest.offer(kind, records)
        store.save(Batch([], [], meta={REBUILDING: datetime.now(UTC).isoformat()}))
        for states in batched(latest.states(), BATCH):
            store.save(Batch([s for s in states if isinstance(s, ArticleState)],
                             [s for s in states if isinstance(s, CommentState)]))
        store.save(Batch([], [], meta={REBUILDING: None}))
        articles, comments = latest.count("article"), latest.count("comment")
        latest.close()
    logger.warning("State rebuilt from %d runs: %d articles, %d comments", len(folders), articles, comments)
    return Rebuilt(len(folders), articles, comments, len(dead))


def _run_order(folder: Path) -> tuple[str, str]:
    found = read_manifest(folder)
    return (found or {}).get("started_at") or "", folder.name


class Latest:
    """Each item's latest state so far, kept in a scratch SQLite file rather than in memory: a
    rebuild's memory stays the same whatever the archive's size (10 M comments' latest records
    held in dicts took 28 GB). A record replaces the state it finds only when its version is as
    high or higher (run order breaks ties: a re-extraction's correction keeps its version), and
    a comment's replaced version joins its ``past_hashes`` as it does in a run."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-65536"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE latest (kind TEXT, key TEXT, article_id TEXT, number INTEGER, state BLOB, "
                        "PRIMARY KEY (kind, key))")

    def offer(self, kind: str, records: tuple[dict[str, Any], ...]) -> None:
        key_field = f"{kind}_id"
        keys = list({record[key_field] for record in records})
        known: dict[str, ArticleState | CommentState] = {key: pickle.loads(state) for key, state in self.db.execute(
            f"SELECT key, state FROM latest WHERE kind = ? AND key IN ({','.join('?' * len(keys))})", [kind, *keys])}
        changed = {}
        for record in records:
            key, previous = record[key_field], known.get(record[key_field])
            if previous is not None and (record.get("version") or 0) < previous.version:
                continue
            known[key] = changed[key] = _state(kind, record, previous)
        self.db.executemany("INSERT OR REPLACE INTO latest VALUES (?, ?, ?, ?, ?)", [
            (kind, key, state.article_id, getattr(state, "number", None), pickle.dumps(state))
            for key, state in changed.items()])

    def states(self) -> Iterator[ArticleState | CommentState]:
        """Articles (with the highest comment number recorded under each), then comments."""
        self.db.execute("CREATE INDEX IF NOT EXISTS numbers ON latest (kind, article_id, number)")
        for state, top in self.db.execute(
                "SELECT a.state, (SELECT max(c.number) FROM latest c WHERE c.kind = 'comment' AND c.article_id = a.key) "
                "FROM latest a WHERE a.kind = 'article'"):
            yield replace(pickle.loads(state), max_comment_number=top or 0)
        for (state,) in self.db.execute("SELECT state FROM latest WHERE kind = 'comment'"):
            yield pickle.loads(state)

    def count(self, kind: str) -> int:
        return self.db.execute("SELECT count(*) FROM latest WHERE kind = ?", (kind,)).fetchone()[0]

    def close(self) -> None:
        self.db.close()


def batched(items: Iterable[Any], size: int) -> Iterator[tuple[Any, ...]]:
    """``itertools.batched`` of Python 3.12."""
    iterator = iter(items)
    while batch := tuple(islice(iterator, size)):
        yield batch


def _state(kind: str, record: dict[str, Any], previous: Any) -> ArticleState | CommentState:
    if kind == "article":
        article = Article(**record)
        return article_state(article, content_hash(article), 0, walked_at=record["last_seen_at"])
    comment = Comment(**record)
    return comment_state(comment, "" if comment.deleted else content_hash(comment), previous)


def _cut_to_whole_lines(folder: Path, settings: BaseSettings) -> None:
    """A dead run's JSONL ends at its last whole line; its CSV is written again from it."""
    for jsonl in folder.glob("*.jsonl"):
        data = jsonl.read_bytes()
        whole = data[: data.rfind(b"\n") + 1]
        if len(whole) != len(data):
            jsonl.write_bytes(whole)
    write_csvs(folder, settings)
