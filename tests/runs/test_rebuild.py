"""newscrawl.runs.rebuild: a lost state made again from the exports, the latest version of each item."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.settings import Settings

from newscrawl.layout import RunLayout
from newscrawl.runs.rebuild import rebuild
from newscrawl.state.store import open_store

ARTICLE = {"article_id": "1", "url": "http://x/news/1_a.html", "title": "T", "published_at": "2018-09-01T10:00:00+03:00",
           "views": 10, "comments_count": 2, "first_seen_at": "2018-09-16T09:00:00+00:00"}


def comment(comment_id: str, version: int, text: str | None, deleted: bool = False) -> dict:
    return {"article_id": "1", "comment_id": comment_id, "number": int(comment_id[1:]), "text": text, "version": version,
            "posted_at": None if deleted else "2018-09-15T10:15:00+03:00", "deleted": deleted,
            "first_seen_at": "2018-09-16T09:00:00+00:00", "last_seen_at": "2018-09-17T09:00:00+00:00"}


def run(runs: Path, name: str, started: str, articles: list[dict], comments: list[dict]) -> None:
    layout = RunLayout(runs / name)
    layout.folder.mkdir(parents=True)
    for kind, records in (("article", articles), ("comment", comments)):
        layout.jsonl(kind).write_text("".join(json.dumps(r) + "\n" for r in records))
    layout.manifest.write_text(json.dumps({"run_id": name, "started_at": started}))


def test_the_latest_version_of_each_item_becomes_its_state(tmp_path: Path) -> None:
    runs = tmp_path / "vpk"
    run(runs, "day0", "2018-09-16T09:00:00+00:00", [{**ARTICLE, "version": 1, "last_seen_at": "2018-09-16T09:00:00+00:00"}],
        [comment("c1", 1, "раз"), comment("c2", 1, "два")])
    run(runs, "day1", "2018-09-17T09:00:00+00:00", [{**ARTICLE, "version": 2, "views": 20, "last_seen_at": "2018-09-17T09:00:00+00:00"}],
        [comment("c1", 2, "раз, поправлено"), comment("c2", 2, None, deleted=True)])
    store = open_store(str(tmp_path / "state.sqlite"))
    done = rebuild(store, runs, Settings())
    assert (done.runs, done.articles, done.comments) == (2, 1, 2)
    article = store.article("1")
    assert article is not None and (article.version, article.views, article.walked_at) == (2, 20, "2018-09-17T09:00:00+00:00")
    thread = store.comments("1")
    assert thread["c1"].version == 2 and thread["c1"].posted_at == "2018-09-15T10:15:00+03:00" and not thread["c1"].deleted
    assert thread["c2"].deleted and thread["c2"].hash == ""
    assert store.owners(["c1", "c2"]) == {"c1": "1", "c2": "1"}


def test_an_older_version_read_later_does_not_roll_the_state_back_and_a_correction_wins(tmp_path: Path) -> None:
    """A re-extraction of day 0, run after day 1, writes version 1 again (bound to its time) and
    corrects day 1's version 2 with a version 2 of its own: the state holds the correction."""
    runs = tmp_path / "vpk"
    run(runs, "day0", "2018-09-16T09:00:00+00:00", [], [comment("c1", 1, "раз"), comment("c2", 1, "два")])
    run(runs, "day1", "2018-09-17T09:00:00+00:00", [], [comment("c1", 2, "раз, поправлено"), comment("c2", 2, "два!")])
    run(runs, "reextract", "2018-09-18T09:00:00+00:00", [], [comment("c1", 1, "раз"), comment("c2", 2, "два, верно")])
    store = open_store(str(tmp_path / "state.sqlite"))
    rebuild(store, runs, Settings())
    thread = store.comments("1")
    assert thread["c1"].version == 2 and thread["c2"].version == 2
    assert len(thread["c1"].past_hashes.split()) == 1  # version 1's hash: a page showing it again is older
    assert len(thread["c2"].past_hashes.split()) == 2  # versions 1 and day 1's 2, replaced by the correction


def test_many_comments_pass_through_the_scratch_file_which_is_gone_afterwards(tmp_path: Path) -> None:
    """More comments than one batch; the scratch file (beside the runs, not in a small /tmp) is removed."""
    runs = tmp_path / "exports" / "vpk"
    run(runs, "day0", "2018-09-16T09:00:00+00:00", [{**ARTICLE, "version": 1, "last_seen_at": "2018-09-16T09:00:00+00:00"}],
        [comment(f"c{n}", 1, f"текст {n}") for n in range(1, 12_001)])
    store = open_store(str(tmp_path / "state.sqlite"))
    done = rebuild(store, runs, Settings())
    assert (done.articles, done.comments) == (1, 12_000)
    assert store.article("1").max_comment_number == 12_000
    assert [p.name for p in (tmp_path / "exports").iterdir()] == ["vpk"]
