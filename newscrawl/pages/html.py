"""Page objects: what a page of a site says. One module per site; spiders only decide what to fetch.

The helpers here know HTML and HTTP, not any site.
"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import charset_normalizer
from lxml import etree
from lxml.html import HtmlElement
from parsel.csstranslator import HTMLTranslator
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding

_TRANSLATOR = HTMLTranslator()
# Request meta: the WARC-Record-ID of the archived response a page was read from (set by
# newscrawl.exports.warc when it archives the response, or answers a re-extraction from the archive).
RECORD_ID_META = "warc_record_id"
# Request meta: the page object a downloader middleware checked a response with, handed to the
# callback so that it reads the same object instead of querying the page again (as scrapy-poet
# hands over its page objects). Set only on a response passed on, so never on a request that is
# queued again (a shared crawl pickles queued requests).
CHECKED_PAGE = "checked_page"


def record_id(response: Response) -> str | None:
    """The WARC-Record-ID of the archived response, if it was archived (a response built by hand,
    in a test or ``scrapy shell``, has none)."""
    return response.request.meta.get(RECORD_ID_META) if response.request is not None else None


class Query:
    """A CSS query (parsel's dialect: ``::text``, ``::attr(name)``) or an XPath, compiled once.

    Page modules name their selectors once, as Query constants, and run them on lxml elements.
    parsel's ``.css()`` translates and compiles its query on every call and wraps each result
    in a Selector: on a page of twenty comments that was most of the extraction time.
    """

    def __init__(self, css: str | None = None, *, xpath: str | None = None) -> None:
        self.expression = css or xpath or ""
        self._compiled = etree.XPath(xpath or _TRANSLATOR.css_to_xpath(self.expression), smart_strings=False)

    def __repr__(self) -> str:
        return f"Query({self.expression!r})"

    def all(self, node: HtmlElement) -> list[Any]:
        return self._compiled(node)

    def first(self, node: HtmlElement) -> Any | None:
        found = self._compiled(node)
        return found[0] if found else None

_BLOCKS = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr"})
_BREAK_BEFORE = _BLOCKS | {"br"}


_WITH_CLASS = etree.XPath("descendant-or-self::*[@class]")  # in document order


class ByClass:
    """The elements under one node, by class name, from one walk: for the fields of a small,
    repeated block (a comment), where one query per field would cost more than the walk.
    The first element of a class in document order wins."""

    def __init__(self, node: HtmlElement) -> None:
        self.found: dict[str, HtmlElement] = {}
        for element in _WITH_CLASS(node):
            for name in element.get("class").split():
                self.found.setdefault(name, element)

    def element(self, name: str) -> HtmlElement | None:
        return self.found.get(name)

    def text(self, name: str) -> str | None:
        element = self.found.get(name)
        return element.text if element is not None else None


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


# What a browser never shows as text: a comment that carries markup must not carry its code.
NEVER_TEXT = frozenset({"script", "style", "noscript", "template"})


def block_text(element: HtmlElement, skip: frozenset[str] = frozenset({"blockquote"}),
               omit: frozenset[HtmlElement] = frozenset()) -> str:
    """The text of an element with its line breaks: ``<br>`` and block ends become ``\\n``.

    Elements named in ``skip``, and the elements in ``omit`` (with their contents), are left out,
    e.g. a quote inside a comment.
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
            if not (isinstance(child.tag, str) and (child.tag in skip or child.tag in NEVER_TEXT or child in omit)):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCKS:
            parts.append("\n")

    walk(element)
    return "".join(parts)


_STRING = etree.XPath("string()", smart_strings=False)  # compiled once; element.xpath() compiles per call


def string_value(element: HtmlElement | None) -> str | None:
    """All the text inside an element, as XPath's string() gives it."""
    return None if element is None else _STRING(element)


_CLOSED = re.compile(rb"</html\s*>\s*$", re.I)


def document_closes(response: Response) -> bool:
    """The HTML ends with ``</html>``: a body cut short (with an honest Content-Length) does not."""
    return bool(_CLOSED.search(response.body[-512:]))


def misdeclared_encoding(response: TextResponse) -> str | None:
    """The encoding the bytes are really in, when it is not the one the response would use.

    Trust what decodes: non-ASCII bytes that are valid UTF-8 are UTF-8 (a single-byte text is
    almost never valid UTF-8, while almost every byte decodes as windows-1251); then the
    encoding the response declares, then the one the page's ``<meta>`` declares; bytes that none
    of them decodes are left to charset-normalizer.
    """
    body, declared = response.body, codecs.lookup(response.encoding).name
    if body.isascii():
        return None
    try:
        body.decode("utf-8")
        return None if declared == "utf-8" else "utf-8"
    except UnicodeDecodeError:
        pass
    for candidate in (declared, html_body_declared_encoding(body)):
        if candidate:
            try:
                body.decode(candidate)
                return None if candidate == declared else candidate
            except (UnicodeDecodeError, LookupError):
                pass
    best = charset_normalizer.from_bytes(body).best()
    return best.encoding if best is not None else None
