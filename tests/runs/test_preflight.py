"""newscrawl.runs.preflight: a run that would do harm refuses to start, in one line saying what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl.runs.preflight import RunRefused, check


def settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings({"EXPORTS_DIR": str(tmp_path / "exports"), "STATE_URI": str(tmp_path / "state.sqlite"), **extra})


def test_a_lost_state_beside_earlier_runs_is_refused_naming_the_ways_out(tmp_path: Path) -> None:
    earlier = tmp_path / "exports" / "vpk" / "day0"
    earlier.mkdir(parents=True)
    (earlier / "articles.jsonl").write_text('{"article_id": "1"}\n')
    with pytest.raises(RunRefused, match="rebuild_state=1.*STATE_INIT=1"):
        check(settings(tmp_path), "vpk", "day1", rebuild_state=False)


def test_a_run_folder_that_exists_is_refused(tmp_path: Path) -> None:
    taken = tmp_path / "exports" / "vpk" / "day0"
    taken.mkdir(parents=True)
    (taken / "manifest.json").write_text("{}")
    with pytest.raises(RunRefused, match="exists already"):
        check(settings(tmp_path), "vpk", "day0", rebuild_state=False)


def test_a_first_run_starts(tmp_path: Path) -> None:
    assert check(settings(tmp_path), "vpk", "day0", rebuild_state=False) is None
