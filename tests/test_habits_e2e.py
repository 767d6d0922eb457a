"""The site changes its habits (``tests/replica/habits.py``): a page whose comments are down proves
no deletion, a moderator's placeholder is a deletion of its own kind, a later version can be
undone, and a new page size or order is read from the pages and followed.

Each scenario crawls the replica day after day (day 0 as it was, then the habit), and either
back to the site as it was or keeping the habit for good. Every run: no false deletion, nothing
twice; a run that met what it could not trust is not healthy. At the end the archive's current
records, and the dataset's in every format, are the truth.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from newscrawl.layout import RunLayout
from tests.conftest import ROOT, CrawlResult, Key, Replica, Site, archive, dataset_records, record_key, run_crawl

pytestmark = pytest.mark.e2e
QUICK = ["-s", "BROKEN_PAGE_BACKOFF=0.05", "-s", "DOWNLOAD_TIMEOUT=5"]
ARTICLES = ("--articles", "40")

# habit → (its arguments, the days it is shown, the last day crawled)
SCENARIOS = {
    # Each article whose comments are down shows the block empty or shows none.
    "comments_down": (("--comments-down", "empty", "--comments-down", "missing", "--comments-down-share", "40"),
                      {1, 2}, 3),
    # A moderator's placeholders (in the site's own words) on days 1 and 2, undone on day 3.
    "moderated": (("--moderated", "7", "--moderation-text", "Сообщение удалено модератором"), {1, 2}, 3),
    # A new page size and a new order at once (each alone: tests/crawl/test_commentwalk.py).
    "page_size_and_order_for_good": (("--comments-per-page", "50", "--newest-first"), {1, 2}, 2),
}


def truth(replica: Replica) -> dict[Key, dict[str, Any]]:
    return {record_key(r): {k: v for k, v in r.items() if k not in ("_type", "page_url")} for r in replica.truth()}


def current(exports: Path) -> dict[Key, dict[str, Any]]:
    """Each item's latest version in the archive."""
    return {key: max(versions, key=lambda r: r["version"]) for key, versions in archive(exports).items()}


def assert_current_is_truth(got: dict[Key, dict[str, Any]], want: dict[Key, dict[str, Any]], ever: set[Key]) -> None:
    """What the site shows now is what the archive holds now; what it no longer shows is deleted."""
    alive = {k for k, r in got.items() if not r.get("deleted")}
    assert alive == {k for k, r in want.items() if not r.get("deleted")}, (
        f"missing {sorted(want.keys() - alive)[:4]}, extra {sorted(alive - want.keys())[:4]}")
    wrong = [k for k, record in want.items() if {f: got[k].get(f) for f in record} != record]
    assert wrong == [], f"{len(wrong)} items differ from the truth, e.g. {[(got.get(k), want[k]) for k in wrong[:2]]}"
    gone = {k for k, r in got.items() if r.get("deleted")} - {k for k, r in want.items() if r.get("deleted")}
    assert gone <= ever - want.keys(), f"false deletions: {sorted(gone - (ever - want.keys()))[:4]}"


def assert_run_claims_nothing_false(result: CrawlResult, today: dict[Key, dict[str, Any]], ever: set[Key]) -> None:
    records = result.records("articles") + result.records("comments")
    keys = [record_key(r) for r in records]
    assert len(keys) == len(set(keys)), "an item emitted twice in one run"
    for record in records:
        key = record_key(record)
        if record.get("deleted") and record.get("removal") != "moderated":
            assert key in ever and key not in today, f"a false deletion: {key}"
        if record.get("removal") == "moderated":
            assert today[key].get("removal") == "moderated", f"a comment taken for moderated: {key}"
            assert record["deletion_evidence"] and record["text"] is None
        elif key in today and not record.get("deleted"):
            assert {f: record.get(f) for f in today[key]} == today[key], f"a wrong record: {key}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_habit_of_the_site_gives_no_false_deletion_no_gap_and_no_wrong_value(tmp_path: Path, name: str) -> None:
    habit, days, last = SCENARIOS[name]
    site = Site(*ARTICLES)
    exports, ever, manifests = tmp_path / "exports", set(), {}
    try:
        for day in range(last + 1):
            site.args = (*ARTICLES, *habit) if day in days else ARTICLES
            replica = site.day(day)
            today = truth(replica)
            result = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                               *QUICK, run_id=f"day{day}")
            assert result.returncode in (0, 1), result.log[-2000:]
            manifests[day] = json.loads(RunLayout(result.run_dir).manifest.read_text())
            assert result.returncode == (0 if manifests[day]["healthy"] else 1)
            assert_run_claims_nothing_false(result, today, ever)
            ever |= today.keys()
            if day == max(days) and name in WHILE_SHOWN:  # the archive as it stands on the habit's last day
                WHILE_SHOWN[name](manifests, current(exports), exports, tmp_path)
    finally:
        site.stop()
    got, want = current(exports), truth(replica)
    assert_current_is_truth(got, want, ever)
    assert manifests[last]["healthy"], manifests[last]["problems"]
    EXPECTED[name](manifests, got, exports)


def _comments_down(manifests: dict[int, dict[str, Any]], got: dict[Key, dict[str, Any]], exports: Path) -> None:
    for day in (1, 2):  # the comments were down: withheld (an empty block), refused (none), unhealthy
        counts = manifests[day]["counts"]
        assert counts["absent_threads"] and counts["failed"], counts
        assert not manifests[day]["healthy"]
    assert manifests[2]["counts"]["unreadable_threads"], "a thread unread two runs in a row is named"


def _moderated_then_restored(manifests: dict[int, dict[str, Any]], got: dict[Key, dict[str, Any]],
                             exports: Path) -> None:
    moderated = manifests[1]["counts"]["comments"]["moderated"]
    assert moderated > 0 and manifests[1]["healthy"], manifests[1]["problems"]
    assert manifests[3]["counts"]["comments"]["restored"] >= moderated  # their text is current again
    assert manifests[3]["counts"]["deletions_retracted"] == 0  # a moderator's undo is no retraction of ours


def _moderated_while_shown(manifests: dict[int, dict[str, Any]], got: dict[Key, dict[str, Any]], exports: Path,
                           tmp_path: Path) -> None:
    assert manifests[2]["healthy"], manifests[2]["problems"]
    history = archive(exports)
    removed = [k for k, r in got.items() if r.get("removal") == "moderated"]
    assert removed and all(got[k]["removal_notice"] == "Сообщение удалено модератором" for k in removed)
    earlier = [k for k in removed if len(history[k]) > 1]  # seen alive on day 0: its last words stay in history
    assert earlier and all(history[k][-2]["text"] and not history[k][-2]["deleted"] for k in earlier)
    assert_dataset_is_current(tmp_path, got)  # the kinds of removal, and their proof, in every format


def _page_read(manifests: dict[int, dict[str, Any]], got: dict[Key, dict[str, Any]], exports: Path) -> None:
    for day in (1, 2):
        counts = manifests[day]["counts"]
        assert not counts["refused_pages"] and not counts["failed"], counts
        assert manifests[day]["healthy"], manifests[day]["problems"]


EXPECTED = {"comments_down": _comments_down,
            "moderated": _moderated_then_restored, "page_size_and_order_for_good": _page_read}
WHILE_SHOWN = {"moderated": _moderated_while_shown}


def assert_dataset_is_current(tmp_path: Path, got: dict[Key, dict[str, Any]]) -> None:
    """The dataset holds the archive's current records, deletions with their kind and proof, in
    JSONL, CSV, Parquet and archive.sqlite alike."""
    dataset = tmp_path / "dataset"
    subprocess.run([sys.executable, "-m", "newscrawl", "dataset", "-s", f"EXPORTS_DIR={tmp_path / 'exports'}",
                    "-s", f"DATASET_DIR={dataset}"], cwd=ROOT, check=True, capture_output=True)
    want = {k[1]: r for k, r in got.items() if k[0] == "comment"}
    rows = {r["comment_id"]: r for r in dataset_records(dataset, "comments")}
    assert rows.keys() == want.keys()
    for comment_id, record in want.items():
        row = rows[comment_id]
        assert (row["deleted"], row["removal"], row["deletion_evidence"]) == (
            record["deleted"], record.get("removal"), record["deletion_evidence"]), comment_id
        assert row["warc_record_id"] == record["warc_record_id"]
    deleted = {i for i, r in want.items() if r["deleted"]}
    frame = pd.concat(pd.read_csv(p, encoding="utf-8-sig", dtype=str, keep_default_na=False)
                      for p in sorted((dataset / "comments.csv").glob("*.csv")))
    assert set(frame.loc[frame["removal"] != "", "comment_id"]) == deleted
    parquet = pd.concat(pd.read_parquet(p) for p in sorted((dataset / "comments.parquet").glob("*.parquet")))
    assert set(parquet.loc[parquet["deleted"], "comment_id"]) == deleted
    assert all(len(e) > 0 for e in parquet.loc[parquet["deleted"], "deletion_evidence"])
    db = sqlite3.connect(dataset / "archive.sqlite")
    try:
        found = dict(db.execute("SELECT comment_id, removal FROM comments WHERE deleted"))
        proof = dict(db.execute("SELECT comment_id, deletion_evidence FROM comments WHERE deleted"))
    finally:
        db.close()
    assert found == {i: want[i]["removal"] for i in deleted}
    assert all(proof[i] for i in deleted)
