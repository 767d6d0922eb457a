"""Missed runs: the first run after days without one emits exactly what changed in between, and
no article's comments go unchecked for longer than FULL_WALK_EVERY."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newscrawl import statkeys
from newscrawl.layout import RunLayout
from tests.conftest import CrawlResult, Key, Replica, Site, archive, record_key, run_crawl

pytestmark = pytest.mark.e2e


def crawl(replica: Replica, tmp_path: Path, run_id: str, *extra: str) -> CrawlResult:
    result = run_crawl(replica.url + "news/", tmp_path / "exports", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                       *extra, run_id=run_id)
    assert result.returncode == 0, result.log[-2000:]
    return result


def truth(replica: Replica) -> dict[Key, dict[str, Any]]:
    return {record_key(r): {k: v for k, v in r.items() if k not in ("_type", "page_url")} for r in replica.truth()}


def difference(before: dict[Key, dict[str, Any]], after: dict[Key, dict[str, Any]]) -> dict[Key, dict[str, Any] | None]:
    """What a run must emit between two days: new and changed items, and deletions (None)."""
    changed: dict[Key, dict[str, Any] | None] = {k: r for k, r in after.items() if before.get(k) != r}
    changed.update({k: None for k in before.keys() - after.keys()})
    return changed


def emitted(result: CrawlResult) -> dict[Key, dict[str, Any]]:
    records = result.records("articles") + result.records("comments")
    found = {record_key(r): r for r in records}
    assert len(found) == len(records), "an item emitted twice in one run"
    return found


def test_after_a_gap_the_run_emits_exactly_the_difference(tmp_path: Path) -> None:
    """Two weeks without a run (59 new articles, 2072 new items, 47 changed, a deletion): each
    emitted exactly once. What comes first after a gap, and what is given up: the planner's table."""
    first, second = 6, 20
    site = Site("--articles", "150")
    try:
        before = truth(site.day(first))
        crawl(site.day(first), tmp_path, f"day{first}")
        replica = site.day(second)
        result = crawl(replica, tmp_path, f"day{second}")
        want, got = difference(before, truth(replica)), emitted(result)
        missing, extra = want.keys() - got.keys(), got.keys() - want.keys()
        assert not missing and not extra, f"{len(missing)} missing {sorted(missing)[:4]}, {len(extra)} extra"
        for k, record in want.items():
            if record is None:
                assert got[k]["deleted"] is True, k
            else:
                assert {f: got[k][f] for f in record} == record, k
        listing = json.loads(RunLayout(result.run_dir).manifest.read_text())["listing"]
        assert listing["days_since_last_complete_run"] == second - first
        assert listing["full_walk_reason"], "a gap longer than the sidebar covers needs the whole listing"
    finally:
        site.stop()


def test_comments_that_never_reach_the_sidebar_are_caught_within_full_walk_every(tmp_path: Path) -> None:
    """Daily runs on a site whose sidebar shows nothing: old articles' new comments show only in
    the listing's counts, deep down; the walk of the whole listing due on day 3
    (FULL_WALK_EVERY=3d) finds them all."""
    site = Site("--articles", "150", "--sidebar-size", "0")
    every = 3
    try:
        pages = {}
        for day in range(every + 1):
            replica = site.day(day)
            result = crawl(replica, tmp_path, f"day{day}", "-s", f"FULL_WALK_EVERY={every}d")
            pages[day] = result.stats[statkeys.LISTING_PAGES]
            want = truth(replica)
            latest = {key: max(versions, key=lambda r: r["version"])
                      for key, versions in archive(tmp_path / "exports").items()}
            current = {k: {f: r[f] for f in want.get(k, {})} for k, r in latest.items() if not r.get("deleted")}
            complete = current == want
            if day == every - 1:
                assert not complete, "a partial walk found the old threads: the test proves nothing"
        assert complete, f"day {every}: the walk of the whole listing must catch every old thread"
        assert pages[every] >= pages[0] and max(pages[d] for d in range(1, every)) < pages[0], pages
    finally:
        site.stop()


def test_a_whole_walk_over_its_budget_is_spread_over_runs_and_skips_no_article(tmp_path: Path) -> None:
    """WHOLE_WALK_BUDGET=2: the whole walk due on day 8 reads 2 pages below the head a run, each
    run going on from the page the last one stopped on; done, it is dated from day 8's run."""
    site = Site("--articles", "100")
    budget = 2
    try:
        crawl(site.day(0), tmp_path, "day0")
        listings = []
        for day in range(8, 14):
            replica = site.day(day)
            result = run_crawl(replica.url + "news/", tmp_path / "exports", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                               "-s", f"WHOLE_WALK_BUDGET={budget}", run_id=f"day{day}")
            assert result.returncode == 0, result.log[-2000:]
            listing = json.loads(RunLayout(result.run_dir).manifest.read_text())["listing"]
            listings.append(listing)
            if listing["budget_cut_at"] is None:
                break
        assert len(listings) >= 2, "the budget never cut the whole walk: the test proves nothing"
        for earlier, later in zip(listings, listings[1:], strict=False):
            assert later["resumed_from"] == earlier["budget_cut_at"]
        assert all(listing["full_walk_reason"] for listing in listings)
        assert listings[-1]["stopped_at"] is None, "the last run reached the end of the listing"
        day8 = "2018-09-24T09:00:00+00:00"
        assert listings[-1]["last_full_walk_at"] == day8, "a spread whole walk counts from when it began"
        articles = {key for key in archive(tmp_path / "exports") if key[0] == "article"}
        assert {key for key in truth(replica) if key[0] == "article"} <= articles
    finally:
        site.stop()
