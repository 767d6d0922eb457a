"""``python -m newscrawl run``: one scheduled crawl, for cron, systemd timers and the like.

    python -m newscrawl run [-a NAME=VALUE]... [-s NAME=VALUE]...

The same as ``scrapy crawl vpk`` (newscrawl's crawl command: the state's run lock, the checks
before a run, the verdict), plus one JSON line on stdout with the verdict for the scheduler's
log. Exit status: 0 healthy, 1 failed or unhealthy (see the run's ``manifest.json``), 2 refused
to start, 75 another run holds the lock (try later), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys

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
    args = parser.parse_args(argv)
    command = ["scrapy", "crawl", "vpk", "--summary"]
    for value in args.arguments:
        command += ["-a", value]
    for value in args.settings:
        command += ["-s", value]
    execute(command)  # exits with the crawl command's status


if __name__ == "__main__":
    sys.exit(main())
