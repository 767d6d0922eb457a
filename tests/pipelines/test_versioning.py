"""newscrawl.pipelines.versioning with newscrawl.state.history: versions, sightings, and what is staged when."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from newscrawl import statkeys
from newscrawl.extract.items import Article, Comment
from newscrawl.pipelines.versioning import VersioningPipeline
from newscrawl.state.history import History, WalkOutcome
from newscrawl.state.store import open_store
from tests.crawlers import project_crawler

SEEN = "2018-09-16T09:00:00+00:00"


@pytest.fixture
def pipeline(tmp_path: Path) -> VersioningPipeline:
    crawler = project_crawler(overrides={"STATE_COMMIT_EVERY": 10_000, "FULL_WALK_EVERY": "7d",
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


def moderated(notice: str = "Комментарий удалён модератором") -> Comment:
    return Comment(article_id="1", comment_id="c1", number=1, deleted=True, removal="moderated",
                   removal_notice=notice, crawled_at=LATER, deletion_evidence=["<urn:uuid:page>"])


LATER = "2018-09-17T09:00:00+00:00"


def test_a_moderated_comment_is_a_deletion_of_its_own_kind_and_its_last_words_stay(pipeline: VersioningPipeline) -> None:
    emit(pipeline, comment())
    removed = emit(pipeline, moderated())
    assert (removed.version, removed.removal, removed.text, removed.last_seen_at) == (2, "moderated", None, LATER)
    state = pipeline.history.comment_states("1")["c1"]
    assert state.deleted and state.removal == "moderated" and state.hash == ""
    with pytest.raises(DropItem):  # shown so again: recorded already
        pipeline.process_item(moderated())


def test_a_comment_first_met_moderated_is_recorded_deleted(pipeline: VersioningPipeline) -> None:
    assert emit(pipeline, moderated()).version == 1
    assert pipeline.stats.get_value(statkeys.versioned("comment", "moderated")) == 1


@pytest.mark.parametrize(("removal", "counted"), [("moderated", statkeys.VERSIONS_RESTORED),
                                                  ("gone", statkeys.DELETIONS_RETRACTED)])
def test_a_comment_shown_again_after_its_deletion_is_alive_again_with_its_text(
        pipeline: VersioningPipeline, removal: str, counted: str) -> None:
    emit(pipeline, comment())
    emit(pipeline, moderated() if removal == "moderated" else Comment(
        article_id="1", comment_id="c1", number=1, deleted=True, removal="gone"))
    back = emit(pipeline, comment())  # its earlier content: not kept out, since the deletion contradicted it
    assert (back.version, back.deleted, back.text) == (3, False, "Текст")
    assert pipeline.stats.get_value(counted) == 1


def test_an_earlier_version_shown_again_is_kept_out_once_and_current_again_in_a_later_run(
        pipeline: VersioningPipeline) -> None:
    pipeline.crawler.spider = type("Spider", (), {"run_id": "run-1"})()
    emit(pipeline, comment())
    emit(pipeline, comment("Текст, исправленный"))
    with pytest.raises(DropItem):  # a stale page, as far as this run can tell
        pipeline.process_item(comment())
    with pytest.raises(DropItem):  # shown again in the same run: still one sighting
        pipeline.process_item(comment())
    pipeline.crawler.spider.run_id = "run-2"
    back = emit(pipeline, comment())  # a later run shows it too: the site went back
    assert (back.version, back.text) == (3, "Текст")
    assert pipeline.stats.get_value(statkeys.VERSIONS_RESTORED) == 1
    assert pipeline.stats.get_value(statkeys.STALE_RECORDS) == 2
