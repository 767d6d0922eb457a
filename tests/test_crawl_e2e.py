"""End-to-end: ``scrapy crawl vpk`` against the replica over real HTTP, compared with its ground truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from newscrawl import statkeys
from newscrawl.extract.items import RUN_FIELDS, Article, Comment, field_names
from newscrawl.layout import RunLayout
from tests.conftest import CrawlResult, run_crawl

pytestmark = pytest.mark.e2e
EXPECTED_SEED = json.loads((Path(__file__).parent / "replica" / "data" / "expected_record.json").read_text("utf-8"))
SEED_ID = "232118"


def by_key(records: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    counts = Counter(r[key] for r in records)
    assert not [k for k, n in counts.items() if n > 1], "records emitted twice"
    return {r[key]: r for r in records}


def page_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A record less what a run adds to it (fetch time, versions, sightings)."""
    return {k: v for k, v in record.items() if k not in RUN_FIELDS | {"_type", "deleted"}}


def assert_matches_truth(result: CrawlResult, truth: list[dict[str, Any]]) -> None:
    """Every article and comment of the truth, field for field; none twice, none extra."""
    for kind, key, name in (("article", "article_id", "articles"), ("comment", "comment_id", "comments")):
        expected = {r[key]: page_fields(r) for r in truth if r["_type"] == kind}
        got = {k: page_fields(r) for k, r in by_key(result.records(name), key).items()}
        assert sorted(set(expected) - set(got))[:10] == [], f"{kind}s missing"
        assert sorted(set(got) - set(expected))[:10] == [], f"{kind}s not in the truth"
        wrong = [(k, f, expected[k][f], got[k][f]) for k in expected for f in expected[k] if expected[k][f] != got[k][f]]
        assert wrong[:5] == [], f"{len(wrong)} {kind} fields differ"


def test_crawl_emits_the_ground_truth(day0_crawl) -> None:
    replica, result = day0_crawl
    assert_matches_truth(result, replica.truth())  # JS-only comments included: they went through Chromium


def test_seed_article_equals_the_expected_record(day0_crawl) -> None:
    _, result = day0_crawl
    article = next(a for a in result.records("articles") if a["article_id"] == SEED_ID)
    assert {k: article[k] for k in EXPECTED_SEED["article"]} == EXPECTED_SEED["article"]
    comments = sorted((c for c in result.records("comments") if c["article_id"] == SEED_ID), key=lambda c: c["number"])
    assert [{k: c[k] for k in EXPECTED_SEED["comments"][0]} for c in comments] == EXPECTED_SEED["comments"]


def test_jsonl_has_every_field_and_utc_crawl_time(day0_crawl) -> None:
    _, result = day0_crawl
    for name, item_class in (("articles", Article), ("comments", Comment)):
        for record in result.records(name):
            assert list(record) == field_names(item_class)
            assert record["crawled_at"].endswith("+00:00")


def test_csv_opens_in_pandas_and_excel(day0_crawl) -> None:
    _, result = day0_crawl
    raw = RunLayout(result.run_dir).csv("article").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to show Cyrillic"
    frame = pd.read_csv(RunLayout(result.run_dir).csv("article"), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == field_names(Article)
    assert len(frame) == len(result.records("articles"))
    seed = frame[frame.article_id == SEED_ID].iloc[0]
    assert seed.title == EXPECTED_SEED["article"]["title"]
    jsonl = {a["article_id"]: a for a in result.records("articles")}
    with_mentions = next(a for a in jsonl.values() if len(a["mentions"]) > 1)
    assert frame[frame.article_id == with_mentions["article_id"]].iloc[0].mentions == "; ".join(with_mentions["mentions"])
    comments = pd.read_csv(RunLayout(result.run_dir).csv("comment"), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(comments.columns) == field_names(Comment)
    multiline = next(c for c in result.records("comments") if "\n" in c["text"])
    assert multiline["text"] in set(comments.text)  # line breaks survive quoting


def test_an_article_is_fetched_once_whatever_url_leads_to_it(day0_crawl) -> None:
    # Sidebar links name articles by a short slug (and ?utm_source=…) that the site also serves.
    replica, result = day0_crawl
    articles = sum(1 for r in replica.truth() if r["_type"] == "article")
    comment_pages = len({r["page_url"] for r in replica.truth() if r["_type"] == "comment" and "/comments/" in r["page_url"]})
    listing_pages = -(-articles // 20)
    fetched = result.stats["response_received_count"] - result.stats[statkeys.BROWSER_PAGES] - 1  # robots.txt
    assert fetched == articles + comment_pages + listing_pages
    assert statkeys.deduped("article") not in result.stats


def test_crawl_through_faults_still_emits_the_ground_truth(replica_factory, tmp_path) -> None:
    replica = replica_factory("--faults", "--articles", "60")
    result = run_crawl(replica.url + "news/", tmp_path)
    assert result.returncode == 0
    assert_matches_truth(result, replica.truth())
    stats = result.stats
    assert stats["retry/count"] >= 10
    assert stats["downloader/response_status_count/500"] > 0 and stats["downloader/response_status_count/503"] > 0
    assert not any(k.startswith(statkeys.UNPARSED_PREFIX) for k in stats)


def test_per_item_log_lines_only_at_debug(day0_crawl, small_replica, tmp_path) -> None:
    """At INFO the crawl builds no line per page or item; -s LOG_LEVEL=DEBUG shows one for each."""
    assert "Scraped from" not in day0_crawl[1].log and "Crawled (200)" not in day0_crawl[1].log
    result = run_crawl(small_replica.url + "news/", tmp_path, "-s", "LOG_LEVEL=DEBUG")
    assert result.returncode == 0
    # "Scraped from <200 …>", or "Scraped from [Failure …]" for an article a failed comment page
    # left to its errback (a page that timed out on a loaded machine)
    assert result.log.count("Scraped from ") == result.stats["item_scraped_count"] > 5
    assert result.log.count("Crawled (200) ") == result.stats["downloader/response_status_count/200"]
