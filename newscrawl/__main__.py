"""``python -m newscrawl run``: one scheduled crawl, for cron, systemd timers and the like.

    python -m newscrawl run [-a NAME=VALUE]... [-s NAME=VALUE]...

Takes a lock so that two runs never overlap, runs the ``vpk`` spider with the project's
settings, and exits with the run's verdict: 0 healthy, 1 failed or unhealthy (see the run's
``manifest.json``), 75 another run holds the lock (try later).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from newscrawl.feeds import run_dir

EXIT_UNHEALTHY = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL: cron and systemd treat it as "try again later"


def _pairs(values: list[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep:
            raise SystemExit(f"expected NAME=VALUE, got {value!r}")
        pairs[name] = setting
    return pairs


def run(spider_args: dict[str, str], overrides: dict[str, str]) -> int:
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    lock_path = Path(settings.get("RUN_LOCK"))
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"newscrawl: another run holds {lock_path}; not starting", file=sys.stderr)
            return EXIT_LOCKED
        process = CrawlerProcess(settings)
        crawler = process.create_crawler("vpk")
        process.crawl(crawler, **spider_args)
        process.start()
        manifest_path = run_dir(crawler.spider) / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    if manifest is None:
        print("newscrawl: the run left no manifest", file=sys.stderr)
        return EXIT_UNHEALTHY
    print(json.dumps({"manifest": str(manifest_path), "healthy": manifest["healthy"],
                      "problems": manifest["problems"], "counts": manifest["counts"]}, ensure_ascii=False))
    return 0 if manifest["healthy"] else EXIT_UNHEALTHY


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newscrawl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="one scheduled crawl of the site")
    run_parser.add_argument("-a", dest="arguments", action="append", default=[], metavar="NAME=VALUE",
                            help="spider argument (start_url, run_id, full, force)")
    run_parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                            help="setting override")
    args = parser.parse_args(argv)
    return run(_pairs(args.arguments), _pairs(args.settings))


if __name__ == "__main__":
    sys.exit(main())
