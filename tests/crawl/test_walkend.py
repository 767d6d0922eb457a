"""newscrawl.crawl.walkend: what a walk's end means, table by table, without a crawler."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newscrawl.crawl.commentwalk import CommentWalk, Outcome
from newscrawl.crawl.walkend import Thread, conclude
from newscrawl.extract.items import Article
from newscrawl.pages.claims import PageEvidence
from newscrawl.state.store import CommentState

URL = "http://site/news/100_a.html"
AT = "2018-09-20T12:00:00+00:00"
WEEK = timedelta(days=7)


def page(ids: list[str], declared: int | None = None) -> PageEvidence:
    return PageEvidence(url=URL, has_block=True, article_ids=frozenset({"100"}), current=None,
                        declared=len(ids) if declared is None else declared,
                        comments=tuple((i, n) for n, i in enumerate(ids, start=1)), page_urls=(), record_id=f"<{len(ids)}>")


def recorded(ids: list[str], moderated: str | None = None) -> dict[str, CommentState]:
    states = {i: CommentState(i, "100", n, "h", 1, AT, AT) for n, i in enumerate(ids, start=1)}
    if moderated:
        states[moderated] = CommentState(moderated, "100", 9, "", 2, AT, "2018-09-19T12:00:00+00:00", deleted=True,
                                         removal="moderated")
    return states


def walked(shown: list[str], known: dict[str, CommentState], held: int | None, moderated: set[str] = frozenset(),
           listed: int | None = None) -> CommentWalk:
    """A walk of one page shown twice (a pass, and the confirming one), holding an article counting ``held``,
    with the count the listing showed beside it (the spider sets it before the walk ends)."""
    walk = CommentWalk("100", URL, started_at=AT, held=Article(article_id="100", comments_count=held), listed=listed)
    alive = [i for i, s in known.items() if not s.deleted]
    for _ in range(2):
        walk.read(page(shown))
        if walk.next_url(lambda: alive) is None:
            break
    walk.moderated = set(moderated)
    return walk


@pytest.mark.parametrize(("shown", "known", "absent_since", "listed", "deleted", "article", "absent"), [
    (["c1", "c2", "c3"], ["c1", "c2", "c3", "c4"], None, 3, ["c4"], 3, False),  # one gone: a deletion
    ([], ["c1", "c2", "c3", "c4"], None, 4, [], None, True),  # the block empty: withheld, held back
    ([], ["c1", "c2", "c3", "c4"], "2018-09-12T12:00:00+00:00", 0, ["c1", "c2", "c3", "c4"], 0, False),  # a week, agreed
    ([], ["c1", "c2", "c3", "c4"], "2018-09-12T12:00:00+00:00", 4, [], None, True),  # the listing disagrees
])
def test_the_deletions_a_walk_claims_and_the_article_it_lets_go(
        shown: list[str], known: list[str], absent_since: str | None, listed: int, deleted: list[str],
        article: int | None, absent: bool) -> None:
    states = recorded(known)
    walk = walked(shown, states, len(shown), listed=listed)
    end = conclude(walk, Thread(states, absent_since), absence_after=WEEK, moderation_watch=WEEK)
    assert [d.comment_id for d in end.deletions] == deleted
    assert all(d.removal == "gone" and d.deletion_evidence and d.crawled_at == AT for d in end.deletions)
    assert (end.article.comments_count if end.article else None) == article
    assert (end.absent_at == AT) == absent and (end.recorded is None) == absent


def test_a_counter_the_walk_contradicts_is_null_and_said_so() -> None:
    states = recorded(["c1", "c2"])
    end = conclude(walked(["c1", "c2"], states, 7), Thread(states), absence_after=WEEK, moderation_watch=WEEK)
    assert end.article is not None and end.article.comments_count is None and end.counter_contradicted
    assert end.recorded is not None and end.recorded.complete and end.recorded.live == 2


def test_a_walk_of_the_archive_claims_nothing_of_the_site() -> None:
    states = recorded(["c1", "c2", "c3", "c4"])
    end = conclude(walked(["c1", "c2", "c3"], states, 3), None, absence_after=WEEK, moderation_watch=WEEK)
    assert end.deletions == () and end.recorded is None and end.article is not None


def test_a_thread_with_a_recent_moderation_is_walked_again_a_day_later() -> None:
    states = recorded(["c1", "c2"], moderated="c9")
    walk = walked(["c1", "c2", "c9"], states, 3, moderated={"c9"})
    end = conclude(walk, Thread(states), absence_after=WEEK, moderation_watch=WEEK)
    assert end.recorded is not None and end.recorded.recheck_at == "2018-09-21T12:00:00+00:00"
    assert walk.result is not None and walk.result.outcome is Outcome.COMPLETE
