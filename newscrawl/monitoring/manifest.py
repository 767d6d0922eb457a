"""A run's ``manifest.json``: what it did, whether it was healthy, and the exit status that says so.

Every manifest has the same keys, those of runs that closed and those the next run writes for a
run that died, so that a script can read ``m["healthy"]`` from any of them.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newscrawl import statkeys
from newscrawl.credentials import mask_credentials
from newscrawl.layout import RunLayout

# Exit statuses of every entry point (scrapy crawl, python -m newscrawl run, make crawl / run).
EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1  # the run failed or was unhealthy: see the manifest's problems
EXIT_REFUSED = 2  # the run did not start: bad arguments, a lost or unreadable state, ...
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the state; cron and systemd may try later
EXIT_INTERRUPTED = 130  # stopped by a signal (Ctrl-C, SIGTERM): the next run does the rest

# The settings that decide what a run fetches and keeps, recorded with its outcome.
RECORDED_SETTINGS = ("STATE_URI", "REDIS_URL", "EXPORTS_DIR", "REVISIT_AFTER", "LISTING_STOP_AFTER_KNOWN", "FULL_WALK_EVERY",
                     "SIDEBAR_COVERS", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "AUTOTHROTTLE_ENABLED",
                     "USER_AGENT", "BROWSER_EXECUTABLE", "HEALTH_MAX_ERROR_RATE")


def build(*, run_id: str, spider: str, arguments: dict[str, Any], started_at: datetime, reason: str,
          stats: dict[str, Any], settings: dict[str, Any], max_error_rate: float,
          recovered_at: str | None = None, kept_bytes: dict[str, int] | None = None,
          extra_problems: list[str] | None = None) -> dict[str, Any]:
    problems = [*(extra_problems or []), *markup_problems(stats, run_id), *health_problems(stats, reason, max_error_rate)]
    return {
        "run_id": run_id,
        "spider": spider,
        "arguments": arguments,
        "started_at": started_at.isoformat(),
        "finished_at": recovered_at or datetime.now(UTC).isoformat(),
        "finish_reason": reason,
        "healthy": not problems,
        "problems": problems,
        "counts": counts(stats),
        "listing": listing(stats),
        "coverage": stats.get(statkeys.COVERAGE, {}),
        "archive": {"file": "pages.warc.gz", "records": int(stats.get(statkeys.ARCHIVE_RECORDS, 0)),
                    "bytes": int(stats.get(statkeys.ARCHIVE_BYTES, 0))},
        "slowest_pages": stats.get(statkeys.SLOWEST_PAGES, []),
        "recovered_at": recovered_at,
        "kept_bytes": kept_bytes,
        "settings": {name: mask_credentials(value) if isinstance(value, str) else value for name, value in settings.items()},
        "stats": {key: _jsonable(value) for key, value in sorted(stats.items())},
    }


def counts(stats: dict[str, Any]) -> dict[str, Any]:
    def get(key: str) -> int:
        return int(stats.get(key, 0))

    return {
        "articles": {k: get(statkeys.versioned("article", k)) for k in ("new", "changed", "unchanged", "corrected")},
        "comments": {**{k: get(statkeys.versioned("comment", k))
                        for k in ("new", "changed", "unchanged", "deleted", "moderated", "corrected")},
                     "restored": get(statkeys.VERSIONS_RESTORED)},
        "written": stats.get(statkeys.WRITTEN, {}),
        "duplicates_dropped": get(statkeys.dropped_duplicate("article")) + get(statkeys.dropped_duplicate("comment")),
        "pages": get("response_received_count"),
        "browser_pages": get(statkeys.BROWSER_PAGES),
        "listed_articles": get(statkeys.LISTED_ARTICLES),
        "errors": errors(stats),
        "failed": {k.removeprefix(statkeys.FAILED_PREFIX): v for k, v in sorted(stats.items())
                   if k.startswith(statkeys.FAILED_PREFIX)},
        "broken_pages": {k.rsplit("/", 1)[1]: v for k, v in sorted(stats.items())
                         if k.startswith(statkeys.broken_page(""))},
        "unparsed_values": sum(v for k, v in stats.items() if k.startswith(statkeys.UNPARSED_PREFIX)),
        "refused_pages": {k.rsplit("/", 1)[1]: v for k, v in sorted(stats.items())
                          if k.startswith(statkeys.refused_page(""))},
        "walks": {k.rsplit("/", 1)[1]: v for k, v in sorted(stats.items()) if k.startswith(statkeys.walk(""))},
        "deletions": {"suspected": get(statkeys.DELETIONS_SUSPECTED), "confirmed": get(statkeys.DELETIONS_CONFIRMED),
                      "unconfirmed": get(statkeys.DELETIONS_UNCONFIRMED), "withheld": get(statkeys.DELETIONS_WITHHELD)},
        "absent_threads": stats.get(statkeys.ABSENT_THREADS, []),
        "unreadable_threads": stats.get(statkeys.UNREADABLE_THREADS, []),
        "likely_placeholders": stats.get(statkeys.LIKELY_PLACEHOLDERS, []),
        "deletions_retracted": get(statkeys.DELETIONS_RETRACTED),
        "contradicted": {"posted_at_kept": get(statkeys.POSTED_AT_KEPT), "stale_records": get(statkeys.STALE_RECORDS),
                         "counter": get(statkeys.walk("counter_contradicted"))},
        "left_for_next_run": get(statkeys.FRONTIER_LEFT),
        "given_up": get(statkeys.FRONTIER_GIVEN_UP),
    }


def listing(stats: dict[str, Any]) -> dict[str, Any]:
    """How far the listing walk went, and how fresh the archive's knowledge of it is."""
    started = stats.get(statkeys.WALK_STARTED_AT)
    last_run, full_walk = stats.get(statkeys.LISTING_LAST_RUN_AT), stats.get(statkeys.FULL_WALK_AT)
    return {
        "pages": int(stats.get(statkeys.LISTING_PAGES, 0)),
        "pages_failed": int(stats.get(statkeys.LISTING_FAILED, 0)),
        "full_walk_reason": stats.get(statkeys.LISTING_FULL_REASON),
        "stopped_at": stats.get(statkeys.LISTING_STOPPED_AT),
        "resumed_from": stats.get(statkeys.LISTING_RESUMED_FROM),
        "budget_cut_at": stats.get(statkeys.LISTING_BUDGET_CUT_AT),
        "last_complete_run_at": last_run,
        "days_since_last_complete_run": _days_between(last_run, started),
        "last_full_walk_at": full_walk,
        "least_recently_checked_days": _days_between(full_walk, started),
    }


def errors(stats: dict[str, Any]) -> int:
    """Requests that failed for good (each counted once, by the spider's errbacks), and
    callbacks that raised."""
    return int(sum(v for k, v in stats.items() if k.startswith(statkeys.FAILED_PREFIX))
               + sum(v for k, v in stats.items() if k.startswith("spider_exceptions/") and k.count("/") == 1))


# Why no page came back, by the exception a request failed with, in words.
UNREACHABLE = {"DNSLookupError": "its name does not resolve (DNS)", "CannotResolveHostError": "its name does not resolve (DNS)",
               "ConnectionRefusedError": "it refuses connections", "DownloadConnectionRefusedError": "it refuses connections",
               "TCPTimedOutError": "it does not answer (timed out)", "TimeoutError": "it does not answer (timed out)",
               "DownloadTimeoutError": "it does not answer (timed out)", "NoRouteError": "no route reaches it",
               "ConnectError": "it cannot be connected to"}


def unreachable(stats: dict[str, Any]) -> str | None:
    """Why the site could not be reached at all, when no page came back; None when one did.

    >>> unreachable({"newscrawl/failed/DNSLookupError": 1})
    'the site could not be reached: its name does not resolve (DNS); 0 pages'
    """
    if stats.get("response_received_count"):
        return None
    kinds = [k.removeprefix(statkeys.FAILED_PREFIX) for k in stats if k.startswith(statkeys.FAILED_PREFIX)]
    words = sorted({UNREACHABLE[kind] for kind in kinds if kind in UNREACHABLE})
    return f"the site could not be reached: {'; '.join(words)}; 0 pages" if words else None


def health_problems(stats: dict[str, Any], reason: str, max_error_rate: float) -> list[str]:
    problems = []
    if reason == "shutdown":
        problems.append("interrupted (Ctrl-C or a stop signal): what it wrote is kept, and the next run does the rest")
    elif reason != "finished":
        problems.append(f"the crawl ended with {reason!r}")
    if cause := unreachable(stats):  # nothing else to say of a run that met no page
        return [*problems, cause]
    problems += stats.get(statkeys.HEALTH_PROBLEMS) or []
    if stats.get(statkeys.EXPORT_ERROR):
        problems.append(f"the exports could not be written ({stats[statkeys.EXPORT_ERROR]}); "
                        "they were cut back to the last state commit")
    walked_elsewhere = stats.get(statkeys.DISTRIBUTED_WORKER) and not stats.get(statkeys.LISTING_PAGES)
    if not stats.get(statkeys.LISTED_ARTICLES) and not walked_elsewhere:  # a shared crawl's other worker walked it
        problems.append("no articles on the listing: the site is down, blocks us, or changed its layout")
    oversize = stats.get(statkeys.failed("DownloadCancelledError"), 0) + stats.get(statkeys.failed("CancelledError"), 0)
    if oversize:
        problems.append(f"{oversize} page(s) cancelled (over DOWNLOAD_MAXSIZE, or cut off): their items are missing")
    unread = stats.get(statkeys.browser_miss("failed"), 0) + stats.get(statkeys.browser_miss("unavailable"), 0)
    if unread:
        problems.append(f"the comments of {unread} page(s) that only a browser shows could not be read; "
                        "the next run tries them again")
    problems += evidence_problems(stats)
    if stats.get(statkeys.LISTING_FAILED):
        problems.append(f"{stats[statkeys.LISTING_FAILED]} listing page(s) failed: the next run walks on from there")
    requests = stats.get("downloader/request_count", 0)
    if requests and errors(stats) / requests > max_error_rate:
        problems.append(f"{errors(stats)} of {requests} requests failed (over {max_error_rate:.0%})")
    return problems


def markup_problems(stats: dict[str, Any], run_id: str) -> list[str]:
    """Pages no site version could read: the site changed its markup. The repair is two commands."""
    problems = []
    unreadable = stats.get(statkeys.UNREADABLE_PAGES, [])
    if unreadable:
        problems.append(
            f"{len(unreadable)} page(s) no site version could read, e.g. {unreadable[0]}: the site changed its "
            f"markup, nothing was stored from them and their pages are archived. Repair (with this run's -s "
            f"settings): python -m newscrawl learn --run {run_id}, then python -m newscrawl reextract --runs {run_id}")
    unread = stats.get(statkeys.LISTING_PAGINATION_UNREAD)
    if unread:
        problems.append(f"the listing page {unread} links to later pages but no next page could be read: "
                        "the listing walk is not whole")
    return problems


def evidence_problems(stats: dict[str, Any]) -> list[str]:
    """What the site served that contradicts itself or what the archive holds: the run says less
    (no deletion, no moved date, no counter) and says so, rather than pass as healthy."""
    problems = []
    refused = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith(statkeys.refused_page(""))}
    if refused:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(refused.items()))
        problems.append(f"pages that are not the page asked for ({kinds}): retried, and no deletion claimed "
                        "from a walk that met them for good")
    unproved = sum(stats.get(statkeys.walk(outcome), 0) for outcome in ("uneven", "unconfirmed"))
    if unproved:
        problems.append(f"{unproved} comment walk(s) did not add up: no deletion claimed, walked again next run")
    absent = stats.get(statkeys.ABSENT_THREADS, [])
    if absent:
        problems.append(f"{len(absent)} thread(s) showed none or few of their recorded comments "
                        f"({stats.get(statkeys.DELETIONS_WITHHELD, 0)} missing, e.g. {absent[0]}): no deletion "
                        "claimed until that holds for ABSENCE_CORROBORATED_AFTER and the listing agrees; "
                        "walked again next run")
    unreadable = stats.get(statkeys.UNREADABLE_THREADS, [])
    if unreadable:
        problems.append(f"{len(unreadable)} thread(s) could not be read by this run nor the one before: "
                        + ", ".join(unreadable[:5]) + (", …" if len(unreadable) > 5 else ""))
    for found in stats.get(statkeys.LIKELY_PLACEHOLDERS, []):
        problems.append(f"the text {found['text']!r} stands with no author under {found['comments']} comments: "
                        "likely a moderator's placeholder the site module does not know (MODERATION_NOTICE), "
                        "recorded as their text")
    contradicted = {name: stats.get(key, 0) for name, key in (
        ("dates kept", statkeys.POSTED_AT_KEPT), ("older versions", statkeys.STALE_RECORDS),
        ("counters contradicted by their walk", statkeys.walk("counter_contradicted")),
        ("deletions retracted", statkeys.DELETIONS_RETRACTED))}
    if any(contradicted.values()):
        problems.append("pages contradicted what the archive holds (" + ", ".join(
            f"{name} {n}" for name, n in contradicted.items() if n) + "): the archive kept its records")
    return problems


def exit_status(manifest: dict[str, Any] | None) -> int:
    if manifest is None:
        return EXIT_UNHEALTHY
    if manifest["healthy"]:
        return EXIT_HEALTHY
    return EXIT_INTERRUPTED if manifest["finish_reason"] == "shutdown" else EXIT_UNHEALTHY


def verdict_line(manifest: dict[str, Any], path: Path) -> str:
    """One line for the terminal and the scheduler's log."""
    c = manifest["counts"]
    written = c.get("written") or {}
    what = (f"articles {c['articles']['new']} new, {c['articles']['changed']} changed; comments "
            f"{c['comments']['new']} new, {c['comments']['changed']} changed, {c['comments']['deleted']} deleted"
            f"{', ' + str(c['comments']['moderated']) + ' moderated' if c['comments'].get('moderated') else ''}; "
            f"{written.get('articles', 0)} articles and {written.get('comments', 0)} comments written; "
            f"{c['pages']} pages, {c['errors']} errors")
    if manifest["healthy"]:
        return f"newscrawl: run {manifest['run_id']} healthy: {what}. Manifest: {path}"
    return f"newscrawl: run {manifest['run_id']} NOT healthy: {'; '.join(manifest['problems'])}. {what}. Manifest: {path}"


def summary_lines(manifest: dict[str, Any]) -> list[str]:
    """The short table printed when a run ends: counts, field coverage, slowest pages, verdict."""
    c = manifest["counts"]
    written = c.get("written") or {}
    rows = [("articles", f"{c['articles']['new']} new, {c['articles']['changed']} changed, "
                         f"{c['articles']['unchanged']} unchanged"),
            ("comments", f"{c['comments']['new']} new, {c['comments']['changed']} changed, "
                         f"{c['comments']['unchanged']} unchanged, {c['comments']['deleted']} deleted, "
                         f"{c['comments'].get('moderated', 0)} moderated, {c['comments'].get('restored', 0)} restored"),
            ("written", f"{written.get('articles', 0)} articles, {written.get('comments', 0)} comments"
                        + ("" if manifest.get("settings", {}).get("STATE_URI") else " (no state: all of them new to this run)")),
            ("pages", f"{c['pages']} ({c['browser_pages']} through the browser), listing {manifest['listing']['pages']}"),
            ("errors", f"{c['errors']} {c['failed'] or ''}".strip()),
            ("left for next run", str(c["left_for_next_run"]))]
    for kind, fields in (manifest.get("coverage") or {}).items():
        thin = {name: share for name, share in fields.items() if share < 1}
        rows.append((f"{kind} coverage", ", ".join(f"{n} {s:.0%}" for n, s in sorted(thin.items(), key=lambda x: x[1]))
                     or "every field on every item"))
    slowest = manifest["stats"].get(statkeys.SLOWEST_PAGES) or []
    rows += [("slowest page" if i == 0 else "", f"{p['seconds']:.2f} s {p['url']}") for i, p in enumerate(slowest[:3])]
    rows.append(("verdict", "healthy" if manifest["healthy"] else "NOT healthy: " + "; ".join(manifest["problems"])))
    width = max(len(name) for name, _ in rows)
    return [f"  {name:<{width}}  {value}" for name, value in rows]


def write(folder: Path, manifest: dict[str, Any]) -> Path:
    """Written to a temporary name and renamed: whole or absent (absent: the run died)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = RunLayout(folder).manifest
    partial = path.with_name(f"{path.name}.part")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(partial, path)
    return path


def _days_between(earlier: str | None, later: str | None) -> float | None:
    if not earlier or not later:
        return None
    return round((datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds() / 86400, 2)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
