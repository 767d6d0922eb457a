"""One article's comment walk, as evidence: told what each page said, it answers which page to
fetch next, whether a page is the one asked for, and what the walk proves when it ends.

Pure, like ``policy``: no Scrapy, no state store. The spider is its adapter (it fetches what the
walk asks for and hands it what the pages say); the ``WholePages`` middleware asks ``check``
before a page reaches the spider, so that a page that is not what it claims is retried like any
broken page and, still broken, fails.

What a walk may claim, and on what evidence:
- The site's habits are read from its pages, not assumed: page 1 tells the walk how many
  comments a page holds (its own, when it links other pages; they must hold the total it
  declares) and in which order (its numbers rising, oldest first, or falling, newest first).
  A site that changes either is followed from the next walk on.
- A page proves what it is: every claim on it of whose thread it is names this article, its own
  page marker is the page asked for, it holds a full page (the last page the rest of the total),
  its comment numbers go in the thread's order and fall between those of the pages around it (the
  site keeps a comment's №N after deletions, so gaps are normal; going back or repeating is not),
  and none of its comments was met on another page of this pass or is recorded under another
  article (``check``).
- A pass (page 1 to the last) is complete when every page was read and proved, none was
  skipped, every page declared the same total, and the distinct comments seen equal it. A pass
  that does not add up (the site changed under it) is walked once more.
- A comment recorded alive that a complete pass did not see is a suspect. A second complete
  pass, begun after the first ended, confirms it: only comments missing from both are deleted.
  Anything less (a page that failed, a pass that did not add up) claims nothing, and the
  article stays in the frontier for the next run.
- Absence needs corroboration: a thread that shows none of its recorded comments, or has lost
  most of them at once (``mass_absence``), is what a page shows when the comments behind it are
  down. Its walk ends ``ABSENT``, the deletions withheld: the planner claims them only when other
  signals agree over time (``policy.absence_vouched``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from newscrawl.pages.claims import PageEvidence

MAX_PASSES = 3  # a pass, one more when it did not add up, one to confirm suspects
WALK_META = "comment_walk"  # the request meta key that carries an article's walk from page to page
TOTAL_CHANGED = "total_changed"  # a refusal that makes the walk go once more, rather than fail
# Most of a thread gone at once: more than this share of its recorded comments, and at least
# MASS_ABSENCE_MIN of them (a thread that shows none of them is always one).
MASS_ABSENCE_SHARE = 0.5
MASS_ABSENCE_MIN = 3


def mass_absence(alive: int, missing: int) -> bool:
    """Whether ``missing`` of a thread's ``alive`` recorded comments gone at once is more than a
    walk alone may claim.

    >>> mass_absence(40, 40), mass_absence(1, 1), mass_absence(40, 21), mass_absence(40, 3), mass_absence(4, 2)
    (True, True, True, False, False)
    """
    return missing > 0 and (missing == alive or (missing >= MASS_ABSENCE_MIN and missing > MASS_ABSENCE_SHARE * alive))


@dataclass(frozen=True)
class Refusal:
    """Why a page is not the page asked for: ``kind`` is counted, ``detail`` logged."""

    kind: str
    detail: str


class Outcome(Enum):
    COMPLETE = "complete"  # proved, added up; deletions (if any) confirmed
    PARTIAL = "partial"  # pages skipped on purpose: new comments only, no deletions
    FAILED = "failed"  # a page could not be read or proved
    UNEVEN = "uneven"  # the passes did not add up: the thread changed under them
    UNCONFIRMED = "unconfirmed"  # suspects whose confirming pass did not complete
    ABSENT = "absent"  # two complete passes without most of the thread: deletions withheld


@dataclass
class _Pass:
    """One walk from page 1 to the last."""

    planned: list[tuple[int, str]] | None = None  # (page number, URL) still to read
    skipped: list[tuple[int, str]] = field(default_factory=list)  # not read, in order
    check_next: bool = False  # the next page read must start with a known comment, or step back
    seen: dict[str, int] = field(default_factory=dict)  # comment id → the page it was on
    numbers: dict[int, tuple[int, int]] = field(default_factory=dict)  # page → (first №, last №)
    declared: set[int | None] = field(default_factory=set)
    records: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # why pages failed (refusal kinds, or "unread")


@dataclass(frozen=True)
class WalkResult:
    outcome: Outcome
    deleted: tuple[str, ...] = ()  # confirmed by two complete passes
    live: int | None = None  # comments the complete passes saw, for the next run's counts
    evidence: tuple[str, ...] = ()  # the pages (WARC record ids) of the passes that proved the deletions
    unconfirmed: int = 0  # suspects left for the next run
    withheld: tuple[str, ...] = ()  # ABSENT: the comments both passes missed, not claimed deleted

    @property
    def complete(self) -> bool:
        return self.outcome is Outcome.COMPLETE


@dataclass
class CommentWalk:
    """The walk of one article's comment pages, pass after pass, until it proves or gives up.

    ``skip_until``: a settled article whose count moved may be read from the page where its
    ``skip_until`` known comments end (new comments come last); such a walk is partial.
    """

    article_id: str
    url: str  # page 1: the article page
    skip_until: int | None = None
    started_at: str = ""  # the site's clock when page 1 was first fetched
    held: object = None  # the article item, emitted when the walk ends (after its comments)
    passes: list[_Pass] = field(default_factory=lambda: [_Pass()])
    suspects: frozenset[str] | None = None  # missing from the first complete pass
    stepped_back: int = 0  # pages read again before the one a woken thread began at
    per_page: int | None = None  # comments a page holds, as page 1 shows it (None: one page)
    pages: int | None = None  # the thread's pages, as page 1 links them
    order: int = 0  # 1: oldest first, -1: newest first, as page 1's numbers go; 0: not known yet
    listed: int | None = None  # the count a listing or the sidebar showed beside the article this run
    moderated: set[str] = field(default_factory=set)  # comments its pages showed as a moderator's placeholder
    result: WalkResult | None = None

    @property
    def started(self) -> bool:
        """Some page of it was read: what it knows lives in this process (a shared crawl keeps
        its requests in the worker that holds it, ``distributed.walks``)."""
        return self.passes[0].planned is not None or len(self.passes) > 1

    @property
    def current(self) -> _Pass:
        return self.passes[-1]

    def expected_page(self) -> int:
        """The page number the next page read must carry."""
        walk = self.current
        if walk.planned is None:
            return 1
        return walk.planned[0][0] if walk.planned else 0

    # --- one page ---------------------------------------------------------------------------------

    def check(self, page: PageEvidence, recorded_elsewhere: Mapping[str, str] | None = None) -> Refusal | None:
        """Why ``page`` is not the next page of this walk, or None. Reads nothing into the walk.
        ``recorded_elsewhere``: the page's comment ids that the state holds under another article."""
        if not page.has_block:
            return Refusal("no_comments", "no comments block on a page asked for as a comments page")
        others = page.article_ids - {self.article_id}
        if not page.article_ids or others:
            return Refusal("other_article", f"the page is the thread of {', '.join(sorted(others)) or 'no article'}, "
                                            f"not {self.article_id}")
        expected, shown = self.expected_page(), page.current or 1
        if shown != expected:
            return Refusal("wrong_page", f"page {shown} answered where page {expected} was asked for")
        declared = self.current.declared
        if declared and page.declares and page.declared not in declared:
            return Refusal(TOTAL_CHANGED, f"the page declares {page.declared} comments where page 1 declared "
                                          f"{', '.join(map(str, declared))}: the thread changed under the walk")
        if elsewhere := next(iter(recorded_elsewhere or {}), None):
            return Refusal("other_article", f"comment {elsewhere} is recorded under article "
                                            f"{(recorded_elsewhere or {})[elsewhere]}")
        return self._numbering(page, expected) or self._size(page, expected)

    def _size(self, page: PageEvidence, number: int) -> Refusal | None:
        """A page holds what the thread's page size and total leave for it: page 1 sets the size
        (its links tell how many pages share the total), every later page but the last holds as
        many, the last the rest."""
        shown, declared = len(page.comments), page.declared if page.declares else self.declared_total()
        if declared is None:
            return None
        if number == 1:
            pages = len(page.page_urls) + 1
            if pages > 1 and not (shown and shown * (pages - 1) < declared <= shown * pages):
                return Refusal("page_size", f"{shown} comments a page cannot make {pages} pages of the "
                                            f"{declared} the page declares")
            return None
        last = self.pages or number
        per_page = self.per_page or shown
        want = per_page if number < last else declared - per_page * (last - 1)
        if shown != want:
            return Refusal("page_size", f"{shown} comments on page {number} of {last}, where the thread's "
                                        f"{per_page} a page and {declared} in all leave {want}")
        return None

    def _numbering(self, page: PageEvidence, number: int) -> Refusal | None:
        walk, ids = self.current, [comment_id for comment_id, _ in page.comments]
        repeated = next((i for i in ids if i in walk.seen and walk.seen[i] != number), None)
        if repeated or len(set(ids)) != len(ids):
            return Refusal("repeated", f"comment {repeated or 'on this page'} shown twice in one walk")
        numbers = [n for _, n in page.comments if n is not None]
        order = self.order or _order(numbers)
        ranks = [order * n for n in numbers]  # rising down the thread, whichever way the site lists it
        if any(b <= a for a, b in zip(ranks, ranks[1:], strict=False)):
            way = "fall" if order < 0 else "rise"
            return Refusal("numbering", f"comment numbers do not {way} down the page as the thread's do")
        if ranks:
            before = [order * last for p, (_, last) in walk.numbers.items() if p < number]
            after = [order * first for p, (first, _) in walk.numbers.items() if p > number]
            if (before and ranks[0] <= max(before)) or (after and ranks[-1] >= min(after)):
                return Refusal("numbering", f"№{numbers[0]}–{numbers[-1]} do not go on from the pages around it")
        return None

    def read(self, page: PageEvidence, known: Collection[str] = ()) -> None:
        """Take in a page that passed ``check``. ``known``: the comment ids recorded under the
        article (a walk that skipped pages steps back when the first page it reads starts with
        one it does not know: comments moved up because others were deleted)."""
        walk, number = self.current, self.expected_page()
        for comment_id, _ in page.comments:
            walk.seen[comment_id] = number
        numbers = [n for _, n in page.comments if n is not None]
        if numbers:
            walk.numbers[number] = (numbers[0], numbers[-1])
        if page.declares:
            walk.declared.add(page.declared)
        if page.record_id:
            walk.records.append(page.record_id)
        if walk.planned is None:
            self._plan(page)
            return
        walk.planned.pop(0)
        if walk.check_next:
            walk.check_next = False
            if not page.comments or page.comments[0][0] not in known:
                self.stepped_back += 1
                walk.planned.insert(0, walk.skipped.pop())
                walk.check_next = bool(walk.skipped)

    def _plan(self, page: PageEvidence) -> None:
        walk = self.current
        pages = [(n, url) for n, url in enumerate(page.page_urls, start=2)]
        per_page = len(page.comments)
        self.per_page, self.pages = (per_page if pages else None), len(pages) + 1
        self.order = self.order or _order([n for _, n in page.comments if n is not None])
        # New comments come last in a thread listed oldest first: only then may pages be skipped.
        if self.skip_until and per_page and pages and len(self.passes) == 1 and self.order >= 0:
            first = max(2, -(-self.skip_until // per_page))
            walk.skipped, pages = pages[: first - 2], pages[first - 2 :]
            walk.check_next = bool(walk.skipped)
        walk.planned = pages

    def page_failed(self, why: str = "unread") -> None:
        """A page that could not be read, or not proved (``why``: the refusal's kind), after its
        retries: the walk goes on for the new comments it may still find, but proves nothing."""
        walk = self.current
        walk.failed.add(why)
        walk.check_next = False
        if walk.planned:
            walk.planned.pop(0)
        elif walk.planned is None:
            walk.planned = []

    # --- the walk as a whole ----------------------------------------------------------------------

    def next_url(self, known_alive: Callable[[], Collection[str]] = tuple) -> str | None:
        """The next page to fetch, page 1 again when a new pass is due; None when the walk is
        over (``result`` is then set). ``known_alive``: the article's comments recorded alive,
        asked for only when a pass ends."""
        walk = self.current
        if walk.planned:
            return walk.planned[0][1]
        if self.result is not None:
            return None
        if walk.skipped and not walk.failed:
            return self._end(Outcome.PARTIAL)
        if walk.planned is None or walk.failed - {TOTAL_CHANGED}:
            return self._end(Outcome.UNCONFIRMED if self.suspects else Outcome.FAILED)
        if not self._adds_up(walk):
            uneven = sum(not self._adds_up(p) for p in self.passes)
            if uneven == 1 and len(self.passes) < MAX_PASSES:
                return self._again()
            return self._end(Outcome.UNCONFIRMED if self.suspects else Outcome.UNEVEN)
        alive = frozenset(known_alive())
        missing = alive - walk.seen.keys()
        if self.suspects is None and missing:
            self.suspects = missing
            return self._again() if len(self.passes) < MAX_PASSES else self._end(Outcome.UNCONFIRMED)
        deleted = tuple(sorted(missing & self.suspects)) if self.suspects is not None else ()
        unconfirmed = len(self.suspects - missing) if self.suspects is not None else 0
        evidence = tuple(r for p in self.passes if self._adds_up(p) for r in p.records) if deleted else ()
        if mass_absence(len(alive), len(deleted)) or self._listing_contradicts(len(walk.seen)):
            self.result = WalkResult(Outcome.ABSENT, (), len(walk.seen), evidence, unconfirmed, withheld=deleted)
            return None
        self.result = WalkResult(Outcome.COMPLETE, deleted, len(walk.seen), evidence, unconfirmed)
        return None

    @staticmethod
    def _adds_up(walk: _Pass) -> bool:
        return (not walk.failed and not walk.skipped and len(walk.declared) == 1 and None not in walk.declared
                and len(walk.seen) == next(iter(walk.declared)))

    def _again(self) -> str:
        self.passes.append(_Pass())
        return self.url

    def _end(self, outcome: Outcome) -> None:
        self.result = WalkResult(outcome, unconfirmed=len(self.suspects or ()))
        return None

    def _listing_contradicts(self, live: int) -> bool:
        """The listing shows far more comments beside the article than its pages do (a thread the
        archive does not know yet, shown empty while the comments are down)."""
        return self.listed is not None and self.listed > live and mass_absence(self.listed, self.listed - live)

    def vouch_absence(self) -> None:
        """Other signals agree that the comments are gone (``policy.absence_vouched``): the
        withheld deletions are claimed, on the evidence of the passes that missed them."""
        result = self.result
        if result is not None and result.outcome is Outcome.ABSENT:
            self.result = replace(result, outcome=Outcome.COMPLETE, deleted=result.withheld, withheld=())

    def declared_total(self) -> int | None:
        """The one total every page of the last pass declared, if they agreed."""
        declared = self.current.declared
        return next(iter(declared)) if len(declared) == 1 else None


def _order(numbers: list[int]) -> int:
    """The way a page's comment numbers go: 1 rising (oldest first), -1 falling, 0 unknown.

    >>> _order([3, 4, 9]), _order([9, 4, 3]), _order([5]), _order([3, 9, 4])
    (1, -1, 0, 1)
    """
    if len(numbers) < 2:
        return 0
    return -1 if numbers[0] > numbers[1] else 1
