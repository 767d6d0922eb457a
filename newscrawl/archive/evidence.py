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

from newscrawl.exports.feeds import jsonl_records
from newscrawl.exports.warc import DAMAGE, archived_records, archived_response
from newscrawl.extract.items import MODERATED
from newscrawl.layout import RunLayout, read_manifest, run_folders
from newscrawl.pages.vpk import excerpt, page_kind

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


def _heading(folder: Path, record: dict[str, Any]) -> str:
    """A version's line: its number, run and time; for a deletion, how it was removed and when
    (the run's start, for a record written before deletions carried their time)."""
    if "title" in record:
        kind = "article"
    elif not record.get("deleted"):
        kind = f"comment of article {record['article_id']} (alive)"
    elif record.get("removal") == MODERATED:
        kind = (f"comment of article {record['article_id']} (deleted: moderated, "
                f"the site shows {record.get('removal_notice')!r} in its place)")
    else:
        kind = f"comment of article {record['article_id']} (deleted: gone from its thread)"
    when = record.get("crawled_at") or f"found by the run started {(read_manifest(folder) or {}).get('started_at')}"
    return f"version {record.get('version')} · run {folder.name} · {when} · {kind}"


def _labels(record: dict[str, Any], urls: list[str]) -> list[str]:
    """What each proof page is: for a deletion gone from its thread, the walk it belongs to (each
    walk starts again at the article page) and its place in it; else nothing."""
    if not record.get("deleted") or record.get("removal") == MODERATED:
        return [""] * len(urls)
    labels, walk, page = [], 0, 0
    for url in urls:
        if page_kind(url) == "article" or walk == 0:
            walk, page = walk + 1, 0
        page += 1
        labels.append(f"walk {walk}, page {page}: ")
    return labels


def report(runs: Path, item_id: str) -> Iterator[str]:
    """The lines ``evidence`` prints."""
    found = versions(runs, item_id)
    if not found:
        yield f"newscrawl: no record of {item_id!r} in {runs}"
        return
    for folder, record in found:
        yield _heading(folder, record)
        ids = [record["warc_record_id"]] if record.get("warc_record_id") else record.get("deletion_evidence") or []
        pages = archived(folder, set(ids))
        if not ids:
            yield "  no archived page recorded for it (a run before provenance was kept)"
        labels = _labels(record, [pages[i][0] if pages.get(i) else "" for i in ids])
        for record_id, label in zip(ids, labels, strict=True):
            if record_id not in pages:
                yield f"  {label}{record_id}: not in {RunLayout(folder).archive}"
                continue
            page = pages[record_id]
            if page is None:
                yield f"  {label}{record_id}: damaged in {RunLayout(folder).archive}"
                continue
            url, body, headers = page
            yield f"  {label}{record_id} {url}"
            response = HtmlResponse(url, body=body, headers=headers)
            shown = excerpt(response, item_id)
            if shown is None:
                yield "    (not on this page)" if record.get("deleted") else "    (the item is not found on the page)"
            else:
                yield "    " + " ".join(shown.split())[:EXCERPT_CHARS]
