"""What a comment walk's end means for the archive, decided without a crawler: the deletions it
proves, the article it held (its counter nulled where the walk contradicts it, held back where
the thread looks down), and what the state records of the walk.

The spider hands over the walk and what the state says of its thread (``Thread``; None for a walk
that may claim nothing of the site: no state, or a re-extraction's walk of the archive) and carries
out the answer (``WalkEnd``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from newscrawl.crawl.commentwalk import CommentWalk, Outcome
from newscrawl.crawl.policy import absence_vouched, moderation_recheck
from newscrawl.extract.items import GONE, MODERATED, Article, Comment

UNREAD = (Outcome.FAILED, Outcome.UNEVEN, Outcome.UNCONFIRMED)  # the article stays in the frontier


class RecordedComment(Protocol):
    """What the walk's end reads of a comment's record in the state (``state.store.CommentState``)."""

    article_id: str
    number: int | None
    deleted: bool
    removal: str
    last_seen: str


@dataclass(frozen=True)
class Thread:
    """What the state says of the walked thread when the walk ends."""

    comments: Mapping[str, RecordedComment]
    absent_since: str | None = None  # a complete walk first found most of it gone then


@dataclass(frozen=True)
class WalkOutcome:
    """How one article's comment walk ended, kept until the article's own state is staged."""

    url: str
    failed: bool  # a page could not be read: the article stays in the frontier
    complete: bool  # every comment page was read, proved, and the walk added up
    at: str  # site time of the walk
    live: int | None = None  # the comments it counted (a partial walk: the total its pages agreed on)
    recheck_at: str | None = None  # walk it again then (a recent moderation on it: policy.moderation_recheck)


@dataclass(frozen=True)
class WalkEnd:
    deletions: tuple[Comment, ...] = ()  # emitted first
    article: Article | None = None  # then the article, when there is one to emit
    counter_contradicted: bool = False  # its comments_count nulled: the walk counted another number
    absent_at: str | None = None  # the thread looks down: remembered from then, the article held back
    recorded: WalkOutcome | None = None  # for the state, before the article is emitted


def conclude(walk: CommentWalk, thread: Thread | None, *, absence_after: timedelta,
             moderation_watch: timedelta) -> WalkEnd:
    """The end of ``walk`` (its ``result`` set). ``thread`` None: the walk claims nothing."""
    result = walk.result
    assert result is not None, "a walk concludes once it has ended"
    if thread is None:
        article = _counted(walk.held, result.complete, result.live)
        return WalkEnd(article=article, counter_contradicted=article is not None and article is not walk.held)
    if result.outcome is Outcome.ABSENT and absence_vouched(thread.absent_since, walk.started_at, walk.listed,
                                                           result.live, absence_after):
        walk.vouch_absence()
        result = walk.result
        assert result is not None
    deletions = tuple(
        Comment(article_id=thread.comments[i].article_id, comment_id=i, number=thread.comments[i].number,
                crawled_at=walk.started_at or None, deleted=True, removal=GONE, deletion_evidence=list(result.evidence))
        for i in (result.deleted if result.complete else ()))
    if result.outcome is Outcome.ABSENT:
        return WalkEnd(deletions, absent_at=walk.started_at)
    if walk.held is None:
        return WalkEnd(deletions)
    article = _counted(walk.held, result.complete, result.live)
    live = result.live if result.live is not None else (
        walk.declared_total() if result.outcome is Outcome.PARTIAL else None)
    moderated = {i: _moderated_at(thread.comments.get(i)) for i in walk.moderated}
    recorded = WalkOutcome(walk.url, result.outcome in UNREAD, result.complete, walk.started_at, live,
                           moderation_recheck(moderated, walk.started_at, moderation_watch))
    return WalkEnd(deletions, article, article is not walk.held, recorded=recorded)



def _counted(article: object, complete: bool, live: int | None) -> Article | None:
    """The held article, its comment counter null where a complete walk counted another number."""
    if not isinstance(article, Article):
        return None
    if complete and article.comments_count != live:
        return replace(article, comments_count=None)
    return article


def _moderated_at(recorded: RecordedComment | None) -> str | None:
    """When the state recorded the comment's moderation (None: not recorded yet)."""
    return recorded.last_seen if recorded and recorded.deleted and recorded.removal == MODERATED else None
