"""newscrawl.layout: one owner for where a run's files are."""

from __future__ import annotations

from pathlib import Path

from newscrawl.layout import RunLayout, runs_dir


def test_a_run_folder_and_its_files() -> None:
    run = RunLayout.of({"EXPORTS_DIR": "/data/exports"}, "vpk", "r1")
    assert run.folder == Path("/data/exports/vpk/r1") and runs_dir({"EXPORTS_DIR": "/data/exports"}, "vpk") == run.folder.parent
    assert [p.name for _, p in run.exports()] == ["articles.jsonl", "comments.jsonl"]
    assert (run.csv("comment").name, run.archive.name, run.manifest.name) == ("comments.csv", "pages.warc.gz",
                                                                               "manifest.json")
