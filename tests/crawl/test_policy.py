"""newscrawl.crawl.policy: when to fetch again, and how far to walk the listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newscrawl.crawl.policy import (
    FULL_WALK_AT,
    LAST_RUN_AT,
    WALK_REACHED,
    WHOLE_WALK_BEGAN,
    WHOLE_WALK_RESUME,
    ListingWalk,
    Visit,
    may_skip_comment_pages,
    parse_duration,
    plan_walk,
    threads_due,
    visit,
)
from newscrawl.state.store import ArticleState

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


def walk_pages(walk: ListingWalk, listing: list[list[str]], start: int = 0) -> list[int]:
    """Walk a listing of pages (each a list of article ids, all settled) as the spider does: the
    pages read, by index; ``?p=N`` is page N's URL."""
    read, url = [], f"?p={start}"
    while url is not None:
        number = int(url.split("=")[1])
        read.append(number)
        walk.read()
        for article in listing[number]:
            walk.see(article, True)
        url = walk.after(f"?p={number}", f"?p={number + 1}" if number + 1 < len(listing) else None)
    return read


LISTING = [[f"{page}-{n}" for n in range(3)] for page in range(10)]  # 10 pages of 3 settled articles


def test_a_whole_walk_over_the_budget_is_spread_over_runs_and_dated_from_its_start() -> None:
    """Each run reads the head by the usual rule, then goes on from where the last one stopped;
    the page it stopped on is read again (the listing moves down as articles are published)."""
    runs, found, read = [], meta(timedelta(days=1), timedelta(days=8)), set()
    for run in range(6):
        started = (NOW + timedelta(days=run)).isoformat()
        walk = plan(found)
        walk.budget = 4
        pages = walk_pages(walk, LISTING)
        runs.append(pages)
        read.update(pages)
        assert len(pages) <= 1 + 4  # the head (one page here) and the budget
        found = {k: v for k, v in {**found, **walk.meta_after(started)}.items() if v is not None}
        if FULL_WALK_AT in found and found[FULL_WALK_AT] > NOW.isoformat():
            break
    assert runs[0] == [0, 1, 2, 3, 4]  # the head, then a whole walk (due: FULL_WALK_EVERY) for 4 pages
    assert runs[1] == [0, 4, 5, 6, 7]  # the head (settled after 2 articles), then page 4 again
    assert read == set(range(10))
    assert found[FULL_WALK_AT] == NOW.isoformat(), "dated from the run the whole walk began in"
    assert WHOLE_WALK_RESUME not in found and WHOLE_WALK_BEGAN not in found


def test_without_a_whole_walk_due_the_head_stops_by_its_rule_whatever_the_budget() -> None:
    walk = plan(meta(timedelta(days=1), timedelta(days=3)))
    walk.budget = 4
    assert walk_pages(walk, LISTING) == [0]  # settled after two articles
    assert walk.meta_after(NOW.isoformat())[WHOLE_WALK_RESUME] is None


def test_the_budget_bounds_the_whole_walk_below_the_head_not_the_head() -> None:
    """A head that does not settle (young articles, due revisits) is walked whole every run."""
    walk = plan(meta(timedelta(days=1), timedelta(days=8), **{WHOLE_WALK_RESUME: "?p=7", WHOLE_WALK_BEGAN: "x"}))
    walk.budget = 2
    walk.stop_after = 7  # settles on page 2
    assert walk_pages(walk, LISTING) == [0, 1, 2, 7, 8]
    assert walk.meta_after(NOW.isoformat())[WHOLE_WALK_RESUME] == "?p=8"


@pytest.mark.parametrize("text", ["7", "d", "7x", ""])
def test_a_duration_that_is_not_one_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def walked(article_id: str, published_days: float, walked_days: float | None, comments: int = 10) -> ArticleState:
    return ArticleState(article_id, "u", (NOW - timedelta(days=published_days)).isoformat(), "", "", "h", 1, 5,
                        comments, comments,
                        None if walked_days is None else (NOW - timedelta(days=walked_days)).isoformat(), comments)


@pytest.mark.parametrize(("candidates", "budget", "due"), [
    ([walked("young", 10, 8)], 10, ["young"]),  # a month-young thread: due after FULL_WALK_EVERY (7 days)
    ([walked("young", 10, 6)], 10, []),
    ([walked("old", 100, 60)], 10, []),  # an old one: after 90 days
    ([walked("old", 100, 91)], 10, ["old"]),
    ([walked("never", 100, None)], 10, ["never"]),  # never walked completely: due at once
    ([walked("a", 100, None, 45), walked("b", 100, 95)], 3, ["a"]),  # 3 pages spent on a: b waits
    ([walked("a", 100, None, 45), walked("b", 100, 95)], 4, ["a", "b"]),
])
def test_threads_are_walked_whole_least_recently_walked_first_under_a_budget(
        candidates: list[ArticleState], budget: int, due: list[str]) -> None:
    chosen = threads_due(candidates, NOW, young_every=timedelta(days=7), old_every=timedelta(days=90),
                         young_for=timedelta(days=30), budget=budget, per_page=20)
    assert [a.article_id for a in chosen] == due


def test_a_listed_count_moves_against_the_walk_as_well_as_the_counter() -> None:
    """A counter that once said +5 is stored; the walk counted the truth: five new comments later,
    the listing equals the stored counter but not the walk, and the article is fetched."""
    lied = replace(state(timedelta(days=30), timedelta(days=1), comments=15), live_comments=10)
    assert visit(lied, 15, NOW, SCHEDULE) is Visit.MOVED
    assert visit(replace(lied, comments_count=10), 10, NOW, SCHEDULE) is Visit.SKIP
