"""Catching a redesign: a site whose field classes changed makes the run fail loudly, naming the
fields, while the normal site passes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Replica

pytestmark = pytest.mark.e2e


def test_a_redesigned_site_fails_the_run_naming_the_fields(replica_factory: object, tmp_path: Path) -> None:
    replica: Replica = replica_factory("--articles", "40", "--redesign")  # type: ignore[operator]
    result = subprocess.run([sys.executable, "-m", "newscrawl", "run", "-a", f"start_url={replica.url}news/",
                             "-a", "run_id=redesigned", "-s", f"EXPORTS_DIR={tmp_path / 'exports'}",
                             "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]
    verdict = json.loads(result.stdout.strip().splitlines()[-1])
    problems = " ".join(verdict["problems"])
    for field in ("article body", "comment author", "comment text", "comment posted_at"):
        assert field in problems
    assert "article title" not in problems, "the title still comes from og:title, which outlives a redesign"
    manifest = json.loads((tmp_path / "exports" / "vpk" / "redesigned" / "manifest.json").read_text())
    assert manifest["coverage"]["article"]["body"] == 0.0 and manifest["coverage"]["article"]["title"] == 1.0


def test_the_normal_site_is_healthy_and_its_coverage_is_kept_for_later_runs(replica: Replica, tmp_path: Path) -> None:
    import sqlite3

    result = subprocess.run([sys.executable, "-m", "newscrawl", "run", "-a", f"start_url={replica.url}news/",
                             "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        (kept,) = db.execute("SELECT value FROM meta WHERE key = 'coverage_history'").fetchone()
    assert json.loads(kept)[0]["comment"]["text"] == 1.0
