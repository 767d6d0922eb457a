"""``python -m newscrawl run``: one scheduled crawl, for cron, systemd timers and the like;
``python -m newscrawl dataset``: one dataset from every run (``newscrawl.dataset``).

    python -m newscrawl run [-a NAME=VALUE]... [-s NAME=VALUE]...
    python -m newscrawl dataset [-s NAME=VALUE]...
    python -m newscrawl reextract [--runs ID,ID|all] [-s NAME=VALUE]...

The same as ``scrapy crawl vpk`` (newscrawl's crawl command: the state's run lock, the checks
before a run, the verdict), plus one JSON line on stdout with the verdict for the scheduler's
log. Exit status: 0 healthy, 1 failed or unhealthy (see the run's ``manifest.json``), 2 refused
to start, 75 another run holds the lock (try later), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy.cmdline import execute


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
                                help="setting override (EXPORTS_DIR, DATASET_DIR, DATASET_MEMORY_LIMIT)")
    again = commands.add_parser("reextract", help="make the items again from the WARC archives of runs, without the site")
    again.add_argument("--runs", default="all", help="run ids with commas, or all (default)")
    again.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="setting override")
    args = parser.parse_args(argv)
    if args.command == "reextract":
        execute(["scrapy", "crawl", "vpk", "--summary", "-a", f"run_id=reextract-{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
                 *_settings(REEXTRACT_SETTINGS), "-s", f"REEXTRACT_RUNS={args.runs}", *_settings(args.settings)])
    if args.command == "dataset":
        return build_dataset(args.settings)
    command = ["scrapy", "crawl", "vpk", "--summary"]
    for value in args.arguments:
        command += ["-a", value]
    for value in args.settings:
        command += ["-s", value]
    execute(command)  # exits with the crawl command's status


# A re-extraction reads the archives only: every request is answered by them, robots.txt is not
# asked for, and no new archive is written of what is already archived.
REEXTRACT_SETTINGS = [
    'DOWNLOAD_HANDLERS={"http": "newscrawl.archive.ArchiveDownloadHandler", '
    '"https": "newscrawl.archive.ArchiveDownloadHandler"}',
    "ROBOTSTXT_OBEY=False", "ARCHIVE_ENABLED=False",
]


def _settings(values: list[str]) -> list[str]:
    return [token for value in values for token in ("-s", value)]


def build_dataset(overrides: list[str]) -> None:
    from scrapy.utils.project import get_project_settings

    from newscrawl.dataset import Builder

    settings = get_project_settings()
    for value in overrides:
        name, sep, setting = value.partition("=")
        if not sep:
            raise SystemExit(f"newscrawl: expected NAME=VALUE, got {value!r}")
        settings.set(name, setting, priority="cmdline")
    out = Path(settings.get("DATASET_DIR"))
    summary = Builder(Path(settings.get("EXPORTS_DIR")), out, settings.get("DATASET_MEMORY_LIMIT")).build()
    left_out = "; ".join(f"{run}: {why}" for run, why in summary["runs_left_out"].items()) or "none"
    print(f"newscrawl: dataset in {out}/ from {len(summary['runs_included'])} runs in {summary['seconds']} s: "
          f"{summary['articles']} articles, {summary['comments']} comments ({summary['deleted_comments']} deleted); "
          f"runs left out: {left_out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
