"""Habits the site may take up that no lie names: the same comments, shown another way. Unlike
the lies (``tests.replica.lies``) they are what the site really shows that day, and the truth
(``--dump-truth``) follows them where they change what is true (a moderated comment is deleted).

- ``--comments-down empty|missing``: on a share of the articles with comments, the article page
  shows the comments block empty (or none at all) and its counters at 0, as a page does when the
  comments service behind it is down; listings and the sidebar keep their counts. Given both,
  each article down shows one of them.
- ``--moderated SHARE``: a share of the comments stand as a moderator's placeholder, with their
  number and date, no author, the text ``--moderation-text``.
- ``--comments-per-page N``: another page size than 20.
- ``--newest-first``: threads listed newest first, across their pages too.
- ``--markup NAME``: the site redesigned (``tests.replica.markups``), from ``--markup-from-day``.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.replica import display

if TYPE_CHECKING:
    from tests.replica.world import Article, Comment

COMMENTS_PER_PAGE = 20  # the site's page size, unless --comments-per-page

MODERATION_TEXT = "Комментарий удалён модератором"
DOWN_KINDS = ("empty", "missing")


@dataclass(frozen=True)
class Habits:
    per_page: int = COMMENTS_PER_PAGE
    newest_first: bool = False
    moderated_share: int = 0  # percent of the comments
    moderation_text: str = MODERATION_TEXT
    comments_down: tuple[str, ...] = ()  # "empty", "missing", or both (each article down one of them)
    down_share: int = 25  # percent of the articles with comments
    markup: str | None = None  # tests.replica.markups: None is the site's own

    def ordered(self, comments: list[Comment]) -> list[Comment]:
        return comments[::-1] if self.newest_first else comments

    def moderated(self, comment: Comment) -> bool:
        return _chosen(b"moderated" + comment.comment_id.encode(), self.moderated_share)

    def thread_down(self, article: Article) -> str | None:
        """How the article's comments are down today ("empty", "missing"), or None: they are not."""
        if not self.comments_down or not _chosen(b"down" + article.id.encode(), self.down_share):
            return None
        return self.comments_down[zlib.crc32(b"how" + article.id.encode()) % len(self.comments_down)]


def _chosen(key: bytes, share: int) -> bool:
    return share > 0 and zlib.crc32(key) % 100 < share


_SECTION = re.compile(r'<h3 class="comments-title">.*?</h3>(<section id="comments".*?</section>)', re.S)
_BLOCK_OPEN = re.compile(r'<section id="comments"[^>]*>')
_COUNTER = re.compile(r'(<li class="comments-count" title="Комментарии">)\d+(</li>)')


def comments_down(html: str, article: Article, kind: str) -> str:
    """The article page as it is when its comments cannot be shown: the block empty (``empty``) or
    gone (``missing``), the counter at 0."""
    html = _COUNTER.sub(r"\g<1>0\g<2>", html)
    if kind == "missing":
        return _SECTION.sub("", html, count=1)
    empty = (f'<h3 class="comments-title">{display.comments_title(0)}</h3><section id="comments" class="comments" '
             f'data-article-id="{article.id}" data-count="0">\n\n</section>')
    return _SECTION.sub(lambda _: empty, html, count=1)


def placeholder_html(comment: Comment, date: str, text: str) -> str:
    """A comment a moderator removed, as the site leaves it in the thread."""
    ident = f' id="comment-{comment.site_id}" data-id="{comment.site_id}"' if comment.site_id else ""
    return (f'<div class="comment comment-removed"{ident}>\n'
            f'<div class="comment-head"><span class="comment-num">№{comment.number}</span> '
            f'<span class="comment-date">{date}</span></div>\n'
            f'<div class="comment-body"><i>{text}</i></div>\n</div>')
