"""The WARC archive of each run, and a re-extraction from it without the site."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newscrawl import statkeys
from newscrawl.layout import RunLayout
from tests.breaker import breaking_settings
from tests.conftest import ROOT, Site, dataset_records, run_crawl

pytestmark = pytest.mark.e2e


def test_a_broken_selector_is_repaired_from_the_archive_without_the_site(tmp_path: Path) -> None:
    exports, state = tmp_path / "exports", tmp_path / "state.sqlite"
    site = Site("--articles", "40")
    replica = site.day(0)
    truth = replica.truth()
    try:
        broken = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={state}", *breaking_settings(),
                           run_id="broken")
    finally:
        site.stop()  # from here on, the site is gone
    assert broken.returncode == 1 and "article rights_holder on 0%" in broken.log
    assert all(a["rights_holder"] is None for a in broken.records("articles"))
    warc = json.loads(RunLayout(broken.run_dir).manifest.read_text())["archive"]
    assert warc["records"] > 2 * 40 and warc["bytes"] == RunLayout(broken.run_dir).archive.stat().st_size

    again = subprocess.run([sys.executable, "-m", "newscrawl", "reextract", "--runs", "broken",
                            "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    manifest = json.loads(Path(json.loads(again.stdout.strip().splitlines()[-1])["manifest"]).read_text())
    stats = manifest["stats"]
    assert stats[statkeys.REEXTRACTED_PAGES] == manifest["counts"]["pages"] > 0  # every page from the archive
    assert manifest["counts"]["errors"] == 0 and "Connection refused" not in again.stderr
    assert manifest["counts"]["articles"]["corrected"] == 41  # each article of the run, made again
    assert manifest["counts"]["articles"]["changed"] == 0 and manifest["counts"]["comments"]["deleted"] == 0

    subprocess.run([sys.executable, "-m", "newscrawl", "dataset", "-s", f"EXPORTS_DIR={exports}",
                    "-s", f"DATASET_DIR={tmp_path / 'dataset'}"], cwd=ROOT, check=True, capture_output=True)
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for name, key in (("articles", "article_id"), ("comments", "comment_id")):
        for record in dataset_records(tmp_path / "dataset", name):
            current[(name, record[key])] = record
    want = {(r["_type"] + "s", r["article_id"] if r["_type"] == "article" else r["comment_id"]): r for r in truth}
    assert current.keys() == want.keys()
    for key, record in want.items():
        assert {f: current[key][f] for f in record if f not in ("_type", "page_url")} == \
               {f: v for f, v in record.items() if f not in ("_type", "page_url")}, key


def dataset_rows(exports: Path, out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    subprocess.run([sys.executable, "-m", "newscrawl", "dataset", "-s", f"EXPORTS_DIR={exports}",
                    "-s", f"DATASET_DIR={out}"], cwd=ROOT, check=True, capture_output=True)
    rows = {}
    for name, key in (("articles", "article_id"), ("comments", "comment_id")):
        for record in dataset_records(out, name):
            rows[(name, record[key])] = record
    return rows


def test_reextracting_an_older_run_corrects_that_run_and_moves_nothing_later(tmp_path: Path) -> None:
    """Day 0, day 1, then day 0's archive read again: its records as observed then, no deletion
    declared, the archive as it stands still day 1's, the state's last sightings unmoved."""
    exports, state = tmp_path / "exports", tmp_path / "state.sqlite"
    site = Site("--articles", "40")
    try:
        for day in (0, 1):
            result = run_crawl(site.day(day).url + "news/", exports, "-s", f"STATE_URI={state}", run_id=f"day{day}")
            assert result.returncode == 0, result.log[-2000:]
    finally:
        site.stop()
    before = dataset_rows(exports, tmp_path / "before")
    again = subprocess.run([sys.executable, "-m", "newscrawl", "reextract", "--runs", "day0",
                            "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    run = Path(json.loads(again.stdout.strip().splitlines()[-1])["manifest"]).parent
    records = [json.loads(line) for name in ("articles", "comments")
               for line in (run / f"{name}.jsonl").open(encoding="utf-8")]
    assert not any(r.get("deleted") for r in records)
    day0 = {(r.get("comment_id") or r["article_id"]): r for name in ("articles", "comments")
            for r in map(json.loads, (exports / "vpk" / "day0" / f"{name}.jsonl").open(encoding="utf-8"))}
    for record in records:  # same content as then: nothing to correct, so nothing emitted
        assert record["crawled_at"] == day0[record.get("comment_id") or record["article_id"]]["crawled_at"]
    assert dataset_rows(exports, tmp_path / "after") == before


def reextract(exports: Path, state: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    result = subprocess.run([sys.executable, "-m", "newscrawl", "reextract", "--runs", "broken", *extra,
                             "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, Path(json.loads(result.stdout.strip().splitlines()[-1])["manifest"]).parent


@pytest.fixture(scope="session")
def broken_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run of a 40-article site with a selector broken (no rights holder), and the site gone."""
    folder = tmp_path_factory.mktemp("broken")
    exports, state = folder / "exports", folder / "state.sqlite"
    site = Site("--articles", "40")
    try:
        broken = run_crawl(site.day(0).url + "news/", exports, "-s", f"STATE_URI={state}", *breaking_settings(),
                           run_id="broken")
    finally:
        site.stop()
    assert broken.returncode == 1
    return exports, state


@pytest.fixture
def broken(broken_once: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of that run's exports and state, for one test to re-extract."""
    shutil.copytree(broken_once[0], tmp_path / "exports")
    shutil.copy(broken_once[1], tmp_path / "state.sqlite")
    return tmp_path / "exports", tmp_path / "state.sqlite"


def test_reextraction_over_workers_gives_what_one_process_gives(broken: tuple[Path, Path], tmp_path: Path) -> None:
    """``-j 3`` deals whole articles out to three worker crawls and merges them into one run
    folder: the same records (in another order), the same state, the same counts, no part left."""
    import csv
    import sqlite3

    exports, state = broken
    shutil.copy(state, tmp_path / "state-one.sqlite")
    one, one_run = reextract(exports, tmp_path / "state-one.sqlite", "-j", "1")
    three, three_run = reextract(exports, state, "-j", "3")
    assert "(3 workers)" in three.stderr
    assert sorted(p.name for p in (exports / "vpk").iterdir()) == sorted(["broken", one_run.name, three_run.name])
    for name in ("articles", "comments"):
        records = [sorted((run / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()) for run in (one_run, three_run)]
        assert records[0] == records[1] and (records[0] or name == "comments"), name  # the comments were right
        assert (three_run / f"{name}.csv").read_bytes() == (one_run / f"{name}.csv").read_bytes() or sorted(
            csv.reader((three_run / f"{name}.csv").open(encoding="utf-8-sig", newline=""))) == sorted(
            csv.reader((one_run / f"{name}.csv").open(encoding="utf-8-sig", newline=""))), name
    with_one, with_three = (json.loads(r.stdout.strip().splitlines()[-1]) for r in (one, three))
    assert with_three["counts"] == with_one["counts"] and with_three["healthy"] == with_one["healthy"]

    def table(path: Path, name: str) -> list[tuple[Any, ...]]:
        return sorted(sqlite3.connect(path).execute(f"SELECT * FROM {name}"))

    for name in ("articles", "comments"):
        assert table(state, name) == table(tmp_path / "state-one.sqlite", name), name


def test_ctrl_c_during_reextraction_over_workers_closes_each_part_as_a_run(broken: tuple[Path, Path]) -> None:
    """Ctrl-C reaches the command and its workers (one process group, as on a terminal) while
    they start one after another: each worker that began closes its part as a run of its own,
    and the command says so in one line and exits 130."""
    from newscrawl.runs.runfolder import is_alive

    exports, state = broken
    command = subprocess.Popen([sys.executable, "-m", "newscrawl", "reextract", "--runs", "broken", "-j", "2",
                                "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(is_alive(p) for p in (exports / "vpk").glob("*.part0")):
        assert time.monotonic() < deadline and command.poll() is None, "the first worker did not start"
        time.sleep(0.01)
    os.killpg(command.pid, signal.SIGINT)
    _, stderr = command.communicate(timeout=120)
    parts = sorted((exports / "vpk").glob("*.part*"))  # folders only: each worker's lock file is gone
    assert command.returncode == 130, stderr[-3000:]
    assert "reextract.py" not in stderr, "no traceback of the command's own"
    assert stderr.strip().splitlines()[-1].endswith(
        f"interrupted; its parts are left as runs of their own: {', '.join(p.name for p in parts)}")
    assert parts and parts[0].name.endswith(".part0") and not any(is_alive(p) for p in parts)
    # A worker stopped while its crawl was still opening leaves its part as a run that died: the
    # next run recovers it, as it recovers any.
    again, _ = reextract(exports, state, "-j", "1")
    for part in parts:
        found = json.loads(RunLayout(part).manifest.read_text())
        assert found["finish_reason"] in ("shutdown", "finished") or found.get("recovered_at"), found


def test_a_killed_reextraction_stops_its_workers_which_close_their_parts(broken: tuple[Path, Path]) -> None:
    """The command holds the state's run lock for its workers: killed (SIGKILL, no chance to stop
    them), it takes them with it (each stops as after Ctrl-C, its part closed as a run), rather
    than leave them writing to the state while the next run takes the lock."""
    from newscrawl.runs.runfolder import is_alive

    exports, state = broken
    command = subprocess.Popen([sys.executable, "-m", "newscrawl", "reextract", "--runs", "broken", "-j", "2",
                                "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(is_alive(p) for p in (exports / "vpk").glob("*.part0")):
        assert time.monotonic() < deadline and command.poll() is None, "the first worker did not start"
        time.sleep(0.01)
    command.kill()
    command.wait()
    while any(is_alive(p) for p in (exports / "vpk").glob("*.part*")):
        assert time.monotonic() < deadline, "a worker outlived the command"
        time.sleep(0.05)
    assert list((exports / "vpk").glob(".*.part0.lock")), "premise: the killed command left its worker's lock"
    reextract(exports, state, "-j", "2")  # the next one: it recovers a part stopped while it opened
    parts = sorted((exports / "vpk").glob("*.part*"))  # folders only: the lock file is gone
    assert [p.name[-6:] for p in parts] == [".part0"], "the second worker never started"
    found = json.loads((parts[0] / "manifest.json").read_text())
    assert found["finish_reason"] == "shutdown" or found.get("recovered_at"), found
