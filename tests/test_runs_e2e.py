"""Starting a run: what is refused and how, one run per state, and the exit status of every entry
point (``scrapy crawl``, ``python -m newscrawl run``, ``make crawl``)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from newscrawl import statkeys
from newscrawl.layout import RunLayout
from tests.conftest import (
    ROOT,
    Replica,
    SmallDisk,
    archive,
    assert_archive_is_truth,
    free_port,
    run_crawl,
    start_replica,
)

pytestmark = pytest.mark.e2e


def scrapy_crawl(url: str, exports: Path, state: Path, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={url}", "-s", f"EXPORTS_DIR={exports}",
               "-s", f"STATE_URI={state}", *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def newscrawl_run(url: str, exports: Path, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "newscrawl", "run", "-a", f"start_url={url}", "-s", f"EXPORTS_DIR={exports}",
               "-s", f"STATE_URI={state}", *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def make_crawl(url: str, exports: Path, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # The target's polite settings apply, but for AutoThrottle's first delay (5 s), not what is tested here.
    args = " ".join([f"-a start_url={url}", f"-s EXPORTS_DIR={exports}", f"-s STATE_URI={state}",
                     "-s AUTOTHROTTLE_START_DELAY=0.2", *extra])
    return subprocess.run(["make", "-s", "crawl", f"ARGS={args}"], cwd=ROOT, capture_output=True, text=True, timeout=300)


ENTRY_POINTS: dict[str, Callable[..., subprocess.CompletedProcess[str]]] = {
    "scrapy crawl": scrapy_crawl, "python -m newscrawl run": newscrawl_run, "make crawl": make_crawl}


@pytest.fixture(scope="session")  # once a worker, though other modules' tests run between its own
def archived(forty_replica: Replica, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Exports holding one complete run of the replica (forty articles), and its state."""
    replica = forty_replica
    folder = tmp_path_factory.mktemp("archived")
    result = run_crawl(replica.url + "news/", folder / "exports", "-s", f"STATE_URI={folder / 'state.sqlite'}",
                       run_id="first")
    assert result.returncode == 0, result.log[-2000:]
    return folder / "exports", folder / "state.sqlite"


@pytest.fixture
def copy_of(archived: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    exports, state = archived
    shutil.copytree(exports, tmp_path / "exports")
    shutil.copy(state, tmp_path / "state.sqlite")
    return tmp_path / "exports", tmp_path / "state.sqlite"


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("newscrawl: ") and all(w in line for w in words), line
    return line


@pytest.mark.parametrize("loss", ["deleted", "emptied", "mistyped"])
def test_a_lost_state_refuses_to_run(forty_replica: Replica, copy_of: tuple[Path, Path], loss: str) -> None:
    replica = forty_replica
    exports, state = copy_of
    if loss == "deleted":
        state.unlink()
    elif loss == "emptied":
        with sqlite3.connect(state) as db:
            db.executescript("DELETE FROM articles; DELETE FROM comments; DELETE FROM meta;")
    else:
        state = state.parent / "no-such-folder" / "state.sqlite"
    refused(scrapy_crawl(replica.url + "news/", exports, state), "missing or empty", "rebuild_state=1", "STATE_INIT=1")
    assert sorted(p.name for p in (exports / "vpk").iterdir()) == ["first"], "no run folder for a refused run"
    assert not (state.parent / "no-such-folder").exists() or loss != "mistyped"


def test_a_corrupt_state_refuses_to_run_with_the_fix(forty_replica: Replica, copy_of: tuple[Path, Path]) -> None:
    replica = forty_replica
    exports, state = copy_of
    state.write_bytes(b"this is not a database" * 100)
    line = refused(scrapy_crawl(replica.url + "news/", exports, state), str(state), "move it aside", "rebuild_state=1")
    assert "site" not in line


def test_rebuild_state_recovers_a_lost_state_with_zero_duplicates(forty_replica: Replica, copy_of: tuple[Path, Path]) -> None:
    replica = forty_replica
    exports, state = copy_of
    state.unlink()
    for file in state.parent.glob("state.sqlite-*"):
        file.unlink()
    result = scrapy_crawl(replica.url + "news/", exports, state, "-a", "rebuild_state=1", "-a", "run_id=after")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "state rebuilt from 1 runs" in result.stderr
    manifest = json.loads(RunLayout(exports / "vpk" / "after").manifest.read_text())
    assert manifest["counts"]["articles"]["new"] == 0 and manifest["counts"]["comments"]["new"] == 0
    assert_archive_is_truth(exports, replica)


def test_state_init_starts_afresh_on_purpose(forty_replica: Replica, copy_of: tuple[Path, Path]) -> None:
    replica = forty_replica
    exports, state = copy_of
    state.unlink()
    result = scrapy_crawl(replica.url + "news/", exports, state, "-s", "STATE_INIT=1", "-a", "run_id=afresh")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(archive(exports)[("article", "232118")]) == 2  # exported again, as asked


@pytest.mark.parametrize(("argument", "words"), [
    ("fulll=1", ["unknown spider argument(s) fulll", "accepted: start_url, run_id, full, force, rebuild_state"]),
    ("full=yes", ["full='yes'", "expected 1 or 0"]),
    ("start_url=vpk.name/news", ["is not an http(s) URL"]),
])
def test_arguments_it_cannot_read_are_an_error(tmp_path: Path, argument: str, words: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", argument,
                             "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    refused(result, *words)
    assert not (tmp_path / "exports" / "vpk").exists() or not any((tmp_path / "exports" / "vpk").iterdir())


def test_two_crawls_started_together_never_share_a_run(replica: Replica, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={replica.url}news/",
               "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"]
    procs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = sorted((p.wait(timeout=300), p.stderr.read()) for p in procs if p.stderr)
    assert [code for code, _ in results] == [0, 75], results[1][1][-2000:]
    assert "another run holds" in results[1][1] and "Traceback" not in results[1][1]
    assert len(list((tmp_path / "exports" / "vpk").iterdir())) == 1
    assert_archive_is_truth(tmp_path / "exports", replica)


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_exit_status_of_a_good_run_and_an_unreachable_site(small_replica: Replica, tmp_path: Path,
                                                          entry_point: str) -> None:
    run = ENTRY_POINTS[entry_point]
    good = run(small_replica.url + "news/", tmp_path / "exports", tmp_path / "state.sqlite")
    assert good.returncode == 0, good.stderr[-2000:]
    assert "healthy" in good.stderr.strip().splitlines()[-1]
    closed = f"http://127.0.0.1:{free_port()}/news/"
    down = run(closed, tmp_path / "down", tmp_path / "down.sqlite", "-s", "RETRY_TIMES=1")
    assert down.returncode != 0
    assert "NOT healthy" in down.stderr and "the site could not be reached: it refuses connections; 0 pages" in down.stderr
    assert "Traceback" not in down.stderr


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_exit_status_on_a_full_disk(replica: Replica, tmp_path: Path, entry_point: str, small_disk: SmallDisk) -> None:
    small_disk.mount("800k")
    result = ENTRY_POINTS[entry_point](replica.url + "news/", small_disk.path, tmp_path / "state.sqlite")
    assert result.returncode != 0
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr


def test_a_page_that_failed_for_good_is_fetched_again_by_the_next_run(tmp_path: Path) -> None:
    """With no retries, the replica's faults (500, 503, dropped and cut connections, each once per
    URL) fail listing, article and comment pages for good; the next run completes the rest."""
    replica, proc = start_replica("--faults", "--articles", "120")
    try:
        exports = tmp_path / "exports"
        first = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                          "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=3", run_id="faulty")
        assert first.returncode == 1
        manifest = json.loads(RunLayout(first.run_dir).manifest.read_text())
        assert manifest["stats"][statkeys.COMMENT_PAGES_FAILED] > 0
        assert manifest["counts"]["left_for_next_run"] > 0
        second = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={tmp_path / 'state.sqlite'}", run_id="next")
        assert second.returncode == 0, second.log[-2000:]
        assert second.stats[statkeys.visit("retry")] > 0
        assert_archive_is_truth(exports, replica)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unwritable_exports_refuse_to_run(replica: Replica, tmp_path: Path) -> None:
    (tmp_path / "exports").write_text("a file where the exports folder should be")
    refused(scrapy_crawl(replica.url + "news/", tmp_path / "exports", tmp_path / "state.sqlite"),
            "cannot write to the exports folder")


@pytest.mark.parametrize("flag", ["-o", "-O"])
def test_scrapy_output_flags_point_to_the_dataset(tmp_path: Path, flag: str) -> None:
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "vpk", flag, str(tmp_path / "out.json"),
                             "-s", f"EXPORTS_DIR={tmp_path / 'exports'}"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    refused(result, "python -m newscrawl dataset")
    assert not (tmp_path / "out.json").exists()


def test_an_article_that_runs_cannot_finish_is_given_up_counted_and_logged(forty_replica: Replica,
                                                                          copy_of: tuple[Path, Path]) -> None:
    replica = forty_replica
    exports, state = copy_of
    gone = f"{replica.url}news/999999_udalena.html"  # the site answers 404
    with sqlite3.connect(state) as db:
        db.execute("INSERT INTO frontier VALUES ('999999', ?, '')", (gone,))
    tries = [scrapy_crawl(replica.url + "news/", exports, state, "-s", "FRONTIER_MAX_RUNS=1", "-a", f"run_id=try{n}")
             for n in range(2)]
    first, second = (json.loads(RunLayout(exports / "vpk" / f"try{n}").manifest.read_text()) for n in range(2))
    assert first["counts"]["failed"] == {"404": 1} and first["counts"]["given_up"] == 0
    assert second["counts"]["given_up"] == 1 and second["counts"]["errors"] == 0
    assert "Gave up on article 999999" in tries[1].stderr
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM frontier WHERE article_id = '999999'").fetchone() == (0,)
