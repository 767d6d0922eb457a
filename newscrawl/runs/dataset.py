"""``python -m newscrawl dataset``: one dataset from every run, for researchers.

Each run folder holds only what changed in that run. The dataset puts them together:

- ``articles`` and ``comments``: the archive as it stands, one row per item at its latest
  version (a deleted comment keeps its last text, flagged ``deleted`` with ``deleted_at``);
- ``history/articles/<run>`` and ``history/comments/<run>``: every version of every item, one
  file per run (views and comment counts over time); a rebuild writes only the new run's;

each as Parquet, JSONL and CSV (spreadsheet-safe, as the run exports are), with
``datapackage.json`` (the Frictionless Data Package: fields, types, descriptions),
``summary.json`` and a first chart (``comments_per_day.png``).

DuckDB does the merge: it reads JSONL and writes Parquet, CSV and JSON in one statement each,
and spills to disk rather than holding the archive in memory (pandas would load every version
of every comment at once). Each run's JSONL is converted once to Parquet in a cache, so a
rebuild after a new run reads that run's JSONL and the others' Parquet. The dataset is built in
a folder of its own and published by swapping a symlink, so a reader sees the old dataset or
the new one, never a mix. Runs that are still going, or died and were not recovered, are left
out and named.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import typing
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from newscrawl.exports import manifest
from newscrawl.exports.feeds import FORMULA_STARTS
from newscrawl.extract.items import Article, Comment
from newscrawl.extract.normalize import MOSCOW
from newscrawl.layout import RunLayout
from newscrawl.runs import archivedb
from newscrawl.runs.runfolder import is_alive

TABLES = {"articles": Article, "comments": Comment}
KEYS = {"articles": "article_id", "comments": "comment_id"}
RUN_COLUMNS = {"run_id": "run the version came from", "run_started_at": "when that run started (UTC)"}
DESCRIPTIONS = {
    "article_id": "the site's numeric id of the article", "url": "canonical URL of the article",
    "title": "headline", "published_at": "publication time, ISO 8601 with Moscow's offset",
    "section": "rubric", "author": "byline, when there is one", "body": "paragraphs joined by a blank line",
    "image_url": "lead image", "image_alt": "its alt text", "image_caption": "its caption",
    "image_credit": "the caption's credit (\"Источник: …\")", "rights_holder": "\"Права на данный материал принадлежат …\"",
    "rights_note": "the note under it", "mentions": "\"В новости упоминаются\" (joined by \"; \" in CSV)",
    "views": "views counter",
    "comments_count": "comments counter; null where a complete walk of the comments counted another number", "rating": "rating ('+2' is 2)",
    "crawled_at": "fetch time in UTC", "version": "1 when first emitted, 2, 3, … for each change",
    "first_seen_at": "first fetch that saw it (UTC)", "last_seen_at": "latest fetch that emitted this version (UTC)",
    "comment_id": "the site's comment id, else <article_id>-<number>", "number": "its №N on the page",
    "posted_at": "ISO 8601 with Moscow's offset", "text": "its own words, line breaks as \\n, without the quote",
    "quote_author": "who it quotes (\"q\": the article)", "quote_number": "the №N of the quoted comment",
    "quote_text": "the quoted words", "page_url": "the page the comment was read on",
    "quote_comment_id": "the comment_id of the comment it quotes (its quote_number in the same article); "
                        "null for a quote of the article, or of a comment not in the archive",
    "deleted": "true: two complete walks of its article's comment pages, each page proved to be the page asked "
               "for and each walk adding up to the total the pages declared, did not show it (deletion_evidence)",
    "warc_record_id": "the archived response it was read from (WARC-Record-ID in the run's pages.warc.gz; "
                      "python -m newscrawl evidence ID shows it); null for a deletion",
    "deletion_evidence": "a deletion's proof: the WARC-Record-IDs of the pages of the two walks that did not show it",
    "deleted_at": "when a run first found it gone (the run's start, UTC)",
    **RUN_COLUMNS,
}
CHART = "comments_per_day.png"
ARCHIVE_DB = "archive.sqlite"  # the same archive in SQLite, for browsing (newscrawl.runs.archivedb)
FORMATS = (".parquet", ".jsonl", ".csv")


@dataclass
class Runs:
    included: list[Path]
    excluded: dict[str, str]  # run id → why


def find_runs(runs: Path) -> Runs:
    """Runs with a manifest (closed, or recovered after they died) are in; the others are named."""
    included, excluded = [], {}
    for folder in sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []:
        if RunLayout(folder).manifest.exists():
            included.append(folder)
        elif is_alive(folder):
            excluded[folder.name] = "still running"
        else:
            excluded[folder.name] = "died and was not recovered yet (the next crawl recovers it)"
    return Runs(included, excluded)


# The item fields' annotations, as DuckDB types.
SQL_TYPES: dict[Any, str] = {str | None: "VARCHAR", int | None: "BIGINT", bool: "BOOLEAN", list[str]: "VARCHAR[]"}


def columns(item_class: type) -> dict[str, str]:
    hints = typing.get_type_hints(item_class)
    return {f.name: SQL_TYPES[hints[f.name]] for f in fields(item_class)}


# What a history file's content depends on besides its runs: the columns, and how they are made.
SCHEMA = hashlib.sha1(json.dumps([columns(Article), columns(Comment), "quote link: run prefix"]).encode()).hexdigest()[:8]


class Builder:
    def __init__(self, runs: Path, out: Path, memory_limit: str = "1GB", sqlite: bool = False) -> None:
        """``runs``: the spider's run folders (``layout.runs_dir``); ``sqlite``: write archive.sqlite too."""
        self.runs_dir = runs
        self.sqlite = sqlite
        self.out = out
        self.builds = out.parent / f".{out.name}-builds"
        self.cache = self.builds / "cache"
        self.builds.mkdir(parents=True, exist_ok=True)
        self.db = duckdb.connect()
        self.db.execute(f"SET memory_limit = '{memory_limit}'")
        self.db.execute(f"SET temp_directory = '{self.builds / 'spill'}'")
        self.db.execute("SET preserve_insertion_order = false")
        self.db.execute("SET enable_progress_bar = false")

    def build(self) -> dict[str, Any]:
        started = time.monotonic()
        runs = find_runs(self.runs_dir)
        self.cache.mkdir(parents=True, exist_ok=True)
        partitions = {name: [(f.name, self._partition(f, name)) for f in runs.included] for name in TABLES}
        previous = self.out.resolve() if self.out.is_symlink() and self.out.resolve().is_dir() else None
        shared = _history_keys(previous)
        build = self.builds / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        keys, added = {}, {}
        for name, item_class in TABLES.items():
            folder = build / "history" / name
            folder.mkdir(parents=True)
            keys[name], added[name] = self._history(name, partitions[name], folder, previous, shared.get(name, {}))
            current = build / f"{name}.parquet"
            self._copy(self._current(name, item_class, [folder / f"{run}.parquet" for run, _ in partitions[name]]),
                       current)
            self._derive(current)  # JSONL and CSV from the Parquet: the same rows
        self.tables = {"articles": [build / "articles.parquet"], "comments": [build / "comments.parquet"],
                       **{f"history_{name}": [build / "history" / name / f"{run}.parquet" for run, _ in partitions[name]]
                          for name in TABLES}}
        summary = self._summary(runs, time.monotonic() - started)
        summary["history_keys"] = keys
        summary["chart"] = self._chart(build / CHART)
        if self.sqlite and runs.included:
            sqlite_started = time.monotonic()
            summary["archive_sqlite"], summary["archive_sqlite_built"] = self._archive_db(build, previous, shared, keys, added)
            summary["archive_sqlite_seconds"] = round(time.monotonic() - sqlite_started, 2)
        (build / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
        (build / "datapackage.json").write_text(json.dumps(datapackage(summary), ensure_ascii=False, indent=2),
                                                encoding="utf-8")
        self._publish(build)
        summary["seconds"] = round(time.monotonic() - started, 2)
        return summary

    def _archive_db(self, build: Path, previous: Path | None, shared: dict[str, dict[str, str]],
                    keys: dict[str, dict[str, str]], added: dict[str, list[str]]) -> tuple[dict[str, int], str]:
        """``archive.sqlite``: the previous build's, brought up to date with the runs added since,
        when every run it holds is unchanged; else built from nothing."""
        target = build / ARCHIVE_DB
        kept = all(keys[name].get(run) == key for name in TABLES for run, key in shared.get(name, {}).items())
        if previous is not None and (previous / ARCHIVE_DB).is_file() and shared and kept:
            shutil.copyfile(previous / ARCHIVE_DB, target)
            return archivedb.update(target, self.db, {
                name: {"current": self.tables[name][0],
                       "added": [build / "history" / name / f"{run}.parquet" for run in added[name]]}
                for name in TABLES}), "updated"
        return archivedb.write(target, self.db, self.tables), "from nothing"

    # --- reading the runs ----------------------------------------------------------------------------

    def _partition(self, folder: Path, name: str) -> str:
        """The run's items as Parquet, converted once (again if its manifest changed: recovered)."""
        found = manifest.read(folder) or {}
        stamp = hashlib.sha1(json.dumps(found, sort_keys=True).encode()).hexdigest()[:12]
        path = self.cache / f"{folder.name}.{name}.{stamp}.parquet"
        if not path.exists():
            for stale in self.cache.glob(f"{folder.name}.{name}.*.parquet"):
                stale.unlink()
            source = RunLayout(folder).jsonl(name.removesuffix("s"))
            spec = ", ".join(f"'{c}': '{t}'" for c, t in columns(TABLES[name]).items())
            select = (f"SELECT *, '{_quote(folder.name)}' AS run_id, '{found.get('started_at', '')}' AS run_started_at "
                      f"FROM read_json('{_quote(str(source))}', format='newline_delimited', columns={{{spec}}})")
            if not source.exists() or source.stat().st_size == 0:
                select = _empty_select(TABLES[name], folder.name, found.get("started_at", ""))
            partial = path.with_suffix(".part")
            self.db.execute(f"COPY ({select}) TO '{_quote(str(partial))}' (FORMAT parquet)")
            os.replace(partial, path)
        return str(path)

    def _history(self, name: str, partitions: list[tuple[str, str]], folder: Path, previous: Path | None,
                 shared: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        """Each run's versions in ``history/<name>/<run>.{parquet,jsonl,csv}``. A run's files depend
        only on it and the runs before it (a quote is linked to a comment archived by then), so
        each is keyed by the chain of their cache files: one the previous build has under the same
        key is shared (hard-linked), not written again. Returns the keys, and the runs written."""
        keys, written, chain = {}, [], SCHEMA
        for index, (run, partition) in enumerate(partitions):
            chain = hashlib.sha1(f"{chain}/{Path(partition).name}".encode()).hexdigest()[:16]
            keys[run] = chain
            before = [previous / "history" / name / f"{run}{ext}" for ext in FORMATS] if previous else []
            if shared.get(run) == chain and all(path.is_file() for path in before):
                for path in before:
                    os.link(path, folder / path.name)
                continue
            if not written and name == "comments":
                self._numbers(partitions)
            target = folder / f"{run}.parquet"
            self._copy(self._run_history(name, partition, index), target)
            self._derive(target)
            written.append(run)
        self.db.execute("DROP TABLE IF EXISTS numbers")  # its memory is the current archive's now
        return keys, written

    def _numbers(self, partitions: list[tuple[str, str]]) -> None:
        """Each comment number of each article, and the first run (by index) that archived it."""
        self.db.execute("CREATE OR REPLACE TEMP TABLE run_index (filename VARCHAR, since INTEGER)")
        self.db.executemany("INSERT INTO run_index VALUES (?, ?)", [(p, i) for i, (_, p) in enumerate(partitions)])
        files = ", ".join(f"'{_quote(p)}'" for _, p in partitions)
        self.db.execute(
            "CREATE OR REPLACE TEMP TABLE numbers AS SELECT p.article_id, p.number, min(r.since) AS since, "
            f"any_value(p.comment_id) AS comment_id FROM read_parquet([{files}], filename = true) p "
            "JOIN run_index r USING (filename) WHERE p.number IS NOT NULL GROUP BY p.article_id, p.number")

    def _run_history(self, name: str, partition: str, index: int) -> str:
        rows, key = f"read_parquet('{_quote(partition)}')", KEYS[name]
        if name != "comments":
            return f"SELECT * FROM {rows} ORDER BY {key}, version"
        # "№N" names the comment with that number in the same article (a comment keeps its number
        # for ever on this site), as archived by this run or an earlier one.
        return (f"SELECT r.*, n.comment_id AS quote_comment_id FROM {rows} r LEFT JOIN numbers n "
                f"ON n.article_id = r.article_id AND n.number = r.quote_number AND n.since <= {index} "
                f"ORDER BY r.{key}, r.version")

    def _current(self, name: str, item_class: type, history_files: list[Path]) -> str:
        """The latest version of each item. Keys and versions are grouped first and the rows joined
        after: a window over whole rows would hold every version in memory at once."""
        key, history = KEYS[name], _source(history_files, item_class)
        latest = _latest(history, key)
        if item_class is Article:
            return f"{latest} ORDER BY {key}"
        # A deleted comment's latest version has no text: it keeps its last words, flagged. Only
        # the deleted ones are looked up, so the join holds a few rows, not the archive.
        gone = f"SELECT {key} FROM ({latest}) WHERE deleted"
        content = _latest(history, key, where=f"WHERE NOT deleted AND {key} IN ({gone})")
        picks = []
        for column in columns(item_class):
            if column in (key, "article_id", "version", "deleted"):
                picks.append(f"l.{column}")
            else:
                picks.append(f"coalesce(k.{column}, l.{column}) AS {column}")
        picks += ["CASE WHEN l.deleted THEN l.run_started_at END AS deleted_at", "l.run_id", "l.run_started_at",
                  "coalesce(k.quote_comment_id, l.quote_comment_id) AS quote_comment_id"]
        return (f"SELECT {', '.join(picks)} FROM ({latest}) l LEFT JOIN ({content}) k USING ({key}) "
                f"ORDER BY l.{key}")

    # --- writing ----------------------------------------------------------------------------------

    def _copy(self, query: str, parquet: Path) -> None:
        self.db.execute(f"COPY ({query}) TO '{_quote(str(parquet))}' (FORMAT parquet, COMPRESSION zstd)")

    def _derive(self, parquet: Path) -> None:
        """The JSONL and the CSV of a Parquet file (the CSV spreadsheet-safe, with a BOM)."""
        table = f"read_parquet('{_quote(str(parquet))}')"
        stem = parquet.with_suffix("")
        self.db.execute(f"COPY (SELECT * FROM {table}) TO '{_quote(str(stem))}.jsonl' (FORMAT json)")
        cells = []
        for column, kind, *_ in self.db.execute(f"DESCRIBE SELECT * FROM {table}").fetchall():
            if kind.endswith("[]"):
                cells.append(f"{_safe(f'array_to_string({column}, {_literal(chr(59) + chr(32))})')} AS {column}")
            elif kind == "VARCHAR":
                cells.append(f"{_safe(column)} AS {column}")
            else:
                cells.append(column)
        raw = stem.with_suffix(".csv.part")
        self.db.execute(f"COPY (SELECT {', '.join(cells)} FROM {table}) TO '{_quote(str(raw))}' (FORMAT csv, HEADER)")
        with raw.open("rb") as source, stem.with_suffix(".csv").open("wb") as target:
            target.write("\ufeff".encode())  # a BOM, so that Excel shows Cyrillic
            shutil.copyfileobj(source, target, 1 << 20)
        raw.unlink()

    def _summary(self, runs: Runs, seconds: float) -> dict[str, Any]:
        def one(query: str) -> tuple[Any, ...]:
            return self.db.execute(query.format(**{k: _source(v, TABLES[k.removeprefix("history_")])
                                                   for k, v in self.tables.items()})).fetchall()[0]

        articles, first, last = one("SELECT count(*), min(published_at), max(published_at) FROM {articles}")
        comments, deleted = one("SELECT count(*), count(*) FILTER (deleted) FROM {comments}")
        versions = {name: one(f"SELECT count(*) FROM {{history_{name}}}")[0] for name in TABLES}
        return {
            "built_at": datetime.now(UTC).isoformat(),
            "articles": articles, "comments": comments, "deleted_comments": deleted,
            "published_from": first, "published_to": last,
            "versions": versions,
            "runs_included": [folder.name for folder in runs.included],
            "runs_left_out": runs.excluded,
        }

    def _chart(self, path: Path) -> dict[str, Any]:
        """Comments per day. The last day is partial when the last crawl was during it (the day's
        later comments were not posted yet): its bar is hatched and labelled, and the summary says so."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        comments = _source(self.tables["comments"], Comment)
        rows = self.db.execute(f"SELECT CAST(substr(posted_at, 1, 10) AS DATE) AS day, count(*) FROM {comments} "
                               "WHERE posted_at IS NOT NULL GROUP BY day ORDER BY day").fetchall()
        (crawled,) = self.db.execute(f"SELECT max(crawled_at) FROM {comments}").fetchone()
        until = datetime.fromisoformat(crawled).astimezone(MOSCOW) if crawled else None
        partial = bool(rows and until and rows[-1][0] == until.date())
        figure, axes = pyplot.subplots(figsize=(10, 4), dpi=100)
        bars = axes.bar([r[0] for r in rows], [r[1] for r in rows], color="#4a6fa5")
        if partial and until:
            bars[-1].set_hatch("//")
            bars[-1].set_facecolor("#c9d6ea")
            axes.annotate(f"partial: crawled until {until:%H:%M}", (rows[-1][0], rows[-1][1]), ha="right",
                          va="bottom", fontsize=8)
        axes.set_title("Comments per day (Moscow date of posting)")
        axes.set_ylabel("comments")
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(path)
        pyplot.close(figure)
        return {"file": CHART, "last_day": rows[-1][0].isoformat() if rows else None, "last_day_partial": partial}

    def _publish(self, build: Path) -> None:
        """Swap the ``out`` symlink to the new build in one rename; builds before the last go."""
        link = self.out.parent / f".{self.out.name}.link-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(build.relative_to(self.out.parent))
        if self.out.exists() and not self.out.is_symlink():
            raise FileExistsError(f"{self.out} exists and is not a dataset built by newscrawl; move it aside")
        previous = self.out.resolve() if self.out.is_symlink() else None
        os.replace(link, self.out)
        for old in self.builds.iterdir():
            if old.name not in ("cache", "spill") and old != build and old != previous:
                shutil.rmtree(old, ignore_errors=True)


def _history_keys(build: Path | None) -> dict[str, dict[str, str]]:
    """The key of each run's history files in a build (``Builder._history``), if it has them."""
    try:
        return json.loads((build / "summary.json").read_text(encoding="utf-8")).get("history_keys", {}) if build else {}
    except (OSError, ValueError):
        return {}


def _source(parquet: list[Path], item_class: type) -> str:
    """Rows of these Parquet files; no file: no rows, with the columns they would have."""
    if parquet:
        return "read_parquet([" + ", ".join(f"'{_quote(str(p))}'" for p in parquet) + "])"
    link = ", NULL::VARCHAR AS quote_comment_id" if item_class is Comment else ""
    return f"(SELECT *{link} FROM {_empty_select(item_class, '', '')})"


def _latest(history: str, key: str, where: str = "") -> str:
    """Each item's row of highest version (of the latest run, should two runs share one)."""
    versions = f"SELECT {key}, max(version) AS version FROM {history} {where} GROUP BY {key}"
    chosen = (f"SELECT h.{key}, h.version, max(h.run_started_at) AS run_started_at FROM {history} h "
              f"JOIN ({versions}) USING ({key}, version) GROUP BY h.{key}, h.version")
    return f"SELECT h.* FROM {history} h JOIN ({chosen}) USING ({key}, version, run_started_at)"


def datapackage(summary: dict[str, Any]) -> dict[str, Any]:
    """The Frictionless Data Package that describes the CSV files: the archive as it stands, and
    the history, one file per run."""
    resources = []
    for name, item_class in TABLES.items():
        files = [(name, f"{name}.csv", "as it stands")]
        files += [(f"history-{name}-{run.lower()}", f"history/{name}/{run}.csv", f"every version run {run} emitted")
                  for run in summary["history_keys"][name]]
        for resource, path, what in files:
            history = resource.startswith("history-")
            extra = dict(RUN_COLUMNS) if history or name == "articles" else {"deleted_at": "string", **RUN_COLUMNS}
            if name == "comments":
                extra = {**extra, "quote_comment_id": "string"}
            schema_fields = [_field(c, t) for c, t in columns(item_class).items()]
            schema_fields += [{"name": c, "type": "string", "description": DESCRIPTIONS[c]} for c in extra]
            resources.append({
                "name": resource, "path": path, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
                "description": f"{name.capitalize()}: {what}. Also as .parquet and .jsonl beside it. Text cells that "
                               f"start with {' '.join(repr(s) for s in FORMULA_STARTS)} carry a leading apostrophe "
                               "in CSV only (spreadsheet safety).",
                "schema": {"fields": schema_fields,
                           "primaryKey": [KEYS[name], "version", "run_id"] if history else [KEYS[name]]},
            })
    return {"name": "newscrawl-vpk", "title": "vpk.name news articles and reader comments",
            "created": summary["built_at"], "resources": resources}


def _field(column: str, sql: str) -> dict[str, Any]:
    kind = {"VARCHAR": "string", "BIGINT": "integer", "BOOLEAN": "boolean", "VARCHAR[]": "string"}[sql]
    return {"name": column, "type": kind, "description": DESCRIPTIONS[column]}


def _safe(expression: str) -> str:
    """``feeds.spreadsheet_safe`` in SQL: the same rule for every CSV newscrawl writes."""
    starts = ", ".join(_literal(s) for s in FORMULA_STARTS)
    return f"CASE WHEN left({expression}, 1) IN ({starts}) THEN '''' || {expression} ELSE {expression} END"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _empty_select(item_class: type, run_id: str, started: str) -> str:
    cols = ", ".join(f"NULL::{t} AS {c}" for c, t in columns(item_class).items())
    return f"(SELECT {cols}, '{_quote(run_id)}' AS run_id, '{started}' AS run_started_at LIMIT 0)"
