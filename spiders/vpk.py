"""The ``vpk`` spider: listings, articles, their comment pages; what is new since the last run."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from newscrawl import statkeys
from newscrawl.crawl.commentwalk import WALK_META, CommentWalk, Outcome, WalkResult
from newscrawl.crawl.policy import (
    FULL_WALK_AT,
    LAST_RUN_AT,
    ListingWalk,
    Visit,
    is_settled,
    may_skip_comment_pages,
    parse_duration,
    parse_schedule,
    plan_walk,
    visit,
)
from newscrawl.crawl.walkend import Thread, conclude
from newscrawl.distributed.worker import seeded_start_url
from newscrawl.exports.archive import archived_pages
from newscrawl.extract.items import MODERATED, Article
from newscrawl.fetch.browser import browser_available, browser_request, missing_browser_message
from newscrawl.fetch.middlewares import BrokenPage, Offsite
from newscrawl.monitoring.reporting import UnparsedValues
from newscrawl.pages.html import fetched_at
from newscrawl.pages.vpk import (
    COMMENTS_PER_PAGE,
    COMMENTS_RENDERED,
    SPIDER,
    START_URL,
    ArticleLink,
    ArticlePage,
    CommentsPage,
    SitePage,
    article_id_from_url,
    page_kind,
    read_page,
)
from newscrawl.state.history import History
from newscrawl.state.store import ArticleState
from newscrawl.urls import canonical_url

# Finish what is open before walking on: what earlier runs left first, then articles and their
# comments before the next listing page.
UNFINISHED_PRIORITY = 30
ARTICLE_PRIORITY = 10
COMMENTS_PRIORITY = 20


@dataclass(frozen=True)
class Arguments:
    """The spider's ``-a`` arguments, read strictly: a typo is an error, not a default."""

    start_url: str = START_URL
    run_id: str | None = None
    full: bool = False
    force: bool = False
    rebuild_state: bool = False  # read by the crawl command before the crawl starts

    @classmethod
    def read(cls, raw: dict[str, Any]) -> Arguments:
        """Raises ValueError with a one-line message naming what is accepted."""
        raw = dict(raw)
        job = raw.pop("_job", None)  # scrapyd's job id names the run
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown spider argument(s) {', '.join(unknown)}; accepted: "
                             f"{', '.join(cls.__dataclass_fields__)}")
        flags = {name: _flag(name, raw[name]) for name in ("full", "force", "rebuild_state") if name in raw}
        start_url = raw.get("start_url", START_URL)
        parts = urlsplit(start_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"start_url={start_url!r} is not an http(s) URL")
        run_id = raw.get("run_id") or job
        if run_id is not None and (not run_id.strip() or "/" in run_id or run_id.startswith(".")):
            raise ValueError(f"run_id={run_id!r} cannot name a folder")
        return cls(start_url=start_url, run_id=run_id, **flags)


def _flag(name: str, value: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false"):
        return False
    raise ValueError(f"{name}={value!r}: expected 1 or 0")


def new_run_id() -> str:
    """The UTC start time, and a random part: two runs started in the same second still differ."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class VpkSpider(scrapy.Spider):
    """Walks the news listing newest first, each article on it, and each article's comment pages.

    With the state (on by default) a run fetches what can have changed since the last one: what
    earlier runs left unfinished, new articles, articles whose comment count moved on a listing
    or in the sidebar, and articles due for a revisit (REVISIT_AFTER). How far the listing is
    walked is decided in ``newscrawl.crawl.policy``.

    Arguments (``-a name=value``):
      start_url        the listing to start from (default: the real site's news listing);
                       the crawl stays on its host.
      run_id           names the run's export folder (default: scrapyd's job id, else the UTC
                       time and a random part).
      full=1           walk the whole listing (still fetching only what may have changed).
      force=1          fetch every article and comment page, whatever the state says.
      rebuild_state=1  rebuild a lost state from the exports before crawling.
    """

    name = SPIDER

    def __init__(self, **kwargs: Any) -> None:
        args = Arguments.read(kwargs)
        super().__init__()
        self.start_url = args.start_url
        self.allowed_domains = [urlsplit(args.start_url).hostname or ""]
        self.run_id = args.run_id or new_run_id()
        self.full = args.full
        self.force = args.force

    @classmethod
    def read_arguments(cls, raw: dict[str, Any]) -> Arguments:
        """What the crawl command checks before a run starts (a run id chosen now names its folder)."""
        args = Arguments.read(raw)
        return args if args.run_id else replace(args, run_id=new_run_id())

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VpkSpider:
        settings = crawler.settings
        if settings.get("REDIS_URL") and "start_url" not in kwargs:  # a worker: the seeded crawl's
            kwargs["start_url"] = seeded_start_url(settings, cls.name) or START_URL
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.unparsed = UnparsedValues(crawler, spider.logger)
        spider.browser_ok = browser_available(settings)
        spider.browser_warned = False
        spider.schedule = parse_schedule(settings.get("REVISIT_AFTER"))
        spider.window = max(spider.schedule, default=parse_duration("0s"))
        spider.full_every = parse_duration(settings.get("FULL_WALK_EVERY"))
        spider.history = None  # set in start(): extensions exist only once the crawl starts
        spider.reextracting = bool(settings.get("REEXTRACT_RUNS"))
        if spider.reextracting:  # the archive's pages, on whatever host they were fetched from
            spider.archived = archived_pages(settings)  # of its part's articles, for one worker of several
            spider.allowed_domains = sorted({urlsplit(url).hostname or "" for url, _ in spider.archived})
        spider.requested = set()  # article ids: one visit per run, whatever URL led to it
        spider.listed = {}  # article id → the comment count a listing or the sidebar showed
        spider.absence_after = parse_duration(settings.get("ABSENCE_CORROBORATED_AFTER"))
        spider.moderation_watch = parse_duration(settings.get("MODERATION_WATCH"))
        spider.walk = None
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.history = self.crawler.get_extension(History)  # None: no state, every run is a full one
        if self.reextracting:
            for request in self._archived_articles():
                yield request
            return
        yield scrapy.Request(canonical_url(self.start_url), callback=self.parse_listing,
                             errback=self.listing_failed, meta={"page": "listing"})

    def _archived_articles(self) -> list[scrapy.Request]:
        """Re-extraction: every article page in the archive of the chosen runs, each walked again
        through its archived comment pages (``ArchiveDownloadHandler`` answers)."""
        urls: dict[str, str] = {}
        for url, rendered in self.archived:
            article_id = article_id_from_url(url)
            if article_id and not rendered and urlsplit(url).path.endswith(".html"):
                urls[article_id] = url
        self.crawler.stats.set_value(statkeys.LISTED_ARTICLES, len(urls))
        return [self._article_request(url, article_id, ARTICLE_PRIORITY, canonical=False)
                for article_id, url in sorted(urls.items())]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A page reached without a callback (``scrapy parse URL``): read as what its URL says it is."""
        kind = page_kind(response.url)
        if kind is None:
            raise ValueError(f"{response.url} is no listing, article or comment page; pass -c")
        callback = {"listing": self.parse_listing, "article": self.parse_article, "comments": self.parse_comments}
        yield from callback[kind](response)

    # --- listings and the sidebar ----------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A listing page: the articles to fetch, and the next page while the walk goes on.

        @page /news/
        @returns requests 1
        @returns items 0 0
        """
        page = read_page(SitePage, response)
        now = fetched_at(response)
        requests = [*self._unfinished(now), *self._threads_due(now)] if self.walk is None else []
        walk = self.walk = self.walk or self._plan_walk(now)
        walk.read()
        stats = self.crawler.stats
        stats.inc_value(statkeys.LISTING_PAGES)
        listed = page.listed_articles()
        stats.inc_value(statkeys.LISTED_ARTICLES, len(listed))
        for link in listed:
            self._note_count(link)
            state = self._state(link)
            request = self._visit(link, now, state)
            if request:
                requests.append(request)
            walk.see(link.article_id, request is None and is_settled(state, now, self.window))
        requests.extend(self._visit_all(page.discussed_articles(), now))
        was_deep = walk.deep
        after = walk.after(response.url, page.next_page_url())
        if self.history:  # how deep the head got; a spread whole walk keeps its own place
            reached = listed[-1].article_id if listed and walk.passed and after and not was_deep else None
            self.history.set_out(_destinations(requests), reached)
        yield from requests
        if after:
            if walk.deep and not was_deep and after == walk.resume_url:
                stats.set_value(statkeys.LISTING_RESUMED_FROM, after)
                self.logger.info("Going on with the whole listing walk from %s", after)
            yield scrapy.Request(canonical_url(after), callback=self.parse_listing,
                                 errback=self.listing_failed, meta={"page": "listing"})
            return
        if not walk.reached_end:
            stats.set_value(statkeys.LISTING_STOPPED_AT, response.url)
        if walk.reached_end and page.pages_linked() > page.page_number():  # pagination the version misses
            stats.set_value(statkeys.LISTING_PAGINATION_UNREAD, response.url)
            walk.broken = True
        if walk.cut_at:
            stats.set_value(statkeys.LISTING_BUDGET_CUT_AT, walk.cut_at)
            self.logger.info("The whole listing walk stops at WHOLE_WALK_BUDGET (%d pages); the next run goes on from %s",
                             walk.budget, walk.cut_at)
        if self.history and not walk.broken:
            self.history.listing_walked(walk, datetime.fromisoformat(stats.get_value(statkeys.WALK_STARTED_AT)))

    def listing_failed(self, failure: Failure) -> None:
        """A listing page that failed for good: the walk stays unfinished, and the next run goes
        at least as deep as this one got (``History.set_out``)."""
        self._failed(failure)
        self.crawler.stats.inc_value(statkeys.LISTING_FAILED)
        if self.walk is not None:
            self.walk.broken = True

    def article_failed(self, failure: Failure) -> None:
        """An article page that failed for good: it stays in the frontier for the next run."""
        self._failed(failure)
        walk: CommentWalk | None = failure.request.meta.get(WALK_META)
        if walk is not None:
            self._unreadable_again(walk)

    def _failed(self, failure: Failure) -> None:
        """Count a request that failed for good by why, list it, and say so in one line."""
        error = failure.value
        response = getattr(error, "response", None)
        kind = str(response.status) if response is not None else {
            BrokenPage: "broken_page", Offsite: "offsite"}.get(type(error), type(error).__name__)
        stats = self.crawler.stats
        stats.inc_value(statkeys.failed(kind))
        statkeys.listed(stats, statkeys.FAILED_URLS, f"{failure.request.url} ({kind})")
        self.logger.error("Gave up on %s (%s): %s", failure.request.url, kind, failure.getErrorMessage())

    def _plan_walk(self, now: datetime) -> ListingWalk:
        settings, stats = self.settings, self.crawler.stats
        meta = self.history.meta() if self.history else {}
        walk = plan_walk(meta, now, stop_after=settings.getint("LISTING_STOP_AFTER_KNOWN"),
                         full=self.full, full_every=self.full_every,
                         sidebar_covers=parse_duration(settings.get("SIDEBAR_COVERS")),
                         budget=settings.getint("WHOLE_WALK_BUDGET"))
        stats.set_value(statkeys.WALK_STARTED_AT, now.isoformat())
        stats.set_value(statkeys.LISTING_FULL_REASON, walk.full_reason)
        stats.set_value(statkeys.LISTING_LAST_RUN_AT, meta.get(LAST_RUN_AT))
        stats.set_value(statkeys.FULL_WALK_AT, meta.get(FULL_WALK_AT))
        if walk.full_reason:
            self.logger.info("Walking the whole listing: %s", walk.full_reason)
        return walk

    def _unfinished(self, now: datetime) -> Iterator[scrapy.Request]:
        """What earlier runs set out to fetch and did not finish, and partial walks now due."""
        if not self.history:
            return
        unfinished, given_up = self.history.unfinished(now)
        for article_id, url in given_up.items():
            self.crawler.stats.inc_value(statkeys.FRONTIER_GIVEN_UP)
            self.logger.warning("Gave up on article %s (%s): %d runs in a row could not finish it",
                                article_id, url, self.settings.getint("FRONTIER_MAX_RUNS"))
        for article_id, url in unfinished.items():
            state = self.history.article_state(article_id)
            decision = Visit.RETRY if state is None or state.walked_at is None or state.walked_at >= state.last_fetch \
                else Visit.RECHECK
            self.crawler.stats.inc_value(statkeys.visit(decision.value))
            self.requested.add(article_id)
            yield self._article_request(url, article_id, UNFINISHED_PRIORITY)

    def _threads_due(self, now: datetime) -> Iterator[scrapy.Request]:
        """Threads whose last complete walk is older than their period: walked whole again, so
        that a thread read wrong once is read right in bounded time (``policy.threads_due``)."""
        for state in self.history.threads_due(now, COMMENTS_PER_PAGE) if self.history else []:
            if state.article_id not in self.requested:
                self.requested.add(state.article_id)
                self.crawler.stats.inc_value(statkeys.visit(Visit.RECHECK.value))
                self.crawler.stats.inc_value(statkeys.THREADS_DUE)
                yield self._article_request(state.url, state.article_id, ARTICLE_PRIORITY)

    def _visit_all(self, links: list[ArticleLink], now: datetime) -> Iterator[scrapy.Request]:
        if self.reextracting:  # the archive's pages only
            return
        for link in links:
            self._note_count(link)
            if link.article_id not in self.requested:  # the sidebar repeats itself on every page
                request = self._visit(link, now, self._state(link))
                if request:
                    yield request

    def _note_count(self, link: ArticleLink) -> None:
        """What an absent thread's walk is checked against (``policy.absence_vouched``)."""
        if link.article_id and link.comments is not None:
            self.listed[link.article_id] = link.comments

    def _state(self, link: ArticleLink) -> ArticleState | None:
        return self.history.article_state(link.article_id) if self.history and link.article_id else None

    def _visit(self, link: ArticleLink, now: datetime, state: ArticleState | None) -> scrapy.Request | None:
        decision = visit(state, link.comments, now, self.schedule, self.force) if self.history else Visit.NEW
        self.crawler.stats.inc_value(statkeys.visit(decision.value))
        if decision is Visit.SKIP or link.article_id in self.requested:
            return None
        if link.article_id:
            self.requested.add(link.article_id)
        skip_until = None
        if (decision is Visit.MOVED and state and is_settled(state, now, self.window)
                and may_skip_comment_pages(state, now, self.full_every)):
            skip_until = state.live_comments if state.live_comments is not None else state.comments_count
        return self._article_request(link.url, link.article_id or "", ARTICLE_PRIORITY, skip_until)

    def _article_request(self, url: str, article_id: str, priority: int,
                         skip_until: int | None = None, canonical: bool = True) -> scrapy.Request:
        url = canonical_url(url) if canonical else url
        walk = CommentWalk(article_id or article_id_from_url(url) or "", url, skip_until)
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed, priority=priority,
                              meta={WALK_META: walk, "page": "article"})

    # --- articles and their comment pages ---------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: its comments, the article once its comment pages are walked, and the
        sidebar's articles.

        @page /news/232118_azerbajdzhan_derzhit_kurs_na_odkb.html
        @returns items 2
        @fields article article_id url title published_at section body views comments_count
        @fields comment article_id comment_id number author posted_at text page_url
        """
        page = read_page(ArticlePage, response, self.unparsed)
        article = page.article()
        walk: CommentWalk | None = response.meta.get(WALK_META)
        standalone = walk is None  # one page on its own (scrapy parse, a contract): no walk to wait for
        if walk is None:
            walk = CommentWalk(article.article_id or "", response.url)
            yield article
        first_read = walk.held is None
        if first_read:
            self._count_sources(article, page.sources)
            walk.started_at = fetched_at(response).isoformat()
        if not standalone:
            walk.held = article  # emitted when the walk ends; a walk again reads the page again
        yield from self._comment_page(page, walk)
        if first_read:
            sidebar = list(self._visit_all(page.discussed_articles(), fetched_at(response)))
            if self.history:
                self.history.set_out(_destinations(sidebar))
            yield from sidebar

    def _count_sources(self, article: Article, sources: dict[str, str]) -> None:
        stats = self.crawler.stats
        for field_name, source in sources.items():
            stats.inc_value(statkeys.field_source(field_name, source))
        if self.settings.getbool("LOG_FIELD_SOURCES"):
            self.logger.info("Article %s: %s", article.article_id,
                             "; ".join(f"{name} <- {source}" for name, source in sources.items()))

    def parse_comments(self, response: Response) -> Iterator[Any]:
        """A comment page after the first (or the browser's rendering of one): its comments.

        @page /news/232149_uralvagonzavod_ispytaet_novye_istrebiteli_su/comments/2/
        @returns items 1
        @fields comment article_id comment_id number author posted_at text page_url
        """
        page = read_page(CommentsPage, response, self.unparsed)
        walk: CommentWalk | None = response.meta.get(WALK_META)
        if walk is None:  # one page on its own (scrapy parse): no walk, no deletions
            yield from page.comments()
            return
        yield from self._comment_page(page, walk)

    def _comment_page(self, page: CommentsPage, walk: CommentWalk) -> Iterator[Any]:
        """Hand the walk what the page says (the middleware has checked it is the page asked
        for), emit its comments, and go on where the walk says."""
        rendered = page.response.meta.get("playwright", False)
        if rendered:
            self.crawler.stats.inc_value(statkeys.BROWSER_PAGES)
        if page.needs_browser():
            if rendered:
                self._browser_miss("failed", page.response.url, "rendered, but no comments appeared")
            elif self.browser_ok:
                yield browser_request(page.response.url, COMMENTS_RENDERED, self.settings,
                                      callback=self.parse_comments, errback=self.comment_page_failed,
                                      priority=COMMENTS_PRIORITY, meta={WALK_META: walk, "page": "comments"})
                return
            else:
                self._browser_unavailable(page.response.url)
            walk.page_failed()
        else:
            known = self.history.comment_states(walk.article_id) if self.history and walk.skip_until else {}
            walk.read(page.evidence(), known)
            for comment in page.comments():
                if comment.removal == MODERATED:
                    walk.moderated.add(comment.comment_id or "")
                yield comment
        yield from self._walk_on(walk)

    def _walk_on(self, walk: CommentWalk) -> Iterator[Any]:
        """The walk's next page (page 1 again for a new pass), or its end: the deletions it
        proved, then the article it held."""
        walk.listed = self.listed.get(walk.article_id)
        url = walk.next_url(lambda: self._alive(walk.article_id))
        if url is not None:
            again = url == walk.url
            if again:
                self.crawler.stats.inc_value(statkeys.walk("passes_again"))
            yield scrapy.Request(url, callback=self.parse_article if again else self.parse_comments,
                                 errback=self.comment_page_failed, priority=COMMENTS_PRIORITY,
                                 meta={WALK_META: walk, "page": "article" if again else "comments"},
                                 dont_filter=True)  # the walk is this article's own (Politeness keeps it on the host)
            return
        end = conclude(walk, self._thread(walk), absence_after=self.absence_after,
                       moderation_watch=self.moderation_watch)
        assert walk.result is not None
        self._count_walk(walk, walk.result)
        if end.counter_contradicted:
            self.crawler.stats.inc_value(statkeys.walk("counter_contradicted"))
        yield from end.deletions
        if end.absent_at and self.history:  # its counters say what its thread does not show: it waits
            self.history.absence_seen(walk.article_id, end.absent_at)
        if end.recorded and self.history:
            self.history.walk_ended(walk.article_id, end.recorded)
        if end.article is not None:
            yield end.article

    def _thread(self, walk: CommentWalk) -> Thread | None:
        """What the state says of the walk's thread; None when the walk may claim nothing of the
        site (no state, or a walk of the archive)."""
        if not self.history or self.reextracting:
            return None
        state = self.history.article_state(walk.article_id)
        return Thread(self.history.comment_states(walk.article_id), state.absent_since if state else None)

    def _alive(self, article_id: str) -> list[str]:
        if not self.history or self.reextracting:  # a walk of the archive proves no deletion
            return []
        return [i for i, state in self.history.comment_states(article_id).items() if not state.deleted]

    def _count_walk(self, walk: CommentWalk, result: WalkResult) -> None:
        stats = self.crawler.stats
        stats.inc_value(statkeys.walk(result.outcome.value))
        skipped = sum(len(p.skipped) for p in walk.passes)
        if skipped:
            stats.inc_value(statkeys.COMMENT_PAGES_SKIPPED, skipped)
        if walk.stepped_back:
            stats.inc_value(statkeys.COMMENT_PAGES_STEPPED_BACK, walk.stepped_back)
        if walk.suspects:
            stats.inc_value(statkeys.DELETIONS_SUSPECTED, len(walk.suspects))
        if result.deleted:
            stats.inc_value(statkeys.DELETIONS_CONFIRMED, len(result.deleted))
        if result.unconfirmed:
            stats.inc_value(statkeys.DELETIONS_UNCONFIRMED, result.unconfirmed)
            self.logger.info("Article %s: %d comment(s) missing from one walk but not from the next: no deletion",
                             walk.article_id, result.unconfirmed)
        if result.outcome in (Outcome.UNEVEN, Outcome.UNCONFIRMED):
            self.logger.warning("Article %s: its comment walks did not add up (%s); no deletion claimed, "
                                "walked again by the next run", walk.article_id, result.outcome.value)
        if result.outcome is Outcome.ABSENT:
            stats.inc_value(statkeys.DELETIONS_WITHHELD, len(result.withheld))
            statkeys.listed(stats, statkeys.ABSENT_THREADS, walk.url)
            self.logger.warning("Article %s shows %d of its comments, %d recorded ones missing: no deletion "
                                "claimed until that holds for ABSENCE_CORROBORATED_AFTER and the listing agrees",
                                walk.article_id, result.live or 0, len(result.withheld))
        if not result.complete and result.outcome is not Outcome.PARTIAL:
            self._unreadable_again(walk)

    def _unreadable_again(self, walk: CommentWalk) -> None:
        """A thread this run could not read that an earlier run left unfinished too: named in the
        verdict whatever the error rate, so that no gap stays silent under it."""
        if self.history and self.history.attempts.get(walk.article_id):
            statkeys.listed(self.crawler.stats, statkeys.UNREADABLE_THREADS, walk.url)

    def comment_page_failed(self, failure: Failure) -> Iterator[Any]:
        """A comment page that could not be read or proved: note it, and walk on for new comments
        without deletion checks; the article stays unfinished, so the next run walks it again."""
        request = failure.request
        if request.meta.get("playwright"):
            self._browser_miss("failed", request.url, failure.getErrorMessage())
        self._failed(failure)
        self.crawler.stats.inc_value(statkeys.COMMENT_PAGES_FAILED)
        walk: CommentWalk = request.meta[WALK_META]
        walk.page_failed(getattr(failure.value, "kind", "unread"))
        yield from self._walk_on(walk)

    # --- the browser, when there is none -----------------------------------------------------------

    def _browser_unavailable(self, url: str) -> None:
        if not self.browser_warned:
            self.browser_warned = True
            self.logger.error(missing_browser_message(self.settings))
        self._browser_miss("unavailable", url)

    def _browser_miss(self, kind: str, url: str, why: str = "") -> None:
        """Count a page whose comments could not be read, and list it for the next run."""
        stats = self.crawler.stats
        stats.inc_value(statkeys.browser_miss(kind))
        key = statkeys.browser_miss_urls(kind)
        stats.set_value(key, [*stats.get_value(key, []), url])
        if why:
            self.logger.error("Browser could not read comments on %s: %s", url, why)


def _destinations(requests: list[scrapy.Request]) -> dict[str, str]:
    """Article requests by id: what a run sets out to fetch."""
    return {r.meta[WALK_META].article_id: r.url for r in requests
            if r.meta.get(WALK_META) and r.meta[WALK_META].article_id}
