"""``make bench-scale``: the real archive's size, measured with newscrawl's own classes.

    python -m bench.scale [--articles 600000] [--comments 10000000] [--keep FOLDER]

Writes one run folder of that many articles and comments (synthetic records of the replica's
shape, the latest version of each item, as a first complete run would leave them), then:

- rebuilds the state from it (``newscrawl.runs.rebuild``, what ``-a rebuild_state=1`` does after
  a lost state) in its own process: time, peak RSS (VmHWM), the scratch file's size, the state's;
- walks a listing of that many articles (20 a page) with the listing walk's own rules
  (``ListingWalk``), run after run, every article settled: the largest walk a single run makes
  once a whole walk is due, and how many runs the whole walk takes (``WHOLE_WALK_BUDGET``);
- with ``--dataset``, builds the dataset from that run, then again after a day's run (new
  comments under the newest articles, and edits and deletions in threads of the last month and
  a few across the archive's years): the time of each, and the most disk the rebuild took beside
  the first build. At 10 M comments a build is some 40 GB: pick a size the disk holds.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from newscrawl import settings as defaults
from newscrawl.archive.dataset import builds_dir
from newscrawl.crawl.policy import ListingWalk
from newscrawl.extract.normalize import MOSCOW
from newscrawl.layout import RunLayout
from newscrawl.pages.vpk import SPIDER

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("танк армия флот ракета россия армения новость учения завод поставка контракт истребитель корвет "
         "подводная лодка вертолёт бригада дивизия оборона министерство").split()
SEEN = "2018-09-16T09:00:00+00:00"


def published(n: int, articles: int) -> datetime:
    """Article ``n``'s publication: the newest (the last) on 2018-09-15, about 100 a day before."""
    return datetime(2018, 9, 15, 10, tzinfo=MOSCOW) - timedelta(days=(articles - 1 - n) / 100)


def write_run(folder: Path, articles: int, comments: int) -> int:
    """One run's JSONL files; returns their bytes."""
    layout = RunLayout(folder)
    folder.mkdir(parents=True)
    rng = random.Random(1)
    stamp = {"crawled_at": SEEN, "version": 1, "first_seen_at": SEEN, "last_seen_at": SEEN}
    with layout.jsonl("article").open("w", encoding="utf-8") as out:
        for n in range(articles):
            out.write(json.dumps({"article_id": str(100000 + n), "url": f"https://vpk.name/news/{100000 + n}_x.html",
                                  "title": " ".join(rng.choices(WORDS, k=8)), "published_at": published(n, articles).isoformat(),
                                  "body": " ".join(rng.choices(WORDS, k=300)), "views": rng.randrange(10**5),
                                  "comments_count": comments // articles, **stamp}, ensure_ascii=False) + "\n")
    per = comments // articles
    with layout.jsonl("comment").open("w", encoding="utf-8") as out:
        for n in range(comments):
            article = 100000 + n // per if n // per < articles else 100000 + articles - 1
            posted = published(article - 100000, articles) + timedelta(hours=1 + n % per)
            out.write(json.dumps({"article_id": str(article), "comment_id": str(10**7 + n), "number": n % per + 1,
                                  "author": f"user{rng.randrange(5000)}", "posted_at": posted.isoformat(),
                                  "text": " ".join(rng.choices(WORDS, k=25)), "deleted": False, **stamp},
                                 ensure_ascii=False) + "\n")
    layout.manifest.write_text(json.dumps({"run_id": folder.name, "started_at": SEEN}))
    return sum(path.stat().st_size for _, path in layout.exports())


def write_day(folder: Path, articles: int, comments: int, new: int = 20_000, young: int = 270, old: int = 30) -> None:
    """A day's run after the first: ``new`` comments under the newest 1,000 articles, and one
    comment edited and one deleted in each of ``young`` threads of the last month and ``old``
    threads before it (moderation comes mostly within days of a comment); no thread twice."""
    layout = RunLayout(folder)
    folder.mkdir(parents=True)
    rng, day = random.Random(2), "2018-09-16T09:00:00+00:00"
    stamp = {"crawled_at": day, "first_seen_at": SEEN, "last_seen_at": day}
    per = comments // articles
    with layout.jsonl("comment").open("w", encoding="utf-8") as out:
        for n in range(new):
            article = articles - 1 - n % 1000
            out.write(json.dumps({"article_id": str(100000 + article), "comment_id": str(9 * 10**7 + n),
                                  "number": per + 1 + n // 1000, "author": f"user{rng.randrange(5000)}",
                                  "posted_at": "2018-09-16T11:00:00+03:00", "text": " ".join(rng.choices(WORDS, k=25)),
                                  "deleted": False, "version": 1, **stamp, "first_seen_at": day}, ensure_ascii=False) + "\n")
        before, last_month = range(max(0, articles - 3000)), range(max(0, articles - 3000), articles)
        for article in rng.sample(last_month, min(young, len(last_month))) + rng.sample(before, min(old, len(before))):
            edited, gone = 10**7 + article * per, 10**7 + article * per + 1
            posted = published(article, articles) + timedelta(hours=1)
            out.write(json.dumps({"article_id": str(100000 + article), "comment_id": str(edited), "number": 1,
                                  "author": "user1", "posted_at": posted.isoformat(), "text": "исправлено",
                                  "deleted": False, "version": 2, **stamp}, ensure_ascii=False) + "\n")
            out.write(json.dumps({"article_id": str(100000 + article), "comment_id": str(gone), "number": 2,
                                  "deleted": True, "version": 2, **stamp}, ensure_ascii=False) + "\n")
    layout.jsonl("article").write_text("", encoding="utf-8")
    layout.manifest.write_text(json.dumps({"run_id": folder.name, "started_at": day}))


def dataset(exports: Path, folder: Path, articles: int, comments: int) -> None:
    from bench.dataset import build, disk_usage, months_written

    out = folder / "dataset"
    shutil.rmtree(builds_dir(out), ignore_errors=True)  # a kept folder: as the first time
    out.unlink(missing_ok=True)
    seconds, rss, _ = build(exports, out)
    first = out.resolve()
    size = disk_usage(first)
    print(f"dataset from nothing: {seconds:.0f} s, peak RSS {rss:.0f} MB, {size / 2**30:.1f} GB")
    write_day(exports / SPIDER / "day1", articles, comments)
    alone = disk_usage(first.parent, exclude="cache")
    seconds, rss, peak = build(exports, out)
    written, months = months_written(out, "comments")
    print(f"rebuilt after a day's run: {seconds:.0f} s, peak RSS {rss:.0f} MB, at most {(peak - alone) / 2**20:,.0f} MB "
          f"of disk beside the first build ({(peak - alone) / size:.1%}); comment months written again "
          f"{written} of {months}")


def rebuild_state(exports: Path, state: Path) -> dict[str, float]:
    code = ("import json, sys, time; from pathlib import Path; from scrapy.settings import Settings; "
            "from newscrawl.runs import rebuild; from newscrawl.state.store import open_store; "
            "sizes = []; states = rebuild.Latest.states; "
            "rebuild.Latest.states = lambda self: (sizes.append(Path(self.db.execute('PRAGMA database_list').fetchone()[2]).stat().st_size), states(self))[1]; "
            "store = open_store(sys.argv[2]); started = time.monotonic(); "
            "done = rebuild.rebuild(store, Path(sys.argv[1]), Settings()); store.close(); "
            "print(json.dumps({'seconds': time.monotonic() - started, 'comments': done.comments, 'scratch_mb': sizes[0] / 2**20, "
            "'peak_rss_mb': int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))) / 1024}))")
    result = subprocess.run([sys.executable, "-c", code, str(exports / SPIDER), str(state)], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"rebuild_state failed:\n{result.stderr[-3000:]}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    found["state_mb"] = state.stat().st_size / 2**20
    return found


def listing_walks(articles: int, budget: int, per_page: int = 20, head: int = 2) -> tuple[int, int]:
    """The largest number of listing pages one run reads while a whole walk of ``articles``
    is due, and the runs it takes; the head (``head`` pages of young articles) is read by each."""
    pages = -(-articles // per_page)
    resume, began, runs, largest = None, None, 0, 0
    while True:
        walk = ListingWalk(stop_after=int(defaults.LISTING_STOP_AFTER_KNOWN), full_reason="due", budget=budget,
                           resume_url=resume, began_at=began)
        url: str | None = "0"
        while url is not None:
            number = int(url)
            walk.read()
            for _ in range(per_page):
                walk.see(None, number >= head)
            url = walk.after(str(number), str(number + 1) if number + 1 < pages else None)
        runs += 1
        largest = max(largest, walk.pages)
        meta = walk.meta_after("t")
        if walk.reached_end:
            return largest, runs
        resume, began = meta["whole_walk_resume_url"], meta["whole_walk_began_at"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=600_000)
    parser.add_argument("--comments", type=int, default=10_000_000)
    parser.add_argument("--keep", help="a folder to write the run to and keep (reused when it holds it)")
    parser.add_argument("--dataset", action="store_true", help="also build the dataset, and again after a day's run")
    args = parser.parse_args()
    budget = int(defaults.WHOLE_WALK_BUDGET)
    largest, runs = listing_walks(args.articles, budget)
    print(f"listing of {args.articles:,} articles ({-(-args.articles // 20):,} pages): a whole walk takes {runs} runs "
          f"at WHOLE_WALK_BUDGET={budget}; the largest listing walk a single run makes: {largest:,} pages "
          f"(without the budget: {listing_walks(args.articles, 0)[0]:,})")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        exports, run = folder / "exports", folder / "exports" / SPIDER / "day0"
        shutil.rmtree(exports / SPIDER / "day1", ignore_errors=True)  # a kept folder's day's run: written again
        started = time.monotonic()
        if not run.exists():
            size = write_run(run, args.articles, args.comments)
            print(f"one run of {args.articles:,} articles and {args.comments:,} comments: {size / 2**30:.1f} GB of "
                  f"JSONL (written in {time.monotonic() - started:.0f} s)")
        state = folder / "state.sqlite"
        state.unlink(missing_ok=True)
        found = rebuild_state(exports, state)
        print(f"rebuild_state: {found['comments']:,} comments in {found['seconds']:.0f} s, peak RSS "
              f"{found['peak_rss_mb']:.0f} MB, scratch file {found['scratch_mb']:,.0f} MB, state {found['state_mb']:,.0f} MB")
        if args.dataset:
            state.unlink()
            dataset(exports, folder, args.articles, args.comments)


if __name__ == "__main__":
    main()
