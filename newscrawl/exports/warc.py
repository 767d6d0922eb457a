"""Keep what the site served: every response of a run in a WARC file (ISO 28500) in its folder.

``<run dir>/pages.warc.gz`` holds a request and a response record per page fetched, gzip per
record, with the headers as the site sent them (multi-value ones kept) and the body as it came
off the wire: this middleware sits closer to the downloader than Scrapy's decompression (590).
A page rendered by Chromium is recorded as what the browser showed, marked by the WARC header
``Newscrawl-Rendered-By: chromium``. The file is one of the run's export files (``ExportFiles``):
it is flushed and fsynced with the exports at every state commit and cut back with them when
a killed run is recovered, so it always ends at a record boundary.

``python -m newscrawl reextract`` reads it back: ``ArchiveDownloadHandler`` answers the spider's
requests from the archive of chosen runs, so that today's code (a fixed selector) makes the items
again through the same callbacks and pipelines, without the site.
"""

from __future__ import annotations

import io
import logging
import mmap
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl import statkeys
from newscrawl.components import off_by_design
from newscrawl.exports.feeds import ExportFiles, GuardedWriter, jsonl_records
from newscrawl.layout import ARCHIVE, RunLayout, read_manifest, run_folders, runs_dir
from newscrawl.pages.html import RECORD_ID_META
from newscrawl.pages.site import site

logger = logging.getLogger(__name__)
RENDERED_BY = "Newscrawl-Rendered-By"


class WarcArchive:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.file: IO[bytes] | None = None
        self.writer: WARCWriter | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchive:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED") or not settings.getbool("RUN_FOLDER_ENABLED"):
            raise off_by_design(__name__, "no WARC archive")
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        path = RunLayout.of_spider(spider).archive.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        files = self.crawler.get_extension(ExportFiles)
        raw = io.FileIO(path, "wb")
        self.file = GuardedWriter(raw, files) if files else io.BufferedWriter(raw)
        if files:
            files.add(str(path), self.file)
        self.writer = WARCWriter(self.file, gzip=True)
        info = self.writer.create_warcinfo_record(ARCHIVE, {
            "software": "newscrawl (Scrapy)", "format": "WARC File Format 1.1",
            "description": f"run {spider.run_id} of the {spider.name} spider"})
        self.writer.write_record(info)
        self.crawler.stats.inc_value(statkeys.ARCHIVE_RECORDS)
        self.crawler.stats.inc_value(statkeys.ARCHIVE_BYTES, self.file.tell())

    def process_response(self, request: Request, response: Response) -> Response:
        if self.writer is not None:
            self._record(request, response)
        return response

    def _record(self, request: Request, response: Response) -> None:
        assert self.writer is not None and self.file is not None
        before = self.file.tell()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items() for v in values]
        status = f"{response.status} {_REASONS.get(response.status, 'Status')}"
        extra = {RENDERED_BY: "chromium"} if request.meta.get("playwright") else {}
        record = self.writer.create_warc_record(
            response.url, "response", payload=io.BytesIO(response.body),
            http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"), warc_headers_dict=extra)
        path = request.url.split("/", 3)[3] if request.url.count("/") >= 3 else ""
        sent = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in request.headers.items() for v in values]
        asked = self.writer.create_warc_record(
            request.url, "request", payload=io.BytesIO(request.body or b""),
            http_headers=StatusAndHeaders(f"{request.method} /{path} HTTP/1.1", sent, is_http_request=True))
        self.writer.write_request_response_pair(asked, record)
        request.meta[RECORD_ID_META] = record.rec_headers.get_header("WARC-Record-ID")
        stats = self.crawler.stats
        stats.inc_value(statkeys.ARCHIVE_RECORDS, 2)
        stats.inc_value(statkeys.ARCHIVE_BYTES, self.file.tell() - before)

    def spider_closed(self) -> None:
        if self.file is not None and not self.file.closed:
            self.file.close()


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 403: "Forbidden",
            404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}


# --- reading it back: re-extraction without the site ------------------------------------------

GZIP_MEMBER = b"\x1f\x8b\x08"  # each record starts one (gzip per record)
DAMAGE = (ArchiveLoadFailed, zlib.error, EOFError, ValueError)  # what warcio raises on bytes it cannot read


def archived_records(path: Path) -> Iterator[tuple[int, Any]]:
    """Each record of a WARC file that reads, with its offset, headers read and content not.

    A damaged stretch (a flipped byte, a foreign tail) is skipped to the next record that reads,
    and logged with where it begins and ends: each record is a gzip member of its own, so what
    follows the damage is still the archive. A record whose content is damaged may be given (its
    headers read): ``archived_response`` reads it whole or fails."""
    start, damaged_at = 0, None
    with path.open("rb") as file:
        while True:
            file.seek(start)
            records, last = ArchiveIterator(file), None
            try:
                for record in records:
                    last = records.offset  # where it starts (get_record_offset() reads it to its end first)
                    if damaged_at is not None:
                        logger.warning("%s is damaged from byte %d to %d: skipped to the next record", path,
                                       damaged_at, last)
                        damaged_at = None
                    yield last, record
                return
            except DAMAGE:
                at = last if last is not None else start  # the record it failed in or after, or where it began
                damaged_at = at if damaged_at is None else damaged_at
                start = _next_member(file, at + 1)
                if start < 0:
                    logger.warning("%s is damaged from byte %d to its end", path, damaged_at)
                    return


def archived_response(path: Path, offset: int) -> tuple[Any, bytes]:
    """The record at ``offset`` of a WARC file, and its content (Content- and Transfer-Encoding
    undone) checked against the record's digests: warcio gives a damaged record's content short
    or garbled, with no error. Raises one of ``DAMAGE``."""
    with path.open("rb") as file:
        file.seek(offset)
        record = next(iter(ArchiveIterator(file, check_digests=True)))
        body = record.content_stream().read()
    headers = record.rec_headers
    if record.digest_checker.passed is not True and (headers.get_header("WARC-Block-Digest")
                                                     or headers.get_header("WARC-Payload-Digest")):
        raise ArchiveLoadFailed("; ".join(record.digest_checker.problems) or "shorter than archived")
    if record.http_headers is None:
        raise ArchiveLoadFailed("its HTTP headers do not read")
    return record, body


def _next_member(file: IO[bytes], after: int) -> int:
    """The offset of the next gzip member's header at or after ``after``, or -1."""
    with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return view.find(GZIP_MEMBER, after)


def in_part(article_id: str, part: str) -> bool:
    """Whether an article is in a re-extraction worker's ``part`` ("k/N", ``REEXTRACT_PART``):
    the same answer in every process (``newscrawl.archive.reextract`` deals whole articles out).

    >>> [in_part(a, "0/2") for a in ("1", "2", "3")] == [not in_part(a, "1/2") for a in ("1", "2", "3")]
    True
    """
    index, count = (int(n) for n in part.split("/"))
    return zlib.crc32(article_id.encode()) % count == index


@dataclass(frozen=True)
class Archived:
    path: Path
    offset: int
    record_id: str


def archived_pages(settings: BaseSettings) -> dict[tuple[str, bool], Archived]:
    """The pages a re-extraction reads (``REEXTRACT_RUNS``), those of its part's articles for one
    worker of several (``REEXTRACT_PART``): the spider and the download handler ask alike."""
    return index(reextract_folders(settings), settings.get("REEXTRACT_PART"), site(settings).thread_id_from_url)


@cache
def index(folders: tuple[Path, ...], part: str = "",
          thread_of: Callable[[str], str | None] | None = None) -> dict[tuple[str, bool], Archived]:
    """The last response archived for each URL, plain and browser-rendered apart, over runs in order;
    with ``part``, not the pages of other parts' articles (``thread_of`` a URL: its article), so
    that each of N workers holds a share of it (~450 bytes a page: ~0.5 GB at the real archive's size).

    Read once per process: the spider (what to re-extract) and the download handler (where each
    page is) both ask, and a re-extraction's archives do not change while it runs."""
    found: dict[tuple[str, bool], Archived] = {}
    for folder in folders:
        path = RunLayout(folder).archive
        if not path.exists():
            continue
        for offset, record in archived_records(path):
            if record.rec_type == "response" and record.http_headers is not None \
                    and record.http_headers.get_statuscode() == "200":  # none: damaged where they were
                url = record.rec_headers.get_header("WARC-Target-URI")
                thread = thread_of(url) if part and thread_of else None
                if thread is not None and not in_part(thread, part):
                    continue
                rendered = record.rec_headers.get_header(RENDERED_BY) is not None
                found[(url, rendered)] = Archived(path, offset, record.rec_headers.get_header("WARC-Record-ID"))
    return found


class ArchivedArticles:
    """Re-extraction's start source (``crawl.sources``): every article page the chosen runs
    archived, each walked again through its archived comment pages; on whatever host they were
    fetched from, and claiming nothing of the site."""

    claims = False

    def __init__(self, settings: BaseSettings) -> None:
        the_site = site(settings)
        archived = archived_pages(settings)  # of its part's articles, for one worker of several
        self.hosts = sorted({urlsplit(url).hostname or "" for url, _ in archived})
        self.articles = {the_site.article_id_from_url(url): url for url, rendered in archived
                         if not rendered and the_site.page_kind(url) == "article"}

    @classmethod
    def from_crawler(cls, crawler: Crawler, start_url: str | None = None) -> ArchivedArticles:
        return cls(crawler.settings)

    @classmethod
    def site_url(cls, settings: BaseSettings, start_url: str | None) -> str | None:
        return None  # the archive's pages, not a site's

    def start(self, planner: Any) -> list[Any]:
        return planner.archived(self.articles)


class NotArchived(IgnoreRequest):
    """A re-extraction asked for a page the archive does not hold."""


class ArchiveDownloadHandler(BaseDownloadHandler):
    """Answers every request from the WARC files of the runs in ``REEXTRACT_RUNS``, never from
    the network: a page that is not there fails (``NotArchived``)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.pages = archived_pages(crawler.settings)

    async def download_request(self, request: Request) -> Response:
        archived = self.pages.get((request.url, bool(request.meta.get("playwright"))))
        if archived is None:
            raise NotArchived(f"{request.url} is not in the archive")
        try:
            response = stored_response(archived, request.url, request)
        except DAMAGE as error:
            raise NotArchived(f"{request.url}: its record at byte {archived.offset} of {archived.path} is "
                              f"damaged ({error})") from None
        self.crawler.stats.inc_value(statkeys.REEXTRACTED_PAGES)
        request.meta[RECORD_ID_META] = archived.record_id  # the items point to what the site served then
        return response


def stored_response(archived: Archived, url: str, request: Request | None = None) -> Response:
    """The archived response as Scrapy would have received it: its body decoded as archived, the
    encodings undone. Raises one of ``DAMAGE``."""
    record, body = archived_response(archived.path, archived.offset)
    headers = [(k, v) for k, v in record.http_headers.headers
               if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
    cls = responsetypes.from_args(headers=Headers(headers), url=url, body=body)
    return cls(url=url, status=200, headers=headers, body=body, request=request)


class ArchivedRuns:
    """The runs a re-extraction reads, as they were: which run each archived response came from,
    and the record that run emitted for an item. A re-extracted item corrects that record and
    nothing later (``VersioningPipeline``)."""

    def __init__(self, settings: BaseSettings) -> None:
        self.run_of = {archived.record_id: archived.path.parent for archived in archived_pages(settings).values()}
        self.emitted_by: dict[Path, dict[tuple[str, str], dict]] = {}

    def emitted(self, record_id: str | None, kind: str, key: str) -> dict | None:
        """What the run that archived ``record_id`` emitted for the item (``kind`` article or
        comment), or None: it emitted nothing for it (the item was unchanged then)."""
        folder = self.run_of.get(record_id or "")
        if folder is None:
            return None
        if folder not in self.emitted_by:
            self.emitted_by[folder] = {
                (kind_, r["article_id"] if kind_ == "article" else r["comment_id"]): r
                for kind_, path in RunLayout(folder).exports() for r in jsonl_records(path)}
        return self.emitted_by[folder].get((kind, key))


def reextract_folders(settings: BaseSettings) -> tuple[Path, ...]:
    """The run folders named by REEXTRACT_RUNS ("all", or run ids with commas), in run order."""
    runs = runs_dir(settings, site(settings).SPIDER)
    chosen = settings.get("REEXTRACT_RUNS")
    if chosen == "all":
        return tuple(sorted((f for f in run_folders(runs) if RunLayout(f).archive.exists()), key=_started))
    return tuple(sorted((runs / name.strip() for name in chosen.split(",") if name.strip()), key=_started))


def _started(folder: Path) -> str:
    found = read_manifest(folder) or {}
    return found.get("started_at") or folder.name
