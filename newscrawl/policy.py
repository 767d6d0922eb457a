"""When to fetch an article again: pure decisions on what the state and the listing say.

An article is "alive" for a while after publication: new comments and counter changes come
then. It is revisited on a decaying schedule (``REVISIT_AFTER``), and at any age when a listing
or the "Обсуждаемое" sidebar shows that its comment count moved.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from newscrawl.state import ArticleState


class Visit(Enum):
    NEW = "new"  # never fetched
    MOVED = "moved"  # a listing shows another comment count than we have
    DUE = "due"  # a revisit checkpoint passed since the last fetch
    FORCED = "forced"  # -a force=1
    SKIP = "skip"


def parse_schedule(text: str) -> list[timedelta]:
    """``"1h,6h,1d"`` as timedeltas (units s, m, h, d).

    >>> parse_schedule("1h, 6h,1d")
    [datetime.timedelta(seconds=3600), datetime.timedelta(seconds=21600), datetime.timedelta(days=1)]
    """
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    return [timedelta(**{units[part[-1]]: float(part[:-1])}) for part in (p.strip() for p in text.split(",")) if part]


def visit(state: ArticleState | None, listed_comments: int | None, now: datetime,
          schedule: list[timedelta], force: bool = False) -> Visit:
    """Whether to fetch an article now, and why."""
    if force:
        return Visit.FORCED
    if state is None:
        return Visit.NEW
    if listed_comments is not None and listed_comments != state.comments_count:
        return Visit.MOVED
    if state.published_at:
        published = datetime.fromisoformat(state.published_at)
        last = datetime.fromisoformat(state.last_fetch)
        if any(last < published + step <= now for step in schedule):
            return Visit.DUE
    return Visit.SKIP


def is_settled(state: ArticleState | None, now: datetime, window: timedelta) -> bool:
    """Known, and older than the refresh window: a listing made of these can stop being walked."""
    return bool(state and state.published_at and datetime.fromisoformat(state.published_at) < now - window)
