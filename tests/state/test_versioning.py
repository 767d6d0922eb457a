"""newscrawl.state.versioning with newscrawl.state.history: versions, sightings, and what is staged when."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.extract.items import Article, Comment
from newscrawl.state.history import History, WalkOutcome
from newscrawl.state.store import open_store
from newscrawl.state.versioning import VersioningPipeline

SEEN = "2018-09-16T09:00:00+00:00"


@pytest.fixture
def pipeline(tmp_path: Path) -> VersioningPipeline:
    crawler = get_crawler(settings_dict={"STATE_COMMIT_EVERY": 10_000, "FULL_WALK_EVERY": "7d",
                                          "THREAD_YOUNG_FOR": "30d", "THREAD_WALK_EVERY_OLD": "90d"})
    crawler.stats.open_spider()
    return VersioningPipeline(crawler, History(crawler, open_store(str(tmp_path / "state.sqlite"))))


def article(views: int = 10) -> Article:
    return Article(article_id="1", url="u", title="Заголовок", published_at="2018-09-01T10:00:00+03:00",
                   views=views, comments_count=1, crawled_at=SEEN)


def comment(text: str = "Текст") -> Comment:
    return Comment(article_id="1", comment_id="c1", number=1, text=text, crawled_at=SEEN)


def emit(pipeline: VersioningPipeline, item: Article | Comment) -> Article | Comment:
    out = pipeline.process_item(item)
    pipeline.item_scraped(out)
    return out


def test_new_changed_unchanged_deleted(pipeline: VersioningPipeline) -> None:
    assert emit(pipeline, comment()).version == 1
    with pytest.raises(DropItem):
        pipeline.process_item(comment())
    assert emit(pipeline, comment("Текст, исправленный")).version == 2
    gone = emit(pipeline, Comment(article_id="1", comment_id="c1", number=1, deleted=True))
    assert gone.version == 3 and gone.first_seen_at == SEEN
    with pytest.raises(DropItem):
        pipeline.process_item(Comment(article_id="1", comment_id="c1", number=1, deleted=True))


def test_an_article_is_staged_only_after_its_comments_are_exported(pipeline: VersioningPipeline) -> None:
    history = pipeline.history
    waiting = pipeline.process_item(comment())  # emitted, not yet exported
    history.walk_ended("1", WalkOutcome("u", failed=False, complete=True, at=SEEN))
    emit(pipeline, article())
    assert "1" not in history.staged_articles
    pipeline.item_scraped(waiting)
    assert history.staged_articles["1"].walked_at == SEEN and history.done == ["1"]


def test_a_failed_walk_keeps_the_article_in_the_frontier(pipeline: VersioningPipeline) -> None:
    pipeline.history.walk_ended("1", WalkOutcome("u", failed=True, complete=False, at=SEEN))
    emit(pipeline, article())
    assert pipeline.history.done == [] and pipeline.history.staged_articles["1"].walked_at is None
