"""``python -m newscrawl evidence ID``: what the archive claims of one article or comment, and the
archived pages each claim rests on, so that a researcher can check a record before citing it.

Every record of every run is read (``<EXPORTS_DIR>/<spider>/*/{articles,comments}.jsonl``); each
version is printed with its run and time, then the archived response it was read from (its
``warc_record_id``, found in that run's ``pages.warc.gz``) as an excerpt where the item stood;
a deletion lists the pages of the two walks that did not show the comment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from newscrawl.exports.archive import DAMAGE, archived_records, archived_response
from newscrawl.exports.feeds import jsonl_records
from newscrawl.layout import RunLayout, run_folders
from newscrawl.pages.vpk import excerpt

EXCERPT_CHARS = 600


def versions(runs: Path, item_id: str) -> list[tuple[Path, dict[str, Any]]]:
    """Every record of the item (an article id or a comment id), oldest first."""
    written = json.dumps(item_id, ensure_ascii=False).encode()  # as the exports write it: only those lines are read
    found = [(folder, record) for folder in run_folders(runs)
             for kind, path in RunLayout(folder).exports() for record in jsonl_records(path, containing=written)
             if record.get(f"{kind}_id") == item_id and (kind == "comment" or "title" in record)]
    return sorted(found, key=lambda pair: (pair[1].get("version") or 0, pair[1].get("crawled_at") or ""))


def archived(folder: Path, record_ids: set[str]) -> dict[str, tuple[str, bytes, list[tuple[str, str]]] | None]:
    """The archived responses of a run by WARC-Record-ID: URL, body and headers (None: damaged)."""
    found: dict[str, tuple[str, bytes, list[tuple[str, str]]] | None] = {}
    path = RunLayout(folder).archive
    if not path.exists() or not record_ids:
        return found
    offsets = {record.rec_headers.get_header("WARC-Record-ID"): offset for offset, record in archived_records(path)
               if record.rec_type == "response" and record.rec_headers.get_header("WARC-Record-ID") in record_ids}
    for record_id, offset in offsets.items():
        try:
            record, body = archived_response(path, offset)
        except DAMAGE:
            found[record_id] = None  # there, but what of it can be read is not the page
            continue
        found[record_id] = (record.rec_headers.get_header("WARC-Target-URI"), body, record.http_headers.headers)
    return found


def report(runs: Path, item_id: str) -> Iterator[str]:
    """The lines ``evidence`` prints."""
    found = versions(runs, item_id)
    if not found:
        yield f"newscrawl: no record of {item_id!r} in {runs}"
        return
    for folder, record in found:
        state = "deleted" if record.get("deleted") else "alive"
        kind = "article" if "title" in record else f"comment of article {record['article_id']} ({state})"
        yield f"version {record.get('version')} · run {folder.name} · {record.get('crawled_at')} · {kind}"
        ids = [record["warc_record_id"]] if record.get("warc_record_id") else record.get("deletion_evidence") or []
        pages = archived(folder, set(ids))
        if not ids:
            yield "  no archived page recorded for it (a run before provenance was kept)"
        for record_id in ids:
            if record_id not in pages:
                yield f"  {record_id}: not in {RunLayout(folder).archive}"
                continue
            page = pages[record_id]
            if page is None:
                yield f"  {record_id}: damaged in {RunLayout(folder).archive}"
                continue
            url, body, headers = page
            yield f"  {record_id} {url}"
            response = HtmlResponse(url, body=body, headers=headers)
            shown = excerpt(response, item_id)
            if shown is None:
                yield "    (not on this page)" if record.get("deleted") else "    (the item is not found on the page)"
            else:
                yield "    " + " ".join(shown.split())[:EXCERPT_CHARS]
