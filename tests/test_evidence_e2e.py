"""A deletion is a claim: pages that are not what they claim to be (``tests/replica/lies.py``)
make no false deletion, no moved date, no comment under the wrong article; the runs that met
them say so; the next honest run makes the archive and the dataset the truth, without force=1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newscrawl import statkeys
from newscrawl.layout import RunLayout
from tests.conftest import ROOT, CrawlResult, Key, Replica, Site, archive, dataset_records, record_key, run_crawl
from tests.replica import lies as walk_lies

pytestmark = pytest.mark.e2e
QUICK = ["-s", "BROKEN_PAGE_BACKOFF=0.05", "-s", "DOWNLOAD_TIMEOUT=5"]

# Every lie at once, each article telling one of them on every page (``replica.server._tells``), on
# days 0 to 2 (on day 0, "stale" has no earlier day to serve and tells the truth), then an honest day.
LIES = sorted(walk_lies.KINDS)
FAULTY, HONEST_DAY = (0, 1, 2), 3


def truth(replica: Replica) -> dict[Key, dict[str, Any]]:
    return {record_key(r): {k: v for k, v in r.items() if k not in ("_type", "page_url")} for r in replica.truth()}


def crawl(replica: Replica, tmp_path: Path, run_id: str) -> CrawlResult:
    result = run_crawl(replica.url + "news/", tmp_path / "exports", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                       *QUICK, run_id=run_id)
    assert result.returncode in (0, 1), result.log[-2000:]
    return result


def assert_no_false_deletion(result: CrawlResult, gone: set[Key]) -> None:
    deleted = {record_key(r) for r in result.records("comments") if r["deleted"]}
    assert deleted <= gone, f"false deletions: {sorted(deleted - gone)[:5]}"
    for record in result.records("comments"):
        if record["deleted"]:
            assert record["deletion_evidence"] and record["warc_record_id"] is None
        else:
            assert record["warc_record_id"].startswith("<urn:uuid:")


def current(exports: Path) -> dict[Key, dict[str, Any]]:
    """The archive as it stands: each item's latest version, deletions left out."""
    latest = {key: max(versions, key=lambda r: (r["version"], r["crawled_at"]))
              for key, versions in archive(exports).items()}
    return {k: r for k, r in latest.items() if not r.get("deleted")}


def test_pages_that_lie_about_what_they_are_claim_nothing_and_the_next_run_repairs(tmp_path: Path) -> None:
    faulty, honest_day = FAULTY, HONEST_DAY
    site = Site("--articles", "40")
    ever: dict[Key, dict[str, Any]] = {}
    lying = tuple(arg for lie in LIES for arg in ("--lie", lie))
    try:
        for day in range(honest_day):
            site.args = ("--articles", "40", *lying) if day in faulty else ("--articles", "40")
            replica = site.day(day)
            today = truth(replica)
            result = crawl(replica, tmp_path, f"day{day}")
            assert_no_false_deletion(result, set(ever) - set(today))
            ever.update(today)
            if day in faulty:
                manifest = json.loads(RunLayout(result.run_dir).manifest.read_text())
                assert not manifest["healthy"] and result.returncode == 1, manifest["counts"]
                assert manifest["counts"]["deletions_retracted"] == 0
                # Each lie met, as what it is: page 1 for page N, another thread, a comment twice,
                # a thread that changed under the walk, a challenge page with no comments block.
                refused = {kind for kind in ("wrong_page", "other_article", "repeated", "total_changed")
                           if result.stats.get(statkeys.refused_page(kind))}
                assert refused == {"wrong_page", "other_article", "repeated", "total_changed"}, refused
                assert result.stats.get(statkeys.broken_page("comments"))
        site.args = ("--articles", "40")
        replica = site.day(honest_day)
        want = truth(replica)
        result = crawl(replica, tmp_path, f"day{honest_day}")
        assert result.returncode == 0, result.log[-2000:]
        assert_no_false_deletion(result, set(ever) - set(want))
    finally:
        site.stop()
    got = current(tmp_path / "exports")
    assert got.keys() == want.keys(), f"missing {sorted(want.keys() - got.keys())[:4]}, extra {sorted(got.keys() - want.keys())[:4]}"
    wrong = [k for k, record in want.items() if {f: got[k][f] for f in record} != record]
    assert wrong == [], f"{len(wrong)} items differ from the truth, e.g. {wrong[:3]}"

    subprocess.run([sys.executable, "-m", "newscrawl", "dataset", "-s", f"EXPORTS_DIR={tmp_path / 'exports'}",
                    "-s", f"DATASET_DIR={tmp_path / 'dataset'}"], cwd=ROOT, check=True, capture_output=True)
    rows: dict[Key, dict[str, Any]] = {}
    for name, kind in (("articles", "article"), ("comments", "comment")):
        for record in dataset_records(tmp_path / "dataset", name):
            if not record.get("deleted"):
                rows[(kind, record["article_id"] if kind == "article" else record["comment_id"])] = record
    assert rows.keys() == want.keys()
    assert all({f: rows[k][f] for f in record} == record for k, record in want.items())

    deletion = next(r for name in (f"day{d}" for d in range(1, honest_day + 1)) for r in
                    CrawlResult(tmp_path / "exports" / "vpk" / name, 0, "").records("comments") if r["deleted"])
    shown = evidence(tmp_path, deletion["comment_id"])
    assert f"comment of article {deletion['article_id']} (deleted: gone from its thread)" in shown
    assert "walk 1, page 1: " in shown and "walk 2, page 1: " in shown  # each proof page labelled with its walk
    assert shown.count("(not on this page)") == len(deletion["deletion_evidence"]) >= 2 and " not in " not in shown
    alive = next(r for r in want.values() if "comment_id" in r and r["text"])
    assert " ".join(alive["text"].split())[:40] in evidence(tmp_path, alive["comment_id"])


def evidence(tmp_path: Path, item_id: str) -> str:
    """``python -m newscrawl evidence ID``, as a researcher runs it before citing a record."""
    done = subprocess.run([sys.executable, "-m", "newscrawl", "evidence", item_id, "-s",
                           f"EXPORTS_DIR={tmp_path / 'exports'}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
