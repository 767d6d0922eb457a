"""Scrapy's per-page and per-item log lines are built only when the log level shows them."""

from __future__ import annotations

import logging

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newscrawl.extract.items import Comment
from newscrawl.monitoring.reporting import ShownLogFormatter


def formatter(level: str | int) -> tuple[ShownLogFormatter, Spider]:
    crawler = get_crawler(Spider, {"LOG_LEVEL": level})
    crawler.spider = Spider.from_crawler(crawler, name="test")
    return ShownLogFormatter.from_crawler(crawler), crawler.spider


@pytest.mark.parametrize("level", ["INFO", "warning", logging.INFO])
def test_debug_lines_are_not_built_above_debug(level: str | int) -> None:
    logs, spider = formatter(level)
    response = HtmlResponse("http://127.0.0.1/", body=b"<html></html>")
    assert logs.crawled(Request(response.url), response, spider) is None
    assert logs.scraped(Comment(comment_id="1"), response, spider) is None
    assert logs.dropped(Comment(), DropItem("copy", log_level="DEBUG"), response, spider) is None
    dropped = logs.dropped(Comment(), DropItem("bad", log_level="ERROR"), response, spider)
    assert dropped is not None and dropped["level"] == logging.ERROR


@pytest.mark.parametrize("level", ["DEBUG", logging.DEBUG, "no such level"])
def test_debug_shows_every_line(level: str | int) -> None:
    logs, spider = formatter(level)
    response = HtmlResponse("http://127.0.0.1/", body=b"<html></html>")
    assert logs.crawled(Request(response.url), response, spider)["level"] == logging.DEBUG
    assert logs.scraped(Comment(comment_id="1"), response, spider)["args"]["item"].comment_id == "1"
    assert logs.dropped(Comment(), DropItem("copy", log_level="DEBUG"), response, spider)["level"] == logging.DEBUG
