"""Rebuild a lost state from the exports, so that the next run emits nothing twice.

The exports are the archive; the state is an index of them. Every run folder's JSONL files are
read in run order and the latest version of each article and comment becomes its state. A run
that died with its checkpoints (lost with the state) is first cut back to its last whole line,
and its CSV files are written again from its JSONL, so that both say the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from newscrawl.exports import manifest
from newscrawl.exports.feeds import jsonl_records, write_csvs
from newscrawl.extract.items import Article, Comment
from newscrawl.layout import RunLayout
from newscrawl.runs.runfolder import dead_runs, write_killed_manifest
from newscrawl.state.store import ArticleState, Batch, CommentState, StateStore
from newscrawl.state.versioning import article_state, comment_state, content_hash

logger = logging.getLogger(__name__)
BATCH = 5000


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
    folders = sorted((f for f in runs.iterdir() if f.is_dir()), key=_run_order) if runs.is_dir() else []
    articles: dict[str, dict[str, Any]] = {}
    comments: dict[str, dict[str, Any]] = {}
    for folder in folders:
        layout = RunLayout(folder)
        for record in jsonl_records(layout.jsonl("article")):
            _keep_latest(articles, record["article_id"], record)
        for record in jsonl_records(layout.jsonl("comment")):
            _keep_latest(comments, record["comment_id"], record)
    max_number: dict[str, int] = {}
    for record in comments.values():
        max_number[record["article_id"]] = max(max_number.get(record["article_id"], 0), record.get("number") or 0)
    pending: list[ArticleState | CommentState] = []
    for record in articles.values():
        pending.append(_article_state(record, max_number.get(record["article_id"], 0)))
        pending = _flush(store, pending)
    for record in comments.values():
        pending.append(_comment_state(record))
        pending = _flush(store, pending)
    _flush(store, pending, force=True)
    logger.warning("State rebuilt from %d runs: %d articles, %d comments", len(folders), len(articles), len(comments))
    return Rebuilt(len(folders), len(articles), len(comments), len(dead))


def _run_order(folder: Path) -> tuple[str, str]:
    found = manifest.read(folder)
    return (found or {}).get("started_at") or "", folder.name


def _keep_latest(records: dict[str, dict[str, Any]], key: str, record: dict[str, Any]) -> None:
    if key not in records or (record.get("version") or 0) >= (records[key].get("version") or 0):
        records[key] = record


def _article_state(record: dict[str, Any], max_comment_number: int) -> ArticleState:
    item = Article(**record)
    return article_state(item, content_hash(item), max_comment_number, walked_at=record["last_seen_at"])


def _comment_state(record: dict[str, Any]) -> CommentState:
    item = Comment(**record)
    return comment_state(item, "" if item.deleted else content_hash(item))


def _flush(store: StateStore, pending: list[ArticleState | CommentState], force: bool = False) -> list:
    if pending and (force or len(pending) >= BATCH):
        store.save(Batch([r for r in pending if isinstance(r, ArticleState)],
                         [r for r in pending if isinstance(r, CommentState)]))
        return []
    return pending


def _cut_to_whole_lines(folder: Path, settings: BaseSettings) -> None:
    """A dead run's JSONL ends at its last whole line; its CSV is written again from it."""
    for jsonl in folder.glob("*.jsonl"):
        data = jsonl.read_bytes()
        whole = data[: data.rfind(b"\n") + 1]
        if len(whole) != len(data):
            jsonl.write_bytes(whole)
    write_csvs(folder, settings)
