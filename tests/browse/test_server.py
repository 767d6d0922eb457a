"""newscrawl.browse.server: what ``python -m newscrawl browse`` serves, and its one-line refusal."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from newscrawl.archive.dataset import Builder, shared_archive_db
from newscrawl.browse.server import SETTINGS, archive
from tests.browse.conftest import ARTICLES, COMMENTS
from tests.conftest import kill_inside_sqlite_update, write_run


def test_without_archive_sqlite_it_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"no archive.sqlite in .*python -m newscrawl dataset"):
        archive(tmp_path / "dataset")


def test_it_serves_the_build_read_only_within_the_time_limit(dataset: Path) -> None:
    served = archive(dataset)
    (db,) = [d for name, d in served.databases.items() if name == "archive"]
    assert db.is_mutable and Path(db.path).stat().st_ino == (dataset / "archive.sqlite").stat().st_ino  # updated in place
    assert served.setting("sql_time_limit_ms") == SETTINGS["sql_time_limit_ms"] == 1000


@pytest.fixture
def day0(tmp_path: Path) -> tuple[Path, Path]:
    """A dataset of its own (the runs, the dataset), built of one run: the tests change it."""
    runs, out = tmp_path / "runs", tmp_path / "dataset"
    write_run(runs, "day0", "2018-09-16T09:00:00+00:00", ARTICLES, COMMENTS)
    Builder(runs, out, sqlite=True).build()
    return runs, out


def comment_ids(served: Datasette) -> list[str]:
    """The comments the server shows, through its own request path."""
    async def ask() -> list[str]:
        answer = await served.client.get("/archive/comments.json", params={"_shape": "array", "_col": "comment_id"})
        assert answer.status_code == 200, answer.text
        return sorted(row["comment_id"] for row in answer.json())

    return asyncio.run(ask())


def test_a_new_build_shows_without_a_restart(day0: tuple[Path, Path]) -> None:
    """The builds bring the one archive.sqlite up to date in place: a server started before a
    new run was built serves that run's comments."""
    runs, out = day0
    served = archive(out)
    before = comment_ids(served)
    write_run(runs, "day1", "2018-09-17T09:00:00+00:00", [], [
        {"article_id": "44002", "comment_id": "9006", "number": 2, "author": "Гость", "text": "Новый комментарий.",
         "posted_at": "2018-09-17T10:00:00+03:00"}])
    assert Builder(runs, out, sqlite=True).build()["archive_sqlite_built"] == "updated"
    assert comment_ids(served) == sorted([*before, "9006"])


def test_a_build_killed_inside_its_update_is_rolled_back_when_browse_starts(day0: tuple[Path, Path]) -> None:
    """Datasette opens archive.sqlite read-only, which cannot roll a killed update back: the
    server does it as it starts, and serves the archive as it was before that build."""
    runs, out = day0
    write_run(runs, "day1", "2018-09-17T09:00:00+00:00", [], [
        {"article_id": "44002", "comment_id": str(9100 + n), "number": n, "author": "Гость",
         "text": f"Комментарий номер {n}. " * 40, "posted_at": "2018-09-17T10:00:00+03:00"} for n in range(2, 300)])
    kill_inside_sqlite_update(runs, out)
    assert comment_ids(archive(out)) == sorted(c["comment_id"] for c in COMMENTS)


def test_it_starts_while_a_build_writes_archive_sqlite(day0: tuple[Path, Path]) -> None:
    """A build holding archive.sqlite's lock is running, not killed: browse starts and leaves it be."""
    _, out = day0
    build = sqlite3.connect(shared_archive_db(out), isolation_level=None)
    build.execute("BEGIN EXCLUSIVE")
    try:
        assert archive(out).databases["archive"].is_mutable
    finally:
        build.execute("ROLLBACK")
        build.close()
