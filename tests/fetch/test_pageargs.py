"""newscrawl.fetch.pageargs: each callback receives the page object its signature names, the very
one WholePages checked, also through the wrappers of ``scrapy check`` and ``scrapy parse``."""

from __future__ import annotations

import functools
from typing import Any

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response

from newscrawl.fetch.pageargs import PageArguments
from newscrawl.pages.html import CHECKED_PAGE
from newscrawl.pages.vpk import ArticlePage, CommentsPage, SitePage
from tests.crawlers import project_crawler

URL = "http://127.0.0.1:8000/news/"
HTML = b"<html><head><title>x</title></head><body><div class='news-list'></div></body></html>"


class Callbacks(Spider):
    name = "callbacks"

    def listing(self, response: Response, page: SitePage) -> Any:
        return page

    def article(self, response: Response, page: ArticlePage) -> Any:
        return page

    def plain(self, response: Response) -> Any:
        return response


def answer(callback: Any, status: int = 200, meta: dict[str, Any] | None = None) -> Request:
    request = Request(URL, callback=callback, meta=meta or {})
    # As in a crawl: a response meets the downloader middlewares before it knows its request.
    PageArguments(project_crawler()).process_response(request, HtmlResponse(URL, status=status, body=HTML))
    return request


def test_the_callback_receives_the_page_class_its_signature_names() -> None:
    spider = Callbacks()
    assert type(answer(spider.listing).cb_kwargs["page"]) is SitePage
    assert type(answer(spider.article).cb_kwargs["page"]) is ArticlePage
    assert "page" not in answer(spider.plain).cb_kwargs and "page" not in answer(spider.listing, 404).cb_kwargs


def test_the_page_wholepages_checked_is_the_one_handed_over() -> None:
    checked = SitePage(HtmlResponse(URL, body=HTML))
    request = answer(Callbacks().listing, meta={CHECKED_PAGE: checked})
    assert request.cb_kwargs["page"] is checked and CHECKED_PAGE not in request.meta
    other = CommentsPage(HtmlResponse(URL, body=HTML))  # checked as another kind: read anew
    assert type(answer(Callbacks().article, meta={CHECKED_PAGE: other}).cb_kwargs["page"]) is ArticlePage


def test_a_wrapper_is_seen_through_to_the_callback_it_wraps() -> None:
    spider = Callbacks()

    @functools.wraps(spider.article)
    def wrapper(response: Response, **cb_kwargs: Any) -> Any:  # what scrapy check and scrapy parse do
        return spider.article(response, **cb_kwargs)

    assert type(answer(wrapper).cb_kwargs["page"]) is ArticlePage
