"""Keep what the site served: every response of a run in a WARC file (ISO 28500) in its folder.

``<run dir>/pages.warc.gz`` holds a request and a response record per page fetched, gzip per
record, with the headers as the site sent them (multi-value ones kept) and the body as it came
off the wire: this middleware sits closer to the downloader than Scrapy's decompression (590).
A page rendered by Chromium is recorded as what the browser showed, marked by the WARC header
``Newscrawl-Rendered-By: chromium``. The file is one of the run's export files (``ExportFiles``):
it is flushed and fsynced with the exports at every state commit and cut back with them when
a killed run is recovered, so it always ends at a record boundary.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import IO

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl import statkeys
from newscrawl.feeds import ExportFiles, GuardedWriter, run_dir

logger = logging.getLogger(__name__)
ARCHIVE_NAME = "pages.warc.gz"
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
            raise NotConfigured("no WARC archive")
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        path = run_dir(spider).resolve() / ARCHIVE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        files = self.crawler.get_extension(ExportFiles)
        raw = io.FileIO(path, "wb")
        self.file = GuardedWriter(raw, files) if files else io.BufferedWriter(raw)
        if files:
            files.add(str(path), self.file)
        self.writer = WARCWriter(self.file, gzip=True)
        info = self.writer.create_warcinfo_record(ARCHIVE_NAME, {
            "software": "newscrawl (Scrapy)", "format": "WARC File Format 1.1",
            "description": f"run {spider.run_id} of the {spider.name} spider"})
        self.writer.write_record(info)

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
        stats = self.crawler.stats
        stats.inc_value(statkeys.ARCHIVE_RECORDS, 2)
        stats.inc_value(statkeys.ARCHIVE_BYTES, self.file.tell() - before)

    def spider_closed(self) -> None:
        if self.file is not None and not self.file.closed:
            self.file.close()


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 403: "Forbidden",
            404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}


def archive_path(folder: Path) -> Path:
    return folder / ARCHIVE_NAME
