"""The site a crawl archives, registered in settings (``SITE``, a page module such as
``newscrawl.pages.vpk``): what the parts of newscrawl that are not the site's own (fingerprints,
middlewares, commands) may know of it, and nothing more."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any, Protocol, runtime_checkable

from scrapy.http import Response

from newscrawl.pages.claims import PageEvidence


class Site(Protocol):
    SPIDER: str  # the spider that crawls it, and its run folders' parent (``layout.runs_dir``)
    START_URL: str
    COMMENTS_PER_PAGE: int  # today's page size: an estimate for budgets (a walk reads the real one)
    COMMENTS_RENDERED: str  # the selector a browser waits for on a page whose comments JavaScript renders
    article_id_from_url: Callable[[str], str | None]
    thread_id_from_url: Callable[[str], str | None]  # the article of an article page's or a comment page's URL
    page_kind: Callable[[str], str | None]  # "listing", "article", "comments" from a URL's shape, or None
    page_problem: Callable[[str, Response], tuple[Any, str | None]]
    read_page: Callable[..., Any]  # the response as a page object of a class, the checked one when there is one


@runtime_checkable
class ThreadPage(Protocol):
    """A page with a comment thread on it (an article page, a comment page)."""

    def evidence(self) -> PageEvidence: ...

    def needs_browser(self) -> bool: ...


@runtime_checkable
class ArticleLike(Protocol):
    def article(self) -> Any: ...


def site(settings: Any) -> Site:
    return _load(settings.get("SITE"))


@cache
def _load(path: str) -> Site:
    return import_module(path)  # type: ignore[return-value]
