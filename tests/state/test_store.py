"""newscrawl.state.store: the stores keep batches whole, the frontier and the walk facts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newscrawl.credentials import mask_credentials
from newscrawl.state.store import (
    ArticleState,
    Batch,
    CommentState,
    SQLiteStateStore,
    StateUnreadable,
    open_store,
)


def article(article_id: str = "1", walked_at: str | None = "2018-09-16T09:00:00+00:00") -> ArticleState:
    return ArticleState(article_id, f"http://x/news/{article_id}_a.html", "2018-09-01T10:00:00+03:00",
                        "2018-09-16T09:00:00+00:00", "2018-09-16T09:00:00+00:00", "h", 1, 10, 2, 2, walked_at)


def comment(comment_id: str, article_id: str = "1") -> CommentState:
    return CommentState(comment_id, article_id, 1, "h", 1, "2018-09-16T09:00:00+00:00", "2018-09-16T09:00:00+00:00")


def test_a_batch_with_its_checkpoint_and_frontier_changes(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.sqlite"))
    assert store.is_empty()
    store.add_to_frontier({"1": "http://x/1", "2": "http://x/2"}, {"reached": "2"})
    store.save(Batch([article()], [comment("c1")], checkpoint=("run", {"a.jsonl": 10}), done=["1"],
                     rechecks={"3": ("http://x/3", "2018-09-23T09:00:00+00:00")}, meta={"reached": None, "k": "v"}))
    assert not store.is_empty()
    assert store.article("1") == article()
    assert store.comments("1") == {"c1": comment("c1")}
    assert store.frontier() == {"2": ("http://x/2", ""), "3": ("http://x/3", "2018-09-23T09:00:00+00:00")}
    assert store.meta() == {"k": "v"}
    assert store.checkpoints() == {"run": {"a.jsonl": 10}}


def test_a_state_written_before_walked_at_takes_its_last_fetch(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE articles (article_id TEXT PRIMARY KEY, url TEXT, published_at TEXT, first_fetch TEXT,"
                   " last_fetch TEXT, hash TEXT, version INTEGER, views INTEGER, comments_count INTEGER,"
                   " max_comment_number INTEGER)")
        db.execute("INSERT INTO articles VALUES ('1', 'u', NULL, 'a', 'b', 'h', 1, 1, 1, 1)")
    assert SQLiteStateStore(str(path)).article("1").walked_at == "b"  # type: ignore[union-attr]


def test_a_file_that_is_not_a_state_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "s.sqlite").write_bytes(b"garbage" * 1000)
    with pytest.raises(StateUnreadable, match="s.sqlite"):
        open_store(str(tmp_path / "s.sqlite"))


def test_a_password_never_reaches_a_message() -> None:
    assert mask_credentials("redis://user:secret@host:6379/0") == "redis://***@host:6379/0"
    assert mask_credentials("/srv/state.sqlite") == "/srv/state.sqlite"


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("redis", marks=pytest.mark.server)])
def test_threads_least_recently_walked_first_and_comments_by_id(tmp_path: Path, kind: str) -> None:
    from tests.conftest import RedisServer

    server = RedisServer() if kind == "redis" else None
    try:
        store = open_store(server.url if server else str(tmp_path / "s.sqlite"))
        store.save(Batch([article("1", "2018-09-10T09:00:00+00:00"), article("2", None),
                          article("3", "2018-09-15T09:00:00+00:00"), article("4", "2018-09-20T09:00:00+00:00")],
                         [comment("c1", "1"), comment("c2", "2")]))
        due = store.least_recently_walked("2018-09-16T00:00:00+00:00", 10)
        assert [a.article_id for a in due] == ["2", "1", "3"]
        assert [a.article_id for a in store.least_recently_walked("2018-09-16T00:00:00+00:00", 2)] == ["2", "1"]
        assert store.owners(["c1", "c2", "c9"]) == {"c1": "1", "c2": "2"}
    finally:
        if server:
            server.stop()
