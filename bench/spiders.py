"""The two spiders newscrawl is measured against. Both take the same URL list (``-a urls=FILE``)
that newscrawl's own crawl fetches, and write their stats to ``-a stats=FILE`` when they close.

- ``ceiling``: fetches and extracts nothing: what Scrapy itself costs at newscrawl's settings.
- ``peer``: what a Scrapy user would write for the same fields: straightforward parsel
  selectors, default settings, one JSONL feed.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler


class _ListSpider(scrapy.Spider):
    def __init__(self, urls: str, stats: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url_file, self.stats_file = urls, stats

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> _ListSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.write_stats, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in Path(self.url_file).read_text().split():
            yield scrapy.Request(url, dont_filter=True)

    def write_stats(self) -> None:
        stats = self.crawler.stats.get_stats()
        stats["elapsed_time_seconds"] = (datetime.now(UTC) - stats["start_time"]).total_seconds()
        stats = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in stats.items()}
        Path(self.stats_file).write_text(json.dumps(stats))


class CeilingSpider(_ListSpider):
    name = "ceiling"

    def parse(self, response: scrapy.http.Response) -> None:
        return None


def number(text: str | None) -> int | None:
    digits = re.sub(r"[^\d-]", "", text or "")
    return int(digits) if digits.lstrip("-") else None


class PeerSpider(_ListSpider):
    name = "peer"
    custom_settings = {"FEEDS": {"peer.jsonl": {"format": "jsonlines", "encoding": "utf-8", "overwrite": True}}}

    def parse(self, response: scrapy.http.Response) -> Iterator[dict[str, Any]]:
        article = response.css("article.news-item")
        if article:
            caption = response.css("figure figcaption::text").get("")
            yield {
                "article_id": article.attrib.get("data-id"),
                "url": response.url,
                "title": response.css("h1.news-title::text").get(),
                "published_at": response.css(".news-date::text").get(),
                "section": response.css(".news-rubric::text").get(),
                "author": response.css(".news-author::text").get(),
                "body": "\n\n".join(p.strip() for p in response.css(".news-text p::text").getall()),
                "image_url": response.urljoin(response.css("figure img::attr(src)").get("")),
                "image_alt": response.css("figure img::attr(alt)").get(),
                "image_caption": caption.split(". Источник:")[0],
                "image_credit": caption.split("Источник:")[-1].strip(" ."),
                "rights_holder": response.css(".rights-holder::text").get(),
                "rights_note": response.css(".rights-note::text").get(),
                "mentions": response.css(".news-mentions li a::text").getall(),
                "views": number(response.css(".views::text").get()),
                "comments_count": number(response.css(".comments-count::text").get()),
                "rating": number(response.css(".rating::text").get()),
            }
        for comment in response.css("#comments .comment"):
            quote = comment.css("blockquote .quote-head::text").get("")
            yield {
                "article_id": response.css("#comments::attr(data-article-id)").get(),
                "comment_id": comment.attrib.get("data-id"),
                "number": number(comment.css(".comment-num::text").get()),
                "author": comment.css(".comment-author::text").get(),
                "posted_at": comment.css(".comment-date::text").get(),
                "text": "\n".join(t.strip() for t in comment.css(".comment-body > ::text, .comment-body > p::text").getall()
                                  if t.strip()),
                "quote_author": quote.replace("Цитата, ", "").split(" сообщ.")[0] or None,
                "quote_text": "\n".join(comment.css("blockquote .quote-text::text").getall()) or None,
                "rating": number(comment.css(".comment-rating::text").get()),
                "page_url": response.url,
            }
