"""vpk.name: what its listing, article and comment pages say.

Every selector for the site is named once, here. A redesign of the site touches this module
and its stored test pages (``tests/pages/vpk/``) only. Where the page offers something that
survives a redesign (``<link rel=canonical>``, ``article:published_time``, ``data-*`` ids), it
comes first and the visible text is the fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import urlsplit

from lxml.html import HtmlElement
from scrapy.http import Response

from newscrawl.extract.items import MODERATED, Article, Comment
from newscrawl.extract.loaders import ArticleLoader, CommentLoader, Report, log_unparsed
from newscrawl.extract.normalize import parse_ru_count
from newscrawl.pages.claims import PageEvidence
from newscrawl.pages.html import (
    ByClass,
    Query,
    block_text,
    document_closes,
    fetched_at,
    record_id,
    string_value,
)
from newscrawl.pages.rules import Rule
from newscrawl.pages.versions import BUILT_IN, REGISTRY, UNREADABLE, Version
from newscrawl.urls import canonical_url

SPIDER = "vpk"  # the spider that crawls it (spiders/vpk.py)
START_URL = "https://vpk.name/news/"
ARTICLE_URL = re.compile(r"/news/(\d+)_[^/]+\.html$")

# Queries that run on every page name the tag before the class: libxml2 tests a tag name far
# faster than a class (the sidebar's items: 60 µs a page by class alone, 10 µs with the tag).

# Listing pages, and the "Обсуждаемое" sidebar on every page
LISTING = Query("div.news-list")
LISTING_ITEM = Query("div.news-list div.news-list-item")
LISTING_ITEM_LINK = Query("a.news-link::attr(href)")
LISTING_ITEM_COMMENTS = Query(".comments::text")
LISTING_NEXT_PAGE = Query("div.pagination a.next::attr(href)")
SIDEBAR_ITEM = Query("ul.discussed-list li")
SIDEBAR_ITEM_LINK = Query("a::attr(href)")
SIDEBAR_ITEM_COMMENTS = Query(".d-count::text")

# Article pages: the <head>, then the article's own block (where the fields below are looked for)
HEAD = Query(xpath="/html/head")
CANONICAL = Query("link[rel=canonical]::attr(href)")
OG_TITLE = Query("meta[property='og:title']::attr(content)")
PUBLISHED_META = Query("meta[property='article:published_time']::attr(content)")
SECTION_META = Query("meta[property='article:section']::attr(content)")
JSON_LD = Query(xpath="//script[@type='application/ld+json']/text()")  # schema.org NewsArticle
JSON_LD_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle"})
ARTICLE = Query("article.news-item")
ARTICLE_ID = "data-id"  # an attribute of the article element
TITLE = Query("h1.news-title::text")
PUBLISHED_TEXT = Query(".news-meta .news-date::text")
SECTION = Query(".news-meta .news-rubric::text")
AUTHOR = Query(".news-meta .news-author::text")
AUTHOR_LABEL = re.compile(r"^\s*Автор:\s*")
VIEWS = Query(".news-counters .views::text")
COMMENTS_COUNT = Query(".news-counters .comments-count::text")
RATING = Query(".news-counters .rating::text")
IMAGE = Query("figure.news-image img")
IMAGE_CAPTION = Query("figure.news-image figcaption")
CAPTION_CREDIT = re.compile(r"^(?P<caption>.*?)\.?\s*Источник:\s*(?P<credit>.*?)\.?\s*$", re.S)
BODY_PARAGRAPHS = Query(".news-text p")
RIGHTS_HOLDER = Query(".news-rights .rights-holder::text")
RIGHTS_NOTE = Query(".news-rights .rights-note::text")
MENTIONS = Query(".news-mentions li:not(.title) a::text")

# Comments (article pages and comment pages alike)
# The comments block is found once; what follows is looked for inside it.
COMMENTS_BLOCK = Query(xpath="id('comments')")  # the parser's id table: no walk of the page
COMMENTS_ARTICLE_ID = "data-article-id"  # attributes of the block
COMMENTS_DECLARED = "data-count"
COMMENTS_CLIENT_RENDERED = ("data-render", "client")
# What a browser waits for: a comment, or the script's "done" mark on an empty block (CSS, for Playwright).
COMMENTS_RENDERED = "#comments .comment, #comments.loaded"
COMMENT = Query("div.comment")
COMMENT_SITE_ID = "data-id"  # an attribute of the comment element
# Inside a comment, fields are found by class name in one walk of its elements (pages.ByClass).
COMMENT_NUMBER = "comment-num"
COMMENT_AUTHOR = "comment-author"
COMMENT_DATE = "comment-date"
COMMENT_BODY = "comment-body"
COMMENT_QUOTE = "quote"  # the first in the body; a quote it quotes sits inside it
QUOTE_HEAD = "quote-head"
QUOTE_TEXT = "quote-text"
QUOTE_ATTRIBUTION = re.compile(r"^Цитата,\s*(?P<author>.+?)(?:\s+сообщ\.\s*№\s*(?P<number>\d+))?\s*$")
COMMENT_RATING = "comment-rating"
COMMENT_PAGE_LINKS = Query("nav.comments-pages a::attr(href)")
COMMENT_PAGE_CURRENT = Query("nav.comments-pages span.current::text")
COMMENT_NUMBER_TEXT = Query(xpath="descendant::span[@class='comment-num']/text()")
THREAD_LINK = Query("h1.news-title a::attr(href)")  # a comment page's link to its article
COMMENTS_PER_PAGE = 20  # today's page size: an estimate of a thread's pages (the walk reads the real one)
# A moderator's placeholder left in a comment's place, its number kept: the comment is deleted,
# "moderated". Matched on the whole (short) text, lower-cased, ё as е, punctuation aside.
MODERATION_NOTICE = re.compile(
    r"(?:(?:этот|данный) )?(?:комментарий|сообщение|ответ|пост|отзыв|текст(?: комментария| сообщения)?)"
    r"(?: был[ао]?)? (?:удален|скрыт|заблокирован|отклонен|отредактирован)[аоы]?(?: .*)?"
    r"|(?:удален|скрыт|заблокирован)[аоы]?(?: (?:модератор|администрац|администратор|по просьбе|по решению|за нарушени).*)?")
MODERATION_NOTICE_MAX = 120  # characters: a placeholder is a line, not a comment that mentions one

# A learned version's fields (``newscrawl.pages.versions``, written by ``python -m newscrawl learn``),
# each a rule in its region: the listing's items in the page, a link and a count in an item; the
# article's block in the page, its fields in the block; the comments' block in the page, the
# comments in the block, a comment's fields in the comment; the thread's other pages in the page.
LISTING_ITEMS, LISTING_LINK, LISTING_COUNT, LISTING_NEXT = "listing.item", "listing.link", "listing.comments", "listing.next"
ARTICLE_BLOCK, COMMENTS_REGION, COMMENT_NODES, COMMENT_PAGES = "article.block", "comments.block", "comments.comment", "comments.pages"
THREAD_LINK_RULE = "comments.thread"  # a comment page's link to its article
ARTICLE_FIELDS = ("url", "title", "published_at", "section", "author", "body", "image_url", "image_alt", "image_caption",
                  "image_credit", "rights_holder", "rights_note", "mentions", "views", "comments_count", "rating")
COMMENT_FIELDS = ("comment_id", "number", "author", "posted_at", "text", "quote_author", "quote_number", "quote_text",
                  "rating")
LIST_FIELDS = frozenset({"body", "mentions"})  # read as all the rule's elements, one value each
# What a page must give for its records to be stored: without them it is a page no version can
# read (refused, its WARC record kept), never a record of nulls.
REQUIRED_ARTICLE_FIELDS = ("url", "title", "published_at", "body")  # and every comment's number
LISTING_PAGE_LINK = re.compile(r"page\D{0,3}(\d+)", re.I)  # "?page=3", "/page/3/": a listing's numbered pages


COMMENT_PAGE_URL = re.compile(r"/news/\d+_[^/]+/comments/\d+/?$")
COMMENT_PAGE_NUMBER = re.compile(r"(/comments/)(\d+)(/?)$")


def all_comment_pages(urls: list[str]) -> list[str]:
    """Comment page links as every page from 2 to the last linked, in order, gaps filled; links
    that are not numbered comment pages (the article page, from page 2 on) as they are.

    >>> all_comment_pages(["/news/1_a/comments/2/", "/news/1_a/comments/3/", "/news/1_a/comments/9/",
    ...                    "/news/1_a/comments/2/"])[-3:]
    ['/news/1_a/comments/7/', '/news/1_a/comments/8/', '/news/1_a/comments/9/']
    """
    numbered = {int(m[2]): url for url in urls if (m := COMMENT_PAGE_NUMBER.search(url.split("?", 1)[0]))}
    if not numbered:
        return urls
    template = numbered[max(numbered)]
    return [numbered.get(n) or COMMENT_PAGE_NUMBER.sub(rf"\g<1>{n}\g<3>", template) for n in range(2, max(numbered) + 1)]


LISTING_URL = re.compile(r"/(?:news|rubric/\w+)(?:/page/\d+)?/?$")
ANY_LINK = Query(xpath="//a/@href")
LISTING_PAGE_PATH = re.compile(r"/page/\d+$")


def is_moderation_notice(text: str | None) -> bool:
    """Whether a comment's text is the site's placeholder for a comment a moderator removed.

    >>> [is_moderation_notice(t) for t in ("Комментарий удалён модератором", "Сообщение скрыто.",
    ...  "[Удалено администрацией]", "Удалено", "Комментарий удалён модератором, и правильно: он врал",
    ...  "Удалено с сайта министерства, как и всё остальное")]
    [True, True, True, True, False, False]
    """
    if not text or len(text) > MODERATION_NOTICE_MAX:
        return False
    words = " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())
    return MODERATION_NOTICE.fullmatch(words) is not None and "," not in text.rstrip(".!")


def page_kind(url: str) -> str | None:
    """Which kind of page a URL is ("listing", "article", "comments"), from its shape alone; None
    when it says nothing (``scrapy parse URL`` without ``-c`` asks)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    if ARTICLE_URL.search(path):
        return "article"
    if COMMENT_PAGE_URL.search(path):
        return "comments"
    return "listing" if LISTING_URL.search(path) else None


def article_id_from_url(url: str) -> str | None:
    match = ARTICLE_URL.search(url.split("?", 1)[0])
    return match[1] if match else None


THREAD_URL = re.compile(r"/news/(\d+)_[^/]+(?:\.html|/comments/\d+/?)$")


def thread_id_from_url(url: str) -> str | None:
    """The article whose page or comment page ``url`` is, or None (a listing, another page).

    >>> thread_id_from_url("https://vpk.name/news/231906_rossiya.html"), thread_id_from_url(
    ...     "https://vpk.name/news/231906_rossiya/comments/3"), thread_id_from_url("https://vpk.name/news/?page=2")
    ('231906', '231906', None)
    """
    match = THREAD_URL.search(url.split("?", 1)[0].split("#", 1)[0])
    return match[1] if match else None


@dataclass(frozen=True)
class ArticleLink:
    """A link to an article, with the comment count the linking page shows beside it."""

    url: str
    article_id: str | None
    comments: int | None


class SitePage:
    """Any page of the site: all carry the "Обсуждаемое" sidebar; listings carry article links."""

    def __init__(self, response: Response) -> None:
        self.response = response
        self.url = response.url
        self.root = response.selector.root  # parsed once by Scrapy; every query runs on it
        self.fetched_at = fetched_at(response)  # the site's clock: what "2 часа назад" is relative to
        # The markup version of the page's fetch time: None is the built-in (this module's selectors).
        self.version: Version | None = REGISTRY.at(self.fetched_at) if REGISTRY.versions else None

    @property
    def rendered(self) -> bool:
        """Whether a browser rendered it (``fetch.browser``)."""
        request = self.response.request
        return request is not None and bool(request.meta.get("playwright"))

    def problem(self) -> str | None:
        """Why this is not a whole listing page, or None. A page that fails this is retried and
        never read: it would tell the walk that articles are missing."""
        if not document_closes(self.response):
            return "cut short"
        if self.version is not None:
            found = self._rule(LISTING_ITEMS).elements(self.root)
        else:
            found = LISTING.first(self.root) is not None
        return None if found else self.unreadable("the listing's articles")

    def unreadable(self, what: str) -> str:
        """A page the version of its time cannot read: what is missing, and which version tried."""
        return f"{UNREADABLE} {self.version.name if self.version else BUILT_IN}: {what}"

    def _rule(self, name: str) -> Rule:
        assert self.version is not None
        return self.version.rules[name]

    def listed_articles(self) -> list[ArticleLink]:
        if self.version is None:
            return self._links(LISTING_ITEM, LISTING_ITEM_LINK, LISTING_ITEM_COMMENTS)
        count = self.version.rule(LISTING_COUNT)
        return [self._link(self._rule(LISTING_LINK).first(item), count.first(item) if count else None)
                for item in self._rule(LISTING_ITEMS).elements(self.root) if self._rule(LISTING_LINK).first(item)]

    def discussed_articles(self) -> list[ArticleLink]:
        return self._links(SIDEBAR_ITEM, SIDEBAR_ITEM_LINK, SIDEBAR_ITEM_COMMENTS)

    def next_page_url(self) -> str | None:
        """The listing's next page: where the version says, else the link to this page's number
        plus one (pagination that moved is still followed, ``pages_linked`` says when it is not)."""
        rule = self.version.rule(LISTING_NEXT) if self.version else None
        url = self._url(rule.first(self.root) if rule else LISTING_NEXT_PAGE.first(self.root))
        back = url is not None and (found := LISTING_PAGE_LINK.search(url)) is not None \
            and int(found[1]) <= self.page_number()  # a link that leads back is no next page
        return url if url and not back else self.numbered_page(self.page_number() + 1)

    def page_number(self) -> int:
        found = LISTING_PAGE_LINK.search(self.response.url)
        return int(found[1]) if found else 1

    def pages_linked(self) -> int:
        """The highest page number of this listing that the page links to (its pagination,
        wherever the markup puts it)."""
        return max((number for number, _ in self._numbered_pages()), default=1)

    def numbered_page(self, number: int) -> str | None:
        """The link to this listing's page ``number``, wherever the page puts it; None if it has none."""
        return next((url for n, url in self._numbered_pages() if n == number), None)

    def _numbered_pages(self) -> Iterator[tuple[int, str]]:
        """The links to other pages of this same listing, with their numbers."""
        path = LISTING_PAGE_PATH.sub("", urlsplit(self.response.url).path.rstrip("/"))
        for href in ANY_LINK.all(self.root):
            url = self.response.urljoin(href)
            found = LISTING_PAGE_LINK.search(url)
            if found and LISTING_PAGE_PATH.sub("", urlsplit(url).path.rstrip("/")) == path:
                yield int(found[1]), url

    def _links(self, item: Query, link: Query, comments: Query) -> list[ArticleLink]:
        return [self._link(link.first(node), comments.first(node)) for node in item.all(self.root) if link.first(node)]

    def _link(self, href: str, comments: str | None) -> ArticleLink:
        url = self.response.urljoin(href)
        return ArticleLink(url, article_id_from_url(url), parse_ru_count(comments))

    def _url(self, href: str | None) -> str | None:
        return self.response.urljoin(href) if href else None


class CommentsPage(SitePage):
    """A page with a comments block: the article page (page 1) or one of its comment pages."""

    def __init__(self, response: Response, report: Report = log_unparsed) -> None:
        super().__init__(response)
        self.crawled_at = self.fetched_at.isoformat()
        self.context: dict[str, Any] = {"now": self.fetched_at, "report": report, "url": response.url}
        self.head = HEAD.first(self.root)
        if self.head is None:
            self.head = self.root
        self.canonical_url = self._url(CANONICAL.first(self.head))
        self.page_url = self.canonical_url or response.url

    def problem(self) -> str | None:
        """Why this is not a whole comments page, or None: the document closes, and the page
        holds the comments its block declares (all of them on a thread's only page; on a page of
        several, some, no more than the total: how many a page holds is the walk's to check, from
        what page 1 showed, ``CommentWalk.check``)."""
        if not document_closes(self.response):
            return "cut short"
        if self.comments_block is None:
            return "no comments block"
        if not self.comment_nodes and self.needs_browser():
            return None
        unnumbered = sum(1 for _, number in self.evidence().comments if number is None)
        if unnumbered:
            return self.unreadable(f"the number of {unnumbered} of {len(self.comment_nodes)} comments")
        declared = parse_ru_count(self._block_attribute(COMMENTS_DECLARED))
        if declared is None:
            return None
        shown = len(self.comment_nodes)
        if not self.comment_page_urls():
            return None if shown == declared else f"{shown} comments where the page declares {declared}"
        if not 0 < shown <= declared:
            return f"{shown} comments on a page of a thread of {declared}"
        return None

    @property
    def record_id(self) -> str | None:
        """Read when used: a downloader middleware checks the page before the engine ties the
        response to its request (and so to the meta the archive wrote)."""
        return record_id(self.response)

    @cached_property
    def comments_block(self) -> HtmlElement | None:
        if self.version is not None:
            return self._rule(COMMENTS_REGION).element(self.root)
        return COMMENTS_BLOCK.first(self.root)

    def _block_attribute(self, name: str) -> str | None:
        return None if self.comments_block is None else self.comments_block.get(name)

    def article_id(self) -> str | None:
        return self._block_attribute(COMMENTS_ARTICLE_ID) or thread_id_from_url(self.response.url)

    _evidence: PageEvidence | None = None

    def evidence(self) -> PageEvidence:
        """What the page says about itself, for the comment walk's checks (``CommentWalk.check``),
        read once per page (the middleware checks it, the spider hands it to the walk) from the
        elements alone, before any comment is loaded. The archive's record id is filled in when
        known (the engine ties the response to its request after the middlewares)."""
        if self._evidence is None:
            self._evidence = self._read_evidence()
        if self._evidence.record_id is None and self.record_id is not None:
            self._evidence = replace(self._evidence, record_id=self.record_id)
        return self._evidence

    def _read_evidence(self) -> PageEvidence:
        block = self.comments_block
        if self.version is not None:  # a learned version's page number is its URL's
            number = COMMENT_PAGE_NUMBER.search(self.response.url.split("?", 1)[0])
            current = int(number[2]) if number else 1
        else:
            current = parse_ru_count(None if block is None else COMMENT_PAGE_CURRENT.first(block))
        planned_from = current in (None, 1)  # the walk plans its pages from page 1's links only
        declared, declares = self._declared()
        return PageEvidence(
            url=self.response.url, has_block=block is not None, article_ids=frozenset(self.identity_claims()),
            current=current, declared=declared, declares=declares,
            comments=tuple(self._reference(node) for node in self.comment_nodes),
            page_urls=tuple(canonical_url(url) for url in self.comment_page_urls()) if planned_from else (),
            record_id=self.record_id)

    def _declared(self) -> tuple[int | None, bool]:
        """The thread's total as the page shows it, and whether it shows one: the block's count;
        for a learned markup, on page 1 the article's own counter (a later page is held to it)."""
        if self.version is None:
            return parse_ru_count(self._block_attribute(COMMENTS_DECLARED)), True
        if isinstance(self, ArticlePage):
            return self.article().comments_count, True
        return None, False

    def identity_claims(self) -> list[str]:
        """Every article id the page names as the one whose thread it shows: the comments block's,
        the canonical link's, and the heading's link back to the article."""
        canonical = self.canonical_url
        claims = [self._block_attribute(COMMENTS_ARTICLE_ID), article_id_from_url(canonical) if canonical else None]
        thread = self.version.rule(THREAD_LINK_RULE) if self.version else None
        link = thread.first(self.root) if thread else THREAD_LINK.first(self.root)
        if link:
            claims.append(article_id_from_url(self.response.urljoin(link)))
        claims = [claim for claim in claims if claim]
        # A learned markup that names its thread nowhere is the thread of its URL: the page is then
        # only as sure as the server (a redirect elsewhere still shows, in its URL).
        return claims or ([self.article_id() or ""] if self.version is not None else [])

    def _reference(self, node: HtmlElement) -> tuple[str, int | None]:
        if self.version is not None:
            number = parse_ru_count(self._comment_rule("number").first(node))
            found = self.version.rule("comment.comment_id")
            site_id = found.first(node) if found else None
            return site_id or f"{self.article_id()}-{number}", number
        text = (COMMENT_NUMBER_TEXT.first(node) or "").strip().lstrip("№")
        number = int(text) if text.isdigit() else parse_ru_count(text)
        return node.get(COMMENT_SITE_ID) or f"{self.article_id()}-{number}", number

    def _comment_rule(self, name: str) -> Rule:
        return self._rule(f"comment.{name}")

    def comment_page_urls(self) -> list[str]:
        """The links to the thread's other pages. Where they are numbered comment pages, every one
        up to the last linked, in order, those the pagination leaves out ("1 2 3 … 40") filled in."""
        block = self.comments_block
        if self.version is not None:
            rule = self.version.rule(COMMENT_PAGES)
            hrefs = rule.all(self.root) if rule else []
        else:
            hrefs = [] if block is None else COMMENT_PAGE_LINKS.all(block)
        return all_comment_pages([self.response.urljoin(href) for href in hrefs])

    def needs_browser(self) -> bool:
        """Comments that only a browser sees: none in the HTML while the block says there are some,
        or, where the block does not say, the site's marker for client-side rendering."""
        if self.comment_nodes:
            return False
        declared = parse_ru_count(self._block_attribute(COMMENTS_DECLARED))
        if declared is not None:
            return declared > 0
        marker, value = COMMENTS_CLIENT_RENDERED
        return self._block_attribute(marker) == value

    def comments(self) -> Iterator[Comment]:
        article_id, self._record_id = self.article_id(), self.record_id
        for node in self.comment_nodes:
            yield self._comment(node, article_id)

    @cached_property
    def comment_nodes(self) -> list[HtmlElement]:
        if self.comments_block is None:
            return []
        if self.version is not None:
            return self._rule(COMMENT_NODES).elements(self.comments_block)
        return COMMENT.all(self.comments_block)

    def _comment(self, node: HtmlElement, article_id: str | None) -> Comment:
        values = self._learned_comment(node) if self.version is not None else self._builtin_comment(node)
        bare = values.pop("bare")
        values.update(article_id=article_id, page_url=self.page_url, crawled_at=self.crawled_at,
                      warc_record_id=self._record_id)
        comment = CommentLoader.load_values(values, **self.context)
        if comment.comment_id is None:  # a comment without the site's id: its article and number
            comment.comment_id = f"{article_id}-{comment.number}"
        shown = comment.text or bare
        if is_moderation_notice(shown):
            return moderated(replace(comment, text=shown))
        return comment

    def _builtin_comment(self, node: HtmlElement) -> dict[str, Any]:
        parts = ByClass(node)
        body = parts.element(COMMENT_BODY)
        values = {
            "number": parts.text(COMMENT_NUMBER), "comment_id": node.get(COMMENT_SITE_ID),
            "author": parts.text(COMMENT_AUTHOR), "posted_at": parts.text(COMMENT_DATE),
            "text": block_text(body) if body is not None else None, "rating": parts.text(COMMENT_RATING),
            "bare": None if body is not None else _bare_text(node, parts.text(COMMENT_NUMBER), parts.text(COMMENT_DATE)),
        }
        if parts.element(COMMENT_QUOTE) is not None:
            attribution = QUOTE_ATTRIBUTION.match(" ".join((string_value(parts.element(QUOTE_HEAD)) or "").split()))
            if attribution:
                values["quote_author"], values["quote_number"] = attribution["author"], attribution["number"]
            quoted = parts.element(QUOTE_TEXT)
            values["quote_text"] = block_text(quoted) if quoted is not None else None
        return values

    def _learned_comment(self, node: HtmlElement) -> dict[str, Any]:
        assert self.version is not None
        rules = {name: self.version.rule(f"comment.{name}") for name in COMMENT_FIELDS}
        values: dict[str, Any] = {name: rule.first(node) for name, rule in rules.items() if rule}
        text = rules["text"]
        values["bare"] = None if text is not None and text.element(node) is not None else _bare_text(
            node, *(_shown(rules[name], node) for name in ("number", "posted_at")))
        return values


def _shown(rule: Rule | None, node: HtmlElement) -> str | None:
    """All the text of the element a rule finds (a label and its value)."""
    element = None if rule is None else rule.element(node)
    return None if element is None or rule is None else rule.text(element)


class ArticlePage(CommentsPage):
    """An article page: the article, its first page of comments, links to the rest."""

    def problem(self) -> str | None:
        """An article page also holds the article (a login or captcha page does not), with the
        fields no record goes without."""
        if self.article_block is None:
            return self.unreadable("the article") if document_closes(self.response) else "cut short"
        article = self.article()
        missing = [name for name in REQUIRED_ARTICLE_FIELDS if getattr(article, name) in (None, "")]
        if missing:
            return self.unreadable(", ".join(missing))
        return super().problem()

    @cached_property
    def article_block(self) -> HtmlElement | None:
        if self.version is not None:
            return self._rule(ARTICLE_BLOCK).element(self.root)
        return ARTICLE.first(self.root)

    def identity_claims(self) -> list[str]:
        """The comments block's claims, and the article's own id (its element's, its canonical URL's)."""
        found = self.article_block
        own = None if found is None else found.get(ARTICLE_ID)
        return [*super().identity_claims(), *([own] if own else [])]

    def article(self) -> Article:
        """The article, read once per page (the middleware's checks and the spider share it)."""
        if self._article is None:
            self._article = self._read_article()
        self._article.warc_record_id = self.record_id  # known once the response is tied to its request
        return self._article

    _article: Article | None = None

    def _read_article(self) -> Article:
        """The article. Each field comes from the first source that gives it, those that outlive a
        redesign (JSON-LD, ``og:``/``article:`` meta) before the page's classes; ``sources`` then
        says which gave what (counted by the spider, logged in the development profile)."""
        found = self.article_block
        root = self.root if found is None else found  # fields are looked for in the article's block
        own = self._learned_fields(root) if self.version is not None else self._builtin_fields(root)
        ld = self.json_ld()
        author = ld.get("author")
        loader = ArticleLoader(**self.context)
        self.sources: dict[str, str] = {}
        take = self._take
        take(loader, "article_id", ("data-id", root.get(ARTICLE_ID)), ("url", article_id_from_url(self.response.url)))
        take(loader, "url", ("canonical", self.canonical_url), own["url"], ("response", self.page_url))
        take(loader, "title", ("json-ld", ld.get("headline")), ("og:title", OG_TITLE.first(self.head)), own["title"])
        take(loader, "published_at", ("article:published_time", PUBLISHED_META.first(self.head)),
             ("json-ld", ld.get("datePublished")), own["published_at"])
        take(loader, "section", ("json-ld", ld.get("articleSection")), ("article:section", SECTION_META.first(self.head)),
             own["section"])
        take(loader, "author", ("json-ld", author.get("name") if isinstance(author, dict) else None), own["author"])
        for name in ARTICLE_FIELDS[5:]:
            take(loader, name, own[name])
        loader.add_value("crawled_at", self.crawled_at)
        return loader.load_item()

    def _builtin_fields(self, root: HtmlElement) -> dict[str, tuple[str, Any]]:
        """Each field's value in the article's block, by this module's selectors, and its source."""
        image, caption = IMAGE.first(root), " ".join((string_value(IMAGE_CAPTION.first(root)) or "").split())
        credited = CAPTION_CREDIT.match(caption)
        return {
            "url": ("canonical", None), "title": (TITLE.expression, TITLE.first(root)), "published_at": (PUBLISHED_TEXT.expression, PUBLISHED_TEXT.first(root)),
            "section": (SECTION.expression, SECTION.first(root)),
            "author": (AUTHOR.expression, AUTHOR_LABEL.sub("", AUTHOR.first(root) or "")),
            "body": (BODY_PARAGRAPHS.expression, [string_value(p) for p in BODY_PARAGRAPHS.all(root)]),
            "image_url": (IMAGE.expression, None if image is None else self._url(image.get("src"))),
            "image_alt": (IMAGE.expression, None if image is None else image.get("alt")),
            "image_caption": (IMAGE_CAPTION.expression, (credited["caption"] if credited else caption.rstrip(".")) or None),
            "image_credit": (IMAGE_CAPTION.expression, credited["credit"] if credited else None),
            "rights_holder": (RIGHTS_HOLDER.expression, RIGHTS_HOLDER.first(root)),
            "rights_note": (RIGHTS_NOTE.expression, RIGHTS_NOTE.first(root)),
            "mentions": (MENTIONS.expression, MENTIONS.all(root)),
            "views": (VIEWS.expression, VIEWS.first(root)),
            "comments_count": (COMMENTS_COUNT.expression, COMMENTS_COUNT.first(root)),
            "rating": (RATING.expression, RATING.first(root)),
        }

    def _learned_fields(self, root: HtmlElement) -> dict[str, tuple[str, Any]]:
        """Each field's value in the article's block, by the learned version's rules."""
        assert self.version is not None
        values: dict[str, tuple[str, Any]] = {}
        for name in ARTICLE_FIELDS:
            rule = self.version.rule(f"article.{name}")
            value = None if rule is None else rule.all(root) if name in LIST_FIELDS else rule.first(root)
            values[name] = (f"{self.version.name}:{name}", self._url(value) if name in ("url", "image_url") else value)
        return values

    def _take(self, loader: ArticleLoader, field: str, *candidates: tuple[str, Any]) -> None:
        """The first candidate whose value the loader keeps, and its source's name."""
        for source, value in candidates:
            if value is None or value == "" or value == []:
                continue
            loader.add_value(field, value)
            if loader.get_output_value(field) not in (None, "", []):
                self.sources[field] = source
                return

    def json_ld(self) -> dict[str, Any]:
        """The page's schema.org NewsArticle (JSON-LD), or an empty dict."""
        for text in JSON_LD.all(self.root):
            try:
                data = json.loads(text)
            except ValueError:
                continue
            for node in data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []:
                if isinstance(node, dict) and node.get("@type") in JSON_LD_TYPES:
                    return node
        return {}


def _bare_text(node: HtmlElement, *shown_apart: str | None) -> str | None:
    """A comment's words where it has no body: what it shows besides its number and date (a
    placeholder the site renders in place of the whole comment)."""
    shown = " ".join((string_value(node) or "").split())
    for known in shown_apart:
        shown = shown.replace(" ".join((known or "").split()), "", 1) if known else shown
    return shown.strip() or None


def moderated(shown: Comment) -> Comment:
    """A comment a moderator replaced by a placeholder: deleted, the placeholder kept apart from
    its text (its last words stay in its earlier version); the page showing it is the proof."""
    return Comment(article_id=shown.article_id, comment_id=shown.comment_id, number=shown.number,
                   posted_at=shown.posted_at, page_url=shown.page_url, crawled_at=shown.crawled_at, deleted=True,
                   removal=MODERATED, removal_notice=shown.text,
                   deletion_evidence=[shown.warc_record_id] if shown.warc_record_id else [])


def excerpt(response: Response, item_id: str) -> str | None:
    """The text of the item ``item_id`` (a comment's id, or the article's) on a page, or None when
    the page does not show it: what ``python -m newscrawl evidence`` prints."""
    page = CommentsPage(response)
    for node in page.comment_nodes:
        if page._reference(node)[0] == item_id:
            return string_value(node)
    found = ARTICLE.first(page.root)
    if found is not None and found.get(ARTICLE_ID) == item_id:
        return string_value(found)
    return None


# The kind of page a request expects (its meta["page"]), and the class that reads it.
PAGES: dict[str, type[SitePage]] = {"listing": SitePage, "article": ArticlePage, "comments": CommentsPage}


P = TypeVar("P", bound=SitePage)


def page_problem(kind: str, response: Response) -> tuple[SitePage, str | None]:
    """The response as a page of the expected kind ("listing", "article", "comments"), and why it
    is not a whole one (None: it is)."""
    page = PAGES[kind](response)
    return page, page.problem()


def read_page(cls: type[P], response: Response, report: Report = log_unparsed, checked: object = None) -> P:
    """The response as a page of ``cls``: ``checked``, the page object the middleware checked it as
    (``html.CHECKED_PAGE``, handed over by ``fetch.pageargs``), when it is one, else a new one."""
    if type(checked) is not cls:
        return cls(response, report) if issubclass(cls, CommentsPage) else cls(response)
    if isinstance(checked, CommentsPage):
        checked.context["report"] = report
    return checked  # type: ignore[return-value]
