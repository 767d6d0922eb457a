"""What newscrawl emits. Field order here is the column order of the CSV exports.

Dataclasses rather than ``scrapy.Item``: every field exists from the start (null when the page
does not say), and the declaration order is kept for the exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache


@dataclass
class Article:
    article_id: str | None = None
    url: str | None = None
    title: str | None = None
    published_at: str | None = None
    section: str | None = None
    author: str | None = None
    body: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    image_caption: str | None = None
    image_credit: str | None = None
    rights_holder: str | None = None
    rights_note: str | None = None
    mentions: list[str] = field(default_factory=list)
    views: int | None = None
    comments_count: int | None = None
    rating: int | None = None
    crawled_at: str | None = None
    version: int | None = None
    first_seen_at: str | None = None
    last_seen_at: str | None = None
    warc_record_id: str | None = None


@dataclass
class Comment:
    article_id: str | None = None
    comment_id: str | None = None
    number: int | None = None
    author: str | None = None
    posted_at: str | None = None
    text: str | None = None
    quote_author: str | None = None
    quote_number: int | None = None
    quote_text: str | None = None
    rating: int | None = None
    page_url: str | None = None
    crawled_at: str | None = None
    version: int | None = None
    first_seen_at: str | None = None
    last_seen_at: str | None = None
    deleted: bool = False
    removal: str | None = None  # how a deleted comment was removed: "gone" or "moderated" (REMOVALS)
    removal_notice: str | None = None  # a moderated comment: the site's placeholder shown in its place
    warc_record_id: str | None = None
    deletion_evidence: list[str] = field(default_factory=list)


GONE = "gone"  # no longer on its thread's pages: two complete walks did not show it
MODERATED = "moderated"  # a moderator's placeholder shown in its place, with its number
REMOVALS = (GONE, MODERATED)

# What a run adds from the state and the archive; the rest is what the page says.
# ``warc_record_id``: the archived response (WARC-Record-ID) the record was read from, null for a
# deletion; ``deletion_evidence``: a deletion's proof, the pages of the two complete walks that did
# not show the comment (gone), or the page that showed the placeholder (moderated).
RUN_FIELDS = frozenset({"crawled_at", "version", "first_seen_at", "last_seen_at", "warc_record_id",
                        "deletion_evidence"})


def field_names(item_class: type) -> list[str]:
    return [f.name for f in fields(item_class)]


@cache
def dataclass_fields(item_class: type) -> frozenset[str] | None:
    """A dataclass item class's field names, listed once per class; None for any other type."""
    return frozenset(field_names(item_class)) if is_dataclass(item_class) else None
