"""The dedupe pipeline: a second copy of an item within a run is dropped and counted."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.items import Article, Comment
from newscrawl.pipelines import DedupePipeline


def test_second_copies_are_dropped_and_counted() -> None:
    crawler = get_crawler()
    pipeline = DedupePipeline.from_crawler(crawler)
    first = Article(article_id="1", title="a")
    assert pipeline.process_item(first) is first
    assert pipeline.process_item(Comment(article_id="1", comment_id="1-1")).comment_id == "1-1"
    assert pipeline.process_item(Comment(article_id="2", comment_id="2-1")).comment_id == "2-1"
    with pytest.raises(DropItem):
        pipeline.process_item(Article(article_id="1", title="a, again"))
    with pytest.raises(DropItem):
        pipeline.process_item(Comment(article_id="1", comment_id="1-1"))
    assert crawler.stats.get_value("dedupe/article/dropped") == 1
    assert crawler.stats.get_value("dedupe/comment/dropped") == 1
