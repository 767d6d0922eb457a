"""``python -m newscrawl dataset``: the archive as it stands and its history, from every run."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from newscrawl.layout import RunLayout
from tests.conftest import (
    ROOT,
    Key,
    Replica,
    Site,
    archive,
    record_key,
    run_crawl,
    sqlite_content,
    word_in_most_forms,
)

pytestmark = pytest.mark.e2e


def build(exports: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "newscrawl", "dataset", "-s", f"EXPORTS_DIR={exports}",
                             "-s", f"DATASET_DIR={out}", *extra], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def truth(replica: Replica) -> dict[Key, dict[str, Any]]:
    return {record_key(r): {k: v for k, v in r.items() if k != "_type"} for r in replica.truth()}


@pytest.fixture(scope="session")  # once a worker, though other modules' tests run between its own
def three_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Key, dict[str, Any]], set[Key]]:
    """Runs on day 0, 1 and 2 with one state; the truth of day 2, and what was deleted by then."""
    folder = tmp_path_factory.mktemp("three-days")
    site = Site("--articles", "60")
    try:
        seen: set[Key] = set()
        for day in range(3):
            replica = site.day(day)
            seen |= truth(replica).keys()
            result = run_crawl(replica.url + "news/", folder / "exports", "-s", f"STATE_URI={folder / 'state.sqlite'}",
                               run_id=f"day{day}")
            assert result.returncode == 0, result.log[-2000:]
        final = truth(replica)
    finally:
        site.stop()
    return folder / "exports", final, seen - final.keys()


def parts(path: Path) -> list[Path]:
    """``comments.jsonl/``: its files, one a month; ``history/comments.jsonl``: ``history/comments/``'s, one a run."""
    folder = path if path.is_dir() else path.parent / path.stem
    return sorted(folder.glob(f"*{path.suffix}"))


def read(path: Path) -> pd.DataFrame:
    """One file; for ``comments.parquet`` or ``history/comments.parquet``, its folder's files together."""
    if not path.is_file():
        return pd.concat([read(file) for file in parts(path)], ignore_index=True)
    if path.suffix == ".parquet":
        return duckdb.sql(f"SELECT * FROM '{path}'").df()
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for part in parts(path) for line in part.open(encoding="utf-8")]


def test_the_current_archive_is_the_truth_of_the_last_day(three_days: Any, tmp_path: Path) -> None:
    exports, final, deleted = three_days
    build(exports, tmp_path / "dataset")
    data = tmp_path / "dataset"
    articles = {("article", r["article_id"]): r for r in lines(data / "articles.jsonl")}
    comments = {("comment", r["comment_id"]): r for r in lines(data / "comments.jsonl")}
    current = {**articles, **comments}
    assert current.keys() == final.keys() | deleted
    for key, want in final.items():
        got = current[key]
        assert {f: got[f] for f in want if f != "page_url"} == {f: v for f, v in want.items() if f != "page_url"}, key
        assert not got.get("deleted", False) and got["first_seen_at"] <= got["last_seen_at"]
    assert deleted and all(current[k]["deleted"] and current[k]["deleted_at"] and current[k]["text"] for k in deleted)
    summary = json.loads((data / "summary.json").read_text())
    assert summary["runs_included"] == ["day0", "day1", "day2"] and summary["runs_left_out"] == {}
    assert (data / "comments_per_day.png").read_bytes()[:4] == b"\x89PNG"


def test_the_history_holds_every_version_each_run_emitted(three_days: Any, tmp_path: Path) -> None:
    exports, _, _ = three_days
    build(exports, tmp_path / "dataset")
    emitted = {(k, r["version"], run) for k, records in archive(exports).items() for r in records
               for run in [r.get("_run", "")]}
    history = read(tmp_path / "dataset" / "history" / "comments.parquet")
    history_articles = read(tmp_path / "dataset" / "history" / "articles.parquet")
    got = {(("comment", r["comment_id"]), r["version"]) for r in history.to_dict("records")}
    got |= {(("article", r["article_id"]), r["version"]) for r in history_articles.to_dict("records")}
    assert got == {(k, v) for k, v, _ in emitted}
    assert set(history["run_id"]) == {"day0", "day1", "day2"}
    assert (history_articles.groupby("article_id")["version"].max() > 1).any(), "views grow: articles have versions"


@pytest.mark.parametrize("table", ["articles", "comments", "history/articles", "history/comments"])
def test_parquet_csv_and_jsonl_agree_row_for_row(three_days: Any, tmp_path: Path, table: str) -> None:
    exports, _, _ = three_days
    build(exports, tmp_path / "dataset")
    stem = tmp_path / "dataset" / table
    parquet, jsonl, csv = read(stem.with_suffix(".parquet")), read(stem.with_suffix(".jsonl")), read(stem.with_suffix(".csv"))
    assert len(parquet) == len(jsonl) == len(csv) > 0
    assert list(parquet.columns) == list(jsonl.columns) == list(csv.columns)
    key = "article_id" if table.endswith("articles") else "comment_id"
    parquet, jsonl, csv = (frame.sort_values([key, "version", "run_id"], key=lambda s: s.astype(str))
                           for frame in (parquet, jsonl, csv))
    text = "title" if table.endswith("articles") else "text"
    as_text = [str(v) for v in parquet[text].fillna("")]
    assert as_text == [str(v) for v in jsonl[text].fillna("")]
    assert [v.removeprefix("'") if v[:2] in {"'" + c for c in "=+-@"} else v for v in csv[text]] == as_text
    assert csv[text].str.contains("[а-яА-Я]").any(), "Cyrillic intact"


def test_the_data_package_validates(three_days: Any, tmp_path: Path) -> None:
    from frictionless import Package

    exports, _, _ = three_days
    build(exports, tmp_path / "dataset")
    report = Package(str(tmp_path / "dataset" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_a_dead_run_is_left_out_and_named_and_a_rebuild_reads_only_the_new_run(three_days: Any, tmp_path: Path) -> None:
    source, _, _ = three_days
    exports = tmp_path / "exports"
    shutil.copytree(source, exports)
    out = tmp_path / "dataset"
    build(exports, out)
    cache = sorted((tmp_path / ".dataset-builds" / "cache").iterdir())
    stamps = {p: p.stat().st_mtime_ns for p in cache}
    dead = exports / "vpk" / "day3-dead"
    shutil.copytree(exports / "vpk" / "day2", dead)
    RunLayout(dead).manifest.unlink()
    result = build(exports, out)
    summary = json.loads((out / "summary.json").read_text())
    assert "day3-dead" in summary["runs_left_out"] and "day3-dead" in result.stderr
    assert "day3-dead" not in set(read(out / "history" / "comments.parquet")["run_id"])
    assert {p: p.stat().st_mtime_ns for p in cache} == stamps, "runs already read were not read again"


def test_a_reader_during_a_rebuild_sees_one_whole_dataset(three_days: Any, tmp_path: Path) -> None:
    exports, _, _ = three_days
    out = tmp_path / "dataset"
    build(exports, out)
    mixed: list[str] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                folder = out.resolve(strict=True)  # what a reader opens: one build, old or new
                summary = json.loads((folder / "summary.json").read_text())
                rows = duckdb.sql(f"SELECT count(*) FROM '{folder / 'comments.parquet' / '*.parquet'}'").fetchall()[0][0]
            except FileNotFoundError:
                mixed.append("no dataset")
                continue
            except Exception as error:  # noqa: BLE001 - a reader that fails is what this test looks for
                mixed.append(repr(error))
                continue
            if rows != summary["comments"]:
                mixed.append(f"{rows} rows, summary says {summary['comments']}")

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(3):
            build(exports, out)
    finally:
        done.set()
        thread.join()
    assert mixed == []


def test_the_dataset_opens_in_pandas_as_the_readme_shows_with_ids_as_strings(three_days: Any, tmp_path: Path) -> None:
    exports, _, _ = three_days
    build(exports, tmp_path / "dataset")
    parquet = pd.read_parquet(tmp_path / "dataset" / "comments.parquet")
    csv = pd.concat(pd.read_csv(path, encoding="utf-8-sig", dtype={"article_id": str, "comment_id": str})
                    for path in sorted((tmp_path / "dataset" / "comments.csv").glob("*.csv")))
    assert isinstance(parquet["article_id"].iloc[0], str) and isinstance(csv["article_id"].iloc[0], str)
    joined = parquet[["comment_id", "article_id"]].merge(csv[["comment_id", "article_id"]], on=["comment_id", "article_id"])
    assert len(joined) == len(parquet) == len(csv)
    chart = json.loads((tmp_path / "dataset" / "summary.json").read_text())["chart"]
    assert chart["last_day_partial"] is True and chart["last_day"] == "2018-09-18"  # crawled at noon of day 2


def test_a_quote_links_to_the_comment_it_quotes(three_days: Any, tmp_path: Path) -> None:
    exports, final, _ = three_days
    build(exports, tmp_path / "dataset")
    rows = lines(tmp_path / "dataset" / "comments.jsonl")
    by_number = {(r["article_id"], r["number"]): r["comment_id"] for r in rows}
    quoting = [r for r in rows if r["quote_number"] is not None]
    assert quoting and all(r["quote_comment_id"] == by_number.get((r["article_id"], r["quote_number"])) for r in quoting)
    assert any(r["quote_comment_id"] for r in quoting)
    assert all(r["quote_comment_id"] is None for r in rows if r["quote_number"] is None)
    history = (tmp_path / "dataset" / "history" / "comments" / "day1.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert history.split(",")[-1] == "quote_comment_id"


def test_archive_sqlite_finds_every_form_of_a_russian_word_and_links_quotes(three_days: Any, tmp_path: Path) -> None:
    """``archive.sqlite`` opens in plain sqlite3 (no tokenizer to register): a word searched in one
    form finds the comments that carry it in others; quotes link to the comment they quote."""
    from newscrawl.archive.search import stem_query, stem_text

    exports, final, _ = three_days
    build(exports, tmp_path / "dataset")
    db = sqlite3.connect(tmp_path / "dataset" / "archive.sqlite")
    texts = dict(db.execute("SELECT rowid, text FROM comments WHERE text IS NOT NULL"))
    stem, words = word_in_most_forms(texts.values())
    assert len(words) >= 2, "the replica's comments hold no word in two forms"
    one, *others = words
    found = {row[0] for row in db.execute("SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?",
                                          (f"text : {stem_query(one)}",))}
    assert found == {rowid for rowid, text in texts.items() if stem in stem_text(text).split()}
    assert any(other in texts[rowid].lower() and one not in texts[rowid].lower() for rowid in found for other in others)
    (linked,) = db.execute("SELECT count(*) FROM comments c JOIN comments q ON q.comment_id = c.quote_comment_id "
                           "WHERE q.article_id = c.article_id AND q.number = c.quote_number").fetchone()
    assert linked > 0 and linked == db.execute("SELECT count(*) FROM comments WHERE quote_comment_id IS NOT NULL").fetchone()[0]
    assert db.execute("SELECT sum(quotes) FROM quotes").fetchone()[0] == linked
    per_day = db.execute("SELECT sum(comments) FROM comments_per_day").fetchone()[0]
    assert per_day == db.execute("SELECT count(*) FROM comments WHERE posted_at IS NOT NULL").fetchone()[0]
    assert db.execute("SELECT count(*) FROM deleted_and_edited WHERE deleted").fetchone()[0] >= 1
    summary = json.loads((tmp_path / "dataset" / "summary.json").read_text())
    assert summary["archive_sqlite"]["comments"] == len(texts) + db.execute(
        "SELECT count(*) FROM comments WHERE text IS NULL").fetchone()[0]


def test_a_rebuild_after_a_new_run_writes_only_that_run_and_equals_a_build_from_nothing(three_days: Any, tmp_path: Path) -> None:
    """The history of the runs already built is shared with the previous build (the same files,
    hard-linked), archive.sqlite is brought up to date rather than made again, and what comes
    out is what a build from nothing makes."""
    source, _, _ = three_days
    exports = tmp_path / "exports"
    shutil.copytree(source, exports, ignore=shutil.ignore_patterns("day2"))
    out = tmp_path / "dataset"
    build(exports, out)
    before = out.resolve()
    shutil.copytree(source / "vpk" / "day2", exports / "vpk" / "day2")
    build(exports, out)
    after = out.resolve()
    summary = json.loads((after / "summary.json").read_text())
    assert summary["archive_sqlite_built"] == "updated"
    for name in ("articles", "comments"):
        for run in ("day0", "day1"):
            for suffix in (".parquet", ".jsonl", ".csv"):
                file = f"history/{name}/{run}{suffix}"
                assert (after / file).stat().st_ino == (before / file).stat().st_ino, f"{file} written again"
    fresh = tmp_path / "fresh"
    build(source, fresh)
    current = [str(p.relative_to(fresh)) for name in ("articles", "comments") for p in parts(fresh / f"{name}.jsonl")]
    for file in (*current, "history/comments/day2.jsonl", "history/articles/day2.csv"):
        assert (after / file).read_bytes() == (fresh / file).read_bytes(), file
    assert (after / "archive.sqlite").stat().st_ino == (before / "archive.sqlite").stat().st_ino, "one file, updated"
    assert sqlite_content(after / "archive.sqlite") == sqlite_content(fresh / "archive.sqlite")


def test_a_run_changed_since_the_last_build_is_written_again_with_those_after_it(three_days: Any, tmp_path: Path) -> None:
    """A run recovered after it died (its manifest changed) changes what the runs after it link
    to: its history and theirs are written again, and archive.sqlite is made from nothing."""
    source, _, _ = three_days
    exports = tmp_path / "exports"
    shutil.copytree(source, exports)
    out = tmp_path / "dataset"
    build(exports, out)
    before = out.resolve()
    manifest_file = RunLayout(exports / "vpk" / "day1").manifest
    manifest_file.write_text(json.dumps({**json.loads(manifest_file.read_text()), "recovered": True}))
    build(exports, out)
    after = out.resolve()
    inode = {run: (after / f"history/comments/{run}.parquet").stat().st_ino ==
             (before / f"history/comments/{run}.parquet").stat().st_ino for run in ("day0", "day1", "day2")}
    assert inode == {"day0": True, "day1": False, "day2": False}
    assert json.loads((after / "summary.json").read_text())["archive_sqlite_built"] == "from nothing"
