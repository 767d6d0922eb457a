"""Incremental runs: emit only what is new or changed since earlier runs, and never lose a thing.

``StatePipeline`` compares each item with the state store. New and changed items go on with a
``version`` and their first and last sighting; unchanged ones are dropped (counted). The state
records an item only once the item is in the export files: it is staged when the item has been
exported (``item_scraped``), and every ``STATE_COMMIT_EVERY`` items the export files are flushed
and the staged state saved together with the files' sizes. A run killed in between is cut back
to those sizes by the next run, which then redoes exactly what was not saved.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
from collections import Counter, OrderedDict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.feeds import ExportFiles, cut_back, run_dir
from newscrawl.items import RUN_FIELDS, Article, Comment, field_names
from newscrawl.state import ArticleState, CommentState, StateStore, open_store

logger = logging.getLogger(__name__)
LOCK_NAME = ".lock"


_IGNORED = RUN_FIELDS | {"page_url", "deleted"}
_CONTENT_FIELDS = {cls: [f for f in field_names(cls) if f not in _IGNORED] for cls in (Article, Comment)}


def content_hash(item: Article | Comment) -> str:
    """What the page says of the item: run bookkeeping and where it was read are left out."""
    content = [getattr(item, name) for name in _CONTENT_FIELDS[type(item)]]
    return hashlib.sha1(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


class StatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.uri: str = crawler.settings.get("STATE_URI")
        self.commit_every = crawler.settings.getint("STATE_COMMIT_EVERY")
        self.store: StateStore | None = None
        self.staged_articles: dict[str, ArticleState] = {}
        self.staged_comments: dict[str, CommentState] = {}
        self.comment_cache: OrderedDict[str, dict[str, CommentState]] = OrderedDict()
        # An article's state waits for its comments: recorded before them, it would tell the next
        # run there is nothing to fetch while comments of a killed run were still unsaved.
        self.comments_in_flight: Counter[str] = Counter()
        self.digests: dict[tuple[type, str], str] = {}  # from process_item to item_scraped: hashed once
        self.held_articles: dict[str, ArticleState] = {}
        self.lock: IO[str] | None = None
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatePipeline:
        return cls(crawler)

    # --- run lifecycle ---------------------------------------------------------------------------

    def open_spider(self) -> None:
        self.run_folder = run_dir(self.crawler.spider).resolve()
        self.run_folder.mkdir(parents=True, exist_ok=True)
        self.lock = (self.run_folder / LOCK_NAME).open("w")
        fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until this process ends, however
        self.store = open_store(self.uri)
        self.recover_killed_runs(self.run_folder.parent)

    def close_spider(self) -> None:
        self.commit()
        assert self.store is not None
        self.store.close()

    def recover_killed_runs(self, runs: Path) -> None:
        """Cut runs that died (no manifest, lock free) back to what the state recorded of them."""
        assert self.store is not None
        checkpoints = self.store.checkpoints()
        for folder in sorted(p for p in runs.iterdir() if p.is_dir() and p != self.run_folder):
            if (folder / "manifest.json").exists():
                if str(folder) in checkpoints:
                    self.store.forget(str(folder))
                continue
            if not _lock_is_free(folder / LOCK_NAME):
                continue  # still running (another crawler on the same exports)
            kept = checkpoints.get(str(folder), {})
            cut_back(folder, kept)
            manifest = {"run_id": folder.name, "finish_reason": "killed",
                        "recovered_at": datetime.now(UTC).isoformat(), "kept_bytes": kept}
            (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            self.store.forget(str(folder))
            self.stats.inc_value("state/recovered_runs")
            logger.warning("Run %s had died; its exports were cut back to what the state recorded", folder.name)

    def commit(self) -> None:
        """Flush the exports, then save the staged state with the files' sizes, in one go."""
        if not (self.staged_articles or self.staged_comments):
            return
        assert self.store is not None
        offsets = self.crawler.get_extension(ExportFiles).flush()
        self.store.save(self.staged_articles.values(), self.staged_comments.values(),
                        checkpoint=(str(self.run_folder), offsets))
        self.stats.inc_value("state/commits")
        self.staged_articles.clear()
        self.staged_comments.clear()

    # --- what the spider asks --------------------------------------------------------------------

    def article_state(self, article_id: str) -> ArticleState | None:
        assert self.store is not None
        return (self.staged_articles.get(article_id) or self.held_articles.get(article_id)
                or self.store.article(article_id))

    def comment_states(self, article_id: str) -> dict[str, CommentState]:
        assert self.store is not None
        if article_id in self.comment_cache:
            self.comment_cache.move_to_end(article_id)
        else:
            self.comment_cache[article_id] = self.store.comments(article_id)
            if len(self.comment_cache) > 512:
                self.comment_cache.popitem(last=False)
        return self.comment_cache[article_id]

    def vanished_comments(self, article_id: str, seen: set[str]) -> list[Comment]:
        """Comments the state has under an article that a complete pass over its pages did not see."""
        return [Comment(article_id=state.article_id, comment_id=state.comment_id, number=state.number, deleted=True)
                for state in self.comment_states(article_id).values()
                if not state.deleted and state.comment_id not in seen]

    # --- items -----------------------------------------------------------------------------------

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            return self._article(item)
        return self._comment(item)

    def _article(self, item: Article) -> Article:
        previous = self.article_state(item.article_id)
        digest = content_hash(item)
        if previous and previous.hash == digest:
            self._stage_article(replace(previous, last_fetch=item.crawled_at))
            self._unchanged("article")
        first_seen = previous.first_fetch if previous else None
        return self._emit(item, item.article_id, digest, previous.version if previous else 0, first_seen)

    def _comment(self, item: Comment) -> Comment:
        previous = self.comment_states(item.article_id).get(item.comment_id)
        if item.deleted:
            if previous is None or previous.deleted:
                raise DropItem(f"Comment {item.comment_id} already recorded as deleted", log_level="DEBUG")
            item.version = previous.version + 1
            item.first_seen_at, item.last_seen_at = previous.first_seen, previous.last_seen
            self.stats.inc_value("state/comment/deleted")
            self.comments_in_flight[item.article_id] += 1
            return item
        digest = content_hash(item)
        if previous and not previous.deleted and previous.hash == digest:
            self._stage_comment(replace(previous, last_seen=item.crawled_at))
            self._unchanged("comment")
        self.comments_in_flight[item.article_id] += 1
        first_seen = previous.first_seen if previous else None
        return self._emit(item, item.comment_id, digest, previous.version if previous else 0, first_seen)

    def _emit(self, item: Any, key: str, digest: str, version: int, first_seen: str | None) -> Any:
        """A new (no earlier version) or changed item goes on, with its version and sightings."""
        item.version = version + 1
        item.first_seen_at = first_seen or item.crawled_at
        item.last_seen_at = item.crawled_at
        self.digests[(type(item), key)] = digest
        self.stats.inc_value(f"state/{type(item).__name__.lower()}/{'changed' if version else 'new'}")
        return item

    def _unchanged(self, kind: str) -> None:
        self.stats.inc_value(f"state/{kind}/unchanged")
        self._maybe_commit()
        raise DropItem(f"Unchanged {kind}", log_level="DEBUG")

    def item_scraped(self, item: Any) -> None:
        """The item is in the export files now: its state may be recorded."""
        if isinstance(item, Article):
            self._stage_article(ArticleState(
                article_id=item.article_id, url=item.url, published_at=item.published_at,
                first_fetch=item.first_seen_at, last_fetch=item.last_seen_at,
                hash=self.digests.pop((Article, item.article_id)),
                version=item.version, views=item.views, comments_count=item.comments_count,
                max_comment_number=self._max_comment_number(item.article_id)))
        else:
            self._stage_comment(CommentState(
                comment_id=item.comment_id, article_id=item.article_id, number=item.number,
                hash=self.digests.pop((Comment, item.comment_id), ""), version=item.version, first_seen=item.first_seen_at,
                last_seen=item.last_seen_at, deleted=item.deleted))
            self._comment_exported(item.article_id)
        self._maybe_commit()

    def _stage_article(self, state: ArticleState) -> None:
        if self.comments_in_flight[state.article_id]:
            self.held_articles[state.article_id] = state
        else:
            self.staged_articles[state.article_id] = state

    def _comment_exported(self, article_id: str) -> None:
        self.comments_in_flight[article_id] -= 1
        if not self.comments_in_flight[article_id]:
            del self.comments_in_flight[article_id]
            if article_id in self.held_articles:
                self.staged_articles[article_id] = self.held_articles.pop(article_id)

    def _stage_comment(self, state: CommentState) -> None:
        self.staged_comments[state.comment_id] = state
        self.comment_states(state.article_id)[state.comment_id] = state

    def _max_comment_number(self, article_id: str) -> int:
        return max((c.number or 0 for c in self.comment_states(article_id).values()), default=0)

    def _maybe_commit(self) -> None:
        if len(self.staged_articles) + len(self.staged_comments) >= self.commit_every:
            self.commit()


def _lock_is_free(path: Path) -> bool:
    if not path.exists():
        return True
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(file, fcntl.LOCK_UN)
        return True
