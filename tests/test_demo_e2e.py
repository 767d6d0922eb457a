"""``make demo`` as a newcomer runs it: its own folder, replaced by the next demo, and the README's
next command (a crawl of one's own) works right after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Replica, run_crawl

pytestmark = pytest.mark.e2e


def demo(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tests.replica.demo", "--articles", "20", "--folder", str(folder)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_demo_keeps_to_its_folder_and_the_next_command_works(replica: Replica, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = demo(folder)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "your exports/ and .state/ are untouched" in first.stdout
    runs = list((folder / "exports" / "vpk").iterdir())
    assert len(runs) == 1 and (folder / "state.sqlite").exists() and any((folder / "dataset" / "articles.jsonl").glob("*.jsonl"))
    again = demo(folder)
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(list((folder / "exports" / "vpk").iterdir())) == 1  # replaced, not added: one version-1 row each
    (history,) = (folder / "dataset" / "history" / "articles").glob("*.jsonl")
    rows = history.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 21
    # the README's next command, in a checkout whose exports and state the demo did not touch
    own = run_crawl(replica.url + "news/", tmp_path / "exports", "-s", f"STATE_URI={tmp_path / '.state' / 'x.sqlite'}",
                    run_id="my-run")
    assert own.returncode == 0, own.log[-2000:]
