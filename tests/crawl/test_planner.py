"""newscrawl.crawl.planner: what a run fetches and claims, case by case, on pages the replica renders
and records held in a table, without an engine, a server or a store."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError

from newscrawl import statkeys
from newscrawl.crawl.commentwalk import CommentWalk
from newscrawl.crawl.planner import ARTICLE_PRIORITY, UNFINISHED_PRIORITY, Fetch, Plan, Planner
from newscrawl.crawl.policy import FULL_WALK_AT, LAST_RUN_AT, ListingWalk
from newscrawl.crawl.walkend import WalkOutcome
from newscrawl.extract.items import Article, Comment
from newscrawl.fetch.middlewares import BrokenPage, Offsite
from newscrawl.pages.html import RECORD_ID_META
from newscrawl.pages.vpk import ArticlePage, CommentsPage, SitePage
from newscrawl.state.store import ArticleState, CommentState
from tests.crawlers import project_crawler
from tests.replica import render
from tests.replica.habits import COMMENTS_PER_PAGE
from tests.replica.world import Article as SiteArticle
from tests.replica.world import View, build_world

BASE = "http://127.0.0.1:8000"
PLAN = Plan.from_settings(project_crawler().settings)
PER_LISTING_PAGE = 20


def stats() -> Any:
    """The crawl's stats collector, as the planner meets it in a crawl (Scrapy's own)."""
    crawler = project_crawler()
    crawler.stats.open_spider()
    return crawler.stats


@dataclass
class Browser:
    available: bool = True
    missed: list[tuple[str, str]] = field(default_factory=list)

    def miss(self, kind: str, url: str, why: str = "") -> None:
        self.missed.append((kind, url))


@dataclass
class Records:
    """What earlier runs recorded, as a table (``state.history.History`` does it with a store)."""

    articles: dict[str, ArticleState] = field(default_factory=dict)
    comments: dict[str, dict[str, CommentState]] = field(default_factory=dict)
    listing_meta: dict[str, str] = field(default_factory=dict)
    frontier: dict[str, str] = field(default_factory=dict)
    given_up: dict[str, str] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    set_out_to: dict[str, str] = field(default_factory=dict)
    ended: dict[str, WalkOutcome] = field(default_factory=dict)
    walked: list[ListingWalk] = field(default_factory=list)

    def meta(self) -> dict[str, str]:
        return self.listing_meta

    def article_state(self, article_id: str) -> ArticleState | None:
        return self.articles.get(article_id)

    def comment_states(self, article_id: str) -> dict[str, CommentState]:
        return self.comments.get(article_id, {})

    def recorded_elsewhere(self, article_id: str, comment_ids: list[str]) -> dict[str, str]:
        return {}

    def unfinished(self, now: datetime) -> tuple[dict[str, str], dict[str, str]]:
        return self.frontier, self.given_up

    def threads_due(self, now: datetime, per_page: int) -> list[ArticleState]:
        return []

    def set_out(self, articles: dict[str, str], reached: str | None = None) -> None:
        self.set_out_to.update(articles)

    def walk_ended(self, article_id: str, outcome: WalkOutcome) -> None:
        self.ended[article_id] = outcome

    def absence_seen(self, article_id: str, at: str) -> None:
        pass

    def listing_walked(self, walk: ListingWalk, started: datetime) -> None:
        self.walked.append(walk)


@pytest.fixture(scope="module")
def view() -> View:
    """The replica ten days in: a hundred articles, most older than the revisit window."""
    world = build_world(60)
    return world.view(world.now(10))


@pytest.fixture(scope="module")
def quiet(view: View) -> View:
    """The same, with no "Обсуждаемое" sidebar: what is visited is what the listing lists."""
    return view.world.view(view.now, sidebar_size=0)


def settled_articles(view: View) -> list[SiteArticle]:
    """Articles past their last revisit (and a day more, so none falls due between runs)."""
    return [a for a in view.articles if a.published_at < view.now - PLAN.window - timedelta(days=2)]


def response(url: str, html: str, now: datetime, meta: dict[str, Any] | None = None) -> HtmlResponse:
    """The page as the site served it at ``now``, archived under a record id of its own."""
    return HtmlResponse(url, body=html.encode(), encoding="utf-8", headers={"Date": format_datetime(now.astimezone(UTC), usegmt=True)},
                        request=Request(url, meta={RECORD_ID_META: f"<urn:uuid:{url}>", **(meta or {})}))


def listing(view: View, number: int = 1) -> SitePage:
    articles = view.articles[(number - 1) * PER_LISTING_PAGE: number * PER_LISTING_PAGE]
    pages = -(-len(view.articles) // PER_LISTING_PAGE)
    html = render.listing_page(view, articles, "/news/", number, pages, "Новости")
    return SitePage(response(f"{BASE}/news/?page={number}" if number > 1 else f"{BASE}/news/", html, view.now))


def settled(view: View, article: SiteArticle, **changes: Any) -> ArticleState:
    """An article earlier runs recorded as the listing shows it, walked whole a day ago."""
    now, count = view.now, len(view.comments(article))
    day_ago = (now - timedelta(days=1)).isoformat()
    state = ArticleState(article.id, BASE + article.path, article.published_at.isoformat(), day_ago, day_ago, "h", 1,
                         10, count, count, walked_at=day_ago, live_comments=count)
    return replace(state, **changes)


def planner(records: Records | None = None, browser: Browser | None = None, **options: Any) -> Planner:
    return Planner(PLAN, stats(), browser or Browser(), records, per_page=COMMENTS_PER_PAGE, **options)


def recent_walks(view: View) -> dict[str, str]:
    """A complete run an hour ago, the whole listing walked yesterday: this run may stop early."""
    return {LAST_RUN_AT: (view.now - timedelta(hours=1)).isoformat(),
            FULL_WALK_AT: (view.now - timedelta(days=1)).isoformat()}


# --- the listing --------------------------------------------------------------------------------


def test_without_a_state_every_listed_article_is_new_and_the_walk_goes_on(view: View) -> None:
    plan = planner()
    fetches = plan.listing_page(listing(view))
    articles = [f for f in fetches if f.kind == "article"]
    assert [f.walk.article_id for f in articles[:PER_LISTING_PAGE]] == [a.id for a in view.articles[:PER_LISTING_PAGE]]
    assert fetches[-1] == Fetch(f"{BASE}/news/?page=2", "listing")
    assert plan.stats.get_value(statkeys.visit("new")) == len(articles)


@pytest.mark.parametrize(("case", "visits", "goes_on"), [
    ("all settled", {"skip": PER_LISTING_PAGE}, False),  # LISTING_STOP_AFTER_KNOWN settled in a row: stop
    ("one count moved", {"skip": PER_LISTING_PAGE - 1, "moved": 1}, True),
    ("one never seen", {"skip": PER_LISTING_PAGE - 1, "new": 1}, True),
])
def test_how_far_the_listing_is_walked_on_what_earlier_runs_recorded(
        quiet: View, case: str, visits: dict[str, int], goes_on: bool) -> None:
    view, old = quiet, settled_articles(quiet)
    page = SitePage(response(f"{BASE}/news/", render.listing_page(view, old[:PER_LISTING_PAGE], "/news/", 1, 3, "Новости"),
                             view.now))
    records = Records({a.id: settled(view, a) for a in old[:PER_LISTING_PAGE]}, listing_meta=recent_walks(view))
    changed = old[PER_LISTING_PAGE - 1]
    if case == "one count moved":
        records.articles[changed.id] = settled(view, changed, comments_count=0, live_comments=0)
    if case == "one never seen":
        del records.articles[changed.id]
    plan = planner(records)
    fetches = plan.listing_page(page)
    assert {kind: plan.stats.get_value(statkeys.visit(kind)) for kind in visits} == visits
    assert any(f.kind == "listing" for f in fetches) is goes_on
    assert changed.id in {f.walk.article_id for f in fetches if f.walk} or case == "all settled"
    assert records.set_out_to == {f.walk.article_id: f.url for f in fetches if f.kind == "article"}
    if not goes_on:
        assert plan.stats.get_value(statkeys.LISTING_STOPPED_AT) == page.url and records.walked


def test_a_moved_count_on_a_settled_thread_walked_lately_reads_only_its_new_pages(view: View) -> None:
    article = next(a for a in settled_articles(view) if len(view.comments(a)) > 3)
    records = Records({article.id: settled(view, article, comments_count=3, live_comments=3)},
                      listing_meta=recent_walks(view))
    page = SitePage(response(f"{BASE}/news/", render.listing_page(view, [article], "/news/", 1, 1, "Новости"), view.now))
    (fetch,) = [f for f in planner(records).listing_page(page) if f.walk and f.walk.article_id == article.id]
    assert fetch.walk.skip_until == 3


def test_after_a_gap_the_frontier_comes_first_and_what_failed_too_often_is_given_up(view: View) -> None:
    left, lost = view.articles[30], view.articles[31]
    records = Records(frontier={left.id: BASE + left.path}, given_up={lost.id: BASE + lost.path},
                      listing_meta={LAST_RUN_AT: (view.now - timedelta(days=5)).isoformat(),
                                    FULL_WALK_AT: (view.now - timedelta(days=5)).isoformat()})
    plan = planner(records)
    fetches = plan.listing_page(listing(view))
    assert (fetches[0].walk.article_id, fetches[0].priority) == (left.id, UNFINISHED_PRIORITY)
    assert lost.id not in {f.walk.article_id for f in fetches if f.walk}
    assert plan.stats.get_value(statkeys.FRONTIER_GIVEN_UP) == 1 and plan.stats.get_value(statkeys.visit("retry")) == 1
    assert "SIDEBAR_COVERS" in plan.stats.get_value(statkeys.LISTING_FULL_REASON)  # a gap: the whole listing is walked
    assert all(f.priority == ARTICLE_PRIORITY for f in fetches[1:] if f.kind == "article")


def test_a_failed_listing_page_leaves_the_walk_unfinished(view: View) -> None:
    records = Records()
    plan = planner(records)
    plan.listing_page(listing(view))
    plan.listing_failed(f"{BASE}/news/?page=2", HttpError(response(f"{BASE}/news/?page=2", "", view.now)), "500")
    assert plan.walk is not None and plan.walk.broken and not records.walked


# --- re-extraction's start and a walk of the archive -----------------------------------------------


def test_a_walk_of_the_archive_claims_no_deletion_and_follows_no_link(view: View) -> None:
    article = next(a for a in view.articles if len(view.comment_pages(a)) == 1 and view.comments(a)
                   and not a.js_comments and a.encoding == "utf-8")
    gone = CommentState("c-gone", article.id, 99, "h", 1, "", "")
    records = Records({article.id: settled(view, article)}, {article.id: {"c-gone": gone}})
    plan = planner(records, claims=False)
    (fetch,) = plan.archived({article.id: BASE + article.path})
    page = ArticlePage(response(fetch.url, render.article_page(view, article), view.now, fetch.meta))
    out = list(plan.article_page(page, fetch.walk))
    assert not [o for o in out if isinstance(o, Fetch)]  # no sidebar article, no second pass
    assert not [o for o in out if isinstance(o, Comment) and o.deleted]
    assert [o.article_id for o in out if isinstance(o, Article)] == [article.id]


# --- a thread's walk -------------------------------------------------------------------------------


def walk(view: View, article: SiteArticle, plan: Planner, skip_until: int | None = None) -> tuple[list[str], list[Any]]:
    """Walk the article's thread through the planner, page by page; the comment pages asked for, and
    everything the last page gave."""
    fetch = plan.article(BASE + article.path, article.id, skip_until=skip_until)
    page = ArticlePage(response(fetch.url, render.article_page(view, article), view.now, fetch.meta))
    out, asked = list(plan.article_page(page, fetch.walk)), []
    while nexts := [o for o in out if isinstance(o, Fetch) and o.walk is fetch.walk]:
        (step,) = nexts
        asked.append(step.url)
        number = int(step.url.rstrip("/").rsplit("/", 1)[1]) if step.kind == "comments" else 1
        html = render.comment_page(view, article, number) if step.kind == "comments" else render.article_page(view, article)
        page_class = CommentsPage if step.kind == "comments" else ArticlePage
        page = page_class(response(step.url, html, view.now, step.meta))
        out = list(plan.comments_page(page, step.walk) if step.kind == "comments" else plan.article_page(page, step.walk))
    return [url.rstrip("/").rsplit("/", 1)[1] for url in asked], out


@pytest.fixture(scope="module")
def long_thread(view: View) -> SiteArticle:
    return next(a for a in view.articles if len(view.comment_pages(a)) >= 5 and not a.js_comments
                and a.encoding == "utf-8")


def known_records(view: View, article: SiteArticle, known_pages: int) -> Records:
    pages = view.comment_pages(article)
    known = {c.comment_id: CommentState(c.comment_id, article.id, c.number, "h", 1, "", "")
             for page in pages[:known_pages] for c in page}
    return Records(comments={article.id: known})


def test_a_woken_thread_is_read_from_where_its_known_comments_end(view: View, long_thread: SiteArticle) -> None:
    known = 4 * COMMENTS_PER_PAGE
    asked, _ = walk(view, long_thread, planner(known_records(view, long_thread, 4)), skip_until=known)
    assert asked[0] == "4"  # pages 2 and 3 skipped


def test_a_walk_steps_back_while_the_first_comment_it_meets_is_unknown(view: View, long_thread: SiteArticle) -> None:
    """Comments above were deleted, so the ones earlier runs saw moved up: the page where the
    known comments should end starts with unknown ones, and the walk steps back page by page."""
    plan = planner(known_records(view, long_thread, 2))
    asked, _ = walk(view, long_thread, plan, skip_until=4 * COMMENTS_PER_PAGE)
    assert asked[:3] == ["4", "3", "2"] and plan.stats.get_value(statkeys.COMMENT_PAGES_STEPPED_BACK) == 2


def test_a_recorded_comment_missing_from_two_whole_walks_is_claimed_deleted(view: View, long_thread: SiteArticle) -> None:
    records = known_records(view, long_thread, 99)
    gone = CommentState("c-gone", long_thread.id, 1, "h", 1, "", "")
    records.comments[long_thread.id]["c-gone"] = gone
    plan = planner(records)
    asked, out = walk(view, long_thread, plan)
    pages = len(view.comment_pages(long_thread))
    assert asked.count(f"{pages}") == 2  # a second pass confirms the first
    (deleted,) = [o for o in out if isinstance(o, Comment) and o.deleted]
    assert deleted.comment_id == "c-gone" and deleted.removal == "gone" and deleted.deletion_evidence
    assert records.ended[long_thread.id].complete and plan.stats.get_value(statkeys.DELETIONS_CONFIRMED) == 1


def test_a_thread_with_an_unreadable_page_claims_nothing_and_stays_unfinished(view: View, long_thread: SiteArticle) -> None:
    records = known_records(view, long_thread, 99)
    records.attempts[long_thread.id] = 1  # an earlier run set out to finish it too
    plan = planner(records)
    fetch = plan.article(BASE + long_thread.path, long_thread.id)
    page = ArticlePage(response(fetch.url, render.article_page(view, long_thread), view.now, fetch.meta))
    (step,) = [o for o in plan.article_page(page, fetch.walk) if isinstance(o, Fetch) and o.walk is fetch.walk]
    out = list(plan.page_failed(step.walk, step.url, BrokenPage("cut short", "broken"), "cut short"))
    while nexts := [o for o in out if isinstance(o, Fetch) and o.walk is fetch.walk]:
        (step,) = nexts
        out = list(plan.page_failed(step.walk, step.url, BrokenPage("cut short", "broken"), "cut short"))
    assert not [o for o in out if isinstance(o, Comment) and o.deleted]
    assert records.ended[long_thread.id].failed
    assert plan.stats.get_value(statkeys.UNREADABLE_THREADS) == [fetch.url]


@pytest.mark.parametrize(("available", "rendered", "fetch_render", "missed"), [
    (True, False, True, []),  # rendered next
    (False, False, False, ["unavailable"]),  # no browser: listed for a later run, the walk goes on
    (True, True, False, ["failed"]),  # rendered, still no comments
])
def test_comments_only_javascript_shows(view: View, available: bool, rendered: bool, fetch_render: bool,
                                       missed: list[str]) -> None:
    article = next(a for a in view.articles if a.js_comments)
    browser = Browser(available)
    plan = planner(Records(), browser)
    fetch = plan.article(BASE + article.path, article.id)
    meta = {**fetch.meta, "playwright": True} if rendered else fetch.meta
    page = ArticlePage(response(fetch.url, render.article_page(view, article), view.now, meta))
    out = list(plan.article_page(page, fetch.walk))
    renders = [o for o in out if isinstance(o, Fetch) and o.render]
    assert bool(renders) is fetch_render and [kind for kind, _ in browser.missed] == missed


# --- what is counted -----------------------------------------------------------------------------


@pytest.mark.parametrize(("error", "kind"), [
    (BrokenPage("cut short"), "broken_page"),
    (Offsite("elsewhere"), "offsite"),
    (HttpError(HtmlResponse(f"{BASE}/x", status=404)), "404"),
    (IgnoreRequest("robots.txt"), "IgnoreRequest"),
    (TimeoutError(), "TimeoutError"),
])
def test_a_failure_is_counted_by_its_cause(error: BaseException, kind: str) -> None:
    plan = planner()
    plan.failed(f"{BASE}/x", error, "why")
    assert plan.stats.get_value(statkeys.failed(kind)) == 1 and plan.stats.get_value(statkeys.FAILED_URLS) == [f"{BASE}/x ({kind})"]


def test_an_article_page_with_fewer_views_than_recorded_is_refused_as_older(view: View) -> None:
    article = next(a for a in view.articles if not a.js_comments and a.encoding == "utf-8")
    records = Records({article.id: settled(view, article, views=10**9)})
    plan = planner(records)
    page = ArticlePage(response(BASE + article.path, render.article_page(view, article), view.now))
    refusal = plan.refusal(CommentWalk(article.id, BASE + article.path), page)
    assert refusal is not None and refusal.kind == "older"
    assert planner(records, claims=False).refusal(CommentWalk(article.id, BASE + article.path), page) is None


def test_the_plan_is_parsed_once_a_crawl() -> None:
    crawler = project_crawler()
    assert Plan.of(crawler) is Plan.of(crawler) and Plan.of(crawler) == PLAN
    assert Plan.of(project_crawler(overrides={"FULL_WALK_EVERY": "3d"})).full_every == timedelta(days=3)
