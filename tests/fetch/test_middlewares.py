"""newscrawl.fetch.middlewares.WholePages: a page that is not the page the walk asked for is
retried, then failed with why; the page that is passes on, checked once, to the spider."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl import statkeys
from newscrawl.crawl.commentwalk import WALK_META, CommentWalk
from newscrawl.crawl.planner import Plan, Planner
from newscrawl.fetch.middlewares import BrokenPage, WholePages
from newscrawl.pages.html import CHECKED_PAGE
from tests.crawlers import project_crawler
from tests.replica import render
from tests.replica.world import build_world

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def thread() -> tuple:
    world = build_world(60)
    view = world.view(world.now(0))
    article = next(a for a in view.articles if len(view.comment_pages(a)) >= 3 and not a.js_comments
                   and a.encoding == "utf-8")
    return view, article


class NoBrowser:
    available = False

    def miss(self, kind: str, url: str, why: str = "") -> None:
        raise AssertionError("no page here needs a browser")


def middleware() -> WholePages:
    crawler = get_crawler(Spider, {"SITE": "newscrawl.pages.vpk", "BROKEN_PAGE_RETRY_TIMES": 1,
                                   "BROKEN_PAGE_BACKOFF": 0})
    crawler.spider = Spider(name="vpk")
    crawler.spider.crawler = crawler
    crawler.stats.open_spider()
    # No state: the planner has no records to ask, only the walk's own checks.
    crawler.spider.planner = Planner(Plan.from_settings(project_crawler().settings), crawler.stats, NoBrowser(),
                                     per_page=20)
    return WholePages(crawler)


def answer(pages: WholePages, request: Request, html: str) -> object:
    response = HtmlResponse(request.url, body=html.encode(), encoding="utf-8")
    return asyncio.run(pages.process_response(request, response))


def test_the_page_asked_for_passes_and_carries_the_page_object_it_was_checked_as(thread: tuple) -> None:
    view, article = thread
    walk = CommentWalk(article.id, BASE + article.path)
    request = Request(BASE + article.path, meta={WALK_META: walk, "page": "article"})
    assert isinstance(answer(middleware(), request, render.article_page(view, article)), HtmlResponse)
    assert request.meta[CHECKED_PAGE].evidence().current == 1


def test_page_1_answering_for_page_2_is_retried_then_failed_with_why(thread: tuple) -> None:
    view, article = thread
    walk = CommentWalk(article.id, BASE + article.path)
    walk.read(answer_evidence(view, article))
    url = BASE + article.comment_page_path(2)
    request = Request(url, meta={WALK_META: walk, "page": "comments"})
    pages = middleware()
    retry = answer(pages, request, render.comment_page(view, article, 1))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    with pytest.raises(BrokenPage) as failed:
        answer(pages, retry, render.comment_page(view, article, 1))
    assert failed.value.kind == "wrong_page" and CHECKED_PAGE not in retry.meta
    assert pages.crawler.stats.get_value(statkeys.refused_page("wrong_page")) == 2


def answer_evidence(view: object, article: object) -> object:
    from newscrawl.pages.vpk import ArticlePage

    html = render.article_page(view, article)  # type: ignore[arg-type]
    return ArticlePage(HtmlResponse(BASE + article.path, body=html.encode(), encoding="utf-8")).evidence()  # type: ignore[attr-defined]
