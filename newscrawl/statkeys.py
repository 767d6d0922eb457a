"""The stats keys newscrawl writes, named once: the spider, the pipelines and the history write
them, the manifest reads them back."""

from __future__ import annotations

from typing import Any

# Listing walk
LISTED_ARTICLES = "newscrawl/listed_articles"
LISTING_PAGES = "newscrawl/listing/pages"
LISTING_FAILED = "newscrawl/listing/pages_failed"
LISTING_STOPPED_AT = "newscrawl/listing/stopped_at"  # the page after which the walk stopped by its rule
LISTING_RESUMED_FROM = "newscrawl/listing/resumed_from"  # a whole walk spread over runs went on from this page
LISTING_BUDGET_CUT_AT = "newscrawl/listing/budget_cut_at"  # WHOLE_WALK_BUDGET stopped it: the next run goes on here
LISTING_FULL_REASON = "newscrawl/listing/full_walk_reason"
LISTING_LAST_RUN_AT = "newscrawl/listing/last_complete_run_at"
FULL_WALK_AT = "newscrawl/listing/last_full_walk_at"
WALK_STARTED_AT = "newscrawl/listing/started_at"  # the site's clock when the walk began


def visit(decision: str) -> str:
    return f"newscrawl/visit/{decision}"


# Comment walks
COMMENT_PAGES_FAILED = "newscrawl/comment_pages_failed"
COMMENT_PAGES_SKIPPED = "newscrawl/comment_pages_skipped"
COMMENT_PAGES_STEPPED_BACK = "newscrawl/comment_pages_stepped_back"
BROWSER_PAGES = "newscrawl/browser_pages"
THREADS_DUE = "newscrawl/walks/threads_due"  # walked whole because their last complete walk is too old
DELETIONS_SUSPECTED = "newscrawl/deletions/suspected"  # missing from a complete walk
DELETIONS_CONFIRMED = "newscrawl/deletions/confirmed"  # missing from the confirming walk too: emitted
DELETIONS_UNCONFIRMED = "newscrawl/deletions/unconfirmed"  # seen again, or not walked again completely
DELETIONS_WITHHELD = "newscrawl/deletions/withheld"  # most of a thread gone at once: waits for corroboration
ABSENT_THREADS = "newscrawl/walks/absent_threads"  # URLs of threads showing none or few of their comments
UNREADABLE_THREADS = "newscrawl/walks/unreadable_threads"  # URLs of threads no walk could read, two runs in a row
LIKELY_PLACEHOLDERS = "newscrawl/health/likely_placeholders"  # short authorless texts under many comments


def walk(outcome: str) -> str:
    """How comment walks ended (``commentwalk.Outcome``), and how many passes were walked again."""
    return f"newscrawl/walks/{outcome}"


def refused_page(kind: str) -> str:
    """A page that is not the page of the walk it was asked for (``commentwalk.Refusal``), each attempt."""
    return f"newscrawl/refused_page/{kind}"


def browser_miss(kind: str) -> str:
    return f"newscrawl/browser_{kind}"


def browser_miss_urls(kind: str) -> str:
    return f"newscrawl/browser_{kind}_urls"


UNPARSED_PREFIX = "newscrawl/unparsed/"

# Site versions (newscrawl.pages.versions): pages none could read, files that are no version
UNREADABLE_PAGES = "newscrawl/markup/unreadable_pages"  # "<url>: <version> cannot read <fields>", listed
SITE_VERSIONS_SKIPPED = "newscrawl/markup/versions_skipped"
LISTING_PAGINATION_UNREAD = "newscrawl/listing/pagination_unread"  # more pages linked, no next page read

# Pages that lie, and politeness (newscrawl.fetch.middlewares)
CHARSET_CORRECTED = "newscrawl/charset_corrected"
OFFSITE_BLOCKED = "newscrawl/offsite_blocked"
RETRY_AFTER_WAITS = "newscrawl/retry_after/waits"
RETRY_AFTER_SECONDS = "newscrawl/retry_after/seconds"


def broken_page(kind: str) -> str:
    """A response that was not a whole page of its kind (each attempt counts)."""
    return f"newscrawl/broken_page/{kind}"


FAILED_PREFIX = "newscrawl/failed/"


def deduped(kind: str) -> str:
    """A second copy of an article or comment within a run, dropped (``pipelines.dedupe``)."""
    return f"dedupe/{kind}/dropped"


def failed(kind: str) -> str:
    """A request that failed for good, by why: an HTTP status, broken_page, offsite, an exception."""
    return f"{FAILED_PREFIX}{kind}"


FAILED_URLS = "newscrawl/failed_urls"  # the first of them, for the manifest


def field_source(field: str, source: str) -> str:
    """Which source gave an article's field (JSON-LD, a meta tag, a class): a redesign shows here."""
    return f"newscrawl/field_source/{field}/{source}"


# What the site served (newscrawl.exports.warc)
ARCHIVE_RECORDS = "newscrawl/archive/records"
ARCHIVE_BYTES = "newscrawl/archive/bytes"
REEXTRACTED_PAGES = "newscrawl/archive/pages_read"  # answered from the archive (re-extraction)


# Seeing a run (newscrawl.monitoring.progress)
SLOWEST_PAGES = "newscrawl/slowest_pages"

# Health (newscrawl.monitoring.health)
COVERAGE = "newscrawl/health/coverage"  # per item type, the share of items with each field
HEALTH_PROBLEMS = "newscrawl/health/problems"


# Versions and the state
def versioned(kind: str, outcome: str) -> str:
    """``kind`` article or comment; ``outcome`` new, changed, unchanged or deleted; in a
    re-extraction, corrected (a run's record made again) or not_in_run."""
    return f"state/{kind}/{outcome}"


DELETIONS_RETRACTED = "state/comment/deletions_retracted"  # seen again after its deletion was emitted
POSTED_AT_KEPT = "state/comment/posted_at_kept"  # a later page read another date: the recorded one stays
STALE_RECORDS = "state/stale_records"  # content of an earlier version, seen once: the newer one stays for now
VERSIONS_RESTORED = "state/comment/versions_restored"  # an earlier content seen again in a later run: current again


def dropped_duplicate(kind: str) -> str:
    return f"dedupe/{kind}/dropped"


STATE_COMMITS = "state/commits"
RECOVERED_RUNS = "state/recovered_runs"
FRONTIER_LEFT = "state/frontier_left"  # articles left for the next run when this one closed
FRONTIER_GIVEN_UP = "state/frontier_given_up"  # articles that FRONTIER_MAX_RUNS runs could not finish
EXPORT_ERROR = "newscrawl/export_error"

CSV_SECONDS = "newscrawl/csv_seconds"  # writing the CSV files from the JSONL when the run closed
WRITTEN = "newscrawl/written"  # records the run's files hold, per file ("articles", "comments")

# A shared crawl (newscrawl.distributed)
DISTRIBUTED_WORKER = "newscrawl/distributed/worker"  # this run's id as a worker of a shared crawl
DISTRIBUTED_PUT_BACK = "newscrawl/distributed/put_back"  # requests of dead workers put back by this one


MAX_LISTED = 200  # items a listed stat keeps (failed URLs, unreadable pages), for the manifest


def listed(stats: Any, key: str, value: str) -> None:
    """Add ``value`` to the list kept in the stats under ``key``, once, at most MAX_LISTED."""
    values = stats.get_value(key, [])
    if len(values) < MAX_LISTED and value not in values:
        stats.set_value(key, [*values, value])
