"""``python -m newscrawl run``: one scheduled crawl, for cron, systemd timers and the like;
``python -m newscrawl dataset``: one dataset from every run (``newscrawl.runs.dataset``).

    python -m newscrawl run [-a NAME=VALUE]... [-s NAME=VALUE]...
    python -m newscrawl dataset [-s NAME=VALUE]...
    python -m newscrawl reextract [--runs ID,ID|all] [-j N] [-s NAME=VALUE]...
    python -m newscrawl evidence ID [-s EXPORTS_DIR=…]
    python -m newscrawl learn --run ID | --url URL --record FILE [-s NAME=VALUE]...
    python -m newscrawl browse [--port 8001] [-s DATASET_DIR=…]
    python -m newscrawl distributed seed|status [--start-url URL] [--wait] -s REDIS_URL=redis://…

The same as ``scrapy crawl vpk`` (newscrawl's crawl command: the state's run lock, the checks
before a run, the verdict), plus one JSON line on stdout with the verdict for the scheduler's
log. Exit status: 0 healthy, 1 failed or unhealthy (see the run's ``manifest.json``), 2 refused
to start, 75 another run holds the lock (try later), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from scrapy.cmdline import execute
from scrapy.settings import BaseSettings

from newscrawl.layout import runs_dir
from newscrawl.pages.site import site


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newscrawl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="one scheduled crawl of the site")
    run_parser.add_argument("-a", dest="arguments", action="append", default=[], metavar="NAME=VALUE",
                            help="spider argument (start_url, run_id, full, force, rebuild_state)")
    run_parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                            help="setting override")
    dataset_parser = commands.add_parser("dataset", help="one dataset from every run (DATASET_DIR)")
    dataset_parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                                help="setting override (EXPORTS_DIR, DATASET_DIR, DATASET_MEMORY_LIMIT, DATASET_THREADS)")
    again = commands.add_parser("reextract", help="make the items again from the WARC archives of runs, without the site")
    again.add_argument("--runs", default="all", help="run ids with commas, or all (default)")
    again.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                       help="worker processes, whole articles to each (default: the cores)")
    again.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="setting override")
    proof = commands.add_parser("evidence", help="an article's or comment's versions and the archived pages they rest on")
    proof.add_argument("item_id", metavar="ID", help="an article id or a comment id")
    proof.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="setting override (EXPORTS_DIR)")
    teach = commands.add_parser("learn", help="a new site version from pages the current one cannot read")
    source = teach.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="a run whose pages were unreadable: learn from them and the archive's records")
    source.add_argument("--url", help="an article page of the site (the first day), with --record")
    teach.add_argument("--record", type=Path, help="with --url: the article's known record, a JSON file "
                       '{"article": {…}, "comments": [{…}, …]} with the exported fields')
    teach.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="setting override (EXPORTS_DIR, SITE_VERSIONS_DIR, LEARN_MAX_PAGES, DOWNLOAD_DELAY)")
    browse = commands.add_parser("browse", help="browse and search the dataset in a browser (Datasette)")
    browse.add_argument("--port", type=int, default=8001, help="the port on 127.0.0.1 (default 8001)")
    browse.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="setting override (DATASET_DIR)")
    shared = commands.add_parser("distributed", help="seed a shared crawl in Redis, or show how far it is")
    shared.add_argument("action", choices=["seed", "status"])
    shared.add_argument("--start-url", default=None, help="seed: the listing the crawl starts from (default: the site's)")
    shared.add_argument("--wait", action="store_true", help="status: print it every few seconds until the crawl is finished")
    shared.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="setting override (REDIS_URL)")
    args = parser.parse_args(argv)
    if args.command == "distributed":
        return distributed(args)
    spider = site(project_settings([])).SPIDER
    if args.command == "reextract":
        return reextract(spider, args)
    if args.command == "dataset":
        return build_dataset(args.settings)
    if args.command == "evidence":
        return evidence(args)
    if args.command == "learn":
        return learn(args, parser)
    if args.command == "browse":
        from newscrawl.browse.server import serve

        return serve(Path(project_settings(args.settings).get("DATASET_DIR")), args.port)
    command = ["scrapy", "crawl", spider, "--summary"]
    for value in args.arguments:
        command += ["-a", value]
    for value in args.settings:
        command += ["-s", value]
    execute(command)  # exits with the crawl command's status


def reextract(spider: str, args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise SystemExit(f"newscrawl: -j takes 1 or more workers, not {args.jobs}")
    run_id = f"reextract-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    crawl = ["scrapy", "crawl", spider, "--summary", "-s", f"REEXTRACT_RUNS={args.runs}",
             *_settings(args.settings)]
    if args.jobs == 1:
        execute([*crawl, "-a", f"run_id={run_id}"])  # exits with the crawl command's status
    from newscrawl.runs import reextract as parallel

    return parallel.run(project_settings(args.settings), spider, run_id, args.jobs, [sys.executable, "-m", *crawl])


def _settings(values: list[str]) -> list[str]:
    return [token for value in values for token in ("-s", value)]


def project_settings(overrides: list[str]) -> BaseSettings:
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for value in overrides:
        name, sep, setting = value.partition("=")
        if not sep:
            raise SystemExit(f"newscrawl: expected NAME=VALUE, got {value!r}")
        settings.set(name, setting, priority="cmdline")
    return settings


def distributed(args: argparse.Namespace) -> int:
    """``seed``: a new shared crawl (the last one's queue, fingerprints and leases gone); ``status``:
    its queue, requests in flight, workers and items; exit status 0 once it is finished, else 3;
    with ``--wait``, 4 when no worker has been alive for ``DISTRIBUTED_LEASE_TTL`` while work waits."""
    from newscrawl.credentials import mask_credentials
    from newscrawl.distributed.keys import CrawlKeys
    from newscrawl.distributed.worker import connect, progress, seed
    from newscrawl.urls import canonical_url

    settings = project_settings(args.settings)
    if not settings.get("REDIS_URL"):
        raise SystemExit("newscrawl: a shared crawl needs -s REDIS_URL=redis://host:port/db")
    crawled = site(settings)
    server, keys = connect(settings), CrawlKeys(crawled.SPIDER)
    where = mask_credentials(settings.get("REDIS_URL"))
    start_url = args.start_url or crawled.START_URL
    if args.action == "seed":
        seed(server, keys, canonical_url(start_url))
        print(f"newscrawl: a new crawl of {start_url} is seeded in {where}; start the workers "
              f"with `scrapy crawl {crawled.SPIDER} -s REDIS_URL=…`", file=sys.stderr)
        return 0
    patience = settings.getfloat("DISTRIBUTED_LEASE_TTL")
    alone_since = None  # when the unfinished crawl was first seen with no live worker
    while True:
        found = progress(server, keys)
        print(f"newscrawl: {found.line()}", file=sys.stderr, flush=True)
        if found.finished_at or not args.wait:
            return 0 if found.finished_at else 3
        alone_since = None if found.workers_alive else alone_since or time.monotonic()  # unfinished, no one on it
        if alone_since is not None and time.monotonic() - alone_since > patience:
            print(f"newscrawl: no worker alive for {patience:.0f} s (DISTRIBUTED_LEASE_TTL) while work waits: start one "
                  f"with `scrapy crawl {crawled.SPIDER} -s REDIS_URL=…`", file=sys.stderr)
            return 4
        time.sleep(min(5.0, patience / 3))


def evidence(args: argparse.Namespace) -> int:
    """Exit status 0 when the item is in the archive, 1 when it is not."""
    from newscrawl.runs.evidence import report

    settings = project_settings(args.settings)
    runs = runs_dir(settings, site(settings).SPIDER)
    if not runs.is_dir():
        raise SystemExit(f"newscrawl: no runs in {runs} (EXPORTS_DIR)")
    lines = list(report(runs, args.item_id))
    print("\n".join(lines))
    return 1 if lines[0].startswith("newscrawl: no record") else 0


def learn(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Exit status 0 when a version was written, 1 when a field could not be learned, 2 on wrong input."""
    from newscrawl.runs import learn as teach

    if args.url and not args.record:
        parser.error("learn --url needs --record FILE, the article's known record")
    settings = project_settings(args.settings)
    try:
        if args.run:
            return teach.from_run(settings, args.run)
        return teach.from_url(settings, args.url, args.record)
    except teach.WrongInput as wrong:
        print(f"newscrawl learn: {wrong}", file=sys.stderr)
        return teach.EXIT_WRONG_INPUT


def build_dataset(overrides: list[str]) -> int:
    from newscrawl.exports import manifest
    from newscrawl.runs.dataset import Builder, BuildRunning

    settings = project_settings(overrides)
    out = Path(settings.get("DATASET_DIR"))
    runs = runs_dir(settings, site(settings).SPIDER)
    try:
        summary = Builder(runs, out, settings.get("DATASET_MEMORY_LIMIT"), settings.getbool("DATASET_SQLITE"),
                          settings.getint("DATASET_THREADS")).build()
    except BuildRunning as running:
        print(f"newscrawl: {running}", file=sys.stderr)
        return manifest.EXIT_LOCKED
    left_out = "; ".join(f"{run}: {why}" for run, why in summary["runs_left_out"].items()) or "none"
    print(f"newscrawl: dataset in {out}/ from {len(summary['runs_included'])} runs in {summary['seconds']} s: "
          f"{summary['articles']} articles, {summary['comments']} comments ({summary['deleted_comments']} deleted); "
          f"runs left out: {left_out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
