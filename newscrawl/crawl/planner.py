"""What to fetch next, and what a thread's walk claims when it ends: the crawl's decisions in one place.

The spider is the planner's adapter: it hands it the pages (``newscrawl.pages`` objects) and turns
its answers into requests (``Fetch``) and items. The planner reads earlier runs through
``Records`` (``state.history.History``; a test passes a table), counts what it decides in the
crawl's stats (``statkeys``), and asks the browser fallback (``fetch.browser.BrowserFallback``)
only whether there is a browser. So each decision is tested by tables of cases, without an engine
or a server: ``tests/crawl/test_planner.py``.

Its parts: the listing walk (``policy.ListingWalk``), the frontier and the threads due, the visit
of each listed article (``policy.visit``), each thread's walk (``commentwalk.CommentWalk``) and its
end (``walkend.conclude``: the deletions proved, the article's counter, the state's record).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from newscrawl import statkeys
from newscrawl.crawl.commentwalk import WALK_META, CommentWalk, Outcome, Refusal, WalkResult
from newscrawl.crawl.policy import (
    FULL_WALK_AT,
    LAST_RUN_AT,
    ListingWalk,
    RecordedArticle,
    Visit,
    is_settled,
    may_skip_comment_pages,
    parse_duration,
    parse_schedule,
    plan_walk,
    visit,
)
from newscrawl.crawl.walkend import RecordedComment, Thread, WalkOutcome, conclude
from newscrawl.extract.items import MODERATED, Article
from newscrawl.pages.claims import PageEvidence
from newscrawl.pages.site import ArticleLike
from newscrawl.urls import canonical_url

logger = logging.getLogger(__name__)

# Finish what is open before walking on: what earlier runs left first, then articles and their
# comments before the next listing page.
UNFINISHED_PRIORITY = 30
COMMENTS_PRIORITY = 20
ARTICLE_PRIORITY = 10


@dataclass(frozen=True)
class Plan:
    """The settings the crawl decides by, each parsed here and nowhere else (``History`` reads
    its own from here too); a wrong one stops the crawl at its start with one line."""

    schedule: tuple[timedelta, ...]  # REVISIT_AFTER
    full_every: timedelta  # FULL_WALK_EVERY
    sidebar_covers: timedelta
    stop_after: int  # LISTING_STOP_AFTER_KNOWN
    budget: int  # WHOLE_WALK_BUDGET
    absence_after: timedelta  # ABSENCE_CORROBORATED_AFTER
    moderation_watch: timedelta
    frontier_max_runs: int
    young_for: timedelta  # THREAD_YOUNG_FOR
    old_every: timedelta  # THREAD_WALK_EVERY_OLD
    thread_budget: int  # THREAD_WALK_BUDGET
    log_field_sources: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> Plan:
        return cls(
            schedule=tuple(parse_schedule(settings.get("REVISIT_AFTER"))),
            full_every=parse_duration(settings.get("FULL_WALK_EVERY")),
            sidebar_covers=parse_duration(settings.get("SIDEBAR_COVERS")),
            stop_after=settings.getint("LISTING_STOP_AFTER_KNOWN"),
            budget=settings.getint("WHOLE_WALK_BUDGET"),
            absence_after=parse_duration(settings.get("ABSENCE_CORROBORATED_AFTER")),
            moderation_watch=parse_duration(settings.get("MODERATION_WATCH")),
            frontier_max_runs=settings.getint("FRONTIER_MAX_RUNS"),
            young_for=parse_duration(settings.get("THREAD_YOUNG_FOR")),
            old_every=parse_duration(settings.get("THREAD_WALK_EVERY_OLD")),
            thread_budget=settings.getint("THREAD_WALK_BUDGET"),
            log_field_sources=settings.getbool("LOG_FIELD_SOURCES"))

    @classmethod
    def of(cls, crawler: Any) -> Plan:
        """The crawl's plan, parsed once for everything that decides by it (the spider, ``History``)."""
        if crawler not in _PLANS:
            _PLANS[crawler] = cls.from_settings(crawler.settings)
        return _PLANS[crawler]

    @property
    def window(self) -> timedelta:
        """How long an article stays alive: the last revisit of the schedule."""
        return max(self.schedule, default=timedelta(0))


_PLANS: WeakKeyDictionary[Any, Plan] = WeakKeyDictionary()  # by crawler


@dataclass(frozen=True)
class Fetch:
    """A page to fetch, read as ``kind`` ("listing", "article", "comments")."""

    url: str
    kind: str
    priority: int = 0
    walk: CommentWalk | None = None
    render: bool = False  # through the browser: its comments only JavaScript shows
    again: bool = False  # a page of a walk under way: the walk is its own, past the dupefilter

    @property
    def meta(self) -> dict[str, Any]:
        return {"page": self.kind, WALK_META: self.walk} if self.walk else {"page": self.kind}


class Records(Protocol):
    """What the planner reads and records of earlier runs (``state.history.History``)."""

    attempts: dict[str, int]

    def meta(self) -> dict[str, str]: ...
    def article_state(self, article_id: str) -> RecordedArticle | None: ...
    def comment_states(self, article_id: str) -> Mapping[str, RecordedComment]: ...
    def recorded_elsewhere(self, article_id: str, comment_ids: list[str]) -> dict[str, str]: ...
    def unfinished(self, now: datetime) -> tuple[dict[str, str], dict[str, str]]: ...
    def threads_due(self, now: datetime, per_page: int) -> list[Any]: ...
    def set_out(self, articles: dict[str, str], reached: str | None = None) -> None: ...
    def walk_ended(self, article_id: str, outcome: WalkOutcome) -> None: ...
    def absence_seen(self, article_id: str, at: str) -> None: ...
    def listing_walked(self, walk: ListingWalk, started: datetime) -> None: ...


class Stats(Protocol):
    """Scrapy's stats collector, as the planner uses it."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...
    def set_value(self, key: str, value: Any) -> None: ...
    def get_value(self, key: str, default: Any = None) -> Any: ...


class Browser(Protocol):
    """Whether pages can be rendered, and where a page its comments need could not be."""

    available: bool

    def miss(self, kind: str, url: str, why: str = "") -> None: ...


class Planner:
    """One run's decisions. ``records`` None: no state, every run a full one. ``claims`` False: a
    walk of the archive (re-extraction), which proves nothing of the site and follows no link."""

    def __init__(self, plan: Plan, stats: Stats, browser: Browser, records: Records | None = None, *,
                 per_page: int, full: bool = False, force: bool = False, claims: bool = True) -> None:
        self.plan, self.stats, self.browser, self.records = plan, stats, browser, records
        self.per_page = per_page  # the site's page size today: the thread-walk budget's estimate
        self.full, self.force, self.claims = full, force, claims
        self.requested: set[str] = set()  # article ids: one visit per run, whatever URL led to it
        self.listed: dict[str, int] = {}  # article id → the comment count a listing or the sidebar showed
        self.walk: ListingWalk | None = None

    @staticmethod
    def walk_of(meta: Mapping[str, Any]) -> CommentWalk | None:
        return meta.get(WALK_META)

    def listing(self, url: str) -> Fetch:
        return Fetch(canonical_url(url), "listing")

    def article(self, url: str, article_id: str, priority: int = ARTICLE_PRIORITY, skip_until: int | None = None,
                canonical: bool = True) -> Fetch:
        """An article page, the first of its thread's walk (an archived URL is kept as archived)."""
        url = canonical_url(url) if canonical else url
        return Fetch(url, "article", priority, CommentWalk(article_id, url, skip_until))

    def archived(self, articles: Mapping[str, str]) -> list[Fetch]:
        """Re-extraction's start: every archived article page (id → URL), walked again."""
        self.stats.set_value(statkeys.LISTED_ARTICLES, len(articles))
        return [self.article(url, article_id, canonical=False) for article_id, url in sorted(articles.items())]

    # --- the listing ------------------------------------------------------------------------------

    def listing_page(self, page: Any) -> list[Fetch]:
        """A listing page: the articles to fetch, then the next page while the walk goes on."""
        now = page.fetched_at
        fetches = [*self._unfinished(now), *self._threads_due(now)] if self.walk is None else []
        walk = self.walk = self.walk or self._plan_walk(now)
        walk.read()
        self.stats.inc_value(statkeys.LISTING_PAGES)
        listed = page.listed_articles()
        self.stats.inc_value(statkeys.LISTED_ARTICLES, len(listed))
        for link in listed:
            self._note_count(link)
            state = self._state(link.article_id)
            fetch = self._visit(link, now, state)
            if fetch:
                fetches.append(fetch)
            walk.see(link.article_id, fetch is None and is_settled(state, now, self.plan.window))
        fetches.extend(self._visit_all(page.discussed_articles(), now))
        was_deep = walk.deep
        after = walk.after(page.url, page.next_page_url())
        if self.records:  # how deep the head got; a spread whole walk keeps its own place
            reached = listed[-1].article_id if listed and walk.passed and after and not was_deep else None
            self.records.set_out(_destinations(fetches), reached)
        if after:
            if walk.deep and not was_deep and after == walk.resume_url:
                self.stats.set_value(statkeys.LISTING_RESUMED_FROM, after)
                logger.info("Going on with the whole listing walk from %s", after)
            return [*fetches, self.listing(after)]
        self._walk_ended(walk, page)
        return fetches

    def _walk_ended(self, walk: ListingWalk, page: Any) -> None:
        if not walk.reached_end:
            self.stats.set_value(statkeys.LISTING_STOPPED_AT, page.url)
        if walk.reached_end and page.pages_linked() > page.page_number():  # pagination the version misses
            self.stats.set_value(statkeys.LISTING_PAGINATION_UNREAD, page.url)
            walk.broken = True
        if walk.cut_at:
            self.stats.set_value(statkeys.LISTING_BUDGET_CUT_AT, walk.cut_at)
            logger.info("The whole listing walk stops at WHOLE_WALK_BUDGET (%d pages); the next run goes on from %s",
                        walk.budget, walk.cut_at)
        if self.records and not walk.broken:
            self.records.listing_walked(walk, datetime.fromisoformat(self.stats.get_value(statkeys.WALK_STARTED_AT)))

    def listing_failed(self, url: str, error: BaseException, message: str) -> None:
        """A listing page that failed for good: the walk stays unfinished, and the next run goes
        at least as deep as this one got (``History.set_out``)."""
        self.failed(url, error, message)
        self.stats.inc_value(statkeys.LISTING_FAILED)
        if self.walk is not None:
            self.walk.broken = True

    def _plan_walk(self, now: datetime) -> ListingWalk:
        meta = self.records.meta() if self.records else {}
        plan = self.plan
        walk = plan_walk(meta, now, stop_after=plan.stop_after, full=self.full, full_every=plan.full_every,
                         sidebar_covers=plan.sidebar_covers, budget=plan.budget)
        self.stats.set_value(statkeys.WALK_STARTED_AT, now.isoformat())
        self.stats.set_value(statkeys.LISTING_FULL_REASON, walk.full_reason)
        self.stats.set_value(statkeys.LISTING_LAST_RUN_AT, meta.get(LAST_RUN_AT))
        self.stats.set_value(statkeys.FULL_WALK_AT, meta.get(FULL_WALK_AT))
        if walk.full_reason:
            logger.info("Walking the whole listing: %s", walk.full_reason)
        return walk

    # --- the frontier and the visits ----------------------------------------------------------------

    def _unfinished(self, now: datetime) -> Iterator[Fetch]:
        """What earlier runs set out to fetch and did not finish, and partial walks now due."""
        if not self.records:
            return
        unfinished, given_up = self.records.unfinished(now)
        for article_id, url in given_up.items():
            self.stats.inc_value(statkeys.FRONTIER_GIVEN_UP)
            logger.warning("Gave up on article %s (%s): %d runs in a row could not finish it",
                           article_id, url, self.plan.frontier_max_runs)
        for article_id, url in unfinished.items():
            state = self.records.article_state(article_id)
            retry = state is None or state.walked_at is None or state.walked_at >= state.last_fetch
            self.stats.inc_value(statkeys.visit((Visit.RETRY if retry else Visit.RECHECK).value))
            self.requested.add(article_id)
            yield self.article(url, article_id, UNFINISHED_PRIORITY)

    def _threads_due(self, now: datetime) -> Iterator[Fetch]:
        """Threads whose last complete walk is older than their period: walked whole again, so
        that a thread read wrong once is read right in bounded time (``policy.threads_due``)."""
        for state in self.records.threads_due(now, self.per_page) if self.records else []:
            if state.article_id not in self.requested:
                self.requested.add(state.article_id)
                self.stats.inc_value(statkeys.visit(Visit.RECHECK.value))
                self.stats.inc_value(statkeys.THREADS_DUE)
                yield self.article(state.url, state.article_id)

    def _visit_all(self, links: list[Any], now: datetime) -> Iterator[Fetch]:
        if not self.claims:  # the archive's pages only
            return
        for link in links:
            self._note_count(link)
            if link.article_id not in self.requested:  # the sidebar repeats itself on every page
                fetch = self._visit(link, now, self._state(link.article_id))
                if fetch:
                    yield fetch

    def _note_count(self, link: Any) -> None:
        """What an absent thread's walk is checked against (``policy.absence_vouched``)."""
        if link.article_id and link.comments is not None:
            self.listed[link.article_id] = link.comments

    def _state(self, article_id: str | None) -> RecordedArticle | None:
        return self.records.article_state(article_id) if self.records and article_id else None

    def _visit(self, link: Any, now: datetime, state: RecordedArticle | None) -> Fetch | None:
        decision = visit(state, link.comments, now, list(self.plan.schedule), self.force) if self.records \
            else Visit.NEW
        self.stats.inc_value(statkeys.visit(decision.value))
        if decision is Visit.SKIP or link.article_id in self.requested:
            return None
        if link.article_id:
            self.requested.add(link.article_id)
        skip_until = None
        if (decision is Visit.MOVED and state and is_settled(state, now, self.plan.window)
                and may_skip_comment_pages(state, now, self.plan.full_every)):
            skip_until = state.live_comments if state.live_comments is not None else state.comments_count
        return self.article(link.url, link.article_id or "", skip_until=skip_until)

    # --- a thread's walk ----------------------------------------------------------------------------

    def refusal(self, walk: CommentWalk, page: Any) -> Refusal | None:
        """Whether a page is the page of the walk it was asked for (``CommentWalk.check``) and, for
        an article page of the site, not older than what the state holds (views never go down).
        Asked by ``fetch.middlewares.WholePages`` before the page reaches the spider."""
        evidence: PageEvidence = page.evidence()
        elsewhere = self.records.recorded_elsewhere(walk.article_id, [i for i, _ in evidence.comments]) \
            if self.records else {}
        refusal = walk.check(evidence, elsewhere)
        if refusal is None and self.records and self.claims and isinstance(page, ArticleLike):
            recorded = self.records.article_state(walk.article_id)
            views = page.article().views
            if recorded and recorded.views is not None and views is not None and views < recorded.views:
                refusal = Refusal("older", f"{views} views where {recorded.views} are recorded: an older page")
        return refusal

    def article_page(self, page: Any, walk: CommentWalk | None) -> Iterator[Any]:
        """An article page: its comments, the article once its thread is walked, the sidebar's
        articles. Without a walk (``scrapy parse``, a contract) the page is read on its own."""
        article = page.article()
        standalone = walk is None
        if walk is None:
            walk = CommentWalk(article.article_id or "", page.url)
            yield article
        first_read = walk.held is None
        if first_read:
            self._count_sources(article, page.sources)
            walk.started_at = page.fetched_at.isoformat()
        if not standalone:
            walk.held = article  # emitted when the walk ends; a walk again reads the page again
        yield from self._thread_page(page, walk)
        if first_read:
            sidebar = list(self._visit_all(page.discussed_articles(), page.fetched_at))
            if self.records:
                self.records.set_out(_destinations(sidebar))
            yield from sidebar

    def comments_page(self, page: Any, walk: CommentWalk | None) -> Iterator[Any]:
        """A comment page after the first (or the browser's rendering of one)."""
        if walk is None:  # one page on its own (scrapy parse): no walk, no deletions
            yield from page.comments()
            return
        yield from self._thread_page(page, walk)

    def _count_sources(self, article: Article, sources: dict[str, str]) -> None:
        for field_name, source in sources.items():
            self.stats.inc_value(statkeys.field_source(field_name, source))
        if self.plan.log_field_sources:
            logger.info("Article %s: %s", article.article_id,
                        "; ".join(f"{name} <- {source}" for name, source in sources.items()))

    def _thread_page(self, page: Any, walk: CommentWalk) -> Iterator[Any]:
        """Hand the walk what the page says (``refusal`` has checked it is the page asked for),
        emit its comments, and go on where the walk says."""
        if page.rendered:
            self.stats.inc_value(statkeys.BROWSER_PAGES)
        if page.needs_browser():
            if page.rendered:
                self.browser.miss("failed", page.url, "rendered, but no comments appeared")
            elif self.browser.available:
                yield Fetch(page.url, "comments", COMMENTS_PRIORITY, walk, render=True)
                return
            else:
                self.browser.miss("unavailable", page.url)
            walk.page_failed()
        else:
            known: Collection[str] = self.records.comment_states(walk.article_id) \
                if self.records and walk.skip_until else ()
            walk.read(page.evidence(), known)
            for comment in page.comments():
                if comment.removal == MODERATED:
                    walk.moderated.add(comment.comment_id or "")
                yield comment
        yield from self._walk_on(walk)

    def page_failed(self, walk: CommentWalk, url: str, error: BaseException, message: str,
                    rendered: bool = False) -> Iterator[Any]:
        """A comment page that could not be read or proved: walk on for new comments without
        deletion checks; the article stays unfinished, so the next run walks it again."""
        if rendered:
            self.browser.miss("failed", url, message)
        self.failed(url, error, message)
        self.stats.inc_value(statkeys.COMMENT_PAGES_FAILED)
        walk.page_failed(getattr(error, "kind", "unread"))
        yield from self._walk_on(walk)

    def article_failed(self, walk: CommentWalk | None, url: str, error: BaseException, message: str) -> None:
        """An article page that failed for good: it stays in the frontier for the next run."""
        self.failed(url, error, message)
        if walk is not None:
            self._unreadable_again(walk)

    def _walk_on(self, walk: CommentWalk) -> Iterator[Any]:
        """The walk's next page (page 1 again for a new pass), or its end: the deletions it
        proved, then the article it held."""
        walk.listed = self.listed.get(walk.article_id)
        url = walk.next_url(lambda: self._alive(walk.article_id))
        if url is not None:
            again = url == walk.url
            if again:
                self.stats.inc_value(statkeys.walk("passes_again"))
            yield Fetch(url, "article" if again else "comments", COMMENTS_PRIORITY, walk, again=True)
            return
        thread = self._thread(walk.article_id)
        end = conclude(walk, thread, absence_after=self.plan.absence_after,
                       moderation_watch=self.plan.moderation_watch)
        assert walk.result is not None
        self._count_walk(walk, walk.result)
        if end.counter_contradicted:
            self.stats.inc_value(statkeys.walk("counter_contradicted"))
        yield from end.deletions
        if self.records and end.absent_at:  # its counters say what its thread does not show: it waits
            self.records.absence_seen(walk.article_id, end.absent_at)
        if self.records and end.recorded:
            self.records.walk_ended(walk.article_id, end.recorded)
        if end.article is not None:
            yield end.article

    def _thread(self, article_id: str) -> Thread | None:
        """What the state says of the thread; None when the walk may claim nothing of the site."""
        if not self.records or not self.claims:
            return None
        state = self.records.article_state(article_id)
        return Thread(self.records.comment_states(article_id), getattr(state, "absent_since", None))

    def _alive(self, article_id: str) -> list[str]:
        if not self.records or not self.claims:  # a walk of the archive proves no deletion
            return []
        return [i for i, state in self.records.comment_states(article_id).items() if not state.deleted]

    # --- what is counted --------------------------------------------------------------------------

    def failed(self, url: str, error: BaseException, message: str) -> None:
        """Count a request that failed for good by why, list it, and say so in one line."""
        response = getattr(error, "response", None)
        kind = str(response.status) if response is not None else getattr(error, "cause", type(error).__name__)
        self.stats.inc_value(statkeys.failed(kind))
        statkeys.listed(self.stats, statkeys.FAILED_URLS, f"{url} ({kind})")
        logger.error("Gave up on %s (%s): %s", url, kind, message)

    def _count_walk(self, walk: CommentWalk, result: WalkResult) -> None:
        stats = self.stats
        stats.inc_value(statkeys.walk(result.outcome.value))
        for key, count in ((statkeys.COMMENT_PAGES_SKIPPED, sum(len(p.skipped) for p in walk.passes)),
                           (statkeys.COMMENT_PAGES_STEPPED_BACK, walk.stepped_back),
                           (statkeys.DELETIONS_SUSPECTED, len(walk.suspects or ())),
                           (statkeys.DELETIONS_CONFIRMED, len(result.deleted)),
                           (statkeys.DELETIONS_UNCONFIRMED, result.unconfirmed)):
            if count:
                stats.inc_value(key, count)
        if result.unconfirmed:
            logger.info("Article %s: %d comment(s) missing from one walk but not from the next: no deletion",
                        walk.article_id, result.unconfirmed)
        if result.outcome in (Outcome.UNEVEN, Outcome.UNCONFIRMED):
            logger.warning("Article %s: its comment walks did not add up (%s); no deletion claimed, "
                           "walked again by the next run", walk.article_id, result.outcome.value)
        if result.outcome is Outcome.ABSENT:
            stats.inc_value(statkeys.DELETIONS_WITHHELD, len(result.withheld))
            statkeys.listed(stats, statkeys.ABSENT_THREADS, walk.url)
            logger.warning("Article %s shows %d of its comments, %d recorded ones missing: no deletion claimed "
                           "until that holds for ABSENCE_CORROBORATED_AFTER and the listing agrees",
                           walk.article_id, result.live or 0, len(result.withheld))
        if not result.complete and result.outcome is not Outcome.PARTIAL:
            self._unreadable_again(walk)

    def _unreadable_again(self, walk: CommentWalk) -> None:
        """A thread this run could not read that an earlier run left unfinished too: named in the
        verdict whatever the error rate, so that no gap stays silent under it."""
        if self.records and self.records.attempts.get(walk.article_id):
            statkeys.listed(self.stats, statkeys.UNREADABLE_THREADS, walk.url)


def _destinations(fetches: list[Fetch]) -> dict[str, str]:
    """Article fetches by id: what a run sets out to fetch."""
    return {f.walk.article_id: f.url for f in fetches if f.walk and f.walk.article_id}
