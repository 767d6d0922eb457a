"""Checks before a run starts, so that a run that would do harm does not start at all.

A run with a lost state would export the whole archive again as new; one whose exports cannot
be written would crawl for nothing; two runs on one state would record each other's work; a
setting that cannot be read would crash it halfway (or at its close, leaving no manifest). Each
is refused with one line that says what to do.
"""

from __future__ import annotations

import difflib
import os
from contextlib import AbstractContextManager as ContextManager
from contextlib import nullcontext
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newscrawl.crawl.policy import parse_duration, parse_schedule
from newscrawl.credentials import mask_credentials
from newscrawl.layout import RunLayout, run_folders, runs_dir
from newscrawl.runs.rebuild import REBUILDING, rebuild
from newscrawl.runs.runfolder import checkpoint_of, hold, is_alive
from newscrawl.state.store import Batch, StateStore, StateUnreadable, is_remote, open_store, sqlite_path


class RunRefused(Exception):
    """The run must not start; the message says why and what to do, in one line."""


def _count(value: Any) -> int:
    number = int(str(value).strip())
    if number < 0:
        raise ValueError
    return number


def _positive(value: Any) -> int:
    number = _count(value)
    if not number:
        raise ValueError
    return number


def _seconds(value: Any) -> float:
    number = float(str(value).strip())
    if not number >= 0:  # also NaN
        raise ValueError
    return number


def _share(value: Any) -> float:
    number = _seconds(value)
    if number > 1:
        raise ValueError
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, bool) or str(value).strip().lower() in ("0", "1", "true", "false", "none", ""):
        return True
    raise ValueError


def _uri(value: Any) -> str:
    text = str(value or "")
    if "://" in text and not is_remote(text) and not text.startswith("sqlite://"):
        raise ValueError
    return text


def _redis(value: Any) -> str:
    text = str(value or "")
    if text and not is_remote(text):
        raise ValueError
    return text


def _log_level(value: Any) -> str:
    if str(value).upper() not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
        raise ValueError
    return str(value)


# Every setting a run reads as a number, a duration or a URI, and what it accepts: a value that
# cannot be read stops the run before it starts (exit 2, no run folder, no lock left behind)
# instead of a traceback halfway through, or at the close when the manifest is being written.
SETTING_RULES: dict[str, tuple[Any, str]] = {
    **dict.fromkeys(("REVISIT_AFTER",), (parse_schedule, "durations with commas, like 1h,6h,1d")),
    **dict.fromkeys(("FULL_WALK_EVERY", "SIDEBAR_COVERS", "THREAD_YOUNG_FOR", "THREAD_WALK_EVERY_OLD"),
                    (parse_duration, "a duration like 30m, 36h or 7d")),
    **dict.fromkeys(("LISTING_STOP_AFTER_KNOWN", "WHOLE_WALK_BUDGET", "FRONTIER_MAX_RUNS", "THREAD_WALK_BUDGET", "BROKEN_PAGE_RETRY_TIMES",
                     "HEALTH_COVERAGE_RUNS", "RETRY_TIMES", "REDIRECT_MAX_TIMES", "DOWNLOAD_MAXSIZE",
                     "DOWNLOAD_WARNSIZE"), (_count, "a whole number, 0 or more")),
    **dict.fromkeys(("STATE_COMMIT_EVERY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN",
                     "CONCURRENT_ITEMS", "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"), (_positive, "a whole number, 1 or more")),
    **dict.fromkeys(("BROKEN_PAGE_BACKOFF", "RETRY_AFTER_MAX", "BROWSER_WAIT_TIMEOUT", "DISTRIBUTED_LEASE_TTL",
                     "PROGRESS_INTERVAL", "PROGRESS_LOG_INTERVAL", "DOWNLOAD_TIMEOUT", "DOWNLOAD_DELAY",
                     "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY"),
                    (_seconds, "a number, 0 or more")),
    **dict.fromkeys(("HEALTH_MAX_ERROR_RATE", "HEALTH_COVERAGE_DROP"), (_share, "a share from 0 to 1, like 0.05")),
    **dict.fromkeys(("STATE_INIT", "ARCHIVE_ENABLED", "AUTOTHROTTLE_ENABLED", "ROBOTSTXT_OBEY", "DEVELOPMENT",
                     "LOG_FIELD_SOURCES"), (_flag, "1 or 0 (true or false)")),
    "STATE_URI": (_uri, "a SQLite file path (or sqlite://path), or redis://, rediss://, unix://"),
    "REDIS_URL": (_redis, "redis://[user:password@]host:port/db, rediss://… or unix://…"),
    "LOG_LEVEL": (_log_level, "CRITICAL, ERROR, WARNING, INFO or DEBUG"),
}


# Settings read by components whose names Scrapy's defaults and newscrawl's settings do not list.
KNOWN_PREFIXES = ("PLAYWRIGHT_", "REDIS_", "SCHEDULER_", "DUPEFILTER_", "HTTPCACHE_", "FEED_", "AUTOTHROTTLE_")


def known_setting_names() -> set[str]:
    """Scrapy's settings, newscrawl's, and the project settings module's in use (the tests' adds theirs)."""
    from scrapy.settings import default_settings

    from newscrawl import settings as project

    modules = [default_settings, project]
    if os.environ.get("SCRAPY_SETTINGS_MODULE"):
        modules.append(import_module(os.environ["SCRAPY_SETTINGS_MODULE"]))
    return {name for module in modules for name in dir(module) if name.isupper()}


def check_setting_names(settings: BaseSettings, known: set[str] | None = None) -> None:
    """Raises RunRefused naming a setting given on the command line that neither Scrapy nor
    newscrawl knows, with the closest known name: a misspelt ``EXPORT_DIR`` would otherwise be
    ignored and the run would write where it was not meant to."""
    known = known_setting_names() if known is None else known
    given = [name for name in settings.attributes if settings.getpriority(name) == SETTINGS_PRIORITIES["cmdline"]]
    for name in sorted(given):
        if name not in known and not name.startswith(KNOWN_PREFIXES):
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else "see newscrawl/settings.py and Scrapy's settings"
            raise RunRefused(f"-s {name}: no such setting; {hint}")


def check_settings(settings: BaseSettings) -> None:
    """Raises RunRefused naming the first setting that cannot be read (or is not a setting), what
    was given and what is accepted."""
    check_setting_names(settings)
    for name, (read, accepted) in SETTING_RULES.items():
        value = settings.get(name)
        if value is None:
            continue
        try:
            read(value)
        except (ValueError, TypeError):
            raise RunRefused(f"{name}={mask_credentials(str(value))!r} cannot be read: expected {accepted}") from None


def run_lock_path(settings: BaseSettings) -> Path:
    """One run at a time per state: the lock sits beside a SQLite state, else in the exports."""
    if settings.get("RUN_LOCK"):
        return Path(settings.get("RUN_LOCK"))
    uri = settings.get("STATE_URI")  # settled by the add-ons (``addons.settle``)
    if uri and not is_remote(uri):
        return Path(sqlite_path(uri) + ".lock")
    return Path(settings.get("EXPORTS_DIR")) / ".newscrawl.lock"


def take_run_lock(settings: BaseSettings) -> ContextManager[Any] | None:
    """The run lock, or None when another run holds it. The workers of a shared crawl run on
    one state by design, coordinated by Redis (``newscrawl.distributed``): they take none."""
    if settings.get("REDIS_URL"):
        return nullcontext()
    return hold(run_lock_path(settings))


def check(settings: BaseSettings, spider: str, run_id: str, rebuild_state: bool,
          start_url: str | None = None) -> str | None:
    """Raises RunRefused; returns a line to print when something was done (a rebuilt state).
    ``start_url``: the site this run crawls, which must be the archive's (None: not checked)."""
    runs = runs_dir(settings, spider)
    _check_writable(runs)
    if (runs / run_id).exists() and any((runs / run_id).iterdir()):
        raise RunRefused(f"the run folder {runs / run_id} exists already; choose another run_id")
    if settings.get("REDIS_URL"):
        _check_seeded(settings, spider)
    uri = settings.get("STATE_URI")
    if not uri:
        return None
    earlier = [f for f in run_folders(runs) if _holds_items(f)]
    missing = not is_remote(uri) and not Path(sqlite_path(uri)).exists()
    if missing and not rebuild_state:
        _refuse_lost(uri, runs, earlier, settings)
    try:
        store = open_store(uri)
    except StateUnreadable as error:
        raise RunRefused(f"the state is unreadable ({error}); move it aside and rebuild it from the exports "
                         "with -a rebuild_state=1") from None
    try:
        _check_site(store, start_url, uri)
        empty, rebuilding = store.is_empty(), store.meta().get(REBUILDING)
        if missing and not rebuild_state:
            return None
        if not rebuild_state:
            if rebuilding:
                raise RunRefused(f"the state at {mask_credentials(uri)} was being rebuilt from the exports (since "
                                 f"{rebuilding}) when that stopped, and holds part of them; finish it with -a rebuild_state=1")
            if empty:
                _refuse_lost(uri, runs, _committed(earlier, store, shared=bool(settings.get("REDIS_URL"))), settings)
            return None
        if not empty and not rebuilding:  # a rebuild that stopped is done again: it writes each item's state anew
            raise RunRefused(f"rebuild_state=1, but the state at {mask_credentials(uri)} is not empty; move it aside first")
        done = rebuild(store, runs, settings)
        return (f"state rebuilt from {done.runs} runs in {runs}: {done.articles} articles, "
                f"{done.comments} comments ({done.dead_runs_cut} dead runs cut to whole lines)")
    finally:
        store.close()


SITE_ORIGIN = "site_origin"  # the state's meta key: the site (scheme://host:port) it was made for


def origin(url: str) -> str:
    """A URL's site: scheme, host and port.

    >>> origin("https://vpk.name/news/"), origin("http://127.0.0.1:8000/news/?page=2")
    ('https://vpk.name:443', 'http://127.0.0.1:8000')
    """
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or {'http': 80, 'https': 443}.get(parts.scheme, 0)}"


def _check_site(store: StateStore, start_url: str | None, uri: str) -> None:
    """An archive is of one site: its state records the site of its first run, and a run of
    another site (a trial of the replica, a mistyped URL) is refused before it records anything
    of it. A state from before this check takes the site of its next run."""
    if start_url is None:
        return
    wanted, known = origin(start_url), store.meta().get(SITE_ORIGIN)
    if known is None:
        store.save(Batch([], [], meta={SITE_ORIGIN: wanted}))
    elif known != wanted:
        raise RunRefused(f"the archive whose state is {mask_credentials(uri)} is of {known}, and start_url={start_url} "
                         f"is on {wanted}: give another site an archive of its own, e.g. "
                         "-s EXPORTS_DIR=trial/exports -s STATE_URI=trial/state.sqlite")


def _committed(earlier: list[Path], store: StateStore, shared: bool = False) -> list[Path]:
    """The runs whose items a state should know: every run that closed (or was recovered), and
    a run that died after a commit to this state. A run that died before its first commit (a
    first run killed at its start) committed nothing, so an empty state is the truth about it: the
    run that follows cuts it back to nothing and gives it its manifest (``recover_killed_runs``).
    A run alive now is one too, unless this is a worker of a shared crawl (``shared``): workers
    take no run lock, so a live run beside it is a sibling worker that has not committed yet."""
    checkpoints = store.checkpoints()
    return [folder for folder in earlier
            if RunLayout(folder).manifest.exists() or checkpoint_of(checkpoints, folder) or (is_alive(folder) and not shared)]


def _check_seeded(settings: BaseSettings, spider: str) -> None:
    import redis

    from newscrawl.distributed.worker import seeded_start_url

    try:
        seeded = seeded_start_url(settings, spider)
    except redis.RedisError as error:
        raise RunRefused(f"cannot reach the shared crawl's Redis at {mask_credentials(settings.get('REDIS_URL'))}: "
                         f"{mask_credentials(str(error))}") from None
    if seeded is None:
        raise RunRefused(f"no crawl is seeded at {mask_credentials(settings.get('REDIS_URL'))}; start one with "
                         "`python -m newscrawl distributed seed --start-url URL -s REDIS_URL=…`")


def _refuse_lost(uri: str, runs: Path, earlier: list[Path], settings: BaseSettings) -> None:
    if earlier and settings.get("REDIS_URL") and not settings.getbool("STATE_INIT"):
        raise RunRefused(
            f"the shared crawl's state in {mask_credentials(uri)} is empty, but {runs} holds {len(earlier)} runs of "
            "another state (crawls on their own): give the workers exports of their own, e.g. "
            "-s EXPORTS_DIR=exports-shared, as the README's shared-crawl recipe does")
    if earlier and not settings.getbool("STATE_INIT"):
        raise RunRefused(
            f"the state at {mask_credentials(uri)} is missing or empty, but {runs} holds {len(earlier)} earlier runs: "
            "this run would export them all again. Rebuild the state from them with -a rebuild_state=1, "
            "point STATE_URI at the right state, or start afresh on purpose with -s STATE_INIT=1")


def _check_writable(runs: Path) -> None:
    try:
        runs.mkdir(parents=True, exist_ok=True)
        probe = runs / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise RunRefused(f"cannot write to the exports folder {runs}: {error.strerror or error}") from None


def _holds_items(folder: Path) -> bool:
    return any(path.exists() and path.stat().st_size > 0 for _, path in RunLayout(folder).exports())
