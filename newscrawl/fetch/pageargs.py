"""Page objects as callback arguments: a callback names the page it reads,
``def parse_article(self, response, page: ArticlePage)``, and receives it in ``cb_kwargs``.

scrapy-poet's way (``scrapy_poet/downloadermiddlewares.py`` fills the arguments a callback's
signature asks for), without the library: newscrawl's page objects are the site module's own,
not web-poet ``ItemPage``s, and the page a callback receives must be the very object
``WholePages`` checked (``html.CHECKED_PAGE``), which the site's ``read_page`` hands over. For one
annotation lookup, web-poet and andi would be two dependencies and a second page object.

It sits after RetryMiddleware (550) in the response's path, so that a response retried never
carries a page object into a request that goes back to the scheduler (and Redis).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from newscrawl.monitoring.reporting import UnparsedValues
from newscrawl.pages.html import CHECKED_PAGE
from newscrawl.pages.site import site

logger = logging.getLogger(__name__)
PAGE_ARGUMENT = "page"


class PageArguments:
    def __init__(self, crawler: Crawler) -> None:
        self.read_page = site(crawler.settings).read_page
        self.report = UnparsedValues(crawler, logger)
        self.classes: dict[Callable[..., Any], type | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageArguments:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.callback is not None and isinstance(response, TextResponse) and 200 <= response.status < 300:
            page_class = self._page_class(request.callback)
            if page_class is not None:  # the response knows its request only once past the middlewares
                checked = request.meta.pop(CHECKED_PAGE, None)
                request.cb_kwargs[PAGE_ARGUMENT] = self.read_page(page_class, response, self.report, checked)
        return response

    def _page_class(self, callback: Callable[..., Any]) -> type | None:
        """The class the callback's ``page`` parameter names; None when it has none. Wrappers (the
        contracts', ``scrapy parse``'s) are seen through to the callback they wrap."""
        function = inspect.unwrap(callback)
        function = getattr(function, "__func__", function)
        if function not in self.classes:
            parameter = inspect.signature(function, eval_str=True).parameters.get(PAGE_ARGUMENT)
            annotation = parameter.annotation if parameter is not None else None
            self.classes[function] = annotation if isinstance(annotation, type) else None
        return self.classes[function]
