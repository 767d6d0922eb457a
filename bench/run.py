"""``make bench``: newscrawl against bare Scrapy (ceiling) and a plain spider (peer), in one run.

    python -m bench.run [--articles 5000] [--rounds 3] [--spiders ceiling,peer,newscrawl] [--browser]
                        [--no-distributed] [--layers]
    python -m bench.run --profile [--articles 1000]

Starts the replica (no JavaScript-only comments, so all three fetch exactly the same URLs:
listing pages, articles, comment pages), crawls it with each spider in alternating rounds and
quotes medians (``--layers`` adds newscrawl with its layers turned off one after another, so
that each layer's cost a page is measured in the same rounds); then a shared crawl of the same replica by one worker and by two
(``bench.distributed``). Then the micro-benchmarks: dates and counters against plain dateparser, the
extraction cost of one page, and (``--browser``) what a page through Chromium costs against a
plain one.
Writes bench/results.json and prints a table. ``--profile`` instead runs newscrawl's crawl once
under cProfile and prints where its time goes (bench/profile.out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.distributed import distributed_benchmark, print_rows
from bench.processes import cpu_seconds, start_replica
from newscrawl.pages.vpk import SPIDER
from tests.settings import REPLICA_SPEED, speed_args

ROOT = Path(__file__).resolve().parent.parent


def crawl_urls(url: str, *replica_args: str) -> list[str]:
    """Every page newscrawl's crawl fetches: listing pages, articles, comment pages.

    Read from the replica's truth line by line: the benchmark process stays small, and so does
    what its crawls inherit (Linux carries a process's peak RSS across fork and exec).
    """
    proc = subprocess.Popen([sys.executable, "-m", "tests.replica", "--dump-truth", "--base-url", url.rstrip("/"),
                             *replica_args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    articles, comment_pages = [], set()
    for line in proc.stdout:
        record = json.loads(line)
        if record["_type"] == "article":
            articles.append(record["url"])
        elif "/comments/" in record["page_url"]:
            comment_pages.add(record["page_url"])
    proc.wait()
    listing = [f"{url}news/"] + [f"{url}news/?page={n}" for n in range(2, -(-len(articles) // 20) + 1)]
    return listing + articles + sorted(comment_pages)


def newscrawl_settings(*names: str) -> dict[str, Any]:
    code = f"import json; from newscrawl import settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    return json.loads(subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                                     text=True).stdout)


def run_measured(command: list[str], cwd: Path, env: dict[str, str], replica_pid: int) -> dict[str, float]:
    """Run a crawl; its own CPU time and peak RSS come from wait4, the replica's CPU from /proc."""
    replica_before = cpu_seconds(replica_pid)
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    if status:
        raise RuntimeError(f"{command} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
            "replica_cpu_s": cpu_seconds(replica_pid) - replica_before}


def newscrawl_crawl(url: str, folder: Path) -> list[str]:
    """The arguments after ``python`` for newscrawl's full crawl of the replica, into ``folder``."""
    return ["-m", "scrapy", "crawl", SPIDER, "-a", f"start_url={url}news/", "-a", "run_id=bench",
            "-s", f"EXPORTS_DIR={folder}", "-s", f"STATE_URI={folder / 'state.sqlite'}", "-s", "LOG_LEVEL=WARNING",
            *speed_args()]


def layers_off() -> dict[str, list[str]]:
    """newscrawl's crawl with its layers turned off one after another (``--layers``), by the row's
    name: the ``-s`` settings of each. A row keeps the layers of the rows above it off, so the
    difference between two rows is what one layer costs a page. Each layer is what it guarantees:
    the WARC (every record points to the page it came from), the state (versions, deletions,
    dedupe within and across runs), the page checks (a page proves what it is before it is read),
    the exports (the JSONL log the state commits against, and the CSV files)."""
    middlewares = newscrawl_settings("DOWNLOADER_MIDDLEWARES")["DOWNLOADER_MIDDLEWARES"]
    del middlewares["newscrawl.fetch.middlewares.WholePages"]
    steps = [("no warc", "ARCHIVE_ENABLED=0"), ("no state", "ITEM_PIPELINES={}"),
             ("no checks", f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}"), ("no exports", "FEEDS={}")]
    return {name: [setting for _, setting in steps[: i + 1]] for i, (name, _) in enumerate(steps)}


def crawl_once(spider: str, url: str, url_file: Path, work: Path, replica_pid: int,
               off: list[str] | None = None) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(dir=work))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if spider == "newscrawl" or off is not None:
        command = [sys.executable, *newscrawl_crawl(url, folder), *(f"-s{setting}" for setting in off or ())]
        measured = run_measured(command, ROOT, env, replica_pid)
        stats = json.loads((folder / SPIDER / "bench" / "manifest.json").read_text())["stats"]
    else:
        stats_file = folder / "stats.json"
        command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"urls={url_file}", "-a", f"stats={stats_file}",
                   "-s", "LOG_LEVEL=WARNING"]
        if spider == "ceiling":
            ours = {**newscrawl_settings("CONCURRENT_REQUESTS", "CONCURRENT_ITEMS"),
                    "CONCURRENT_REQUESTS_PER_DOMAIN": REPLICA_SPEED["CONCURRENT_REQUESTS_PER_DOMAIN"]}
            command += [f"-s{name}={value}" for name, value in ours.items()]
        env["SCRAPY_SETTINGS_MODULE"] = "bench.settings"
        measured = run_measured(command, folder, env, replica_pid)
        stats = json.loads(stats_file.read_text())
    pages = stats.get("response_received_count", 0)
    # newscrawl writes its CSV files from the JSONL after the spider closed: that is crawl time too
    elapsed = stats["elapsed_time_seconds"] + stats.get("newscrawl/csv_seconds", 0)
    return {**measured, "pages": pages, "items": stats.get("item_scraped_count", 0), "elapsed_s": elapsed,
            "pages_per_s": pages / elapsed, "items_per_s": stats.get("item_scraped_count", 0) / elapsed,
            "cpu_ms_per_page": 1000 * measured["cpu_s"] / max(pages, 1),
            "replica_cpu_share": measured["replica_cpu_s"] / elapsed}


def crawl_benchmark(articles: int, rounds: int, spiders: list[str], work: Path,
                    layers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    layers = layers or {}
    spiders = spiders + list(layers)
    replica, url = start_replica("--articles", str(articles), "--js-share", "0")
    try:
        urls = crawl_urls(url, "--articles", str(articles), "--js-share", "0")
        url_file = work / "urls.txt"
        url_file.write_text("\n".join(urls))
        runs: dict[str, list[dict[str, float]]] = {s: [] for s in spiders}
        for round_number in range(rounds):
            order = spiders[round_number % len(spiders):] + spiders[: round_number % len(spiders)]
            for spider in order:
                result = crawl_once(spider, url, url_file, work, replica.pid, layers.get(spider))
                runs[spider].append(result)
                print(f"  round {round_number + 1} {spider:<10} {result['pages_per_s']:7.0f} pages/s "
                      f"{result['cpu_ms_per_page']:5.2f} CPU ms/page {result['peak_rss_mb']:6.0f} MB", flush=True)
    finally:
        replica.terminate()
        replica.wait()
    medians = {s: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for s, rs in runs.items()}
    return {"articles": articles, "urls": len(urls), "rounds": rounds, "median": medians, "runs": runs,
            "layers_off": list(layers)}


def date_benchmark() -> dict[str, Any]:
    """Ours against plain dateparser on the common forms, and on the whole table of forms."""
    import dateparser

    from newscrawl.extract.normalize import parse_ru_count
    from tests.extract.cases_ru_dates import EDGES, GROUPS

    # The common forms: what vpk.name and its peers put on most pages.
    common = [(now, text, expected) for name, now, rows in GROUPS for text, expected in rows
              if name.startswith(("vpk.name", "as printed by ТАСС", "as printed by topwar")) and expected]
    broad = [(now, text, expected) for _, now, rows in GROUPS for text, expected in rows] + EDGES
    dateparser.parse("1 января 2018", languages=["ru"])  # load its language data outside the timing
    counters = ["1465", "+2", "1,2 тыс.", "1 465", "Комментарии (12)", "−3", "12к", "нет комментариев"]
    count_s = min(timeit.repeat(lambda: [parse_ru_count(c) for c in counters], number=2000, repeat=5)) / (2000 * len(counters))
    return {"common": _date_mix(common), "broad": _date_mix(broad), "count_us": count_s * 1e6}


def _date_mix(rows: list[tuple[datetime, str, str | None]]) -> dict[str, Any]:
    import dateparser

    from newscrawl.extract.normalize import MOSCOW, parse_ru_datetime

    settings = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past"}

    def ours() -> list[Any]:
        return [parse_ru_datetime(text, now) for now, text, _ in rows]

    def theirs() -> list[Any]:
        return [dateparser.parse(text, languages=["ru"], settings={**settings, "RELATIVE_BASE": now.replace(tzinfo=None)})
                for now, text, _ in rows]

    def right(results: list[Any]) -> int:  # dateparser's are naive: Moscow's wall clock
        written = [r and (r.replace(tzinfo=MOSCOW) if r.tzinfo is None else r).isoformat() for r in results]
        return sum(w == e for w, (_, _, e) in zip(written, rows, strict=True))

    real_parse, fallbacks = dateparser.parse, []
    dateparser.parse = lambda *a, **kw: fallbacks.append(a) or real_parse(*a, **kw)  # counts what reaches it
    try:
        ours_results = ours()
    finally:
        dateparser.parse = real_parse
    ours_s = min(timeit.repeat(ours, number=20, repeat=5)) / (20 * len(rows))
    theirs_s = min(timeit.repeat(theirs, number=1, repeat=3)) / len(rows)
    return {"strings": len(rows), "ours_us": ours_s * 1e6, "dateparser_us": theirs_s * 1e6,
            "speedup": theirs_s / ours_s, "fallback_share": len(fallbacks) / len(rows),
            "ours_right": right(ours_results), "dateparser_right": right(theirs())}


def extraction_benchmark() -> dict[str, float]:
    from scrapy.http import HtmlResponse

    from newscrawl.crawl.commentwalk import CommentWalk
    from newscrawl.pages.html import fetched_at
    from newscrawl.pages.versions import REGISTRY, Version
    from newscrawl.pages.vpk import ArticlePage, CommentsPage

    def stored(pattern: str) -> HtmlResponse:
        (page,) = (ROOT / "tests" / "pages" / SPIDER).glob(f"{pattern}.html")
        meta = json.loads(page.with_suffix(".json").read_text())
        return HtmlResponse(meta["url"], body=page.read_bytes(), headers=meta["headers"])

    article, comments = stored("article_*_seed"), stored("comments_*_nested_quotes")

    def article_page() -> None:
        page = ArticlePage(article.replace())  # a fresh response: no cached selector
        page.article()
        list(page.comments())

    def comment_page() -> None:
        list(CommentsPage(comments.replace()).comments())

    checked = CommentsPage(comments.replace())
    checked.problem()  # the shape check WholePages did before: the page parsed, its comments found
    shown = checked.evidence()
    walk = CommentWalk(next(iter(shown.article_ids)), article.url)
    walk.current.planned = [(shown.current or 1, shown.url)]  # the walk that asked for this page
    walk.per_page, walk.pages = 20, shown.current  # what page 1 of its thread showed: the last page, 20 a page

    def page_checks() -> None:  # what WholePages asks of a comment page besides its shape (no state lookup)
        checked._evidence = None
        assert walk.check(checked.evidence()) is None

    def choosing_a_version() -> None:  # what each page pays once versions are learned (pages/versions.py)
        REGISTRY.at(fetched_at(article))

    learned = [Version(f"learned-{year}", datetime(year, 1, 1, tzinfo=UTC), {}) for year in range(2020, 2025)]
    before, _ = REGISTRY.versions, REGISTRY.set(learned)
    version_us = min(timeit.repeat(choosing_a_version, number=20000, repeat=5)) / 20000 * 1e6
    REGISTRY.set(before)
    n = 200
    return {"choosing_version_us": version_us,
            "article_page_us": min(timeit.repeat(article_page, number=n, repeat=5)) / n * 1e6,
            "comment_page_us": min(timeit.repeat(comment_page, number=n, repeat=5)) / n * 1e6,
            "page_checks_us": min(timeit.repeat(page_checks, number=n, repeat=5)) / n * 1e6,
            "comments_on_comment_page": len(list(CommentsPage(comments).comments()))}


def browser_benchmark(work: Path) -> dict[str, float]:
    """Extra time a page through Chromium costs: the same small site, with and without JS-only comments."""
    results = {}
    for share in ("0", "1"):
        replica, url = start_replica("--articles", "60", "--js-share", share)
        try:
            results[share] = crawl_once("newscrawl", url, work / "none", work, replica.pid)
            folder = max(work.iterdir(), key=lambda p: p.stat().st_mtime)
            results[share]["browser_pages"] = json.loads(
                (folder / SPIDER / "bench" / "manifest.json").read_text())["stats"].get("newscrawl/browser_pages", 0)
        finally:
            replica.terminate()
            replica.wait()
    plain, browser = results["0"], results["1"]
    pages = browser["browser_pages"]
    return {"browser_pages": pages, "plain_ms_per_page": 1000 * plain["elapsed_s"] / plain["pages"],
            "extra_ms_per_browser_page": 1000 * (browser["elapsed_s"] - plain["elapsed_s"]) / max(pages, 1),
            "extra_cpu_ms_per_browser_page": 1000 * (browser["cpu_s"] - plain["cpu_s"]) / max(pages, 1)}


def profile_crawl(articles: int, work: Path, out: Path) -> None:
    """newscrawl's crawl of the replica under cProfile: where the time goes, function by function."""
    replica, url = start_replica("--articles", str(articles), "--js-share", "0")
    try:
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), *newscrawl_crawl(url, work)], cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    finally:
        replica.terminate()
        replica.wait()
    for order in ("tottime", "cumulative"):
        pstats.Stats(str(out)).strip_dirs().sort_stats(order).print_stats(25)
    print(f"Written to {out.relative_to(ROOT)} (python -m pstats {out.relative_to(ROOT)} to explore)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--spiders", default="ceiling,peer,newscrawl")
    parser.add_argument("--browser", action="store_true", help="also measure what a page through Chromium costs")
    parser.add_argument("--profile", action="store_true",
                        help="only profile newscrawl's crawl (cProfile) and print where its time goes")
    parser.add_argument("--layers", action="store_true",
                        help="also crawl with newscrawl's layers turned off one after another: what each costs a page")
    parser.add_argument("--no-distributed", dest="distributed", action="store_false",
                        help="leave out the shared crawl's rows (one worker, two workers, through Redis)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()
    spiders = args.spiders.split(",")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.profile:
            profile_crawl(args.articles, work, ROOT / "bench" / "profile.out")
            return
        print(f"Crawl: replica with {args.articles} articles, {args.rounds} rounds of {', '.join(spiders)}")
        crawl = crawl_benchmark(args.articles, args.rounds, spiders, work, layers_off() if args.layers else None)
        shared = distributed_benchmark(args.articles, work) if args.distributed else None
        dates, extraction = date_benchmark(), extraction_benchmark()
        browser = browser_benchmark(work) if args.browser else None

    median = crawl["median"]

    def ratio(a: str, b: str) -> float | None:
        return median[a]["pages_per_s"] / median[b]["pages_per_s"] if a in median and b in median else None

    results = {
        "date": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": {p: version(p) for p in ("scrapy", "parsel", "lxml", "dateparser", "scrapy-playwright")},
        "crawl": crawl,
        "ratio_vs_ceiling": ratio("newscrawl", "ceiling"),
        "ratio_vs_peer": ratio("newscrawl", "peer"),
        "peak_rss_mb": median.get("newscrawl", {}).get("peak_rss_mb"),
        "distributed": shared,
        "dates": dates,
        "date_speedup_vs_dateparser": dates["common"]["speedup"],
        "date_speedup_vs_dateparser_broad": dates["broad"]["speedup"],
        "extraction": extraction,
        "browser": browser,
    }
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print_table(results)
    print(f"\nWritten to {args.out}")


def print_layers(crawl: dict[str, Any]) -> None:
    """What each layer costs a page (CPU), and newscrawl/peer (pages/s) without it and those above it."""
    median, rows = crawl["median"], ["newscrawl", *crawl.get("layers_off", ())]
    if len(rows) == 1 or "newscrawl" not in median:
        return
    print("\nnewscrawl's layers, turned off one after another (each row also without the rows above it)")
    print(f"{'':<10} {'CPU ms/page':>12} {'the layer':>10} {'vs peer':>8}")
    for above, row in zip(rows, rows[1:], strict=False):
        cost = median[above]["cpu_ms_per_page"] - median[row]["cpu_ms_per_page"]
        versus = f"{median[row]['pages_per_s'] / median['peer']['pages_per_s']:8.2f}" if "peer" in median else ""
        print(f"{row:<10} {median[row]['cpu_ms_per_page']:12.2f} {cost:10.2f} {versus}")


def print_table(results: dict[str, Any]) -> None:
    crawl = results["crawl"]
    print(f"\nCrawl of {crawl['urls']} pages ({crawl['articles']} articles), median of {crawl['rounds']} rounds")
    print(f"{'spider':<10} {'pages/s':>8} {'items/s':>8} {'CPU ms/page':>12} {'peak RSS MB':>12} {'replica CPU':>12}")
    for spider, m in crawl["median"].items():
        print(f"{spider:<10} {m['pages_per_s']:8.0f} {m['items_per_s']:8.0f} {m['cpu_ms_per_page']:12.2f} "
              f"{m['peak_rss_mb']:12.0f} {m['replica_cpu_share']:11.0%}")
    for key in ("ratio_vs_ceiling", "ratio_vs_peer"):
        if results[key] is not None:
            print(f"newscrawl {key.replace('_', ' ')}: {results[key]:.2f}")
    print_layers(crawl)
    if results["distributed"]:
        print_rows(results["distributed"])
    d = results["dates"]
    for mix, label in (("common", "common forms"), ("broad", "forms, the whole table")):
        m = d[mix]
        print(f"{'' if mix == 'broad' else chr(10)}Dates, {m['strings']} {label}: ours {m['ours_us']:.1f} µs, "
              f"dateparser {m['dateparser_us']:.0f} µs per call: {m['speedup']:.0f}x; right: ours {m['ours_right']}, "
              f"dateparser {m['dateparser_right']}; {m['fallback_share']:.1%} of calls reach the fallback")
    print(f"Counters: {d['count_us']:.1f} µs per call")
    e = results["extraction"]
    print(f"Extraction: article page {e['article_page_us']:.0f} µs, comment page of "
          f"{e['comments_on_comment_page']} comments {e['comment_page_us']:.0f} µs")
    if "newscrawl" in crawl["median"]:
        per_page_us = crawl["median"]["newscrawl"]["cpu_ms_per_page"] * 1000
        print(f"Page checks (is it the page the walk asked for): {e['page_checks_us']:.0f} µs a comment page, "
              f"{e['page_checks_us'] / per_page_us:.1%} of newscrawl's CPU a page (target: under 5%)")
        print(f"Choosing a site version (five learned): {e['choosing_version_us']:.1f} µs a page, "
              f"{e['choosing_version_us'] / per_page_us:.2%} of newscrawl's CPU a page (target: under 2%)")
    if results["browser"]:
        b = results["browser"]
        print(f"Browser: {b['browser_pages']} pages through Chromium, {b['extra_ms_per_browser_page']:.0f} ms more each "
              f"({b['extra_cpu_ms_per_browser_page']:.0f} CPU ms) than a plain page ({b['plain_ms_per_page']:.1f} ms)")


if __name__ == "__main__":
    main()
