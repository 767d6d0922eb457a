"""``make bench-dataset``: the time and memory of ``python -m newscrawl dataset`` at archive scale.

    python -m bench.dataset [--articles 50000] [--days 3]

Writes the run folders that daily runs of the replica would leave (day 0 every item, then each
day what changed, with versions and deletions, straight from the replica's ground truth: a crawl
of 50,000 articles would take most of an hour), then builds the dataset from them twice: from
nothing, and again after one more run (the incremental case). Prints the wall time, the peak
memory of the build process and the size of each format.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from newscrawl.archive.dataset import builds_dir
from newscrawl.pages.vpk import SPIDER

ROOT = Path(__file__).resolve().parent.parent


def truth(articles: int, day: int) -> dict[tuple[str, str], dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "tests.replica", "--dump-truth", "--articles", str(articles),
                          "--day", str(day), "--base-url", "http://127.0.0.1:8000"],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    records = (json.loads(line) for line in out.splitlines())
    return {(r.pop("_type"), r.get("comment_id") or r["article_id"]): r for r in records}


def write_runs(exports: Path, articles: int, days: int) -> int:
    """One run folder per day, as newscrawl's runs would write them; returns the items written."""
    previous: dict[tuple[str, str], dict[str, Any]] = {}
    versions: dict[tuple[str, str], dict[str, Any]] = {}
    written = 0
    for day in range(days):
        now = f"2018-09-{16 + day:02d}T09:00:00+00:00"
        current = truth(articles, day)
        folder = exports / SPIDER / f"day{day}"
        folder.mkdir(parents=True)
        files = {kind: (folder / f"{kind}s.jsonl").open("w", encoding="utf-8") for kind in ("article", "comment")}
        for key, record in current.items():
            if previous.get(key) == record:
                continue
            last = versions.get(key)
            stamp = {"crawled_at": now, "version": (last["version"] + 1) if last else 1,
                     "first_seen_at": last["first_seen_at"] if last else now, "last_seen_at": now}
            row = {**record, **stamp, **({"deleted": False} if key[0] == "comment" else {})}
            versions[key] = row
            files[key[0]].write(json.dumps(row, ensure_ascii=False) + "\n")
            written += 1
        for key in previous.keys() - current.keys():
            if key[0] == "comment":
                last = versions[key]
                files["comment"].write(json.dumps({"article_id": last["article_id"], "comment_id": key[1],
                                                   "number": last["number"], "version": last["version"] + 1,
                                                   "first_seen_at": last["first_seen_at"],
                                                   "last_seen_at": last["last_seen_at"], "deleted": True}) + "\n")
                written += 1
        for file in files.values():
            file.close()
        (folder / "manifest.json").write_text(json.dumps({"run_id": folder.name, "started_at": now}))
        previous = current
    return written


def build(exports: Path, out: Path) -> tuple[float, float, int]:
    """Wall seconds, the peak RSS (MB) of one build, in its own process, and the most bytes the
    builds' folder held meanwhile (sampled twice a second; the run cache aside).

    The peak is the process's own ``VmHWM``, not ``ru_maxrss``: Linux carries the parent's peak
    across fork and exec into ``ru_maxrss``, so it reported this bench's 11 GB of ground truth."""
    code = ("import sys; from pathlib import Path; from newscrawl.archive.dataset import Builder; "
            "from newscrawl.layout import runs_dir; from newscrawl.pages.site import site; "
            "from scrapy.utils.project import get_project_settings; s = get_project_settings(); "
            "s.set('EXPORTS_DIR', sys.argv[1]); Builder(runs_dir(s, site(s).SPIDER), Path(sys.argv[2]), s.get('DATASET_MEMORY_LIMIT'), s.getbool('DATASET_SQLITE'), s.getint('DATASET_THREADS')).build(); "
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    builds, peak = builds_dir(out), 0
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-c", code, str(exports), str(out)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while child.poll() is None:
        try:
            peak = max(peak, disk_usage(builds, exclude="cache"))
        except FileNotFoundError:  # a file the build removed while it was being counted
            pass
        time.sleep(0.5)
    stdout, stderr = child.communicate()
    if child.returncode:
        raise SystemExit(f"the build failed:\n{stderr[-3000:]}")
    return time.monotonic() - started, int(stdout.strip()) / 1024, peak


def months_written(dataset: Path, name: str) -> tuple[int, int]:
    """Of the latest build's monthly files of ``name``, those it wrote, and all: the others it
    shares with the build before (a second link)."""
    months = list((dataset / f"{name}.parquet").iterdir())
    return sum(path.stat().st_nlink == 1 for path in months), len(months)


def disk_usage(folder: Path, exclude: str = "") -> int:
    """Bytes of the files under ``folder``, each inode once (hard links share their blocks)."""
    seen, total = set(), 0
    for path in folder.rglob("*"):
        if path.is_file() and not (exclude and exclude in path.relative_to(folder).parts):
            stat = path.stat()
            if stat.st_ino not in seen:
                seen.add(stat.st_ino)
                total += stat.st_blocks * 512
    return total


def browse_times(dataset: Path) -> dict[str, float]:
    """Milliseconds of each canned query (filters empty, then set) and of the search box, through
    Datasette's request path, searching the archive's most frequent word: the slowest case."""
    import asyncio
    import sqlite3

    from newscrawl.browse.metadata import QUERIES
    from newscrawl.browse.server import archive

    db = sqlite3.connect(dataset / "archive.sqlite")
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, comments_fts, 'row')")
    word, documents = db.execute("SELECT term, doc FROM temp.vocab ORDER BY doc DESC LIMIT 1").fetchone()
    article_id, author = db.execute("SELECT article_id, (SELECT author FROM commenters LIMIT 1) FROM most_discussed LIMIT 1").fetchone()
    print(f"browse: the most frequent word, {word!r}, is in {documents:,} comments")
    everything = {"q": word, "author": "", "since": "", "until": "", "article_id": article_id}
    filtered = {**everything, "author": author, "since": "2018-09-01", "until": "2018-09-30"}
    ds = archive(dataset)

    async def measure() -> dict[str, float]:
        await ds.invoke_startup()
        times = {}
        for name, path, params in [("search box", "/archive/comments.json", {"_search": word})] + [
                (name, f"/archive/{name}.json", p) for name in QUERIES for p in (everything, filtered)]:
            started = time.monotonic()
            answer = (await ds.client.get(path, params=params)).json()
            if not answer.get("ok", True) or answer.get("error"):
                raise SystemExit(f"browse: {name} failed: {answer.get('error')}")
            times[name] = max(times.get(name, 0.0), (time.monotonic() - started) * 1000)
        return times

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--keep", help="a folder to write the runs to and keep (reused when it holds them)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        exports, out = folder / "exports", folder / "dataset"
        started = time.monotonic()
        items = write_runs(exports, args.articles, args.days) if not (exports / SPIDER / "day0").exists() else -1
        jsonl = sum(p.stat().st_size for p in exports.rglob("*.jsonl"))
        print(f"{args.days} runs, {items:,} item versions, {jsonl / 2**20:,.0f} MB of JSONL "
              f"(written in {time.monotonic() - started:.0f} s)")
        shutil.rmtree(exports / SPIDER / "extra", ignore_errors=True)  # a kept folder: as the first time
        shutil.rmtree(builds_dir(out), ignore_errors=True)
        out.unlink(missing_ok=True)
        seconds, rss, _ = build(exports, out)
        print(f"dataset from nothing: {seconds:.1f} s, peak RSS {rss:.0f} MB")
        first = out.resolve()
        extra = exports / SPIDER / "extra"
        extra.mkdir(exist_ok=True)
        for name in ("articles", "comments"):  # a thousand items changed once more
            lines = (exports / SPIDER / f"day{args.days - 1}" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            changed = [{**record, "version": record["version"] + 1} for record in map(json.loads, lines[:1000])]
            (extra / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in changed),
                                                 encoding="utf-8")
        (extra / "manifest.json").write_text(json.dumps({"run_id": "extra", "started_at": "2018-10-01T09:00:00+00:00"}))
        alone = disk_usage(builds_dir(out), exclude="cache")
        seconds, rss, peak = build(exports, out)
        kept = disk_usage(builds_dir(out), exclude="cache") - alone
        size = disk_usage(first)
        print(f"rebuilt after one more run: {seconds:.1f} s, peak RSS {rss:.0f} MB; disk beside the first build "
              f"({size / 2**20:,.0f} MB): at most {(peak - alone) / 2**20:,.0f} MB during the rebuild "
              f"({(peak - alone) / size:.1%}), {kept / 2**20:,.0f} MB after it (what did not change is shared)")
        summary = json.loads((out / "summary.json").read_text())
        for name in ("articles", "comments"):
            print(f"{name}: {'{} of {}'.format(*months_written(out, name))} months written again")
        if "archive_sqlite_seconds" in summary:
            print(f"archive.sqlite (in the rebuild above): {summary['archive_sqlite_seconds']} s")
        from newscrawl.browse.metadata import TIME_LIMIT_MS

        times = browse_times(out)
        print(f"browse (Datasette, sql_time_limit_ms {TIME_LIMIT_MS}): slowest {max(times.values()):.0f} ms; "
              + ", ".join(f"{name} {ms:.0f}" for name, ms in times.items()))
        print(f"current: {summary['articles']:,} articles, {summary['comments']:,} comments "
              f"({summary['deleted_comments']:,} deleted); history: {summary['versions']}")
        last = out.resolve()
        for path in sorted(p for p in last.iterdir() if p.name != "history") + sorted((last / "history").glob("*/*")):
            files = sorted(path.iterdir()) if path.is_dir() else [path]  # a month's folder: its files together
            size = sum(file.stat().st_size for file in files) / 2**20
            print(f"  {path.relative_to(last)!s:<28} {size:>9.1f} MB" + (f" in {len(files)} files" if path.is_dir() else ""))


if __name__ == "__main__":
    main()
