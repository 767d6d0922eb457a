"""Pages that lie, and output that bites: a broken page is never stored as the truth, and no
CSV newscrawl writes is a live spreadsheet.

The replica serves the lies (``--lie KIND``, several at once) on a quarter of the pages they
concern, for every attempt; the run must store no broken record, count each fault in its
manifest, and leave the rest to the next run, which completes the archive once the site tells
the truth again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from newscrawl import statkeys
from newscrawl.layout import RunLayout
from tests.conftest import CrawlResult, Key, Replica, Site, assert_archive_is_truth, record_key, run_crawl

pytestmark = pytest.mark.e2e
QUICK = ["-s", "BROKEN_PAGE_BACKOFF=0.05", "-s", "DOWNLOAD_TIMEOUT=2"]


def crawl(replica: Replica, tmp_path: Path, run_id: str, *extra: str) -> CrawlResult:
    return run_crawl(replica.url + "news/", tmp_path / "exports", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                     *QUICK, *extra, run_id=run_id)


def truth(replica: Replica) -> dict[Key, dict[str, Any]]:
    return {record_key(r): {k: v for k, v in r.items() if k not in ("_type", "page_url")} for r in replica.truth()}


def assert_nothing_broken(result: CrawlResult, want: dict[Key, dict[str, Any]]) -> None:
    """Every record of the run is exactly what the site really says; none is a deletion."""
    for record in result.records("articles") + result.records("comments"):
        key = record_key(record)
        assert not record.get("deleted"), f"a false deletion: {key}"
        assert {f: record[f] for f in want[key]} == want[key], f"a broken record: {key}"


# lie → what the manifest must show of it
LIES = {
    "cut": lambda m: m["counts"]["broken_pages"] and m["counts"]["failed"]["broken_page"],
    "empty": lambda m: m["counts"]["broken_pages"]["article"] and m["counts"]["failed"]["broken_page"],
    "login": lambda m: m["counts"]["broken_pages"]["article"] and m["counts"]["failed"]["broken_page"],
    "huge": lambda m: m["counts"]["failed"].get("DownloadCancelledError") and not m["healthy"],
    "offhost": lambda m: m["counts"]["failed"]["offsite"] and m["stats"][statkeys.OFFSITE_BLOCKED],
    "slow": lambda m: m["counts"]["failed"]["DownloadTimeoutError"],
}


def test_pages_that_lie_are_counted_never_stored_and_the_next_run_completes(tmp_path: Path) -> None:
    """Every lie at once, each on its own pages: each is met as what it is."""
    lies = [arg for lie in LIES for arg in ("--lie", lie)]
    site = Site("--articles", "40", *lies)
    try:
        lying = site.day(0)
        want = truth(lying)
        first = crawl(lying, tmp_path, "lying")
        assert first.returncode == 1, first.log[-2000:]
        manifest = json.loads(RunLayout(first.run_dir).manifest.read_text())
        met = {lie: bool(check(manifest)) for lie, check in LIES.items()}
        assert all(met.values()), (met, manifest["counts"])
        assert manifest["counts"]["left_for_next_run"] > 0
        assert_nothing_broken(first, want)
        # a page that dribbles is tried twice, not five times
        timeouts = manifest["counts"]["failed"]["DownloadTimeoutError"]
        assert manifest["stats"]["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] <= timeouts
        site.args = ("--articles", "40")
        honest = site.day(0)
        second = crawl(honest, tmp_path, "honest")
        assert second.returncode == 0, second.log[-2000:]
        assert_archive_is_truth(tmp_path / "exports", honest)
    finally:
        site.stop()


def test_a_revisit_that_meets_lies_changes_nothing(tmp_path: Path) -> None:
    """A forced revisit that meets broken pages writes no nulls over good versions and reports no
    comment as deleted."""
    site = Site("--articles", "40")
    try:
        first = crawl(site.day(0), tmp_path, "first")
        assert first.returncode == 0, first.log[-2000:]
        site.args = ("--articles", "40", "--lie", "cut", "--lie", "empty", "--lie", "login")
        revisit = crawl(site.day(0), tmp_path, "revisit", "-a", "force=1")
        assert revisit.stats[statkeys.broken_page("article")] > 0
        assert revisit.records("articles") == [] and revisit.records("comments") == []
    finally:
        site.stop()


# Lies a run gets through by itself: text in a mislabelled charset is read right, and a 429
# answer is retried after its Retry-After.
SURVIVED = {
    "charset": lambda stats: stats[statkeys.CHARSET_CORRECTED] > 0,
    "throttle": lambda stats: 0 < stats[statkeys.RETRY_AFTER_WAITS] <= stats[statkeys.RETRY_AFTER_SECONDS],
}


def test_a_run_gets_through_some_lies_by_itself(tmp_path: Path) -> None:
    site = Site("--articles", "40", *(arg for lie in SURVIVED for arg in ("--lie", lie)))
    try:
        replica = site.day(0)
        result = crawl(replica, tmp_path, "survived")
        assert result.returncode == 0, result.log[-2000:]
        met = {lie: bool(check(result.stats)) for lie, check in SURVIVED.items()}
        assert all(met.values()), (met, result.stats)
        assert_archive_is_truth(tmp_path / "exports", replica)
    finally:
        site.stop()


@pytest.fixture(scope="session")  # once a worker, though other modules' tests run between its own
def hostile(replica_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Replica, Path]:
    replica = replica_factory("--articles", "40", "--hostile")
    folder = tmp_path_factory.mktemp("hostile")
    result = crawl(replica, folder, "hostile")
    assert result.returncode == 0, result.log[-2000:]
    return replica, result.run_dir


def test_hostile_comments_are_stored_as_text_without_code_or_controls(hostile: tuple[Replica, Path]) -> None:
    replica, run = hostile
    assert_archive_is_truth(run.parent.parent, replica)
    texts = [json.loads(line)["text"] for line in RunLayout(run).jsonl("comment").open(encoding="utf-8")]
    assert '=HYPERLINK("http://evil.example.net/","Подробнее")' in texts  # JSONL keeps the exact text
    assert not any(c in text for text in texts for c in "\x07\x1b\u202e") and not any("<script" in t for t in texts)
    assert any("\u200d" in text for text in texts)  # a zero-width joiner inside an emoji stays


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail("LibreOffice is missing: `make system-deps` installs libreoffice-calc-nogui")
    return found


@pytest.mark.parametrize("name", ["comments", "articles"])
def test_no_csv_cell_is_a_formula_in_a_real_spreadsheet(hostile: tuple[Replica, Path], tmp_path: Path, name: str) -> None:
    _, run = hostile
    profile = tmp_path / "profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(run / f"{name}.csv")],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / f"{name}.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet, "a cell became a formula"
    assert ("Азербайджан" if name == "articles" else "HYPERLINK") in strings  # Cyrillic and the text intact
