"""newscrawl.pipelines.coverage: the fields a run gave, against what a run must have (monitoring.health)."""

from __future__ import annotations

from newscrawl import statkeys
from newscrawl.extract.items import Article, Comment
from newscrawl.pipelines.coverage import FieldCoverage
from tests.crawlers import project_crawler


def coverage(items: list[Article | Comment]) -> FieldCoverage:
    crawler = project_crawler(overrides={"HEALTH_REQUIRED": {"comment": {"text": 0.99}}})
    crawler.stats.open_spider()
    pipeline = FieldCoverage(crawler)
    for item in items:
        assert pipeline.process_item(item) is item
    pipeline.close_spider()
    return pipeline


def test_a_field_a_redesign_emptied_is_a_problem_naming_it() -> None:
    comments = [Comment(article_id="1", comment_id=str(n), number=n, text=None if n % 2 else "Текст") for n in range(40)]
    stats = coverage(comments).crawler.stats
    assert stats.get_value(statkeys.COVERAGE)["comment"]["text"] == 0.5
    assert stats.get_value(statkeys.HEALTH_PROBLEMS) == [
        "comment text on 50% of 40 comments (at least 99% required): the page no longer gives it"]


def test_deletions_count_for_no_field_and_a_repeated_authorless_text_is_a_likely_placeholder() -> None:
    gone = [Comment(article_id="1", comment_id=f"g{n}", deleted=True) for n in range(10)]
    hidden = [Comment(article_id="1", comment_id=f"h{n}", text="Скрыто по  жалобе") for n in range(3)]
    stats = coverage([*gone, *hidden]).crawler.stats
    assert stats.get_value(statkeys.HEALTH_PROBLEMS) == []
    assert stats.get_value(statkeys.LIKELY_PLACEHOLDERS) == [{"text": "Скрыто по жалобе", "comments": 3}]
