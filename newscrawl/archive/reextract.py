"""``python -m newscrawl reextract -j N``: one re-extraction over N processes, one run folder.

Parsing is CPU-bound and a Scrapy process uses one core, so the archived articles are dealt out
to N worker crawls (``REEXTRACT_PART=k/N``, ``exports.warc.in_part``: whole articles, so that
each walk of a thread stays in one process, and each worker indexes its share of the archive),
each its own run folder ``<run>.part<k>``. While they run the parent holds the
state's run lock for all of them (each worker takes a lock of its own): their writes to the
state touch disjoint articles, and SQLite serialises their commits. When every worker finished,
their folders become the one run folder a single process would have written (records in
order: the JSONL files concatenated, the CSV written again from them, the manifest made from the
summed stats) and the parts go. A worker that fails leaves the parts as they are (each a run
of its own, recovered like any run) and the command exits with its status.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from newscrawl import statkeys
from newscrawl.exports.feeds import jsonl_records, write_csvs
from newscrawl.extract.items import Article, Comment
from newscrawl.layout import MERGING, RunLayout, read_manifest, run_folders, runs_dir
from newscrawl.monitoring import manifest
from newscrawl.monitoring.health import covered_fields
from newscrawl.runs.preflight import run_lock_path, take_run_lock
from newscrawl.runs.runfolder import hold, is_alive

ITEMS = {"article": Article, "comment": Comment}


def run(settings: BaseSettings, spider: str, run_id: str, jobs: int, command: list[str]) -> int:
    """Run ``command`` (a ``scrapy crawl`` of the re-extraction, without its run id) as ``jobs``
    workers, and merge their run folders into ``run_id``'s; returns the exit status."""
    lock = take_run_lock(settings)
    if lock is None:
        print(f"newscrawl: another run holds {run_lock_path(settings)}; not starting", file=sys.stderr)
        return manifest.EXIT_LOCKED
    folder = RunLayout.of(settings, spider, run_id).folder
    parts = [folder.with_name(f"{run_id}.part{k}") for k in range(jobs)]
    with lock:
        for name in remove_merge_leftovers(runs_dir(settings, spider)):
            print(f"newscrawl: removed {name}, left by a re-extraction killed while it merged", file=sys.stderr)
        try:
            statuses = _start_and_wait(command, parts, jobs)
        finally:
            for part in parts:
                _part_lock(part).unlink(missing_ok=True)  # its worker is gone
        if statuses is None:
            print(f"newscrawl: {run_id} interrupted; its parts are left as runs of their own: "
                  f"{', '.join(p.name for p in parts if p.exists())}", file=sys.stderr)
            return manifest.EXIT_INTERRUPTED
        failed = [s for s in statuses if s not in (manifest.EXIT_HEALTHY, manifest.EXIT_UNHEALTHY)]
        if failed or any(read_manifest(part) is None for part in parts):
            print(f"newscrawl: a worker of {run_id} did not finish (exit {statuses}); its parts are left as runs "
                  f"of their own: {', '.join(p.name for p in parts)}", file=sys.stderr)
            return max(failed, default=manifest.EXIT_UNHEALTHY)
        merged = merge(parts, folder, settings)
    path = RunLayout(folder).manifest
    print("\n".join([f"newscrawl: run {run_id} ({jobs} workers)", *manifest.summary_lines(merged)]), file=sys.stderr)
    print(manifest.verdict_line(merged, path), file=sys.stderr)
    status = manifest.exit_status(merged)
    print(json.dumps({"manifest": str(path), "exit_status": status, "healthy": merged["healthy"],
                      "problems": merged["problems"], "counts": merged["counts"]}, ensure_ascii=False))
    return status


PART_LOCK = ".lock"  # a worker's run lock: .<run>.part<k>.lock beside its part


def _part_lock(part: Path) -> Path:
    return part.parent / f".{part.name}{PART_LOCK}"


def _start_and_wait(command: list[str], parts: list[Path], jobs: int) -> list[int] | None:
    """Each worker's exit status; None when Ctrl-C stopped them, once they closed their parts.

    Ctrl-C reaches the workers through this command alone: they run in a process group of their
    own, and the command passes each Ctrl-C on to every worker it started. While workers start,
    Ctrl-C waits (blocked) and no further worker starts: a worker forked as the terminal's signal
    went out would miss it and run its whole part (Python runs a signal's handler between two
    steps of its own, after the fork it interrupted)."""
    workers: list[subprocess.Popen[bytes]] = []
    interrupts = 0

    def interrupt(signum: int, frame: object) -> None:
        nonlocal interrupts
        interrupts += 1  # a second one makes the workers stop at once (Scrapy's forced shutdown)
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for k, part in enumerate(parts):
                if signal.SIGINT in signal.sigpending():
                    break
                workers.append(subprocess.Popen(
                    [*command, "-a", f"run_id={part.name}", "-s", f"REEXTRACT_PART={k}/{jobs}",
                     "-s", f"RUN_LOCK={_part_lock(part)}"], stdout=subprocess.DEVNULL, process_group=0,
                    preexec_fn=_stopped_with(os.getpid())))
                # The next worker starts once this one holds its run folder: before, the checks a run
                # makes at its start would take this folder for a run that died, and recover it.
                while not is_alive(part) and workers[-1].poll() is None:
                    time.sleep(0.05)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a Ctrl-C held back is handled here
        statuses = [worker.wait() for worker in workers]
    finally:
        signal.signal(signal.SIGINT, previous)
    return None if interrupts else statuses


PR_SET_PDEATHSIG = 1  # prctl(2)


def _stopped_with(parent: int) -> Callable[[], None]:
    """A worker's ``preexec_fn``: SIGTERM for the worker when ``parent`` dies, killed or not
    (Linux's parent-death signal). The parent holds the state's run lock for every worker: a
    worker left running after it would write to the state while another run takes that lock.
    Stopped, a worker closes its part as a run of its own, as after Ctrl-C."""

    def arm() -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked in the parent while workers start
        if sys.platform == "linux":
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # it died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def merge(parts: list[Path], folder: Path, settings: BaseSettings) -> dict[str, Any]:
    """The parts' records and stats as one run folder, written as ``<run>.merging`` (no run, to
    any reader: ``layout.run_folders``) and renamed to the run's name when whole, then the parts
    removed. Killed before the rename, the parts stay the runs; after it, the merged run is, and
    its parts are no more (the next re-extraction removes what such a kill left)."""
    final, folder = folder, folder.with_name(folder.name + MERGING)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for kind, target in RunLayout(folder).exports():
        with target.open("wb") as out:
            for part in parts:
                source = RunLayout(part).jsonl(kind)
                if source.exists():
                    with source.open("rb") as records:
                        shutil.copyfileobj(records, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    write_csvs(folder, settings)
    found = [read_manifest(part) or {} for part in parts]
    stats = summed([f["stats"] for f in found])
    stats[statkeys.COVERAGE] = coverage(folder)  # shares are not summed: counted again over every record
    merged = manifest.build(
        run_id=final.name, spider=found[0]["spider"], arguments=found[0]["arguments"],
        started_at=min(datetime.fromisoformat(f["started_at"]) for f in found),
        reason=next((f["finish_reason"] for f in found if f["finish_reason"] != "finished"), "finished"),
        stats=stats, settings=found[0]["settings"], max_error_rate=_rate(found[0]), extra_problems=_extra_problems(found))
    manifest.write(folder, merged)
    os.rename(folder, final)
    for part in parts:
        shutil.rmtree(part)
    return merged


def remove_merge_leftovers(runs: Path) -> list[str]:
    """What a re-extraction killed while it merged left (see ``merge``): a merge not renamed, and
    the parts of a merged run. Returns their names. The lock files of workers gone go too (a
    killed command could not remove them)."""
    kept = {folder.name for folder in run_folders(runs)}
    gone = [path for path in sorted(runs.iterdir()) if path.is_dir() and path.name not in kept] if runs.is_dir() else []
    for path in gone:
        shutil.rmtree(path)
    for lock in runs.glob(f".*.part*{PART_LOCK}"):
        held = hold(lock)
        if held is not None:  # no worker holds it
            lock.unlink()
            held.close()
    return [path.name for path in gone]


def summed(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """The workers' stats as one run's: counts added, lists joined, dicts merged alike, times
    the earliest start and latest finish, anything else as the first worker has it."""
    out: dict[str, Any] = {}
    for one in stats:
        for key, value in one.items():
            if key not in out:
                out[key] = value
            elif isinstance(value, bool) or value is None:
                continue
            elif isinstance(value, int | float) and isinstance(out[key], int | float):
                out[key] += value
            elif isinstance(value, list):
                out[key] = [*out[key], *(v for v in value if v not in out[key] or not isinstance(v, str))]
            elif isinstance(value, dict):
                out[key] = summed([out[key], value])
            elif isinstance(value, str) and key.endswith("finish_time"):
                out[key] = max(out[key], value)
            elif isinstance(value, str) and key.endswith("start_time"):
                out[key] = min(out[key], value)
    return out


def coverage(folder: Path) -> dict[str, dict[str, float]]:
    """``FieldCoverage``'s shares, over the run's records (deletions aside)."""
    out = {}
    for kind, path in RunLayout(folder).exports():
        fields = covered_fields(ITEMS[kind])
        present: Counter[str] = Counter()
        items = 0
        for record in jsonl_records(path):
            if record.get("deleted"):
                continue
            items += 1
            present.update(f for f in fields if record.get(f) not in (None, [], ""))
        if items:
            out[kind] = {f: round(present[f] / items, 4) for f in fields}
    return out


def _extra_problems(found: list[dict[str, Any]]) -> list[str]:
    """What a worker's manifest names beyond what its stats give (those come again from the sum)."""
    out: list[str] = []
    for one in found:
        from_stats = set(manifest.health_problems(one["stats"], one["finish_reason"], _rate(one)))
        out += [p for p in one["problems"] if p not in from_stats and p not in out]
    return out


def _rate(found: dict[str, Any]) -> float:
    return float(found["settings"].get("HEALTH_MAX_ERROR_RATE", 0.05))
