"""Catching a redesign: a site whose field classes changed makes the run fail loudly, naming the
fields, while the normal site passes."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.layout import RunLayout
from tests.conftest import ROOT, Replica

pytestmark = pytest.mark.e2e


def test_a_redesigned_site_fails_the_run_naming_the_fields(replica_factory: object, tmp_path: Path) -> None:
    """The classes of the article's fields renamed: its pages are refused as unreadable, naming the
    fields the built-in version could not find (the title still comes from og:title, which outlives
    a redesign), nothing is stored from them, and the verdict gives the two commands of the repair."""
    replica: Replica = replica_factory("--articles", "40", "--redesign")  # type: ignore[operator]
    result = subprocess.run([sys.executable, "-m", "newscrawl", "run", "-a", f"start_url={replica.url}news/",
                             "-a", "run_id=redesigned", "-s", f"EXPORTS_DIR={tmp_path / 'exports'}",
                             "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]
    verdict = json.loads(result.stdout.strip().splitlines()[-1])
    unreadable = next(p for p in verdict["problems"] if "no site version could read" in p)
    assert "unreadable by site version built-in: body" in unreadable and "title" not in unreadable
    assert "python -m newscrawl learn --run redesigned, then python -m newscrawl reextract --runs redesigned" in unreadable
    run = tmp_path / "exports" / "vpk" / "redesigned"
    assert RunLayout(run).jsonl("article").read_text() == ""  # no record of nulls
    manifest = json.loads(RunLayout(run).manifest.read_text())
    assert manifest["archive"]["records"] > 40  # the pages are kept, to learn from and re-extract


def test_the_normal_site_is_healthy_and_its_coverage_is_kept_for_later_runs(forty_replica: Replica, tmp_path: Path) -> None:
    replica = forty_replica
    import sqlite3

    result = subprocess.run([sys.executable, "-m", "newscrawl", "run", "-a", f"start_url={replica.url}news/",
                             "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        (kept,) = db.execute("SELECT value FROM meta WHERE key = 'coverage_history'").fetchone()
    assert json.loads(kept)[0]["comment"]["text"] == 1.0


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def crawl_on_a_terminal(replica: Replica, tmp_path: Path) -> str:
    """The crawl with its output on a pseudo-terminal, as a person at a terminal sees it."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={replica.url}news/",
                             "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                             "-s", "PROGRESS_INTERVAL=0.2", "-s", "LOG_LEVEL=WARNING", "-s", "CONCURRENT_REQUESTS=2"],
                            cwd=ROOT, stdout=secondary, stderr=secondary)
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=300) == 0
    return ANSI.sub("", output.decode(errors="replace"))


def test_a_terminal_shows_a_live_progress_line_and_a_summary(forty_replica: Replica, tmp_path: Path) -> None:
    replica = forty_replica
    screen = crawl_on_a_terminal(replica, tmp_path)
    assert screen.count("newscrawl pages ") >= 2, screen[:2000]
    assert "articles" in screen and "/min" in screen and "queued" in screen
    for row in ("articles", "comments", "article coverage", "comment coverage", "slowest page", "verdict"):
        assert f"  {row} " in screen
    assert re.search(r"verdict\s+healthy", screen)


def test_without_a_terminal_the_progress_line_is_logged(forty_replica: Replica, tmp_path: Path) -> None:
    replica = forty_replica
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={replica.url}news/",
                             "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}",
                             "-s", "PROGRESS_INTERVAL=0.2", "-s", "PROGRESS_LOG_INTERVAL=0.5", "-s", "CONCURRENT_REQUESTS=2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    assert re.search(r"\[newscrawl.monitoring.progress\] INFO: Progress: pages \d+ \(\d+/min\) · articles \d+ new", result.stderr)
    manifest = json.loads(next((tmp_path / "exports" / "vpk").glob("*/manifest.json")).read_text())
    assert len(manifest["slowest_pages"]) == 5 and manifest["coverage"]["article"]["title"] == 1.0
    assert "Dumping Scrapy stats" not in result.stderr  # they are in the manifest
