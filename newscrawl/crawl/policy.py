"""When to fetch an article again, and how far to walk the listing: pure decisions on what the
state and the pages say.

An article is "alive" for a while after publication: new comments and counter changes come
then. It is revisited on a decaying schedule (``REVISIT_AFTER``), and at any age when a listing
or the "Обсуждаемое" sidebar shows that its comment count moved.

The listing (newest first, each article with its comment count) is how moved counts of older
articles are found. A run walks it until ``LISTING_STOP_AFTER_KNOWN`` settled articles in a row
needed nothing, but only where that is safe: past the deepest point a walk that did not finish
had reached, and never when the sidebar cannot vouch for the time since the last complete run
(a gap) or the whole listing was last walked more than ``FULL_WALK_EVERY`` ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol


class RecordedArticle(Protocol):
    """What the planner reads of an article's record in the state (``state.store.ArticleState``):
    data handed to it, so that it does no I/O and knows no store."""

    article_id: str
    published_at: str | None
    last_fetch: str
    comments_count: int | None
    walked_at: str | None
    live_comments: int | None


class Visit(Enum):
    NEW = "new"  # never fetched
    RETRY = "retry"  # an earlier run set out to fetch it and did not finish (the frontier)
    RECHECK = "recheck"  # a partial comment walk is older than FULL_WALK_EVERY: walk them all
    DUE = "due"  # a revisit checkpoint passed since the last fetch
    MOVED = "moved"  # a listing shows another comment count than we have
    FORCED = "forced"  # -a force=1
    SKIP = "skip"


# Facts about the listing walk kept in the state's meta table, each written by one place.
LAST_RUN_AT = "last_complete_run_at"  # site time a complete run began its walk
FULL_WALK_AT = "last_full_walk_at"  # site time a complete walk of the whole listing began
WALK_REACHED = "unfinished_walk_reached"  # the last article listed on the deepest page an unfinished walk read
WHOLE_WALK_RESUME = "whole_walk_resume_url"  # the listing page a whole walk spread over runs goes on from
WHOLE_WALK_BEGAN = "whole_walk_began_at"  # site time that spread walk began: the age of what it covers


def absence_vouched(absent_since: str | None, at: str, listed: int | None, live: int | None,
                    after: timedelta) -> bool:
    """Whether most of a thread gone at once (``commentwalk.mass_absence``) may be claimed: complete
    walks have found it so since ``absent_since`` for at least ``after`` by ``at`` (site times), and
    the count the listing shows beside the article agrees with what the walk saw. A comments
    service that is down empties the article page, not the listing's count: they disagree.

    >>> day = lambda d: f"2018-09-{d:02d}T12:00:00+00:00"
    >>> week = timedelta(days=7)
    >>> [absence_vouched(day(1), day(9), 0, 0, week), absence_vouched(day(1), day(9), 40, 0, week),
    ...  absence_vouched(day(1), day(3), 0, 0, week), absence_vouched(None, day(9), 0, 0, week),
    ...  absence_vouched(day(1), day(9), None, 0, week)]
    [True, False, False, False, False]
    """
    if absent_since is None or listed is None or live is None or listed > live:
        return False
    return datetime.fromisoformat(at) - datetime.fromisoformat(absent_since) >= after


def moderation_recheck(moderated: dict[str, str | None], at: str, watch: timedelta) -> str | None:
    """When to walk a thread again that showed moderated comments (id → when the state recorded
    the moderation, None for one recorded by this walk): a day after this walk while a moderation
    on it is younger than ``watch``, since moderators take some back; None when none is.

    >>> at = "2018-09-20T12:00:00+00:00"
    >>> moderation_recheck({"c1": None}, at, timedelta(days=7)), moderation_recheck({"c1": "2018-09-01T12:00:00+00:00"}, at, timedelta(days=7))
    ('2018-09-21T12:00:00+00:00', None)
    """
    now = datetime.fromisoformat(at)
    if any(when is None or now - datetime.fromisoformat(when) < watch for when in moderated.values()):
        return (now + timedelta(days=1)).isoformat()
    return None


def parse_schedule(text: str) -> list[timedelta]:
    """``"1h,6h,1d"`` as timedeltas (units s, m, h, d).

    >>> parse_schedule("1h, 6h,1d")
    [datetime.timedelta(seconds=3600), datetime.timedelta(seconds=21600), datetime.timedelta(days=1)]
    """
    return [parse_duration(part) for part in (p.strip() for p in text.split(",")) if part]


def parse_duration(text: str) -> timedelta:
    """``"36h"`` as a timedelta; a clear error for anything else.

    >>> parse_duration("7d")
    datetime.timedelta(days=7)
    """
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    text = text.strip()
    try:
        return timedelta(**{units[text[-1]]: float(text[:-1])})
    except (KeyError, ValueError, IndexError):
        raise ValueError(f"{text!r} is not a duration like 30m, 36h or 7d") from None


def visit(state: RecordedArticle | None, listed_comments: int | None, now: datetime,
          schedule: list[timedelta], force: bool = False) -> Visit:
    """Whether to fetch an article now, and why. A due revisit wins over a moved count: it walks
    every comment page, where a moved count may walk only the last ones."""
    if force:
        return Visit.FORCED
    if state is None:
        return Visit.NEW
    if state.published_at:
        published = datetime.fromisoformat(state.published_at)
        last = datetime.fromisoformat(state.last_fetch)
        if any(last < published + step <= now for step in schedule):
            return Visit.DUE
    if listed_comments is not None and listed_comments not in _counts_known(state):
        return Visit.MOVED
    return Visit.SKIP


def _counts_known(state: RecordedArticle) -> set[int | None]:
    """A listed count has not moved only if it equals both what the article's counter said and the
    comments its last walk counted: a counter that once lied (+5) must not hide new comments."""
    return {state.comments_count} if state.live_comments is None else {state.comments_count} & {state.live_comments}


def is_settled(state: RecordedArticle | None, now: datetime, window: timedelta) -> bool:
    """Known, and older than the refresh window: a listing made of these can stop being walked."""
    return bool(state and state.published_at and datetime.fromisoformat(state.published_at) < now - window)


def may_skip_comment_pages(state: RecordedArticle, now: datetime, full_every: timedelta) -> bool:
    """A moved count on a settled article may be read from the page where its known comments
    end only while its last complete walk is recent: deletions and edits on the pages skipped
    are then found by the complete walk due ``FULL_WALK_EVERY`` after it."""
    return bool(state.walked_at) and datetime.fromisoformat(state.walked_at) > now - full_every


def threads_due(candidates: list[RecordedArticle], now: datetime, *, young_every: timedelta, old_every: timedelta,
                young_for: timedelta, budget: int, per_page: int) -> list[RecordedArticle]:
    """The articles whose comment thread is due a complete walk, least recently walked first, as
    many as ``budget`` pages allow: no thread goes unchecked for longer than its period (an
    article under ``young_for`` old every ``young_every``, older ones every ``old_every``), and
    no single run carries them all. ``candidates``: articles least recently walked first.

    >>> from datetime import UTC, timedelta as d
    >>> now = datetime(2018, 9, 30, tzinfo=UTC)
    >>> from newscrawl.state.store import ArticleState
    >>> old = ArticleState("1", "u", "2018-01-01T00:00:00+03:00", "", "", "", 1, 0, 45, 45, "2018-09-01T00:00:00+00:00")
    >>> [a.article_id for a in threads_due([old], now, young_every=d(7), old_every=d(30), young_for=d(30),
    ...                                     budget=3, per_page=20)]  # walked 29 days ago: due by 30
    []
    >>> [a.article_id for a in threads_due([old], now + d(2), young_every=d(7), old_every=d(30),
    ...                                     young_for=d(30), budget=3, per_page=20)]  # 3 pages fit in 3
    ['1']
    """
    due, pages = [], 0
    for state in candidates:
        walked = datetime.fromisoformat(state.walked_at) if state.walked_at else None
        published = datetime.fromisoformat(state.published_at) if state.published_at else None
        every = young_every if published and published > now - young_for else old_every
        if walked is not None and walked > now - every:
            continue
        cost = max(1, -(-(state.live_comments or state.comments_count or 0) // per_page))
        if pages + cost > budget:
            break
        due.append(state)
        pages += cost
    return due


@dataclass
class ListingWalk:
    """One run's walk down the listing, and when it may stop.

    The head of the listing (down to where settled articles start) is walked by every run: new
    articles, due revisits, moved counts. A whole walk due goes on below it, for at most
    ``budget`` pages a run (0: no bound); cut there, it goes on in the next run from the page
    where it stopped, once that run has walked its own head. The whole walk counts as done, for
    ``FULL_WALK_EVERY``, from the time it began."""

    stop_after: int
    full_reason: str | None = None  # why this walk goes to the end of the listing
    must_pass: str | None = None  # an unfinished walk got this deep: go past it first
    budget: int = 0
    resume_url: str | None = None  # a whole walk spread over runs goes on from this page
    began_at: str | None = None  # ... and began then
    passed: bool = True
    settled_run: int = 0
    pages: int = 0
    deep: bool = False  # below the head: reading only because a whole walk is due
    deep_pages: int = 0
    cut_at: str | None = None  # the budget stopped the walk here: the next run reads this page again
    reached_end: bool = False
    broken: bool = False  # a listing page failed for good: the walk did not see what lies below

    def __post_init__(self) -> None:
        self.passed = self.must_pass is None

    def read(self) -> None:
        """One more listing page read."""
        self.pages += 1
        self.deep_pages += self.deep

    def see(self, article_id: str | None, settled_and_skipped: bool) -> None:
        """One listed article, in listing order. Only articles below the point an unfinished
        walk reached count towards stopping: above it, that walk's own work looks settled."""
        if not self.passed:
            self.passed = article_id == self.must_pass
            return
        self.settled_run = self.settled_run + 1 if settled_and_skipped else 0

    def head_settled(self) -> bool:
        return self.passed and self.settled_run >= self.stop_after

    def may_stop(self) -> bool:
        return self.full_reason is None and self.head_settled()

    def after(self, here: str, next_page: str | None) -> str | None:
        """The listing page to read after ``here`` (whose next page is ``next_page``), or None
        when the walk stops: at the end, by the rule, or by the budget."""
        if not next_page:
            self.reached_end = True
            return None
        if not self.deep and self.head_settled():
            if self.full_reason is None:
                return None
            self.deep = True
            if self.resume_url:
                return self.resume_url
        if self.deep and self.budget and self.deep_pages >= self.budget:
            # Read again next run: new articles push the listing down, so no article is skipped.
            self.cut_at = here
            return None
        return next_page

    def meta_after(self, started: str) -> dict[str, str | None]:
        """What the state keeps of this walk once it ended by its own rule (None: forget it)."""
        meta: dict[str, str | None] = {LAST_RUN_AT: started, WALK_REACHED: None,
                                       WHOLE_WALK_RESUME: None, WHOLE_WALK_BEGAN: None}
        if self.reached_end:  # every page read since the spread walk began, or in this run
            meta[FULL_WALK_AT] = self.began_at if self.deep and self.began_at else started
        elif self.cut_at:
            meta.update({WHOLE_WALK_RESUME: self.cut_at, WHOLE_WALK_BEGAN: self.began_at or started})
        return meta


def plan_walk(meta: dict[str, str], now: datetime, *, stop_after: int, full: bool,
              full_every: timedelta, sidebar_covers: timedelta, budget: int = 0) -> ListingWalk:
    """How far this run walks the listing, from what the state says of earlier walks."""
    return ListingWalk(stop_after, _full_walk_reason(meta, now, full, full_every, sidebar_covers),
                       meta.get(WALK_REACHED), budget, meta.get(WHOLE_WALK_RESUME), meta.get(WHOLE_WALK_BEGAN))


def _full_walk_reason(meta: dict[str, str], now: datetime, full: bool, full_every: timedelta,
                      sidebar_covers: timedelta) -> str | None:
    if full:
        return "asked for (full=1)"
    if FULL_WALK_AT not in meta or LAST_RUN_AT not in meta:
        return "no complete walk of the whole listing yet"
    since_full = now - datetime.fromisoformat(meta[FULL_WALK_AT])
    if since_full >= full_every:
        return f"the whole listing was last walked {_days(since_full)} ago (FULL_WALK_EVERY)"
    gap = now - datetime.fromisoformat(meta[LAST_RUN_AT])
    if gap > sidebar_covers:
        return f"the last complete run was {_days(gap)} ago, more than the sidebar shows (SIDEBAR_COVERS)"
    return None


def _days(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.1f} days"
