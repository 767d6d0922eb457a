"""newscrawl.policy: when to fetch again, and how far to walk the listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newscrawl.policy import (
    FULL_WALK_AT,
    LAST_RUN_AT,
    WALK_REACHED,
    ListingWalk,
    Visit,
    may_skip_comment_pages,
    parse_duration,
    plan_walk,
    visit,
)
from newscrawl.state import ArticleState

NOW = datetime(2018, 9, 20, 9, 0, tzinfo=UTC)
SCHEDULE = [timedelta(hours=1), timedelta(days=1), timedelta(days=7)]


def state(published: timedelta, last_fetch: timedelta, comments: int = 10, walked: timedelta | None = None) -> ArticleState:
    return ArticleState("1", "u", (NOW - published).isoformat(), (NOW - published).isoformat(),
                        (NOW - last_fetch).isoformat(), "h", 1, 5, comments, comments,
                        (NOW - (walked if walked is not None else last_fetch)).isoformat())


@pytest.mark.parametrize(("article", "listed", "expected"), [
    (None, 3, Visit.NEW),
    (state(timedelta(days=30), timedelta(days=1)), 10, Visit.SKIP),
    (state(timedelta(days=30), timedelta(days=1)), 12, Visit.MOVED),
    (state(timedelta(days=3), timedelta(days=2, hours=12)), 10, Visit.DUE),
    # a due revisit walks every page; a moved count alone may walk only the last ones
    (state(timedelta(days=8), timedelta(days=2)), 12, Visit.DUE),
])
def test_visit(article: ArticleState | None, listed: int, expected: Visit) -> None:
    assert visit(article, listed, NOW, SCHEDULE) is expected


def test_pages_may_be_skipped_only_while_the_last_complete_walk_is_recent() -> None:
    every = timedelta(days=7)
    assert may_skip_comment_pages(state(timedelta(days=30), timedelta(days=1), walked=timedelta(days=6)), NOW, every)
    assert not may_skip_comment_pages(state(timedelta(days=30), timedelta(days=1), walked=timedelta(days=7)), NOW, every)


def meta(last_run: timedelta, full_walk: timedelta, **extra: str) -> dict[str, str]:
    return {LAST_RUN_AT: (NOW - last_run).isoformat(), FULL_WALK_AT: (NOW - full_walk).isoformat(), **extra}


def plan(found: dict[str, str], full: bool = False) -> ListingWalk:
    return plan_walk(found, NOW, stop_after=2, full=full, full_every=timedelta(days=7),
                     sidebar_covers=timedelta(hours=36))


@pytest.mark.parametrize(("found", "reason"), [
    ({}, "no complete walk"),
    (meta(timedelta(days=1), timedelta(days=7)), "FULL_WALK_EVERY"),
    (meta(timedelta(days=2), timedelta(days=3)), "SIDEBAR_COVERS"),
])
def test_a_whole_walk_is_planned_when_the_state_cannot_vouch_for_the_rest(found: dict[str, str], reason: str) -> None:
    walk = plan(found)
    assert reason in (walk.full_reason or "")
    for article in "abcdef":
        walk.see(article, True)
    assert not walk.may_stop()


def test_a_daily_walk_stops_after_settled_articles() -> None:
    walk = plan(meta(timedelta(days=1), timedelta(days=3)))
    assert walk.full_reason is None
    walk.see("a", True)
    walk.see("b", False)  # fetched, or still young: the count starts again
    walk.see("c", True)
    assert not walk.may_stop()
    walk.see("d", True)
    assert walk.may_stop()


def test_a_walk_goes_past_where_an_unfinished_one_got_before_counting() -> None:
    walk = plan(meta(timedelta(days=1), timedelta(days=3), **{WALK_REACHED: "c"}))
    for article in "abc":  # settled now, but maybe only thanks to the unfinished run's own work
        walk.see(article, True)
        assert not walk.may_stop()
    walk.see("d", True)
    walk.see("e", True)
    assert walk.may_stop()


def test_full_is_a_whole_walk() -> None:
    assert plan(meta(timedelta(hours=6), timedelta(days=1)), full=True).full_reason == "asked for (full=1)"


@pytest.mark.parametrize("text", ["7", "d", "7x", ""])
def test_a_duration_that_is_not_one_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)
