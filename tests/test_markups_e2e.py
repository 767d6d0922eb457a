"""Markup the crawler has never seen (``tests/replica/markups.py``): a run that meets it stores no
wrong value and says the two commands of the repair; ``learn`` writes a site version from what
the archive knows (or from one article's record, on the first day); a run that follows reads the
new markup, and the archive is the truth again.

Two forms:
- a redesign mid-archive: day 0 as the site was, the markup from day 1; ``learn --run day1``,
  ``reextract --runs day1``, and day 2's run;
- the first day on the real site, in each markup: the markup from day 0, ``learn --url --record``
  with one article's truth, then the crawl.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newscrawl.layout import RunLayout
from tests.conftest import ROOT, CrawlResult, Key, Replica, Site, archive, record_key, run_crawl
from tests.replica.markups import MARKUPS
from tests.test_habits_e2e import assert_current_is_truth, current, truth

pytestmark = pytest.mark.e2e
QUICK = ["-s", "BROKEN_PAGE_BACKOFF=0.05", "-s", "DOWNLOAD_TIMEOUT=5"]
ARTICLES = ("--articles", "40", "--js-share", "0")


def newscrawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newscrawl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def assert_no_wrong_value(result: CrawlResult, today: dict[Key, dict[str, Any]]) -> None:
    """What a run stored is what the site shows: a field is the truth's or null, never another value."""
    for record in result.records("articles") + result.records("comments"):
        if record.get("deleted"):  # not shown today: assert_current_is_truth holds deletions to the truth
            continue
        want = today[record_key(record)]
        wrong = {f: (record.get(f), v) for f, v in want.items() if record.get(f) not in (None, [], v)}
        assert not wrong, f"{record_key(record)}: {wrong}"


def test_a_redesign_mid_archive_is_repaired_by_learn_and_reextract(tmp_path: Path) -> None:
    """The markup with nothing in its head (no JSON-LD, meta or canonical link): every field
    learned from the page's body. What a markup changes is the learner's to meet, on every markup:
    the first day's test below."""
    markup = "bare"
    exports, state = tmp_path / "exports", tmp_path / "state.sqlite"
    settings = ["-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}"]
    site = Site(*ARTICLES, "--markup", markup, "--markup-from-day", "1")
    try:
        results = {}
        for day in (0, 1):
            replica = site.day(day)
            results[day] = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={state}", *QUICK,
                                     run_id=f"day{day}")
        assert results[0].returncode == 0, results[0].log[-2000:]
        assert results[1].returncode == 1, results[1].log[-2000:]
        verdict = json.loads(RunLayout(results[1].run_dir).manifest.read_text())
        repair = ("python -m newscrawl learn --run day1, then python -m newscrawl reextract --runs day1")
        assert any(repair in problem for problem in verdict["problems"]), verdict["problems"]
        assert_no_wrong_value(results[1], truth(replica))

        learned = newscrawl("learn", "--run", "day1", *settings, "-s", "DOWNLOAD_DELAY=0.01")
        assert learned.returncode == 0, learned.stdout + learned.stderr
        assert "NOT LEARNED" not in learned.stdout and "comment.text" in learned.stdout
        versions = list((tmp_path / "site-versions").glob("*.json"))
        assert len(versions) == 1 and json.loads(versions[0].read_text())["taught_by"]["run"] == "day1"

        before = archive(exports)
        again = newscrawl("reextract", "--runs", "day0", "-j", "1", *settings)
        assert again.returncode == 0, again.stderr[-2000:]
        assert archive(exports) == before, "the run before the redesign reads the same with its own version"
        repaired = newscrawl("reextract", "--runs", "day1", "-j", "1", *settings)
        assert repaired.returncode in (0, 1), repaired.stderr[-2000:]

        # The next run reads the new markup. It walks every thread (force): a comment deleted while the
        # markup was unreadable is found by the next walk of its thread, which REVISIT_AFTER times.
        replica = site.day(2)
        after = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={state}", *QUICK, "-a", "force=1",
                          run_id="day2")
        assert after.returncode == 0, after.log[-3000:]
        assert_no_wrong_value(after, truth(replica))
    finally:
        site.stop()
    ever = set(truth(Replica(replica.url, [*ARTICLES, "--day", "0"]))) | set(truth(replica))
    assert_current_is_truth(current(exports), truth(replica), ever)


def first_day_record(replica: Replica) -> tuple[str, dict[str, Any]]:
    """The article that shows the most of what an article can (an image, an author, tags, quotes,
    several comment pages), and its record as the truth has it."""
    records = replica.truth()
    comments: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record["_type"] == "comment":
            comments.setdefault(record["article_id"], []).append({k: v for k, v in record.items() if k != "_type"})

    def shows(article: dict[str, Any]) -> tuple[bool, int]:
        thread = comments.get(article["article_id"], [])
        full = bool(article["image_url"] and article["author"] and article["mentions"]
                    and any(c["quote_number"] for c in thread))
        return full, len(thread)

    article = max((r for r in records if r["_type"] == "article"), key=shows)
    record = {"article": {k: v for k, v in article.items() if k != "_type"}, "comments": comments[article["article_id"]]}
    return article["url"], record


@pytest.mark.parametrize("markup", sorted(MARKUPS))
def test_the_first_day_on_a_site_is_learned_from_one_article_and_its_record(tmp_path: Path, markup: str) -> None:
    exports, state = tmp_path / "exports", tmp_path / "state.sqlite"
    site = Site(*ARTICLES, "--markup", markup)
    try:
        replica = site.day(0)
        url, record = first_day_record(replica)
        record_file = tmp_path / "record.json"
        record_file.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        learned = newscrawl("learn", "--url", url, "--record", str(record_file), "-s", f"EXPORTS_DIR={exports}",
                            "-s", "DOWNLOAD_DELAY=0.01")
        assert learned.returncode == 0, learned.stdout + learned.stderr
        result = run_crawl(replica.url + "news/", exports, "-s", f"STATE_URI={state}", *QUICK, run_id="day0")
        assert result.returncode == 0, result.log[-3000:]
    finally:
        site.stop()
    want = truth(replica)
    assert_current_is_truth(current(exports), want, set(want))


def test_the_readmes_first_day_recipe_learns_from_the_seed_article(replica: Replica, tmp_path: Path) -> None:
    """README, "The first day on the real site": the seed article's record file made from its stored
    page's record, and ``learn --url --record`` on the seed article's page (here the replica's: the
    record's URLs name vpk.name, and a record from another host is matched by path)."""
    seed = json.loads((ROOT / "tests" / "pages" / "vpk" / "article_2018-09-14_seed.json").read_text(encoding="utf-8"))
    record = tmp_path / "seed-record.json"
    record.write_text(json.dumps({"article": seed["article"], "comments": seed["comments"]}, ensure_ascii=False),
                      encoding="utf-8")
    learned = newscrawl("learn", "--url", f"{replica.url}news/232118_azerbajdzhan_derzhit_kurs_na_odkb.html",
                        "--record", str(record), "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", "DOWNLOAD_DELAY=0.01")
    assert learned.returncode == 0, learned.stdout + learned.stderr
    assert "1 of 1 known articles" in learned.stdout and "0 values refused" in learned.stdout
    (version,) = (tmp_path / "site-versions").glob("*.json")
    assert json.loads(version.read_text())["taught_by"]["record"] == str(record)
