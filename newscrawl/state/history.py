"""What earlier runs saw, as this run sees it: the state store, what this run has staged for it,
and the frontier of unfinished work. The spider asks it; the versioning pipeline records in it.

Contract, relied upon by every run that follows a killed one: the store moves on only in
``commit``, which first makes the export files durable (``ExportFiles.flush``: flush and fsync)
and then saves, in one transaction, the staged records, the articles that leave the frontier and
the files' sizes. So the store never records an item the files may not hold, and a run killed
at any point is cut back to the last checkpoint by the next (``runfolder.recover_killed_runs``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime

from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl import statkeys
from newscrawl.components import off_by_design
from newscrawl.crawl.planner import Plan
from newscrawl.crawl.policy import FULL_WALK_AT, WALK_REACHED, ListingWalk, threads_due
from newscrawl.crawl.walkend import WalkOutcome
from newscrawl.exports.feeds import ExportFiles, ExportsUnwritable
from newscrawl.layout import RunLayout
from newscrawl.state import signals as newscrawl_signals
from newscrawl.state.store import ArticleState, Batch, CommentState, StateStore, open_store

logger = logging.getLogger(__name__)
CACHED_THREADS = 512  # articles whose comment states are kept in memory: far more than a crawl walks at once


class History:
    def __init__(self, crawler: Crawler, store: StateStore) -> None:
        self.crawler = crawler
        self.store = store
        self.commit_every = crawler.settings.getint("STATE_COMMIT_EVERY")
        self.plan = Plan.of(crawler)
        self.staged_articles: dict[str, ArticleState] = {}
        self.staged_comments: dict[str, CommentState] = {}
        self.thread_cache: OrderedDict[str, dict[str, CommentState]] = OrderedDict()
        self.walks: dict[str, WalkOutcome] = {}
        self.done: list[str] = []  # articles leaving the frontier at the next commit
        self.rechecks: dict[str, tuple[str, str]] = {}  # partial walks: a complete one is due then
        self.walk_meta: dict[str, str | None] | None = None  # written by the last commit of a finished run
        self.last_offsets: dict[str, int] = {}  # the export sizes the store last recorded for this run
        self.remembered: dict[str, str | None] = {}  # facts a finished run leaves for the next (meta)
        self.attempts: dict[str, int] = {}  # frontier articles: the runs that set out to finish them, this one too
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> History:
        settings = crawler.settings
        if not settings.getbool("RUN_FOLDER_ENABLED") or not settings.get("STATE_URI"):
            raise off_by_design(__name__, "no state: every run is a full one")
        return cls(crawler, open_store(settings.get("STATE_URI")))

    # --- what the spider asks --------------------------------------------------------------------

    def article_state(self, article_id: str) -> ArticleState | None:
        return self.staged_articles.get(article_id) or self.store.article(article_id)

    def comment_states(self, article_id: str) -> dict[str, CommentState]:
        if article_id in self.thread_cache:
            self.thread_cache.move_to_end(article_id)
        else:
            self.thread_cache[article_id] = self.store.comments(article_id)
            if len(self.thread_cache) > CACHED_THREADS:
                self.thread_cache.popitem(last=False)
        return self.thread_cache[article_id]

    def owners(self, comment_ids: list[str]) -> dict[str, str]:
        """The article each comment is recorded under, staged records first."""
        found = self.store.owners([i for i in comment_ids if i not in self.staged_comments])
        found.update({i: self.staged_comments[i].article_id for i in comment_ids if i in self.staged_comments})
        return found

    def recorded_elsewhere(self, article_id: str, comment_ids: list[str]) -> dict[str, str]:
        """Of these comments, those recorded under another article than ``article_id``."""
        thread = self.comment_states(article_id)
        unknown = [i for i in comment_ids if i not in thread]
        return {i: owner for i, owner in self.owners(unknown).items() if owner != article_id} if unknown else {}

    def meta(self) -> dict[str, str]:
        return self.store.meta()

    def unfinished(self, now: datetime) -> tuple[dict[str, str], dict[str, str]]:
        """Articles (id → URL) an earlier run left open, or whose complete walk is due by now; and
        those given up on, which ``FRONTIER_MAX_RUNS`` runs in a row could not finish (an article
        the site deleted): they leave the frontier, so that they do not fail every run for ever."""
        due = {article_id: url for article_id, (url, when) in self.store.frontier().items() if when <= now.isoformat()}
        runs = self.store.count_attempts(list(due))
        self.attempts.update(runs)
        given_up = {article_id: url for article_id, url in due.items() if runs[article_id] > self.plan.frontier_max_runs}
        if given_up:
            self.store.save(Batch([], [], done=list(given_up)))
        return {a: url for a, url in due.items() if a not in given_up}, given_up

    def threads_due(self, now: datetime, per_page: int) -> list[ArticleState]:
        """Articles whose comment thread is due a complete walk (``policy.threads_due``)."""
        plan = self.plan
        if plan.thread_budget <= 0:
            return []
        before = now - min(plan.full_every, plan.old_every)
        candidates = self.store.least_recently_walked(before.isoformat(), plan.thread_budget)
        return threads_due(candidates, now, young_every=plan.full_every, old_every=plan.old_every,
                           young_for=plan.young_for, budget=plan.thread_budget, per_page=per_page)

    # --- the frontier ----------------------------------------------------------------------------

    def set_out(self, articles: dict[str, str], reached: str | None = None) -> None:
        """Record, before they are fetched, the articles a listing page sends the run to, and how
        deep the walk got: written at once, so a run killed after this is finished by the next."""
        if articles or reached:
            self.store.add_to_frontier(articles, {WALK_REACHED: reached} if reached else None)

    def walk_ended(self, article_id: str, outcome: WalkOutcome) -> None:
        """Called by the spider before it yields the article whose comment walk ended."""
        self.walks[article_id] = outcome

    def absence_seen(self, article_id: str, at: str) -> None:
        """A complete walk found most of the thread gone (``Outcome.ABSENT``): when it was first so
        is kept, for a later walk to tell how long it has held (``policy.absence_vouched``); a
        complete walk clears it (``stage_article``). The article stays in the frontier."""
        state = self.article_state(article_id)
        if state is not None and state.absent_since is None:
            self.staged_articles[article_id] = replace(state, absent_since=at)
            self._maybe_commit()

    def remember(self, meta: dict[str, str | None]) -> None:
        """Facts for later runs, saved with the last commit of a run that finished."""
        self.remembered.update(meta)

    def listing_walked(self, walk: ListingWalk, started: datetime) -> None:
        """The listing walk ended by its own rule: once the run finishes, later walks may rely on it."""
        self.walk_meta = walk.meta_after(started.isoformat())

    # --- recording -------------------------------------------------------------------------------

    def stage_article(self, state: ArticleState) -> None:
        """Its comments are exported (or unchanged) by now: see VersioningPipeline."""
        walk = self.walks.pop(state.article_id, None)
        previous = self.article_state(state.article_id)
        if walk is not None and walk.complete:
            state = replace(state, walked_at=walk.at, absent_since=None)
        elif state.walked_at is None:
            state = replace(state, walked_at=previous.walked_at if previous else None)
        live = walk.live if walk is not None and walk.live is not None else previous.live_comments if previous else None
        state = replace(state, live_comments=live)
        if walk is not None and not walk.failed:
            self.done.append(state.article_id)
            if not walk.complete:  # pages were skipped on purpose: walk them all in time
                due = datetime.fromisoformat(state.walked_at or walk.at) + self.plan.full_every
                self.rechecks[state.article_id] = (walk.url, due.isoformat())
            if walk.recheck_at:
                self.rechecks[state.article_id] = (walk.url, min(walk.recheck_at, self.rechecks.get(
                    state.article_id, ("", walk.recheck_at))[1]))
        self.staged_articles[state.article_id] = state
        self._maybe_commit()

    def stage_comment(self, state: CommentState) -> None:
        self.staged_comments[state.comment_id] = state
        self.comment_states(state.article_id)[state.comment_id] = state
        self._maybe_commit()

    def _maybe_commit(self) -> None:
        if len(self.staged_articles) + len(self.staged_comments) >= self.commit_every:
            self.commit()

    def commit(self, meta: dict[str, str | None] | None = None, force: bool = False) -> None:
        """Make the exports durable, then save what they now hold (see the module's contract).
        ``force``: even with nothing staged (a shared crawl's worker, idle, releasing its leases)."""
        if not (self.staged_articles or self.staged_comments or self.done or self.rechecks or meta or force):
            return
        signals = self.crawler.signals
        signals.send_catch_log(newscrawl_signals.state_committing)
        files = self.crawler.get_extension(ExportFiles)
        try:
            offsets = files.flush() if files else {}
        except ExportsUnwritable:
            return  # nothing more is recorded: the next run redoes it
        # Keyed by run id (and the files by name), not by path: a folder copied to another machine
        # before its recovery is still cut back to what was committed (``runfolder.checkpoint_of``).
        run = RunLayout.of_spider(self.crawler.spider).folder.name
        self.store.save(Batch(list(self.staged_articles.values()), list(self.staged_comments.values()),
                              checkpoint=(run, offsets), done=self.done, rechecks=self.rechecks, meta=meta))
        signals.send_catch_log(newscrawl_signals.state_committed)
        self.last_offsets = offsets
        self.crawler.stats.inc_value(statkeys.STATE_COMMITS)
        self.staged_articles.clear()
        self.staged_comments.clear()
        self.done, self.rechecks = [], {}

    def spider_closed(self, reason: str) -> None:
        """The last commit; a run that finished also records how far its walk was complete."""
        finished = reason == "finished" and self.walk_meta is not None
        self.commit({**self.walk_meta, **self.remembered} if finished and self.walk_meta is not None else None)
        stats = self.crawler.stats
        stats.set_value(statkeys.FRONTIER_LEFT, len(self.store.frontier()))
        meta = self.store.meta()
        if FULL_WALK_AT in meta:
            stats.set_value(statkeys.FULL_WALK_AT, meta[FULL_WALK_AT])
        self.store.close()
