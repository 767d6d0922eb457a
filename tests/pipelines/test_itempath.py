"""newscrawl.pipelines.itempath: one path, in the order its guarantees rest on."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from newscrawl import statkeys
from newscrawl.extract.items import Comment
from newscrawl.pipelines.itempath import ItemPath
from newscrawl.state.history import History
from tests.crawlers import project_crawler


def path(tmp_path: Path, with_state: bool) -> ItemPath:
    crawler = project_crawler(overrides={"EXPORTS_DIR": str(tmp_path), "RUN_FOLDER_ENABLED": with_state,
                                         "STATE_URI": str(tmp_path / "state.sqlite") if with_state else ""})
    crawler.stats.open_spider()
    if with_state:
        crawler.extensions = type("Extensions", (), {"middlewares": [History.from_crawler(crawler)]})()
    return ItemPath.from_crawler(crawler)


def test_without_a_state_an_item_is_deduplicated_and_counted_not_versioned(tmp_path: Path) -> None:
    item_path = path(tmp_path, with_state=False)
    comment = Comment(article_id="1", comment_id="c1", number=1, text="Текст")
    assert item_path.versioning is None and item_path.process_item(comment) is comment
    with pytest.raises(DropItem):
        item_path.process_item(Comment(article_id="1", comment_id="c1", number=1, text="Текст"))
    assert item_path.coverage.items["comment"] == 1  # the copy was dropped before it was counted
    assert item_path.dedupe.stats.get_value(statkeys.deduped("comment")) == 1


def test_with_a_state_a_new_item_leaves_with_its_version(tmp_path: Path) -> None:
    item_path = path(tmp_path, with_state=True)
    assert item_path.versioning is not None
    out = item_path.process_item(Comment(article_id="1", comment_id="c1", number=1, text="Текст",
                                         crawled_at="2018-09-16T09:00:00+00:00"))
    assert out.version == 1 and item_path.coverage.items["comment"] == 1
