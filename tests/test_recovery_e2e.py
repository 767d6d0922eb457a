"""Runs that stop early, however they stop: the next run completes exactly the rest.

Each test interrupts a crawl of the replica (SIGKILL at chosen points, Ctrl-C, SIGTERM, a full
disk), runs again normally, and checks the archive as a whole: every article and comment of the
truth exactly once across all runs, every JSONL line whole, every CSV readable with one header.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl.layout import RunLayout
from newscrawl.pages.vpk import article_id_from_url
from tests.conftest import ROOT, Replica, SmallDisk, assert_archive_is_truth, run_crawl
from tests.killer import kill_settings

pytestmark = pytest.mark.e2e


def crawl_command(replica: Replica, tmp_path: Path, run_id: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={replica.url}news/",
            "-a", f"run_id={run_id}", "-s", f"EXPORTS_DIR={tmp_path / 'exports'}",
            "-s", f"STATE_URI={tmp_path / 'state.sqlite'}", "-s", "LOG_LEVEL=INFO", *extra]


def rerun(replica: Replica, tmp_path: Path, run_id: str = "rerun") -> None:
    result = run_crawl(replica.url + "news/", tmp_path / "exports", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                       run_id=run_id)
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log


# Spread over a run: mid comment walks, inside a state save, between flush and save, on the
# first pages of a run that starts with the frontier, and after the last commit.
KILL_POINTS = ["item:700", "save:3", "flush:2", "response:3", "item:1500", "closing:1"]


def test_killed_at_every_point_the_next_run_completes_exactly_the_rest(replica: Replica, tmp_path: Path) -> None:
    for n, point in enumerate(KILL_POINTS):
        command = crawl_command(replica, tmp_path, f"killed-{n}", "-s", "STATE_COMMIT_EVERY=100",
                                *kill_settings(point))
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == -signal.SIGKILL, f"{point} was never reached: {proc.stderr[-2000:]}"
    rerun(replica, tmp_path)
    runs = tmp_path / "exports" / "vpk"
    killed = [json.loads(RunLayout(runs / f"killed-{n}").manifest.read_text()) for n in range(len(KILL_POINTS))]
    assert {m["finish_reason"] for m in killed} == {"killed"} and not any(m["healthy"] for m in killed)
    normal = json.loads(RunLayout(runs / "rerun").manifest.read_text())
    assert all(m.keys() == normal.keys() for m in killed), "every manifest has the same keys"
    assert_archive_is_truth(tmp_path / "exports", replica)
    for folder in sorted(runs.iterdir()):
        assert_warc_holds_the_pages_of(folder)


def assert_warc_holds_the_pages_of(folder: Path) -> None:
    """The run's WARC reads to its last record and holds the page of every article it exported."""
    responses = set()
    with RunLayout(folder).archive.open("rb") as file:
        for record in ArchiveIterator(file):
            if record.rec_type == "response":
                record.content_stream().read()
                responses.add(article_id_from_url(record.rec_headers.get_header("WARC-Target-URI")))
    exported = RunLayout(folder).jsonl("article")  # absent when the run died before its first item
    articles = [json.loads(line) for line in exported.open(encoding="utf-8")] if exported.exists() else []
    assert {a["article_id"] for a in articles} <= responses  # (sidebar links name articles by other slugs)


def interrupt(command: list[str], progress: Path, signals_to_send: list[int]) -> int:
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (progress.exists() and progress.stat().st_size > 300_000) and time.monotonic() < deadline:
        time.sleep(0.02)
    for sig in signals_to_send:
        proc.send_signal(sig)
        time.sleep(0.05)
    _, stderr = proc.communicate(timeout=120)
    assert stderr.count("Traceback") == 0, stderr[-3000:]
    return proc.returncode


SIGNALS = {"ctrl-c": [signal.SIGINT], "ctrl-c-twice": [signal.SIGINT, signal.SIGINT], "sigterm": [signal.SIGTERM]}


def test_interrupted_the_next_run_completes_exactly_the_rest(replica: Replica, tmp_path: Path) -> None:
    """Three runs in a row, each interrupted its own way mid-crawl, each going on from the last."""
    for name, signals_to_send in SIGNALS.items():
        command = crawl_command(replica, tmp_path, name, "-s", "STATE_COMMIT_EVERY=100")
        comments = RunLayout(tmp_path / "exports" / "vpk" / name).jsonl("comment")
        assert interrupt(command, comments, signals_to_send) == 130, name  # interrupted: its own exit status
    rerun(replica, tmp_path)
    for name in SIGNALS:  # a run stopped at once (Ctrl-C twice) has its manifest from the next run's recovery
        manifest = json.loads(RunLayout(tmp_path / "exports" / "vpk" / name).manifest.read_text())
        assert not manifest["healthy"] and manifest["finish_reason"] in ("shutdown", "killed"), name
    assert_archive_is_truth(tmp_path / "exports", replica)


def test_a_full_disk_stops_the_run_cleanly_and_the_next_completes_the_rest(replica: Replica, tmp_path: Path,
                                                                          small_disk: SmallDisk) -> None:
    small_disk.mount("1500k")  # the exports of the default replica (~4.5 MB) fill it mid-run
    disk = small_disk.path
    command = [*crawl_command(replica, tmp_path, "full"), "-s", f"EXPORTS_DIR={disk}", "-s", "STATE_COMMIT_EVERY=100"]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.count(" ERROR: ") == 1, proc.stderr[-3000:]
    assert "No space left on device" in proc.stderr.splitlines()[-1]
    manifest = json.loads(RunLayout(disk / "vpk" / "full").manifest.read_text())
    assert manifest["finish_reason"] == "export_failed" and not manifest["healthy"]
    small_disk.resize("64m")
    result = run_crawl(replica.url + "news/", disk, "-s", f"STATE_URI={tmp_path / 'state.sqlite'}", run_id="rerun")
    assert result.returncode == 0, result.log[-3000:]
    assert_archive_is_truth(disk, replica)


@pytest.mark.parametrize("written", [0, 20_000])
def test_a_first_run_killed_before_its_first_commit_does_not_block_the_next(forty_replica: Replica, tmp_path: Path,
                                                                            written: int) -> None:
    """SIGKILL of the very first run before it committed anything (a reboot, an OOM): the state is
    empty, and the next run proceeds (exit 0), cutting the dead run back to nothing."""
    replica = forty_replica
    proc = subprocess.Popen(crawl_command(replica, tmp_path, "first", "-s", "STATE_COMMIT_EVERY=1000000"),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    comments = RunLayout(tmp_path / "exports" / "vpk" / "first").jsonl("comment")
    deadline = time.monotonic() + 60
    while not (comments.exists() and comments.stat().st_size >= written) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rerun(replica, tmp_path)
    dead = json.loads(RunLayout(tmp_path / "exports" / "vpk" / "first").manifest.read_text())
    assert dead["finish_reason"] == "killed" and comments.stat().st_size == 0
    assert_archive_is_truth(tmp_path / "exports", replica)


def test_a_dead_run_copied_elsewhere_before_its_recovery_keeps_what_it_committed(replica: Replica,
                                                                                tmp_path: Path) -> None:
    """The state keys a run's checkpoint by its run id: a folder moved (another machine, another
    disk) before a run recovers it is cut back to what was committed, not to nothing."""
    proc = subprocess.Popen(crawl_command(replica, tmp_path, "moved", "-s", "STATE_COMMIT_EVERY=100"),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    comments = RunLayout(tmp_path / "exports" / "vpk" / "moved").jsonl("comment")
    deadline = time.monotonic() + 120
    while not (comments.exists() and comments.stat().st_size > 300_000) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    shutil.move(tmp_path / "exports", tmp_path / "elsewhere")
    result = run_crawl(replica.url + "news/", tmp_path / "elsewhere", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                       run_id="rerun")
    assert result.returncode == 0, result.log[-3000:]
    moved = tmp_path / "elsewhere" / "vpk" / "moved"
    assert json.loads(RunLayout(moved).manifest.read_text())["finish_reason"] == "killed"
    assert RunLayout(moved).jsonl("comment").stat().st_size > 0  # what it committed, kept
    assert_archive_is_truth(tmp_path / "elsewhere", replica)
