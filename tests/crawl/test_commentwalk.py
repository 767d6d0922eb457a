"""The comment walk without a crawler: tables of page sequences and what the walk makes of them."""

from __future__ import annotations

import pytest

from newscrawl.crawl.commentwalk import TOTAL_CHANGED, CommentWalk, Outcome
from newscrawl.pages.claims import PageEvidence

ARTICLE = "100"
URL = "http://site/news/100_a.html"


def page(numbers: range | list[int], *, current: int | None = None, declared: int | None = 45, pages: int = 3,
         article: str = ARTICLE, ids: list[str] | None = None, block: bool = True) -> PageEvidence:
    """A page of the thread of 45 comments (20 a page), ids c1…c45 by default."""
    numbers = list(numbers)
    return PageEvidence(
        url=f"{URL}#{current}", has_block=block, article_ids=frozenset({article}), current=current,
        declared=declared, comments=tuple(zip(ids or [f"c{n}" for n in numbers], numbers, strict=True)),
        page_urls=tuple(f"{URL}/comments/{n}/" for n in range(2, pages + 1)), record_id=f"<rec-{current}-{numbers[:1]}>")


PAGE1, PAGE2, PAGE3 = page(range(1, 21), current=1), page(range(21, 41), current=2), page(range(41, 46), current=3)
ALL = {f"c{n}" for n in range(1, 46)}


def walk_through(walk: CommentWalk, pages: list[PageEvidence], known: set[str]) -> list[str]:
    """Feed the walk the given pages in order, checking each; returns the URLs it asked for."""
    asked = []
    for shown in pages:
        assert walk.check(shown) is None, walk.check(shown)
        walk.read(shown, known)
        url = walk.next_url(lambda: known)
        if url is None:
            break
        asked.append(url)
    return asked


@pytest.mark.parametrize(("shown", "asked_for", "kind"), [
    (page(range(1, 21), current=1), 2, "wrong_page"),  # page N answering with page 1
    (page([], block=False), 2, "no_comments"),  # a challenge page
    (page(range(21, 41), current=2, article="999"), 2, "other_article"),  # another article's page
    (page(range(21, 41), current=2, ids=["c20", *[f"c{n}" for n in range(22, 41)]]), 2, "repeated"),
    (page([21, 22, 5], current=2, ids=["x1", "x2", "x3"]), 2, "numbering"),  # numbers go back down the page
    (page(range(15, 35), current=2, ids=[f"x{n}" for n in range(20)]), 2, "numbering"),  # not on from page 1's
    (page(range(21, 41), current=2, declared=44), 2, TOTAL_CHANGED),  # the thread changed under the walk
])
def test_a_page_that_is_not_the_page_asked_for_is_refused(shown: PageEvidence, asked_for: int, kind: str) -> None:
    walk = CommentWalk(ARTICLE, URL)
    walk.read(PAGE1)
    assert walk.expected_page() == asked_for
    refusal = walk.check(shown)
    assert refusal is not None and refusal.kind == kind


def test_a_comment_recorded_under_another_article_refuses_the_page() -> None:
    walk = CommentWalk(ARTICLE, URL)
    refusal = walk.check(PAGE1, {"c3": "777"})
    assert refusal is not None and refusal.kind == "other_article" and "777" in refusal.detail


def test_gaps_in_numbers_are_normal() -> None:
    walk = CommentWalk(ARTICLE, URL)
    walk.read(page([1, 2, 5, 9], current=1, declared=4, pages=1))
    assert walk.next_url(lambda: {"c1", "c2", "c5", "c9"}) is None
    assert walk.result is not None and walk.result.complete and walk.result.live == 4


def test_a_walk_that_adds_up_with_nothing_missing_is_complete_in_one_pass() -> None:
    walk = CommentWalk(ARTICLE, URL)
    assert walk_through(walk, [PAGE1, PAGE2, PAGE3], ALL) == [f"{URL}/comments/2/", f"{URL}/comments/3/"]
    assert walk.result is not None and walk.result.outcome is Outcome.COMPLETE and walk.result.deleted == ()


def test_a_missing_comment_is_deleted_only_when_a_second_complete_walk_misses_it_too() -> None:
    known = ALL | {"c46"}
    walk = CommentWalk(ARTICLE, URL)
    asked = walk_through(walk, [PAGE1, PAGE2, PAGE3, PAGE1, PAGE2, PAGE3], known)
    assert asked.count(URL) == 1  # page 1 again: the confirming walk
    assert walk.result is not None and walk.result.deleted == ("c46",)
    assert len(walk.result.evidence) == 6  # every page of both walks


def test_a_suspect_seen_by_the_confirming_walk_is_not_deleted() -> None:
    walk = CommentWalk(ARTICLE, URL)
    reappeared = page([41, 42, 43, 44, 45, 46], current=3, declared=46)
    walk_through(walk, [PAGE1, PAGE2, PAGE3, page(range(1, 21), current=1, declared=46),
                        page(range(21, 41), current=2, declared=46), reappeared], ALL | {"c46"})
    assert walk.result is not None and walk.result.deleted == () and walk.result.unconfirmed == 1


def test_a_walk_that_does_not_add_up_is_walked_once_more_then_claims_nothing() -> None:
    undeclared = [page(range(1, 21), current=1, declared=None), page(range(21, 41), current=2, declared=None),
                  page(range(41, 46), current=3, declared=None)]  # no total to add up to
    walk = CommentWalk(ARTICLE, URL)
    asked = walk_through(walk, undeclared * 2, ALL)
    assert asked.count(URL) == 1
    assert walk.result is not None and walk.result.outcome is Outcome.UNEVEN and walk.result.deleted == ()


def test_a_page_refused_for_a_changed_total_walks_again_and_a_second_success_completes() -> None:
    walk = CommentWalk(ARTICLE, URL)
    walk.read(PAGE1)
    assert walk.next_url() == f"{URL}/comments/2/"
    walk.page_failed(TOTAL_CHANGED)
    assert walk.next_url() == f"{URL}/comments/3/"
    walk.read(PAGE3)
    assert walk.next_url(lambda: ALL) == URL  # the thread changed under the walk: once more
    walk_through(walk, [PAGE1, PAGE2, PAGE3], ALL)
    assert walk.result is not None and walk.result.complete


@pytest.mark.parametrize("why", ["unread", "wrong_page", "other_article"])
def test_a_page_that_failed_for_good_makes_the_walk_claim_nothing(why: str) -> None:
    walk = CommentWalk(ARTICLE, URL)
    walk.read(PAGE1)
    walk.next_url()
    walk.page_failed(why)
    walk.read(PAGE3)
    assert walk.next_url(lambda: ALL | {"c46"}) is None
    assert walk.result is not None and walk.result.outcome is Outcome.FAILED and walk.result.deleted == ()


def test_a_woken_thread_reads_from_where_its_known_comments_end_and_claims_no_deletion() -> None:
    walk = CommentWalk(ARTICLE, URL, skip_until=45)
    asked = walk_through(walk, [PAGE1, PAGE3], ALL)
    assert asked == [f"{URL}/comments/3/"]  # page 2 skipped
    assert walk.result is not None and walk.result.outcome is Outcome.PARTIAL


def test_a_woken_thread_steps_back_when_the_first_comment_it_meets_is_unknown() -> None:
    walk = CommentWalk(ARTICLE, URL, skip_until=45)
    walk.read(PAGE1)
    assert walk.next_url() == f"{URL}/comments/3/"
    walk.read(PAGE3, known={"c1"})  # c41 unknown: comments moved up from a skipped page
    assert walk.next_url() == f"{URL}/comments/2/" and walk.expected_page() == 2 and walk.stepped_back == 1
    assert walk.check(PAGE2) is None  # out of order, its numbers fall between its neighbours'
    walk.read(PAGE2)
    assert walk.next_url(lambda: ALL) is None
    assert walk.result is not None and walk.result.complete


# --- the site's habits: page size and order read from page 1, absence that needs corroboration ---

def thread(numbers: list[int], per_page: int, *, declared: int | None = None) -> list[PageEvidence]:
    """A thread's pages as the site shows them: ``numbers`` in the site's order, ``per_page`` a page."""
    chunks = [numbers[i : i + per_page] for i in range(0, len(numbers), per_page)]
    total = len(numbers) if declared is None else declared
    return [page(chunk, current=n, declared=total, pages=len(chunks)) for n, chunk in enumerate(chunks, start=1)]


@pytest.mark.parametrize(("numbers", "per_page"), [
    (list(range(1, 121)), 50),  # a bigger page than today's 20
    (list(range(1, 46)), 7),  # a smaller one
    (list(range(45, 0, -1)), 20),  # newest first
    (list(range(120, 0, -1)), 50),  # newest first, and bigger pages
])
def test_the_page_size_and_order_are_read_from_page_1_and_followed(numbers: list[int], per_page: int) -> None:
    walk = CommentWalk(ARTICLE, URL)
    pages = thread(numbers, per_page)
    walk_through(walk, pages, {f"c{n}" for n in numbers})
    assert walk.result is not None and walk.result.complete and walk.result.live == len(numbers)
    assert (walk.per_page, walk.order) == (per_page, -1 if numbers[0] > numbers[1] else 1)


@pytest.mark.parametrize(("pages", "index", "kind"), [
    (thread(list(range(1, 121)), 50), 1, None),
    # page 2 of 3 short of page 1's size: comments cut away at a comment's end
    ([*thread(list(range(1, 121)), 50)[:1], page(range(51, 90), current=2, declared=120)], 1, "page_size"),
    # page 1 cannot make the pages it links out of the total it declares
    ([page(range(1, 21), current=1, declared=120)], 0, "page_size"),
    # a page going up in a thread listed newest first
    ([*thread(list(range(45, 0, -1)), 20)[:1], page(range(5, 25), current=2)], 1, "numbering"),
])
def test_a_page_that_breaks_the_thread_s_size_or_order_is_refused(pages: list[PageEvidence], index: int,
                                                                  kind: str | None) -> None:
    walk = CommentWalk(ARTICLE, URL)
    for shown in pages[:index]:
        walk.read(shown)
        walk.next_url()
    refusal = walk.check(pages[index])
    assert (refusal.kind if refusal else None) == kind, refusal


def empty_page(declared: int | None = 0) -> PageEvidence:
    return PageEvidence(url=URL, has_block=True, article_ids=frozenset({ARTICLE}), current=None, declared=declared,
                        comments=(), page_urls=())


@pytest.mark.parametrize(("shown", "known", "listed", "outcome", "withheld"), [
    ([empty_page()], ALL, None, Outcome.ABSENT, 45),  # the block empty, counters at 0: the comments are down
    ([empty_page()], {"c1"}, None, Outcome.ABSENT, 1),  # a thread of one shown empty
    (thread(list(range(1, 11)), 20), ALL, None, Outcome.ABSENT, 35),  # most of it gone at once
    (thread(list(range(1, 44)), 20), ALL, None, Outcome.COMPLETE, 0),  # two gone: an ordinary deletion
    ([empty_page()], set(), 11, Outcome.ABSENT, 0),  # new to the archive, the listing shows 11
    ([empty_page()], set(), 0, Outcome.COMPLETE, 0),  # the listing agrees: a thread with no comments
])
def test_absence_needs_corroboration(shown: list[PageEvidence], known: set[str], listed: int | None,
                                     outcome: Outcome, withheld: int) -> None:
    walk = CommentWalk(ARTICLE, URL, listed=listed)
    walk_through(walk, shown * 2, known)
    assert walk.result is not None and walk.result.outcome is outcome
    assert len(walk.result.withheld) == withheld
    assert walk.result.deleted == (() if outcome is Outcome.ABSENT else tuple(sorted(known - walk.passes[0].seen.keys())))


def test_a_vouched_absence_claims_the_withheld_deletions_on_the_walks_pages() -> None:
    walk = CommentWalk(ARTICLE, URL)
    walk_through(walk, [empty_page()] * 2, ALL)
    walk.vouch_absence()
    assert walk.result is not None and walk.result.complete and set(walk.result.deleted) == ALL
    assert walk.result.withheld == ()
