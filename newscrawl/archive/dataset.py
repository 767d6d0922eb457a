"""``python -m newscrawl dataset``: one dataset from every run, for researchers.

Each run folder holds only what changed in that run. The dataset puts them together:

- ``articles`` and ``comments``: the archive as it stands, one row per item at its latest
  version (a deleted comment keeps its last text, flagged ``deleted`` with ``deleted_at``), one
  file a month (``comments.parquet/2018-09.parquet``); a rebuild writes the months the new runs
  touch;
- ``history/articles/<run>`` and ``history/comments/<run>``: every version of every item, one
  file per run (views and comment counts over time); a rebuild writes only the new run's;

each as Parquet, JSONL and CSV (spreadsheet-safe, as the run exports are), with
``datapackage.json`` (the Frictionless Data Package: fields, types, descriptions),
``summary.json``, a first chart (``comments_per_day.png``) and ``archive.sqlite`` (one file
the builds share, brought up to date in place: ``newscrawl.archive.archivedb``).

DuckDB does the merge: it reads JSONL and writes Parquet, CSV and JSON in one statement each,
and spills to disk rather than holding the archive in memory (pandas would load every version
of every comment at once). Each run's JSONL is converted once to Parquet in a cache, so a
rebuild after a new run reads that run's JSONL and the others' Parquet. The dataset is built in
a folder of its own, sharing (hard links) what did not change, and published by swapping a
symlink, so a reader sees the old dataset or the new one, never a mix. Runs that are still going, or died and were not recovered, are left
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

from newscrawl import settings as defaults
from newscrawl.archive import archivedb
from newscrawl.exports.feeds import FORMULA_STARTS
from newscrawl.extract.items import Article, Comment
from newscrawl.extract.normalize import MOSCOW
from newscrawl.layout import RunLayout, read_manifest, run_folders
from newscrawl.runs.runfolder import hold, is_alive

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
    "deleted": "true: removed from the site, as removal says (its text is its last words before)",
    "removal": "how a deleted comment was removed: 'gone' (two complete walks of its article's comment pages, "
               "each page proved to be the page asked for and each walk adding up to the total the pages "
               "declared, did not show it) or 'moderated' (a moderator's placeholder stands in its place)",
    "removal_notice": "a moderated comment: the placeholder the site shows in its place",
    "warc_record_id": "the archived response it was read from (WARC-Record-ID in the run's pages.warc.gz; "
                      "python -m newscrawl evidence ID shows it); null for a deletion",
    "deletion_evidence": "a deletion's proof (WARC-Record-IDs): the pages of the two walks that did not show it, "
                         "or the page that showed the placeholder",
    "deleted_at": "when a run first found it gone (the run's start, UTC)",
    **RUN_COLUMNS,
}
# Where one name means another thing in the comments than in the articles.
TABLE_DESCRIPTIONS = {
    ("comments", "author"): "the commenter's name as the page shows it (null for a moderated comment)",
    ("comments", "rating"): "the comment's rating ('+2' is 2)",
    ("comments", "crawled_at"): "fetch time in UTC (a deletion: when the walk that found it gone began)",
    ("comments", "version"): "1 when first emitted, 2, 3, … for each change, deletion or restoration",
}
# What the latest version of a deleted comment says of its deletion, never its last live version's.
DELETION_COLUMNS = ("deleted", "removal", "removal_notice", "warc_record_id", "deletion_evidence")
CHART = "comments_per_day.png"
ARCHIVE_DB = "archive.sqlite"  # the same archive in SQLite, for browsing (newscrawl.archive.archivedb)
FORMATS = (".parquet", ".jsonl", ".csv")
# A row group is held whole in memory while it is written and while it is read: DuckDB's default
# (122,880 rows) of articles, bodies included, passed DATASET_MEMORY_LIMIT's 1 GB (make
# bench-scale, 300,000 articles), and 16,384 still did when two threads read them.
PARQUET = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048"
# The archive as it stands is one file a month of this column ("undated" where it is null): a
# new run touches few months (new comments are this month's), so a rebuild writes few files.
MONTHS = {"articles": "published_at", "comments": "posted_at"}


@dataclass
class Runs:
    included: list[Path]
    excluded: dict[str, str]  # run id → why


def find_runs(runs: Path) -> Runs:
    """Runs with a manifest (closed, or recovered after they died) are in; the others are named."""
    included, excluded = [], {}
    for folder in run_folders(runs):
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


BUILD_LOCK = ".lock"  # in the builds' folder, held while a build runs


class BuildRunning(Exception):
    """Another build of the same dataset is running."""


class Builder:
    def __init__(self, runs: Path, out: Path, memory_limit: str = defaults.DATASET_MEMORY_LIMIT, sqlite: bool = False,
                 threads: int = defaults.DATASET_THREADS) -> None:
        """``runs``: the spider's run folders (``layout.runs_dir``); ``sqlite``: write archive.sqlite too."""
        self.runs_dir = runs
        self.sqlite = sqlite
        self.out = out
        self.builds = builds_dir(out)
        self.cache = self.builds / "cache"
        self.builds.mkdir(parents=True, exist_ok=True)
        self.db = duckdb.connect()
        self.db.execute(f"SET memory_limit = '{memory_limit}'")
        self.db.execute(f"SET threads = {int(threads)}")
        self.db.execute(f"SET temp_directory = '{self.builds / 'spill'}'")
        self.db.execute("SET preserve_insertion_order = false")
        self.db.execute("SET enable_progress_bar = false")

    def build(self) -> dict[str, Any]:
        """Build the dataset and publish it; raises ``BuildRunning`` while another build of it runs.

        One build at a time: a build removes the builds before the last as it publishes, and
        would take a running one's half-written folder for an old build (then publish it, or fail)."""
        lock = hold(self.builds / BUILD_LOCK)
        if lock is None:
            raise BuildRunning(f"another `newscrawl dataset` is building {self.out}/ (it holds {self.builds / BUILD_LOCK}); "
                               "not starting")
        with lock:
            return self._build()

    def _build(self) -> dict[str, Any]:
        started = time.monotonic()
        runs = find_runs(self.runs_dir)
        self.cache.mkdir(parents=True, exist_ok=True)
        partitions = {name: [(f.name, self._partition(f, name)) for f in runs.included] for name in TABLES}
        previous = self.out.resolve() if self.out.is_symlink() and self.out.resolve().is_dir() else None
        before = _summary_of(previous)
        shared = before.get("history_keys", {})
        build = self.builds / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        keys, months, history, self.sources = {}, {}, {}, {}
        for name, item_class in TABLES.items():
            folder = build / "history" / name
            folder.mkdir(parents=True)
            keys[name], added = self._history(name, partitions[name], folder, previous, shared.get(name, {}))
            history[name] = {run: folder / f"{run}.parquet" for run, _ in partitions[name]}
            # The months the previous build holds stand, but for the items the added runs touch,
            # if it holds every run it had as they are now, one file a month (else: every month
            # written again; a build of before the months has one file of every item).
            extends = name in before.get("months", {}) and shared.get(name) and all(
                keys[name].get(run) == key for run, key in shared[name].items())
            current = self._current_files(name, item_class, list(history[name].values()), build,
                                          previous if extends else None, [history[name][run] for run in added])
            months[name] = [path.stem for path in current]
            self.sources[name] = _source(current, item_class) if current else \
                f"({self._current(name, item_class, _source([], item_class))})"
            self.sources[f"history_{name}"] = _source(list(history[name].values()), item_class)
        summary = self._summary(runs, time.monotonic() - started)
        summary["history_keys"], summary["months"] = keys, months
        summary["chart"] = self._chart(build / CHART)
        if self.sqlite and runs.included:
            sqlite_started = time.monotonic()
            summary["archive_sqlite"], summary["archive_sqlite_built"] = self._archive_db(build, keys, history)
            summary["archive_sqlite_seconds"] = round(time.monotonic() - sqlite_started, 2)
        (build / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
        (build / "datapackage.json").write_text(json.dumps(datapackage(summary), ensure_ascii=False, indent=2),
                                                encoding="utf-8")
        self._publish(build)
        summary["seconds"] = round(time.monotonic() - started, 2)
        return summary

    def _archive_db(self, build: Path, keys: dict[str, dict[str, str]],
                    history: dict[str, dict[str, Path]]) -> tuple[dict[str, int], str]:
        """``archive.sqlite``: one file the builds share (a symbolic link in each), brought up to date in
        place with the runs it does not hold yet, so that a rebuild needs no second copy of it.
        Made anew when a run it holds changed, and renamed over it: the previous build's readers
        keep the file they opened. The update commits just before the new build is published, so
        for that moment the previous build's link shows the new runs already: never a mix."""
        live = shared_archive_db(self.out)
        rows = archivedb.update(live, self.db, {name: self.sources[name] for name in TABLES}, history, keys) \
            if live.is_file() else None
        built = "updated"
        if rows is None:
            rows, built = archivedb.write(live, self.db, self.sources, keys), "from nothing"
        # A symbolic link, not a hard one: SQLite looks for a killed update's rollback journal
        # beside the file's name, and follows a symbolic link to it. Under a second name (a hard
        # link), a reader would find no journal and read the half-written pages as the database
        # (tests/archive/test_dataset.py kills an update to hold this).
        (build / ARCHIVE_DB).symlink_to(os.path.relpath(live, build))
        return rows, built

    # --- reading the runs ----------------------------------------------------------------------------

    def _partition(self, folder: Path, name: str) -> str:
        """The run's items as Parquet, converted once (again if its manifest changed: recovered)."""
        found = read_manifest(folder) or {}
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
            self.db.execute(f"COPY ({select}) TO '{_quote(str(partial))}' ({PARQUET})")
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
            self._derive(target, target.with_suffix(".jsonl"), target.with_suffix(".csv"))
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

    def _current_files(self, name: str, item_class: type, history: list[Path], build: Path, previous: Path | None,
                       added: list[Path]) -> list[Path]:
        """The archive as it stands, one file a month (``MONTHS``) in each format's folder of the
        build (``comments.parquet/2018-09.parquet``: a folder that pandas and pyarrow read as one
        table, as Spark writes them; returns the Parquet files). With
        ``previous`` (the previous build's, which the ``added`` runs extend), only the months that
        hold an item the added runs touch, before or after, are written; the others are shared
        (hard-linked). Each file's rows are sorted by key, so either way the same bytes come out."""
        key, month = KEYS[name], f"coalesce(substr({MONTHS[name]}, 1, 7), 'undated')"
        for ext in FORMATS:
            (build / f"{name}{ext}").mkdir()
        old = {p.stem: p for p in (previous / f"{name}.parquet").glob("*.parquet")} if previous is not None else {}
        if previous is None:
            self.db.execute(f"CREATE OR REPLACE TEMP TABLE touched AS SELECT NULL::VARCHAR AS {key} LIMIT 0")
            source = _source(history, item_class)
        else:
            self.db.execute(f"CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT {key} FROM {_source(added, item_class)}")
            source = f"(SELECT h.* FROM {_source(history, item_class)} h SEMI JOIN touched USING ({key}))"
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE fresh AS SELECT *, {month} AS month "
                        f"FROM ({self._current(name, item_class, source)}) ORDER BY month, {key}")
        fresh = {m for (m,) in self.db.execute("SELECT DISTINCT month FROM fresh").fetchall()}
        written = set(fresh)
        if old:  # where the touched items were: a month an item left is written again too
            files = ", ".join(f"'{_quote(str(p))}'" for p in old.values())
            written |= {Path(f).stem for (f,) in self.db.execute(
                f"SELECT DISTINCT filename FROM read_parquet([{files}], filename = true) SEMI JOIN touched USING ({key})"
            ).fetchall()}
        out = []
        for stem in sorted(written | old.keys()):
            target = {ext: build / f"{name}{ext}" / f"{stem}{ext}" for ext in FORMATS}
            if stem not in written:
                for ext, path in target.items():
                    os.link(previous / f"{name}{ext}" / path.name, path)
            else:
                rows = f"SELECT * EXCLUDE (month) FROM fresh WHERE month = {_literal(stem)}"
                if stem in old:
                    rows += f" UNION ALL SELECT * FROM read_parquet('{_quote(str(old[stem]))}') ANTI JOIN touched USING ({key})"
                if stem not in fresh and not self.db.execute(f"SELECT count(*) FROM ({rows})").fetchone()[0]:
                    continue  # every item of that month moved to another
                self._copy(f"SELECT * FROM ({rows}) ORDER BY {key}", target[".parquet"])
                self._derive(*target.values())
            out.append(target[".parquet"])
        self.db.execute("DROP TABLE fresh")
        return out

    def _current(self, name: str, item_class: type, history: str) -> str:
        """The latest version of each item of ``history`` (a DuckDB source). Keys and versions are
        grouped first and the rows joined after: a window over whole rows would hold every
        version in memory at once."""
        key = KEYS[name]
        latest = _latest(history, key)
        if item_class is Article:
            return latest
        # A deleted comment's latest version has no text: it keeps its last words, flagged, and the
        # deletion's own provenance (its proof, no page of its own). Only the deleted ones are looked
        # up, so the join holds a few rows, not the archive.
        gone = f"SELECT {key} FROM ({latest}) WHERE deleted"
        content = _latest(history, key, where=f"WHERE NOT deleted AND {key} IN ({gone})")
        picks = []
        for column in columns(item_class):
            if column in (key, "article_id", "version", *DELETION_COLUMNS):
                picks.append(f"l.{column}")
            else:
                picks.append(f"coalesce(k.{column}, l.{column}) AS {column}")
        picks += ["CASE WHEN l.deleted THEN l.run_started_at END AS deleted_at", "l.run_id", "l.run_started_at",
                  "coalesce(k.quote_comment_id, l.quote_comment_id) AS quote_comment_id"]
        return f"SELECT {', '.join(picks)} FROM ({latest}) l LEFT JOIN ({content}) k USING ({key})"

    # --- writing ----------------------------------------------------------------------------------

    def _copy(self, query: str, parquet: Path) -> None:
        self.db.execute(f"COPY ({query}) TO '{_quote(str(parquet))}' ({PARQUET})")

    def _derive(self, parquet: Path, jsonl: Path, csv: Path) -> None:
        """The JSONL and the CSV of a Parquet file (the CSV spreadsheet-safe, with a BOM)."""
        table = f"read_parquet('{_quote(str(parquet))}')"
        self.db.execute(f"COPY (SELECT * FROM {table}) TO '{_quote(str(jsonl))}' (FORMAT json)")
        cells = []
        for column, kind, *_ in self.db.execute(f"DESCRIBE SELECT * FROM {table}").fetchall():
            if kind.endswith("[]"):
                cells.append(f"{_safe(f'array_to_string({column}, {_literal(chr(59) + chr(32))})')} AS {column}")
            elif kind == "VARCHAR":
                cells.append(f"{_safe(column)} AS {column}")
            else:
                cells.append(column)
        raw = csv.with_suffix(".part")
        self.db.execute(f"COPY (SELECT {', '.join(cells)} FROM {table}) TO '{_quote(str(raw))}' (FORMAT csv, HEADER)")
        with raw.open("rb") as source, csv.open("wb") as target:
            target.write("\ufeff".encode())  # a BOM, so that Excel shows Cyrillic
            shutil.copyfileobj(source, target, 1 << 20)
        raw.unlink()

    def _summary(self, runs: Runs, seconds: float) -> dict[str, Any]:
        def one(query: str) -> tuple[Any, ...]:
            return self.db.execute(query.format(**self.sources)).fetchall()[0]

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

        comments = self.sources["comments"]
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
        for old in self.builds.iterdir():  # archive.sqlite, a file, is shared (Builder._archive_db)
            if old.is_dir() and old.name not in ("cache", "spill") and old != build and old != previous:
                shutil.rmtree(old, ignore_errors=True)


def builds_dir(out: Path) -> Path:
    """Where the builds of the dataset ``out`` (a symlink to the latest) are made and kept."""
    return out.parent / f".{out.name}-builds"


def shared_archive_db(out: Path) -> Path:
    """The ``archive.sqlite`` each build of ``out`` links to, brought up to date in place."""
    return builds_dir(out) / ARCHIVE_DB


def _summary_of(build: Path | None) -> dict[str, Any]:
    """A build's ``summary.json`` (with the key of each run's history files, ``Builder._history``,
    and its months), if it has one."""
    try:
        return json.loads((build / "summary.json").read_text(encoding="utf-8")) if build else {}
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
    """The Frictionless Data Package that describes the CSV files: the archive as it stands, one
    file a month, and the history, one file per run."""
    resources = []
    for name, item_class in TABLES.items():
        files = [(f"{name}-{month}", f"{name}.csv/{month}.csv", f"as it stands, {MONTHS[name]} in {month}")
                 for month in summary["months"][name]]
        files += [(f"history-{name}-{run.lower()}", f"history/{name}/{run}.csv", f"every version run {run} emitted")
                  for run in summary["history_keys"][name]]
        for resource, path, what in files:
            history = resource.startswith("history-")
            extra = dict(RUN_COLUMNS) if history or name == "articles" else {"deleted_at": "string", **RUN_COLUMNS}
            if name == "comments":
                extra = {**extra, "quote_comment_id": "string"}
            schema_fields = [_field(c, t, name) for c, t in columns(item_class).items()]
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


def _field(column: str, sql: str, table: str) -> dict[str, Any]:
    kind = {"VARCHAR": "string", "BIGINT": "integer", "BOOLEAN": "boolean", "VARCHAR[]": "string"}[sql]
    return {"name": column, "type": kind, "description": TABLE_DESCRIPTIONS.get((table, column), DESCRIPTIONS[column])}


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
