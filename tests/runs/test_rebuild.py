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
