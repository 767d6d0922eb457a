"""The dedupe pipeline: a second copy of an item within a run is dropped and counted."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl import statkeys
from newscrawl.extract.items import Article, Comment
from newscrawl.pipelines.dedupe import RECENT_ARTICLES, DedupePipeline


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
    assert crawler.stats.get_value(statkeys.deduped("article")) == 1
    assert crawler.stats.get_value(statkeys.deduped("comment")) == 1


def test_memory_is_bounded_by_recent_articles_not_by_comments() -> None:
    """A run over many articles remembers every article id but only recent articles' comments."""
    pipeline = DedupePipeline.from_crawler(get_crawler())
    articles = RECENT_ARTICLES * 3
    for article in range(articles):
        for number in range(30):
            pipeline.process_item(Comment(article_id=str(article), comment_id=f"{article}-{number}"))
        pipeline.process_item(Article(article_id=str(article)))
    assert len(pipeline.articles) == articles
    assert len(pipeline.comments) == RECENT_ARTICLES
    assert sum(len(ids) for ids in pipeline.comments.values()) == RECENT_ARTICLES * 30
    with pytest.raises(DropItem):  # the articles still open keep their comments
        pipeline.process_item(Comment(article_id=str(articles - 1), comment_id=f"{articles - 1}-0"))
