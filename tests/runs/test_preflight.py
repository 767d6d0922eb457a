"""newscrawl.runs.preflight: a run that would do harm refuses to start, in one line saying what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl.layout import RunLayout
from newscrawl.runs import rebuild
from newscrawl.runs.preflight import RunRefused, _committed, check, check_setting_names
from newscrawl.runs.runfolder import hold
from newscrawl.state.store import Batch, SQLiteStateStore, open_store

SEEN = "2018-09-16T09:00:00+00:00"


def settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings({"EXPORTS_DIR": str(tmp_path / "exports"), "STATE_URI": str(tmp_path / "state.sqlite"), **extra})


def test_a_lost_state_beside_earlier_runs_is_refused_naming_the_ways_out(tmp_path: Path) -> None:
    earlier = tmp_path / "exports" / "vpk" / "day0"
    earlier.mkdir(parents=True)
    RunLayout(earlier).jsonl("article").write_text('{"article_id": "1"}\n')
    with pytest.raises(RunRefused, match="rebuild_state=1.*STATE_INIT=1"):
        check(settings(tmp_path), "vpk", "day1", rebuild_state=False)


def test_a_run_folder_that_exists_is_refused(tmp_path: Path) -> None:
    taken = tmp_path / "exports" / "vpk" / "day0"
    taken.mkdir(parents=True)
    RunLayout(taken).manifest.write_text("{}")
    with pytest.raises(RunRefused, match="exists already"):
        check(settings(tmp_path), "vpk", "day0", rebuild_state=False)


def test_a_first_run_starts(tmp_path: Path) -> None:
    assert check(settings(tmp_path), "vpk", "day0", rebuild_state=False) is None


def test_a_rebuild_of_the_state_that_stopped_halfway_refuses_runs_until_it_is_done_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild writes the state in batches: stopped after some, the state holds part of the
    exports, and a run on it would emit the rest again as new."""
    earlier = tmp_path / "exports" / "vpk" / "day0"
    earlier.mkdir(parents=True)
    RunLayout(earlier).manifest.write_text(json.dumps({"run_id": "day0", "started_at": SEEN}))
    RunLayout(earlier).jsonl("article").write_text("".join(json.dumps(
        {"article_id": str(a), "url": f"http://x/news/{a}_a.html", "version": 1, "first_seen_at": SEEN,
         "last_seen_at": SEEN}) + "\n" for a in range(3)))
    RunLayout(earlier).jsonl("comment").write_text("".join(json.dumps(
        {"article_id": str(n % 3), "comment_id": f"c{n}", "number": n, "text": "т", "version": 1, "first_seen_at": SEEN,
         "last_seen_at": SEEN}) + "\n" for n in range(30)))
    monkeypatch.setattr(rebuild, "BATCH", 10)
    saved, saves = SQLiteStateStore.save, []

    def stopped_after_two_batches(store: SQLiteStateStore, batch: Batch) -> None:
        saved(store, batch)
        saves.append(batch)
        if len(saves) == 3:  # its mark, then two batches of states
            raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(SQLiteStateStore, "save", stopped_after_two_batches)
        with pytest.raises(KeyboardInterrupt):
            check(settings(tmp_path), "vpk", "day1", rebuild_state=True)
    state = open_store(str(tmp_path / "state.sqlite"))
    assert 0 < len(state.owners([f"c{n}" for n in range(30)])) < 30, "premise: the state holds part of the exports"
    state.close()
    with pytest.raises(RunRefused, match=r"was being rebuilt .* finish it with -a rebuild_state=1"):
        check(settings(tmp_path), "vpk", "day1", rebuild_state=False)
    assert "3 articles, 30 comments" in check(settings(tmp_path), "vpk", "day1", rebuild_state=True)
    assert check(settings(tmp_path), "vpk", "day1", rebuild_state=False) is None
    with pytest.raises(RunRefused, match="not empty; move it aside first"):
        check(settings(tmp_path), "vpk", "day1", rebuild_state=True)


def test_an_archive_is_of_the_site_of_its_first_run_and_refuses_another(tmp_path: Path) -> None:
    check(settings(tmp_path), "vpk", "day0", rebuild_state=False, start_url="http://127.0.0.1:8000/news/")
    check(settings(tmp_path), "vpk", "day1", rebuild_state=False, start_url="http://127.0.0.1:8000/news/?page=2")
    with pytest.raises(RunRefused, match=r"is of http://127.0.0.1:8000, and start_url=http://127.0.0.1:9000/news/ "
                                         r"is on http://127.0.0.1:9000: .*EXPORTS_DIR=trial/exports"):
        check(settings(tmp_path), "vpk", "day2", rebuild_state=False, start_url="http://127.0.0.1:9000/news/")


@pytest.mark.parametrize(("name", "hint"), [("EXPORT_DIR", "did you mean EXPORTS_DIR?"),
                                            ("REVISIT_AFTR", "did you mean REVISIT_AFTER?"),
                                            ("TOTALLY_UNKNOWN_THING", "see newscrawl/settings.py and Scrapy's settings")])
def test_a_setting_name_nobody_knows_is_refused_with_the_closest_known_one(name: str, hint: str) -> None:
    given = Settings()
    given.set(name, "x", priority="cmdline")
    given.set("PLAYWRIGHT_LAUNCH_OPTIONS", {}, priority="cmdline")  # a plugin's setting: known by its prefix
    with pytest.raises(RunRefused) as refused:
        check_setting_names(given)
    assert str(refused.value) == f"-s {name}: no such setting; {hint}"


def test_every_setting_newscrawl_and_scrapy_define_is_known() -> None:
    given = Settings()
    for name in ("EXPORTS_DIR", "CONTACT", "ABSENCE_CORROBORATED_AFTER", "LOG_LEVEL", "AUTOTHROTTLE_ENABLED"):
        given.set(name, "1", priority="cmdline")
    check_setting_names(given)


def test_a_live_run_beside_an_empty_state_is_a_sibling_worker_in_a_shared_crawl_only(tmp_path: Path) -> None:
    """Workers of a shared crawl take no run lock and start together: a worker must not take the
    run of one that started a moment before it, and has not committed yet, for another state's."""
    live = tmp_path / "exports" / "vpk" / "one"
    live.mkdir(parents=True)
    running = hold(RunLayout(live).lock)
    store = open_store(str(tmp_path / "state.sqlite"))
    try:
        assert _committed([live], store) == [live]  # a crawl on its own: a run of this archive
        assert _committed([live], store, shared=True) == []
    finally:
        assert running is not None
        running.close()
        store.close()
