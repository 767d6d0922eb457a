"""Scheduled runs against the replica's days: only what is new or changed, nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from newscrawl.layout import RunLayout
from tests.conftest import ROOT, CrawlResult, RedisServer, Replica, Site, run_crawl

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "redis"])
def state_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The state store, in a SQLite file or in a real Redis server started for the test."""
    if request.param == "sqlite":
        yield str(tmp_path / "state" / "newscrawl.sqlite")
        return
    server = RedisServer()
    yield server.url
    server.stop()


def key(record: dict[str, Any]) -> tuple[str, str]:
    kind = record.get("_type") or ("article" if "title" in record else "comment")
    return kind, record["article_id"] if kind == "article" else record["comment_id"]


def emitted(result: CrawlResult) -> dict[tuple[str, str], dict[str, Any]]:
    records = result.records("articles") + result.records("comments")
    counts = Counter(key(r) for r in records)
    assert [k for k, n in counts.items() if n > 1] == [], "emitted twice in one run"
    return {key(r): r for r in records}


def truth_by_key(replica: Replica) -> dict[tuple[str, str], dict[str, Any]]:
    return {key(r): {k: v for k, v in r.items() if k != "_type"} for r in replica.truth()}


def content(record: dict[str, Any]) -> dict[str, Any]:
    """What the page says of an item; a comment moving to another page is no change."""
    return {k: v for k, v in record.items() if k != "page_url"}


def crawl(replica: Replica, exports: Path, state_uri: str, run_id: str, *extra: str) -> CrawlResult:
    result = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={state_uri}", *extra, run_id=run_id)
    assert result.returncode == 0, result.log[-2000:]
    return result


def test_each_run_emits_only_what_changed(site: Site, state_uri: str, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    day0 = site.day(0)
    first = crawl(day0, exports, state_uri, "day0")
    truth0 = truth_by_key(day0)
    assert emitted(first).keys() == truth0.keys()
    assert all(r["version"] == 1 for r in emitted(first).values())

    day1 = site.day(1)
    second = emitted(crawl(day1, exports, state_uri, "day1"))
    truth1 = truth_by_key(day1)
    changed = {k for k, r in truth1.items() if k not in truth0 or content(r) != content(truth0[k])}
    deleted = set(truth0) - set(truth1)
    assert {k[0] for k in changed} == {"article", "comment"} and len(deleted) == 1
    assert set(second) == changed | deleted
    for k in changed:
        assert {f: second[k][f] for f in truth1[k]} == truth1[k]
        assert second[k]["version"] == (2 if k in truth0 else 1)
        assert second[k]["first_seen_at"] == ("2018-09-16T09:00:00+00:00" if k in truth0 else second[k]["crawled_at"])
    (gone,) = deleted
    assert second[gone]["deleted"] is True and second[gone]["version"] == 2
    edited = [k for k in changed if k[0] == "comment" and k in truth0]
    assert edited and all(second[k]["text"].endswith("UPD: поправил опечатку.") for k in edited)
    revived = [k for k in changed if k[0] == "comment" and k not in truth0
               and truth1[("article", truth1[k]["article_id"])]["published_at"] < "2018-09-08"]
    assert revived, "new comments on an old article, learnt of through the sidebar"

    third = crawl(day1, exports, state_uri, "day1-again")
    assert emitted(third) == {}
    assert third.stats["response_received_count"] <= 0.05 * first.stats["response_received_count"]


def test_a_killed_run_is_redone_exactly(site: Site, state_uri: str, tmp_path: Path) -> None:
    """SIGKILL halfway, then a rerun: every item of the day exported exactly once across both runs."""
    exports = tmp_path / "exports"
    replica = site.day(0)
    command = [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={replica.url}news/",
               "-a", "run_id=killed", "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state_uri}",
               "-s", "STATE_COMMIT_EVERY=100", "-s", "CONCURRENT_REQUESTS=2"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    comments = RunLayout(exports / "vpk" / "killed").jsonl("comment")
    deadline = time.monotonic() + 120
    while not (comments.exists() and comments.stat().st_size > 600_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_before = comments.stat().st_size

    rerun = crawl(replica, exports, state_uri, "rerun")
    assert rerun.stats["state/recovered_runs"] == 1
    killed = CrawlResult(exports / "vpk" / "killed", -9, "")
    assert json.loads(RunLayout(killed.run_dir).manifest.read_text())["finish_reason"] == "killed"
    assert 0 < comments.stat().st_size <= killed_before
    both = Counter(key(r) for run in (killed, rerun) for name in ("articles", "comments") for r in run.records(name))
    assert [k for k, n in both.items() if n > 1] == []
    assert set(both) == set(truth_by_key(replica))
    for run in (killed, rerun):  # the CSV files hold the same items as the JSONL files
        for name in ("articles", "comments"):
            frame = pd.read_csv(run.run_dir / f"{name}.csv", encoding="utf-8-sig", dtype=str) \
                if (run.run_dir / f"{name}.csv").stat().st_size else pd.DataFrame()
            assert len(frame) == len(run.records(name))
