"""newscrawl.monitoring.manifest and newscrawl.runs.runfolder: the verdict, and what a dead run is given."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.project import get_project_settings as project_settings

from newscrawl import statkeys
from newscrawl.layout import RunLayout
from newscrawl.monitoring import manifest
from newscrawl.runs.runfolder import hold, recover_killed_runs
from newscrawl.state.store import Batch, open_store


def built(reason: str = "finished", **stats: object) -> dict:
    return manifest.build(run_id="r", spider="vpk", arguments={}, started_at=datetime.now(UTC), reason=reason,
                          stats={statkeys.LISTED_ARTICLES: 20, **stats}, settings={}, max_error_rate=0.05)


@pytest.mark.parametrize(("found", "status"), [
    (built(), manifest.EXIT_HEALTHY),
    (built("shutdown"), manifest.EXIT_INTERRUPTED),
    (built(**{statkeys.LISTING_FAILED: 1}), manifest.EXIT_UNHEALTHY),
    (None, manifest.EXIT_UNHEALTHY),
])
def test_exit_status(found: dict | None, status: int) -> None:
    assert manifest.exit_status(found) == status


@pytest.mark.parametrize(("stats", "words"), [
    ({statkeys.failed("DownloadCancelledError"): 1}, "over DOWNLOAD_MAXSIZE"),
    ({statkeys.browser_miss("unavailable"): 3}, "only a browser shows"),
    ({statkeys.HEALTH_PROBLEMS: ["article body on 0% of 40 articles"]}, "article body"),
    ({statkeys.EXPORT_ERROR: "No space left on device"}, "No space left on device"),
])
def test_each_problem_is_named(stats: dict, words: str) -> None:
    found = built(**stats)
    assert not found["healthy"] and words in " ".join(found["problems"])
    assert words.split()[0] in "\n".join(manifest.summary_lines(found))


def test_a_dead_run_is_cut_back_to_its_checkpoint_and_given_a_manifest_with_every_key(tmp_path: Path) -> None:
    runs = tmp_path / "vpk"
    kept = '{"article_id": "1", "version": 1}\n'
    dead, live = runs / "dead", runs / "live"
    for folder in (dead, live):
        folder.mkdir(parents=True)
        RunLayout(folder).jsonl("article").write_text(kept + '{"article_id": "2", "vers')
    store = open_store(str(tmp_path / "state.sqlite"))
    store.save(Batch([], [], checkpoint=(str(dead.resolve()), {str(RunLayout(dead).jsonl("article").resolve()): len(kept)})))
    lock = hold(RunLayout(live).lock)  # a run still going
    assert recover_killed_runs(runs, store, project_settings()) == 1
    assert RunLayout(dead).jsonl("article").read_text() == kept
    assert RunLayout(dead).csv("article").read_text(encoding="utf-8-sig").splitlines()[1].startswith("1,")
    found = json.loads(RunLayout(dead).manifest.read_text())
    assert found["finish_reason"] == "killed" and found["counts"]["articles"]["new"] == 1
    assert found.keys() == built().keys()
    assert not RunLayout(live).manifest.exists() and store.checkpoints() == {}
    assert lock is not None
    lock.close()
