"""Pages that lie about what they are: plausible pages of the site, status 200, whole, but not the
page asked for (``--lie KIND``). Each lie is served on a quarter of the pages it concerns, every
time they are asked for; the truth is unchanged.

What a crawler must not do with them is claim anything: no comment declared deleted because a
lying page did not show it, no comment moved to another article, no date or counter taken from
a page older than what it already holds.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tests.replica import render
from tests.replica.world import Article, Comment, View

KINDS = {
    "page1": "comment page N answering with page 1's comments",
    "challenge": "a JavaScript challenge page (\"checking your browser\") in place of comment pages",
    "foreign": "another article's comment page in place of comment page N",
    "relabelled": "another article's comment page, relabelled with this article's id",
    "twice": "comment page N starting with the last comment of page N-1 (one comment on two pages)",
    "race": "a comment of page 1 deleted while the walk runs: later pages shifted up, their total one less",
    "counter": "the article's comment counter, and the listing's, five more than the comments there are",
    "stale": "article and comment pages as they were on day 0, with today's Date header",
}
SHARE = 25  # percent of the pages (or, for counter and stale, of the articles) concerned
CHALLENGE_PAGE = ('<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8"><title>Just a moment...</title>'
                  '</head><body><h1>Проверяем ваш браузер…</h1><p>Это займёт несколько секунд.</p>'
                  '<script>setTimeout(function(){location.reload()},5000)</script></body></html>\n')
COUNTER_LIE = 5


def chosen(key: str) -> bool:
    return zlib.crc32(b"lie" + key.encode()) % 100 < SHARE


def assigned(kinds: list[str], article_id: str) -> str | None:
    """The one lie an article's pages tell when several are served at once (each article one)."""
    return kinds[zlib.crc32(b"kind" + article_id.encode()) % len(kinds)] if kinds else None


def article_lied_about(article: Article) -> bool:
    """Counter and stale lies concern whole articles: their pages and their listing rows."""
    return chosen(article.id)


def comment_page(kind: str, view: View, article: Article, number: int, path: str, every: bool = False) -> str | None:
    """The lying HTML for comment page ``number`` (> 1) of ``article`` (on a share of the pages,
    or on ``every`` one), or None to tell the truth."""
    if article.js_comments or not (every or chosen(path)):
        return None
    if kind == "page1":
        return render.comment_page(view, article, 1)
    if kind == "challenge":
        return CHALLENGE_PAGE
    if kind in ("foreign", "relabelled"):
        other = next((a for a in view.articles if a.id != article.id and not a.js_comments
                      and len(view.comment_pages(a)) >= number), None)
        if other is None:
            return None
        html = render.comment_page(view, other, number)
        return html.replace(other.id, article.id) if kind == "relabelled" else html
    if kind == "twice":
        pages = view.comment_pages(article)
        return render.comment_page(_Shown(view, article, [pages[number - 2][-1], *pages[number - 1][:-1]], number),
                                   article, number)
    if kind == "race":
        gone = view.comments(article)[0]
        return render.comment_page(_Without(view, gone), article, number)
    return None


def old_view(view: View, article: Article) -> View | None:
    """``stale``: the site as it was on day 0, for an article that existed then."""
    then = view.world.view(view.world.day0, sidebar_size=view.sidebar_size)
    return then if article.published_at <= then.now and then.now < view.now else None


_COUNTER = re.compile(r'(<li class="comments-count" title="Комментарии">)(\d+)(</li>)')


def inflated_counter(html: str) -> str:
    return _COUNTER.sub(lambda m: f"{m[1]}{int(m[2]) + COUNTER_LIE}{m[3]}", html)


def inflated_listing(html: str, view: View, lied: Callable[[Article], bool]) -> str:
    """The listing's count beside each article lied about."""
    for article in view.articles:
        if lied(article) and f'href="{article.path}"' in html:
            row = re.compile(rf'(href="{re.escape(article.path)}".*?<span class="comments">)(\d+)(</span>)')
            html = row.sub(lambda m: f"{m[1]}{int(m[2]) + COUNTER_LIE}{m[3]}", html, count=1)
    return html


class _Without(View):
    """The view with one comment gone: what a walk meets when a comment is deleted under it."""

    def __init__(self, view: View, gone: Comment) -> None:
        super().__init__(view.world, view.now, view.sidebar_size)
        self.gone = gone

    def comments(self, article: Article) -> list[Comment]:
        return [c for c in super().comments(article) if c is not self.gone]


@dataclass
class _Shown:
    """A view whose page ``number`` of one article shows the given comments."""

    view: View
    article: Article
    shown: list[Comment]
    number: int

    def __getattr__(self, name: str) -> object:
        return getattr(self.view, name)

    @property
    def now(self) -> datetime:
        return self.view.now

    def comment_pages(self, article: Article) -> list[list[Comment]]:
        pages = list(self.view.comment_pages(article))
        if article is self.article:
            pages[self.number - 1] = self.shown
        return pages
