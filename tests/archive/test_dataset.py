"""newscrawl.archive.dataset.Builder on run folders written by hand: the archive as it stands is one
file a month, and a rebuild writes the months a new run touches, shares the others, and comes
out as a build from nothing would."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newscrawl.archive import archivedb
from newscrawl.archive.dataset import BUILD_LOCK, Builder, BuildRunning, builds_dir
from newscrawl.runs.runfolder import hold
from tests.conftest import kill_inside_sqlite_update, sqlite_content, write_run

DAY0_AT, DAY1_AT = "2018-09-20T09:00:00+00:00", "2018-09-21T09:00:00+00:00"


def article(article_id: str, published_at: str, version: int = 1, views: int = 10) -> dict[str, Any]:
    return {"article_id": article_id, "url": f"https://vpk.name/news/{article_id}_x.html", "title": f"Статья {article_id}",
            "published_at": published_at, "views": views, "version": version}


def comment(comment_id: str, article_id: str, posted_at: str, text: str, version: int = 1) -> dict[str, Any]:
    return {"article_id": article_id, "comment_id": comment_id, "number": int(comment_id[1:]), "author": "Автор",
            "posted_at": posted_at, "text": text, "version": version, "deleted": False}


DAY0 = ([article("1", "2018-08-30T10:00:00+03:00"), article("2", "2018-09-19T10:00:00+03:00")],
        [comment("c1", "1", "2018-08-31T12:00:00+03:00", "Первый"),
         comment("c2", "2", "2018-09-19T12:00:00+03:00", "Второй"),
         comment("c3", "2", "2018-09-19T13:00:00+03:00", "Третий")])


def build(runs: Path, out: Path) -> dict[str, Any]:
    return Builder(runs, out, sqlite=True).build()


def files(dataset: Path) -> dict[str, bytes]:
    """The archive as it stands, each file's bytes (Parquet aside: its bytes carry no order promise)."""
    return {str(p.relative_to(dataset)): p.read_bytes() for ext in (".jsonl", ".csv")
            for name in ("articles", "comments") for p in sorted((dataset / f"{name}{ext}").iterdir())}


def inodes(dataset: Path) -> dict[str, int]:
    build = dataset.resolve()
    return {str(p.relative_to(build)): p.stat().st_ino for p in build.rglob("*") if p.is_file()}


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    folder = tmp_path / "exports" / "vpk"
    write_run(folder, "day0", DAY0_AT, *DAY0)
    return folder


def test_a_run_touching_one_month_writes_that_month_and_shares_the_others(runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    first = build(runs, out)
    assert first["months"] == {"articles": ["2018-08", "2018-09"], "comments": ["2018-08", "2018-09"]}
    before = inodes(out)
    write_run(runs, "day1", DAY1_AT, [], [comment("c3", "2", "2018-09-19T13:00:00+03:00", "Третий, исправленный", version=2),
                                 comment("c4", "2", "2018-09-20T08:00:00+03:00", "Четвёртый")])
    second = build(runs, out)
    after = inodes(out)
    shared = {path for path in after if before.get(path) == after[path]}
    assert {p for p in shared if not p.startswith("history/")} == {
        f"{name}{ext}/2018-08{ext}" for name in ("articles", "comments") for ext in (".parquet", ".jsonl", ".csv")
    } | {f"articles{ext}/2018-09{ext}" for ext in (".parquet", ".jsonl", ".csv")} | {"archive.sqlite"}
    assert second["archive_sqlite_built"] == "updated"
    september = [json.loads(line) for line in (out / "comments.jsonl" / "2018-09.jsonl").open(encoding="utf-8")]
    assert [(r["comment_id"], r["text"]) for r in september] == [
        ("c2", "Второй"), ("c3", "Третий, исправленный"), ("c4", "Четвёртый")]
    fresh = tmp_path / "fresh"
    build(runs, fresh)
    assert files(out) == files(fresh)
    assert sqlite_content(out / "archive.sqlite") == sqlite_content(fresh / "archive.sqlite")


def test_an_item_moved_to_another_month_leaves_its_old_month(runs: Path, tmp_path: Path) -> None:
    """A re-extraction that reads a comment's date anew moves it; a month left empty has no file."""
    out = tmp_path / "dataset"
    build(runs, out)
    write_run(runs, "day1", DAY1_AT, [], [comment("c1", "1", "2018-09-01T12:00:00+03:00", "Первый", version=2)])
    summary = build(runs, out)
    assert summary["months"]["comments"] == ["2018-09"]
    assert not (out / "comments.csv" / "2018-08.csv").exists()
    fresh = tmp_path / "fresh"
    build(runs, fresh)
    assert files(out) == files(fresh)
    package = json.loads((out / "datapackage.json").read_text())
    assert [r["path"] for r in package["resources"] if r["path"].startswith("comments")] == ["comments.csv/2018-09.csv"]


def test_an_archive_sqlite_update_that_fails_leaves_the_file_as_it_was(runs: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dataset"
    build(runs, out)
    held = sqlite_content(out / "archive.sqlite")
    write_run(runs, "day1", DAY1_AT, [article("2", "2018-09-19T10:00:00+03:00", version=2, views=99)],
              [comment("c4", "2", "2018-09-20T08:00:00+03:00", "Четвёртый")])

    def fail(db: Any) -> None:
        raise OSError("No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(archivedb, "_summarise", fail)
        with pytest.raises(OSError, match="No space left"):
            build(runs, out)
    assert sqlite_content(out / "archive.sqlite") == held
    assert build(runs, out)["archive_sqlite_built"] == "updated"
    fresh = tmp_path / "fresh"
    build(runs, fresh)
    assert sqlite_content(out / "archive.sqlite") == sqlite_content(fresh / "archive.sqlite")


def test_a_build_killed_inside_its_sqlite_update_shows_no_half_of_it_through_the_dataset(
        runs: Path, tmp_path: Path) -> None:
    """SQLite finds a killed transaction's rollback journal beside the name it opens the file by,
    so the dataset's ``archive.sqlite`` is that one file under that one name (a hard link would be
    a second name: a reader through it would see the half-written pages as the database)."""
    out = tmp_path / "dataset"
    build(runs, out)
    held = sqlite_content(out / "archive.sqlite")
    write_run(runs, "day1", DAY1_AT, [article("2", "2018-09-19T10:00:00+03:00", version=2, views=99)],
              [comment(f"c{n}", "2", "2018-09-20T08:00:00+03:00", f"Комментарий номер {n}. " * 40) for n in range(4, 400)])
    kill_inside_sqlite_update(runs, out)
    try:  # read-only, a reader cannot roll the journal back: it refuses, or sees the file as it was
        read_only = sqlite3.connect(f"file:{out / 'archive.sqlite'}?mode=ro", uri=True)
        assert read_only.execute("SELECT count(*) FROM comments").fetchone() == (len(held["comments"]),)
        read_only.close()
    except sqlite3.OperationalError as refused:
        assert "readonly" in str(refused)
    reader = sqlite3.connect(out / "archive.sqlite")  # as the sqlite3 shell opens it: it rolls the journal back
    assert reader.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    reader.close()
    assert sqlite_content(out / "archive.sqlite") == held
    assert build(runs, out)["archive_sqlite_built"] == "updated"
    fresh = tmp_path / "fresh"
    build(runs, fresh)
    assert sqlite_content(out / "archive.sqlite") == sqlite_content(fresh / "archive.sqlite")


def test_a_build_of_before_the_months_is_followed_by_every_month_written(runs: Path, tmp_path: Path) -> None:
    """A build an earlier newscrawl made holds the archive in one file a format: the next build
    shares none of it and writes every month, not only the ones the new run touches."""
    out = tmp_path / "dataset"
    build(runs, out)
    for name in ("articles", "comments"):
        for ext in (".parquet", ".jsonl", ".csv"):
            shutil.rmtree(out / f"{name}{ext}")
            (out / f"{name}{ext}").write_text("every item, as builds were before December 2026")
    summary = out / "summary.json"
    summary.write_text(json.dumps({k: v for k, v in json.loads(summary.read_text()).items() if k != "months"}))
    write_run(runs, "day1", DAY1_AT, [], [comment("c4", "2", "2018-09-20T08:00:00+03:00", "Четвёртый")])
    build(runs, out)
    fresh = tmp_path / "fresh"
    build(runs, fresh)
    assert files(out) == files(fresh)
    assert json.loads(summary.read_text())["months"]["comments"] == ["2018-08", "2018-09"]


def test_a_second_build_while_one_runs_refuses_in_one_line_and_touches_nothing(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A build removes the builds before the last as it publishes: a second one at the same time
    would remove the first one's half-written build (then publish it, or fail)."""
    from newscrawl.__main__ import main

    out = tmp_path / "dataset"
    build(runs, out)
    builds = sorted(p.name for p in builds_dir(out).iterdir())
    running = hold(builds_dir(out) / BUILD_LOCK)
    assert running is not None
    try:
        with pytest.raises(BuildRunning):
            build(runs, out)
        with pytest.raises(SystemExit) as exited:
            main(["dataset", "-s", f"EXPORTS_DIR={runs.parent}", "-s", f"DATASET_DIR={out}"])
    finally:
        running.close()
    assert exited.value.code == 75
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"newscrawl: another `newscrawl dataset` is building {out}/") and line.endswith("not starting")
    assert sorted(p.name for p in builds_dir(out).iterdir()) == builds
    with pytest.raises(SystemExit) as exited:
        main(["dataset", "-s", f"EXPORTS_DIR={runs.parent}", "-s", f"DATASET_DIR={out}"])
    assert exited.value.code == 0
