"""spiders/vpk.py without the network: the comment walk of an old article woken by new comments,
on pages the replica renders."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl import settings as project_settings
from newscrawl.crawl.commentwalk import WALK_META, CommentWalk
from newscrawl.extract.items import Comment
from newscrawl.state.store import CommentState
from spiders.vpk import VpkSpider
from tests.replica import render
from tests.replica.habits import COMMENTS_PER_PAGE
from tests.replica.world import build_world

BASE = "http://127.0.0.1:8000"
SPIDER_SETTINGS = {name: getattr(project_settings, name) for name in (
    "BROWSER_EXECUTABLE", "REVISIT_AFTER", "FULL_WALK_EVERY", "SIDEBAR_COVERS", "LISTING_STOP_AFTER_KNOWN",
    "ABSENCE_CORROBORATED_AFTER", "MODERATION_WATCH")}


class KnownComments:
    """The part of History a comment walk asks: which comments earlier runs recorded."""

    def __init__(self, known: set[str]) -> None:
        self.known = {c: CommentState(c, "", 1, "h", 1, "", "") for c in known}

    def comment_states(self, article_id: str) -> dict[str, CommentState]:
        return self.known

    def walk_ended(self, *args: Any) -> None:
        pass

    def article_state(self, article_id: str) -> None:
        return None  # the sidebar's articles: new to this history

    def set_out(self, *args: Any) -> None:
        pass


def walk(known_pages: int, skip_until: int) -> list[str]:
    """Walk an article of 5+ comment pages whose first ``known_pages`` pages earlier runs saw;
    returns the comment pages requested, in order."""
    world = build_world(60)
    view = world.view(world.now(0))
    article = next(a for a in view.articles if len(view.comment_pages(a)) >= 5 and not a.js_comments
                   and a.encoding == "utf-8")
    pages = view.comment_pages(article)
    spider = VpkSpider.from_crawler(get_crawler(VpkSpider, SPIDER_SETTINGS), start_url=BASE + "/news/")
    spider.history = KnownComments({c.comment_id for page in pages[:known_pages] for c in page})
    comment_walk = CommentWalk(article.id, BASE + article.path, skip_until=skip_until)
    html = render.article_page(view, article)
    output = list(spider.parse_article(_response(BASE + article.path, html, comment_walk)))
    requested: list[str] = []
    while requests := [r for r in output if isinstance(r, Request) and r.callback == spider.parse_comments]:
        (request,) = requests
        requested.append(request.url)
        number = int(request.url.rstrip("/").rsplit("/", 1)[1])
        html = render.comment_page(view, article, number)
        output = list(spider.parse_comments(_response(request.url, html, request.meta[WALK_META])))
    assert any(isinstance(item, Comment) for item in output), "the last page read gave no comment"
    return [url.rstrip("/").rsplit("/", 1)[1] for url in requested]


def _response(url: str, html: str, comment_walk: CommentWalk) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode(), encoding="utf-8",
                        request=Request(url, meta={WALK_META: comment_walk}))


def test_a_woken_thread_is_read_from_where_its_known_comments_end() -> None:
    known = 4 * COMMENTS_PER_PAGE
    assert walk(known_pages=4, skip_until=known)[0] == "4"  # pages 2 and 3 skipped


def test_a_walk_steps_back_while_the_first_comment_it_meets_is_unknown() -> None:
    """Comments above were deleted, so the ones earlier runs saw moved up: the page where the
    known comments should end starts with unknown ones, and the walk steps back page by page."""
    pages = walk(known_pages=2, skip_until=4 * COMMENTS_PER_PAGE)
    assert pages[:3] == ["4", "3", "2"]
