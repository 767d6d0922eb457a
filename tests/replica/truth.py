"""Ground truth: every article and comment as the crawler must emit it at a given moment.

Field names are the crawler's contract (see the README's data dictionary); ``crawled_at`` is the
crawler's own and is not part of the truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.replica import display
from tests.replica.world import Article, View


def article_record(view: View, article: Article, base_url: str) -> dict[str, Any]:
    _, views = display.count_text(article.views_at(view.now), article.style)
    image = article.image
    return {
        "article_id": article.id,
        "url": base_url + article.path,
        "title": article.title,
        "published_at": article.published_at.isoformat(),
        "section": article.section.name,
        "author": article.author,
        "body": "\n\n".join(article.paragraphs),
        "image_url": base_url + image.path if image else None,
        "image_alt": image.alt if image else None,
        "image_caption": image.caption if image else None,
        "image_credit": image.credit if image else None,
        "rights_holder": article.rights_holder,
        "rights_note": article.rights_note,
        "mentions": article.mentions,
        "views": views,
        "comments_count": len(view.comments(article)),
        "rating": article.rating,
    }


def comment_records(view: View, article: Article, base_url: str) -> Iterator[dict[str, Any]]:
    for page_number, comments in enumerate(view.comment_pages(article), start=1):
        for comment in comments:
            if view.habits.moderated(comment):
                yield {"article_id": article.id, "comment_id": comment.comment_id, "number": comment.number,
                       "posted_at": comment.posted_at.isoformat(), "deleted": True, "removal": "moderated",
                       "removal_notice": view.habits.moderation_text,
                       "page_url": base_url + article.comment_page_path(page_number)}
                continue
            quote = comment.quote
            yield {
                "article_id": article.id,
                "comment_id": comment.comment_id,
                "number": comment.number,
                "author": comment.author,
                "posted_at": comment.posted_at.isoformat(),
                "text": comment.text_at(view.now),
                "quote_author": quote.author if quote else None,
                "quote_number": quote.number if quote else None,
                "quote_text": quote.text if quote else None,
                "rating": comment.rating,
                "page_url": base_url + article.comment_page_path(page_number),
            }


def records(view: View, base_url: str) -> Iterator[dict[str, Any]]:
    """Every record, each tagged with ``_type`` ("article" or "comment")."""
    for article in view.articles:
        yield {"_type": "article", **article_record(view, article, base_url)}
        for comment in comment_records(view, article, base_url):
            yield {"_type": "comment", **comment}
