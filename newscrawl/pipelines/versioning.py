"""Change detection: a run emits only what is new or changed since earlier runs, with a version.

Each item is compared with what the history recorded of it. New and changed items go on with a
``version`` and their first and last sighting; unchanged ones are dropped (counted).

A re-extraction (``python -m newscrawl reextract``) is bound to the time of the run it reads: an
item corrects the record that run emitted, with that record's version and sightings, and
changes the state only where that record is still the latest (``_correction``).

Contract with ``History``: an item's state is staged only once the item is in the export
files (``exports.feeds.Exports`` calls ``item_scraped`` right after every feed has written it),
and an article's state only once all its comments emitted in this run are: recorded before them, it would tell the next
run there is nothing to fetch while comments of a killed run were still unsaved. The one state
staged at once is the mark of an earlier version shown again (``_went_back``): it claims nothing,
and lost with a killed run it costs one more sighting.

What a page may change, and what it may not: a comment recorded deleted that a whole, proved page
shows again is alive again (counted as a retraction, or as a restore after a moderation); a
comment showing an earlier version's content is kept out once (a stale page) and current again
when a later run shows it too.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import replace
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl import statkeys
from newscrawl.components import off_by_design
from newscrawl.exports.feeds import Exports
from newscrawl.exports.warc import ArchivedRuns
from newscrawl.extract.items import GONE, MODERATED, RUN_FIELDS, Article, Comment, field_names
from newscrawl.state.history import History
from newscrawl.state.store import ArticleState, CommentState

logger = logging.getLogger(__name__)
_IGNORED = RUN_FIELDS | {"page_url", "deleted", "removal", "removal_notice"}
_CONTENT_FIELDS = {cls: [f for f in field_names(cls) if f not in _IGNORED] for cls in (Article, Comment)}
_FIELDS = {cls: frozenset(field_names(cls)) for cls in (Article, Comment)}


def content_hash(item: Article | Comment) -> str:
    """What the page says of the item: run bookkeeping and where it was read are left out."""
    content = [getattr(item, name) for name in _CONTENT_FIELDS[type(item)]]
    return hashlib.sha1(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def article_state(item: Article, digest: str, max_comment_number: int, walked_at: str | None = None) -> ArticleState:
    """The state recorded for an emitted article (by a run, and by a rebuild from the exports)."""
    return ArticleState(
        article_id=item.article_id or "", url=item.url or "", published_at=item.published_at,
        first_fetch=item.first_seen_at or "", last_fetch=item.last_seen_at or "", hash=digest,
        version=item.version or 1, views=item.views, comments_count=item.comments_count,
        max_comment_number=max_comment_number, walked_at=walked_at)


def comment_state(item: Comment, digest: str, previous: CommentState | None = None) -> CommentState:
    """The state recorded for an emitted comment (a deletion has no content to hash): the hash of
    the version it replaces joins the earlier ones."""
    past = previous.past_hashes if previous else ""
    if previous and previous.hash and previous.hash != digest and previous.hash not in past.split():
        past = f"{past} {previous.hash}".strip()
    return CommentState(
        comment_id=item.comment_id or "", article_id=item.article_id or "", number=item.number, hash=digest,
        version=item.version or 1, first_seen=item.first_seen_at or "", last_seen=item.last_seen_at or "",
        deleted=item.deleted, posted_at=item.posted_at or (previous.posted_at if previous else None), past_hashes=past,
        removal=(item.removal or GONE) if item.deleted else "")


class VersioningPipeline:
    def __init__(self, crawler: Crawler, history: History) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.history = history
        self.archived = ArchivedRuns(crawler.settings) if crawler.settings.get("REEXTRACT_RUNS") else None
        self.comments_in_flight: Counter[str] = Counter()  # per article: emitted, not yet exported
        self.held_articles: dict[str, ArticleState] = {}  # waiting for those comments
        # from process_item to item_scraped: hashed once, with the comment state it replaces
        self.digests: dict[tuple[type, str], str] = {}
        self.replaced: dict[str, CommentState] = {}
        exports = crawler.get_extension(Exports)
        if exports is not None:  # staged by the receiver that wrote the item, right after it did
            exports.after_export.append(self.item_scraped)
        else:  # no export files: nothing to wait for
            crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VersioningPipeline:
        history = crawler.get_extension(History)
        if history is None:
            raise off_by_design(__name__, "no state to compare with")
        return cls(crawler, history)

    def process_item(self, item: Any) -> Any:
        if self.archived is not None:
            return self._correction(item)
        if isinstance(item, Article):
            return self._article(item)
        return self._comment(item)

    def _article(self, item: Article) -> Article:
        previous = self.history.article_state(item.article_id or "")
        digest = content_hash(item)
        if previous and previous.hash == digest:
            self._record_article(replace(previous, last_fetch=item.crawled_at or previous.last_fetch))
            self._unchanged("article")
        first_seen = previous.first_fetch if previous else None
        return self._emit(item, item.article_id or "", digest, previous.version if previous else 0, first_seen)

    def _comment(self, item: Comment) -> Comment:
        previous = self._comment_state(item)
        if item.deleted:
            return self._deletion(item, previous)
        if previous and previous.posted_at and item.posted_at != previous.posted_at:
            # A date is read once: "вчера в 10:15" on a page older than its Date header, or read
            # a day later, would move it (the README's data dictionary).
            self.stats.inc_value(statkeys.POSTED_AT_KEPT)
            item.posted_at = previous.posted_at
        digest = content_hash(item)
        if previous and not previous.deleted and previous.hash == digest:
            self.history.stage_comment(replace(previous, last_seen=item.crawled_at or previous.last_seen))
            self._unchanged("comment")
        if previous and previous.deleted:
            self._shown_again(item, previous)
        elif previous and digest in previous.past_hashes.split():
            self._went_back(item, previous, digest)
        first_seen = previous.first_seen if previous else None
        self._emit(item, item.comment_id or "", digest, previous.version if previous else 0, first_seen)
        return self._in_flight(item, previous)

    def _deletion(self, item: Comment, previous: CommentState | None) -> Comment:
        """A comment gone from its thread (proved by the walk), or moderated (a placeholder in its
        place: a comment first met so is recorded deleted from its first version)."""
        if (previous is not None and previous.deleted) or (previous is None and item.removal != MODERATED):
            raise DropItem(f"Comment {item.comment_id} already recorded as deleted", log_level="DEBUG")
        item.version = previous.version + 1 if previous else 1
        item.first_seen_at = previous.first_seen if previous else item.crawled_at
        # Gone: last seen when it was last shown. Moderated: the placeholder is a sighting, and its
        # time is when the moderation was recorded (``policy.moderation_recheck``).
        item.last_seen_at = previous.last_seen if previous and item.removal != MODERATED else item.crawled_at
        self.stats.inc_value(statkeys.versioned("comment", "moderated" if item.removal == MODERATED else "deleted"))
        return self._in_flight(item, previous)

    def _shown_again(self, item: Comment, previous: CommentState) -> None:
        """A whole page that proved itself shows a comment recorded deleted: what a page shows
        outweighs an absence, or a placeholder the moderator took back. It is a new version, alive."""
        if previous.removal == MODERATED:
            self.stats.inc_value(statkeys.VERSIONS_RESTORED)
            logger.info("Comment %s is shown again after its moderation: a new version, alive", item.comment_id)
            return
        self.stats.inc_value(statkeys.DELETIONS_RETRACTED)
        logger.warning("Comment %s is shown again after its deletion was emitted: a new version, alive",
                       item.comment_id)

    def _went_back(self, item: Comment, previous: CommentState, digest: str) -> None:
        """The page shows an earlier version's content. Once, it is taken for a stale page and the
        newer version stays; shown again by a later run, the site went back (the later version was
        the wrong one, or the edit was undone) and it is current again: no version is kept for good
        against what the site keeps showing."""
        run = getattr(self.crawler.spider, "run_id", "")
        mark, _, marked_by = previous.returned.partition(" ")
        if mark != digest or marked_by == run:
            if mark != digest:
                self.history.stage_comment(replace(previous, returned=f"{digest} {run}"))
            self.stats.inc_value(statkeys.STALE_RECORDS)
            raise DropItem(f"Comment {item.comment_id}: a page showing an earlier version (once: kept out)",
                           log_level="INFO")
        self.stats.inc_value(statkeys.VERSIONS_RESTORED)
        logger.info("Comment %s: an earlier version shown again by a later run is current again", item.comment_id)

    def _correction(self, item: Article | Comment) -> Article | Comment:
        """Re-extraction: the item as the run that archived its page should have recorded it.
        It keeps that record's version, sightings and time, so it replaces that record and no
        later one (the dataset takes, of one version, the latest run's row); the state takes its
        hash only if that record is still the latest version (``item_scraped``)."""
        kind = type(item).__name__.lower()
        key = (item.article_id if isinstance(item, Article) else item.comment_id) or ""
        then = self.archived.emitted(item.warc_record_id, kind, key) if self.archived else None
        if then is None:
            self.stats.inc_value(statkeys.versioned(kind, "not_in_run"))
            raise DropItem(f"{kind} {key}: the run re-extracted emitted no record of it", log_level="DEBUG")
        digest = content_hash(item)
        if digest == content_hash(type(item)(**{k: v for k, v in then.items() if k in _FIELDS[type(item)]})):
            self._unchanged(kind)
        item.version, item.first_seen_at, item.last_seen_at = then["version"], then["first_seen_at"], then["last_seen_at"]
        self.digests[(type(item), key)] = digest
        self.stats.inc_value(statkeys.versioned(kind, "corrected"))
        return item

    def _corrected(self, item: Article | Comment) -> None:
        """A correction is in the export files: the state takes its content if it corrects the
        latest version; its sightings and the frontier stay as they are."""
        key = (item.article_id if isinstance(item, Article) else item.comment_id) or ""
        digest = self.digests.pop((type(item), key))
        if isinstance(item, Article):
            state = self.history.article_state(key)
            if state and state.version == item.version:
                self.history.stage_article(replace(state, hash=digest, views=item.views,
                                                   comments_count=item.comments_count))
            return
        recorded = self.history.comment_states(item.article_id or "").get(key)
        if recorded and recorded.version == item.version:
            self.history.stage_comment(replace(recorded, hash=digest, posted_at=item.posted_at))

    def _comment_state(self, item: Comment) -> CommentState | None:
        """The comment's state. Its id is its identity: a page showing a comment recorded (or
        staged) under another article never reaches here (``WholePages`` refuses it, asking
        ``History.recorded_elsewhere``), so the article's thread holds it if anything does."""
        return self.history.comment_states(item.article_id or "").get(item.comment_id or "")

    def _in_flight(self, item: Comment, previous: CommentState | None) -> Comment:
        self.comments_in_flight[item.article_id or ""] += 1
        if previous is not None:
            self.replaced[item.comment_id or ""] = previous
        return item

    def _emit(self, item: Any, key: str, digest: str, version: int, first_seen: str | None) -> Any:
        """A new (no earlier version) or changed item goes on, with its version and sightings."""
        item.version = version + 1
        item.first_seen_at = first_seen or item.crawled_at
        item.last_seen_at = item.crawled_at
        self.digests[(type(item), key)] = digest
        self.stats.inc_value(statkeys.versioned(type(item).__name__.lower(), "changed" if version else "new"))
        return item

    def _unchanged(self, kind: str) -> None:
        self.stats.inc_value(statkeys.versioned(kind, "unchanged"))
        raise DropItem(f"Unchanged {kind}", log_level="DEBUG")

    def item_scraped(self, item: Any) -> None:
        """The item is in the export files now: its state may be recorded."""
        if self.archived is not None:
            self._corrected(item)
        elif isinstance(item, Article):
            article_id = item.article_id or ""
            self._record_article(article_state(item, self.digests.pop((Article, article_id)),
                                               self._max_comment_number(article_id)))
        else:
            self.history.stage_comment(comment_state(item, self.digests.pop((Comment, item.comment_id), ""),
                                                     self.replaced.pop(item.comment_id or "", None)))
            self._comment_exported(item.article_id or "")

    def _record_article(self, state: ArticleState) -> None:
        if self.comments_in_flight[state.article_id]:
            self.held_articles[state.article_id] = state
        else:
            self.comments_in_flight.pop(state.article_id, None)
            self.history.stage_article(state)

    def _comment_exported(self, article_id: str) -> None:
        self.comments_in_flight[article_id] -= 1
        if not self.comments_in_flight[article_id]:
            del self.comments_in_flight[article_id]
            if article_id in self.held_articles:
                self.history.stage_article(self.held_articles.pop(article_id))

    def _max_comment_number(self, article_id: str) -> int:
        return max((c.number or 0 for c in self.history.comment_states(article_id).values()), default=0)
