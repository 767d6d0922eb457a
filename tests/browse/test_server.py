"""newscrawl.browse.server: what ``python -m newscrawl browse`` serves, and its one-line refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawl.browse.server import SETTINGS, archive


def test_without_archive_sqlite_it_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"no archive.sqlite in .*python -m newscrawl dataset"):
        archive(tmp_path / "dataset")


def test_it_serves_the_build_read_only_within_the_time_limit(dataset: Path) -> None:
    served = archive(dataset)
    (db,) = [d for name, d in served.databases.items() if name == "archive"]
    assert not db.is_mutable and Path(db.path) == (dataset.resolve() / "archive.sqlite")
    assert served.setting("sql_time_limit_ms") == SETTINGS["sql_time_limit_ms"] == 1000
