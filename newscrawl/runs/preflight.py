"""Checks before a run starts, so that a run that would do harm does not start at all.

A run with a lost state would export the whole archive again as new; one whose exports cannot
be written would crawl for nothing; two runs on one state would record each other's work. Each
is refused with one line that says what to do.
"""

from __future__ import annotations

from contextlib import AbstractContextManager as ContextManager
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from newscrawl.addons import state_uri
from newscrawl.credentials import mask_credentials
from newscrawl.layout import RunLayout, runs_dir
from newscrawl.runs.rebuild import rebuild
from newscrawl.runs.runfolder import hold
from newscrawl.state.store import StateUnreadable, is_remote, open_store, sqlite_path


class RunRefused(Exception):
    """The run must not start; the message says why and what to do, in one line."""


def run_lock_path(settings: BaseSettings) -> Path:
    """One run at a time per state: the lock sits beside a SQLite state, else in the exports."""
    if settings.get("RUN_LOCK"):
        return Path(settings.get("RUN_LOCK"))
    uri = state_uri(settings)
    if uri and not is_remote(uri):
        return Path(sqlite_path(uri) + ".lock")
    return Path(settings.get("EXPORTS_DIR")) / ".newscrawl.lock"


def take_run_lock(settings: BaseSettings) -> ContextManager[Any] | None:
    """The run lock, or None when another run holds it. The workers of a shared crawl run on
    one state by design, coordinated by Redis (``newscrawl.distributed``): they take none."""
    if settings.get("REDIS_URL"):
        return nullcontext()
    return hold(run_lock_path(settings))


def check(settings: BaseSettings, spider: str, run_id: str, rebuild_state: bool) -> str | None:
    """Raises RunRefused; returns a line to print when something was done (a rebuilt state)."""
    runs = runs_dir(settings, spider)
    _check_writable(runs)
    if (runs / run_id).exists() and any((runs / run_id).iterdir()):
        raise RunRefused(f"the run folder {runs / run_id} exists already; choose another run_id")
    if settings.get("REDIS_URL"):
        _check_seeded(settings, spider)
    uri = state_uri(settings)
    if not uri:
        return None
    earlier = [f for f in runs.iterdir() if f.is_dir() and _holds_items(f)]
    missing = not is_remote(uri) and not Path(sqlite_path(uri)).exists()
    if missing and not rebuild_state:  # not created here: a mistyped path stays a mistake
        _refuse_lost(uri, runs, earlier, settings)
        return None
    try:
        store = open_store(uri)
    except StateUnreadable as error:
        raise RunRefused(f"the state is unreadable ({error}); move it aside and rebuild it from the exports "
                         "with -a rebuild_state=1") from None
    try:
        empty = store.is_empty()
        if not rebuild_state:
            if empty:
                _refuse_lost(uri, runs, earlier, settings)
            return None
        if not empty:
            raise RunRefused(f"rebuild_state=1, but the state at {mask_credentials(uri)} is not empty; move it aside first")
        done = rebuild(store, runs, settings)
        return (f"state rebuilt from {done.runs} runs in {runs}: {done.articles} articles, "
                f"{done.comments} comments ({done.dead_runs_cut} dead runs cut to whole lines)")
    finally:
        store.close()


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
