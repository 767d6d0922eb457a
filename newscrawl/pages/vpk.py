"""vpk.name: what its listing, article and comment pages say.

Every selector for the site is named once, here. A redesign of the site touches this module
and its stored test pages (``tests/pages/vpk/``) only. Where the page offers something that
survives a redesign (``<link rel=canonical>``, ``article:published_time``, ``data-*`` ids), it
comes first and the visible text is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from parsel import Selector
from scrapy.http import Response

from newscrawl.items import Article, Comment
from newscrawl.loaders import ArticleLoader, CommentLoader, Report, log_unparsed
from newscrawl.normalize import parse_ru_count
from newscrawl.pages import block_text, fetched_at

START_URL = "https://vpk.name/news/"
ARTICLE_URL = re.compile(r"/news/(\d+)_[^/]+\.html$")

# Listing pages, and the "Обсуждаемое" sidebar on every page
LISTING_ITEM = ".news-list .news-list-item"
LISTING_ITEM_LINK = "a.news-link::attr(href)"
LISTING_ITEM_COMMENTS = ".comments::text"
LISTING_NEXT_PAGE = ".pagination a.next::attr(href)"
SIDEBAR_ITEM = ".discussed-list li"
SIDEBAR_ITEM_LINK = "a::attr(href)"
SIDEBAR_ITEM_COMMENTS = ".d-count::text"

# Article pages
CANONICAL = "link[rel=canonical]::attr(href)"
ARTICLE_ID = "article.news-item::attr(data-id)"
TITLE = "h1.news-title::text"
OG_TITLE = "meta[property='og:title']::attr(content)"
PUBLISHED_META = "meta[property='article:published_time']::attr(content)"
PUBLISHED_TEXT = ".news-meta .news-date::text"
SECTION = ".news-meta .news-rubric::text"
AUTHOR = ".news-meta .news-author::text"
AUTHOR_NAME = r"(?:Автор:)?\s*(.+)"
VIEWS = ".news-counters .views::text"
COMMENTS_COUNT = ".news-counters .comments-count::text"
RATING = ".news-counters .rating::text"
IMAGE = "figure.news-image img"
IMAGE_CAPTION = "figure.news-image figcaption"
CAPTION_CREDIT = re.compile(r"^(?P<caption>.*?)\.?\s*Источник:\s*(?P<credit>.*?)\.?\s*$", re.S)
BODY_PARAGRAPHS = ".news-text p"
RIGHTS_HOLDER = ".news-rights .rights-holder::text"
RIGHTS_NOTE = ".news-rights .rights-note::text"
MENTIONS = ".news-mentions li:not(.title) a::text"

# Comments (article pages and comment pages alike)
COMMENTS_BLOCK = "#comments"
COMMENTS_ARTICLE_ID = "#comments::attr(data-article-id)"
COMMENTS_CLIENT_RENDERED = "#comments[data-render=client]"
COMMENTS_DECLARED = "#comments::attr(data-count)"
# What a browser waits for: a comment, or the script's "done" mark on an empty block.
COMMENTS_RENDERED = "#comments .comment, #comments.loaded"
COMMENT = "#comments .comment"
COMMENT_SITE_ID = "::attr(data-id)"
COMMENT_NUMBER = ".comment-num::text"
COMMENT_AUTHOR = ".comment-author::text"
COMMENT_DATE = ".comment-date::text"
COMMENT_BODY = ".comment-body"
COMMENT_QUOTE = ".comment-body > blockquote.quote"
QUOTE_HEAD = ".quote-head::text"
QUOTE_TEXT = ".quote-text"
QUOTE_ATTRIBUTION = re.compile(r"^Цитата,\s*(?P<author>.+?)(?:\s+сообщ\.\s*№\s*(?P<number>\d+))?\s*$")
COMMENT_RATING = ".comment-rating::text"
COMMENT_PAGE_LINKS = "#comments .comments-pages a::attr(href)"


def article_id_from_url(url: str) -> str | None:
    match = ARTICLE_URL.search(url.split("?", 1)[0])
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

    def listed_articles(self) -> list[ArticleLink]:
        return self._links(LISTING_ITEM, LISTING_ITEM_LINK, LISTING_ITEM_COMMENTS)

    def discussed_articles(self) -> list[ArticleLink]:
        return self._links(SIDEBAR_ITEM, SIDEBAR_ITEM_LINK, SIDEBAR_ITEM_COMMENTS)

    def next_page_url(self) -> str | None:
        href = self.response.css(LISTING_NEXT_PAGE).get()
        return self.response.urljoin(href) if href else None

    def _links(self, item: str, link: str, comments: str) -> list[ArticleLink]:
        links = []
        for node in self.response.css(item):
            href = node.css(link).get()
            if href:
                url = self.response.urljoin(href)
                links.append(ArticleLink(url, article_id_from_url(url), parse_ru_count(node.css(comments).get())))
        return links


class CommentsPage(SitePage):
    """A page with a comments block: the article page (page 1) or one of its comment pages."""

    def __init__(self, response: Response, report: Report = log_unparsed) -> None:
        super().__init__(response)
        fetched = fetched_at(response)
        self.crawled_at = fetched.isoformat()
        self.context: dict[str, Any] = {"now": fetched, "report": report, "url": response.url}

    @property
    def page_url(self) -> str:
        return self.response.urljoin(self.response.css(CANONICAL).get() or self.response.url)

    def article_id(self) -> str | None:
        return self.response.css(COMMENTS_ARTICLE_ID).get() or article_id_from_url(self.response.url)

    def comment_page_urls(self) -> list[str]:
        return [self.response.urljoin(href) for href in self.response.css(COMMENT_PAGE_LINKS).getall()]

    def needs_browser(self) -> bool:
        """Comments that only a browser sees: none in the HTML while the block says there are some,
        or, where the block does not say, the site's marker for client-side rendering."""
        if self.response.css(COMMENT):
            return False
        declared = parse_ru_count(self.response.css(COMMENTS_DECLARED).get())
        if declared is not None:
            return declared > 0
        return bool(self.response.css(COMMENTS_CLIENT_RENDERED))

    def comments(self) -> Iterator[Comment]:
        article_id = self.article_id()
        for node in self.response.css(COMMENT):
            yield self._comment(node, article_id)

    def _comment(self, node: Selector, article_id: str | None) -> Comment:
        loader = CommentLoader(selector=node, **self.context)
        loader.add_value("article_id", article_id)
        number = node.css(COMMENT_NUMBER).get()
        loader.add_value("number", number)
        site_id = node.css(COMMENT_SITE_ID).get()
        loader.add_value("comment_id", site_id or f"{article_id}-{loader.get_output_value('number')}")
        loader.add_css("author", COMMENT_AUTHOR)
        loader.add_css("posted_at", COMMENT_DATE)
        loader.add_value("text", block_text(node.css(COMMENT_BODY)[0]) if node.css(COMMENT_BODY) else None)
        quote = node.css(COMMENT_QUOTE)
        if quote:
            attribution = QUOTE_ATTRIBUTION.match(" ".join(quote[0].css(QUOTE_HEAD).get("").split()))
            if attribution:
                loader.add_value("quote_author", attribution["author"])
                loader.add_value("quote_number", attribution["number"])
            loader.add_value("quote_text", block_text(quote[0].css(QUOTE_TEXT)[0]))
        loader.add_css("rating", COMMENT_RATING)
        loader.add_value("page_url", self.page_url)
        loader.add_value("crawled_at", self.crawled_at)
        return loader.load_item()


class ArticlePage(CommentsPage):
    """An article page: the article, its first page of comments, links to the rest."""

    def article(self) -> Article:
        response = self.response
        loader = ArticleLoader(response=response, **self.context)
        loader.add_css("article_id", ARTICLE_ID)
        loader.add_value("article_id", article_id_from_url(response.url))
        loader.add_value("url", self.page_url)
        loader.add_css("title", TITLE)
        loader.add_css("title", OG_TITLE)
        loader.add_css("published_at", PUBLISHED_META)
        loader.add_css("published_at", PUBLISHED_TEXT)
        loader.add_css("section", SECTION)
        loader.add_css("author", AUTHOR, re=AUTHOR_NAME)
        loader.add_value("body", [p.xpath("string()").get() for p in response.css(BODY_PARAGRAPHS)])
        self._image(loader)
        loader.add_css("rights_holder", RIGHTS_HOLDER)
        loader.add_css("rights_note", RIGHTS_NOTE)
        loader.add_css("mentions", MENTIONS)
        loader.add_css("views", VIEWS)
        loader.add_css("comments_count", COMMENTS_COUNT)
        loader.add_css("rating", RATING)
        loader.add_value("crawled_at", self.crawled_at)
        return loader.load_item()

    def _image(self, loader: ArticleLoader) -> None:
        image = self.response.css(IMAGE)
        if not image:
            return
        src = image.attrib.get("src")
        loader.add_value("image_url", self.response.urljoin(src) if src else None)
        loader.add_value("image_alt", image.attrib.get("alt"))
        caption = " ".join(self.response.css(IMAGE_CAPTION).xpath("string()").get("").split())
        match = CAPTION_CREDIT.match(caption)
        if match:
            loader.add_value("image_caption", match["caption"])
            loader.add_value("image_credit", match["credit"])
        else:
            loader.add_value("image_caption", caption.rstrip("."))
