"""newscrawl.archive.reextract's merge of its workers' parts, killed where a kill can fall: either
the parts are the runs or the merged run is, never both (each item read twice) and never
neither, and the next re-extraction removes what the kill left."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.project import get_project_settings

from newscrawl.archive import reextract
from newscrawl.archive.dataset import Builder, find_runs
from newscrawl.layout import RunLayout, read_manifest, run_folders
from newscrawl.monitoring import manifest
from tests.conftest import write_run

STARTED = "2018-09-21T09:00:00+00:00"


def comment(comment_id: str) -> dict[str, Any]:
    return {"article_id": "1", "comment_id": comment_id, "number": int(comment_id[1:]), "author": "Автор",
            "posted_at": "2018-09-20T12:00:00+03:00", "text": f"Комментарий {comment_id}", "deleted": False}


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    """Two workers' parts of the re-extraction ``r``, closed as runs, beside an earlier run."""
    runs = tmp_path / "exports" / "vpk"
    write_run(runs, "day0", "2018-09-20T09:00:00+00:00", [], [comment("c1")])
    folders = []
    for k, comments in enumerate(([comment("c2")], [comment("c3"), comment("c4")])):
        folder = runs / f"r.part{k}"
        write_run(runs, folder.name, STARTED, [], comments)
        manifest.write(folder, manifest.build(run_id=folder.name, spider="vpk", arguments={},
                                              started_at=datetime.fromisoformat(STARTED), reason="finished",
                                              stats={}, settings={}, max_error_rate=0.05))
        folders.append(folder)
    return folders


def comments_in_dataset(runs: Path, out: Path) -> list[str]:
    Builder(runs, out).build()
    return sorted(json.loads(line)["comment_id"] for path in sorted((out / "history").rglob("comments/*.jsonl"))
                  for line in path.read_text(encoding="utf-8").splitlines())


def test_killed_before_the_merged_run_takes_its_name_the_parts_stay_the_runs(
        parts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = parts[0].parent

    def killed(*args: Any) -> None:
        raise KeyboardInterrupt  # the process ends here

    with monkeypatch.context() as patched:
        patched.setattr(reextract.os, "rename", killed)
        with pytest.raises(KeyboardInterrupt):
            reextract.merge(parts, runs / "r", get_project_settings())
    assert RunLayout(runs / "r.merging").manifest.exists(), "premise: the merge was whole, not renamed"
    assert [f.name for f in run_folders(runs)] == ["day0", "r.part0", "r.part1"]
    assert find_runs(runs).excluded == {}
    assert comments_in_dataset(runs, tmp_path / "dataset") == ["c1", "c2", "c3", "c4"]
    assert reextract.remove_merge_leftovers(runs) == ["r.merging"]
    assert sorted(p.name for p in runs.iterdir()) == ["day0", "r.part0", "r.part1"]


def test_killed_after_the_merged_run_took_its_name_its_parts_are_no_runs(
        parts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = parts[0].parent
    remove = shutil.rmtree

    def killed_at_a_part(path: Path, *args: Any, **kwargs: Any) -> None:
        if Path(path).name.startswith("r.part"):
            raise KeyboardInterrupt  # the process ends here
        remove(path, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(reextract.shutil, "rmtree", killed_at_a_part)
        with pytest.raises(KeyboardInterrupt):
            reextract.merge(parts, runs / "r", get_project_settings())
    assert all(part.exists() for part in parts), "premise: no part removed"
    assert [f.name for f in run_folders(runs)] == ["day0", "r"]
    assert read_manifest(runs / "r")["run_id"] == "r"
    assert comments_in_dataset(runs, tmp_path / "dataset") == ["c1", "c2", "c3", "c4"]
    assert reextract.remove_merge_leftovers(runs) == ["r.part0", "r.part1"]
    assert sorted(p.name for p in runs.iterdir()) == ["day0", "r"]


def test_parts_of_a_run_that_did_not_merge_are_runs_of_their_own(parts: list[Path]) -> None:
    runs = parts[0].parent
    assert [f.name for f in run_folders(runs)] == ["day0", "r.part0", "r.part1"]
    assert reextract.remove_merge_leftovers(runs) == []
