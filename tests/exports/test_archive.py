"""newscrawl.exports.archive: every response kept in the run's WARC, its record id handed to the
items read from it, and read back for a re-extraction bound to the run that archived it."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl.exports.archive import ArchivedRuns, WarcArchive, index
from newscrawl.layout import RunLayout
from newscrawl.pages.html import RECORD_ID_META

URL = "http://127.0.0.1:8000/news/1_a.html"


def archived_run(exports: Path, run_id: str) -> str:
    """One page archived by a run whose exports hold one article; returns its record id."""
    crawler = get_crawler(Spider, {"EXPORTS_DIR": str(exports), "ARCHIVE_ENABLED": True, "RUN_FOLDER_ENABLED": True})
    spider = Spider.from_crawler(crawler, name="vpk")
    spider.run_id = run_id  # type: ignore[attr-defined]
    crawler.stats.open_spider()
    archive = WarcArchive(crawler)
    archive.spider_opened(spider)
    request = Request(URL)
    archive.process_response(request, HtmlResponse(URL, body=b"<html><body>article</body></html>", request=request))
    archive.spider_closed()
    layout = RunLayout.of(crawler.settings, "vpk", run_id)
    layout.jsonl("article").write_text(json.dumps({"article_id": "1", "version": 3, "title": "T"}) + "\n")
    return request.meta[RECORD_ID_META]


def test_a_response_is_archived_and_its_record_id_handed_on(tmp_path: Path) -> None:
    record_id = archived_run(tmp_path, "r1")
    assert record_id.startswith("<urn:uuid:")
    (found,) = index((RunLayout.of({"EXPORTS_DIR": str(tmp_path)}, "vpk", "r1").folder,)).values()
    assert found.record_id == record_id


def test_a_reextraction_finds_the_record_the_archiving_run_emitted(tmp_path: Path) -> None:
    first, second = archived_run(tmp_path, "r1"), archived_run(tmp_path, "r2")
    runs = ArchivedRuns(Settings({"EXPORTS_DIR": str(tmp_path), "REEXTRACT_RUNS": "r1", "SITE": "newscrawl.pages.vpk"}))
    assert runs.emitted(first, "article", "1") == {"article_id": "1", "version": 3, "title": "T"}
    assert runs.emitted(second, "article", "1") is None  # r2 is not re-extracted
    assert runs.emitted(first, "comment", "1") is None
