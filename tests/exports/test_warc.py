"""newscrawl.exports.warc: every response kept in the run's WARC, its record id handed to the
items read from it, and read back for a re-extraction bound to the run that archived it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl.exports.warc import ArchivedRuns, WarcArchive, index
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


def warc_of(path: Path, pages: dict[str, bytes]) -> list[int]:
    """A WARC file as the archive writes it (gzip per record) of ``pages`` (URL → body), the same
    bytes every time (record ids and dates given); returns where each record starts, and its end."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    starts = []
    with path.open("wb") as file:
        writer = WARCWriter(file, gzip=True)
        for n, (url, body) in enumerate(pages.items()):
            starts.append(file.tell())
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body),
                warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
                                   "WARC-Date": "2018-09-16T09:00:00.000000Z"},
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                              protocol="HTTP/1.1")))
        starts.append(file.tell())
    return starts


# Ways a stored archive is damaged: each (the bytes changed, the pages they cost). Bytes
# overwritten anywhere in a record cost that record at most; its headers may still read.
DAMAGES = {
    **{f"bytes overwritten at +{at}": (lambda data, s, at=at: data[:s[2] + at] + bytes(40) + data[s[2] + at + 40:], {2})
       for at in range(10, 200, 21)},
    "a foreign tail": (lambda data, s: data + b"not a WARC record\n" * 3, set()),
    "a record's start lost": (lambda data, s: data[:s[3]] + b"x" * 10 + data[s[3] + 10:], {3}),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_stretch_of_the_archive_is_skipped_and_logged_and_the_rest_read(
        tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    from newscrawl.exports.warc import DAMAGE, archived_response

    path = RunLayout(tmp_path / "run").archive
    starts = warc_of(path, {f"{URL}?page={n}": f"<html><body>страница {n}</body></html>".encode() for n in range(6)})
    damaged, may_lose = DAMAGES[damage]
    path.write_bytes(damaged(path.read_bytes(), starts))
    index.cache_clear()
    found = {int(url.rsplit("=", 1)[1]): archived for (url, _), archived in index((path.parent,)).items()}
    assert set(range(6)) - may_lose <= set(found), "an undamaged page lost"
    assert all(archived.offset == starts[n] for n, archived in found.items())
    for n in may_lose & set(found):  # its headers read: what it holds does not
        with pytest.raises(DAMAGE):
            archived_response(path, found[n].offset)
    (warning,) = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert str(path) in warning and (("to its end" in warning) == (damage == "a foreign tail")), warning
    index.cache_clear()


def test_a_page_whose_archived_record_is_damaged_fails_as_not_archived(tmp_path: Path) -> None:
    import asyncio
    import hashlib

    from newscrawl.exports.warc import ArchiveDownloadHandler, NotArchived

    path = RunLayout.of({"EXPORTS_DIR": str(tmp_path)}, "vpk", "r1").archive
    # a page longer than what warcio decompresses at a time, so that its headers read before the damage
    warc_of(path, {URL: "".join(f"<p>{hashlib.sha1(str(n).encode()).hexdigest()}</p>" for n in range(3000)).encode()})
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle: middle + 50] = bytes(50)  # inside the page's body: the record's headers still read
    path.write_bytes(bytes(data))
    index.cache_clear()
    crawler = get_crawler(Spider, {"EXPORTS_DIR": str(tmp_path), "REEXTRACT_RUNS": "r1", "SITE": "newscrawl.pages.vpk"})
    handler = ArchiveDownloadHandler(crawler)
    with pytest.raises(NotArchived, match=r"record at byte 0 of .*pages.warc.gz is damaged"):
        asyncio.run(handler.download_request(Request(URL)))
    index.cache_clear()


def test_a_worker_of_a_reextraction_indexes_its_part_of_the_articles_and_every_other_page(tmp_path: Path) -> None:
    """Each of N workers holds the pages of its share of the articles (their article pages and
    comment pages, whole), and the pages of no article (listings) as every worker may ask them."""
    from newscrawl.exports.warc import in_part
    from newscrawl.pages.vpk import thread_id_from_url

    base = "http://127.0.0.1:8000"
    urls = [f"{base}/news/?page={n}" for n in (2, 3)] + [
        url for article in range(400, 420) for url in (f"{base}/news/{article}_a.html", f"{base}/news/{article}_a/comments/2")]
    path = RunLayout(tmp_path / "r1").archive
    warc_of(path, dict.fromkeys(urls, b"<html></html>"))
    shares = [{url for url, _ in index((path.parent,), f"{k}/3", thread_id_from_url)} for k in range(3)]
    assert set().union(*shares) == set(urls) == {url for url, _ in index((path.parent,))}
    for k, share in enumerate(shares):
        assert {u for u in share if "page=" in u} == set(urls[:2])  # listings: every worker's
        articles = {thread_id_from_url(u) for u in share if "page=" not in u}
        assert articles == {str(a) for a in range(400, 420) if in_part(str(a), f"{k}/3")}
        assert all(f"{base}/news/{a}_a/comments/2" in share for a in articles)  # an article's pages together
    index.cache_clear()
