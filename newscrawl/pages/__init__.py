"""Page objects: what a page of a site says. One module per site; spiders only decide what to fetch.

The helpers here know HTML and HTTP, not any site.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml.html import HtmlElement
from parsel import Selector
from scrapy.http import Response

_BLOCKS = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr"})
_BREAK_BEFORE = _BLOCKS | {"br"}


def fetched_at(response: Response) -> datetime:
    """When the page was fetched, by the server's clock (its ``Date`` header) when it gives one.

    The site's clock is what its relative dates ("2 часа назад") are relative to.
    """
    raw = response.headers.get(b"Date")
    if raw:
        try:
            return parsedate_to_datetime(raw.decode("latin-1")).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


def block_text(selector: Selector, skip: frozenset[str] = frozenset({"blockquote"})) -> str:
    """The text of an element with its line breaks: ``<br>`` and block ends become ``\\n``.

    Elements named in ``skip`` (and their contents) are left out, e.g. a quote inside a comment.
    Inline markup (``<b>``, ``<a>``) keeps a line whole, which ``::text`` joins would not.
    """
    parts: list[str] = []

    def walk(element: HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _BREAK_BEFORE:
            parts.append("\n")
        if element.text and tag:
            parts.append(element.text)
        for child in element:
            if not (isinstance(child.tag, str) and child.tag in skip):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCKS:
            parts.append("\n")

    walk(selector.root)
    return "".join(parts)
